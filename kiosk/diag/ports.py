"""What diagnostic mode asks of each device, in a technician's terms.

Each port is small on purpose: diagnostic mode lists, probes and runs one test action per
device, nothing a customer session does. :mod:`kiosk.diag.adapters` implements them over
the device areas (card layer, printer, payment device, relay client, session journal);
tests use scripted fakes. A probe raises any exception to say "this test failed"; the
check turns it into a code (the exception's ``code`` attribute or its class name), never
into its message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class CardProbe(Protocol):
    def readers(self) -> list[tuple[str, bool]]:
        """Reader names with whether the reader policy allows each one."""

    def test_read(self) -> int:
        """Read the certificate of the card in the reader (a technician's test card);
        return the PIN tries left. No PIN is sent and nothing read is shown."""


@dataclass(frozen=True)
class PrinterStatus:
    state: str  # "idle", "processing" or "stopped"
    reasons: tuple[str, ...] = ()  # IPP printer-state-reasons keywords
    supplies: Mapping[str, int] = field(default_factory=dict)  # name -> percent left (-1: unknown)
    accepting: bool = True


class PrinterProbe(Protocol):
    def status(self) -> PrinterStatus: ...

    def test_page(self) -> str:
        """Print a test page (no personal data) to completion; return its job id."""

    def clear_fault(self) -> None:
        """Resume a stopped queue and make it accept jobs again."""


class PaymentProbe(Protocol):
    def self_test(self) -> None:
        """Raise if the device does not answer or reports a fault (jam, reset)."""

    def levels(self) -> Mapping[int, int]:
        """Coins available for change, by denomination."""

    def can_payout(self, amount: int) -> bool: ...

    def empty(self) -> int:
        """Pay out every coin for collection; return the amount paid out."""

    def refill(self, levels: Mapping[int, int]) -> None:
        """Record the coins a technician loaded, by denomination."""

    def parts(self) -> Mapping[str, str]:
        """Each part of the cash device (coin acceptor, each hopper, note validator) and
        its state, ``ok`` or a fault code, from the part's own self-check; empty for a
        device that has no separate parts."""

    def test_payout(self) -> Mapping[int, int]:
        """Pay one coin of each denomination in stock (the technician collects them);
        the coins paid, by denomination."""

    def payouts_in_flight(self) -> Mapping[int, int]:
        """The coins asked of each hopper in a payout whose outcome the hopper could not
        say; empty when there is none."""

    def resolve_payout(self, denomination: int, coins_paid: int) -> None:
        """Record what staff established a payout in flight paid; raises
        ``PaymentError`` for no such payout or more coins than it asked."""


@dataclass(frozen=True)
class RelayStatus:
    reachable: bool
    tls_ok: bool = False
    version_ok: bool = False
    code: str = ""  # why not, when something failed
    relay_version: str = ""
    server_not_after: dt.datetime | None = None
    client_not_after: dt.datetime | None = None
    ca_not_after: dt.datetime | None = None


class RelayProbe(Protocol):
    def probe(self) -> RelayStatus:
        """Connect (TCP, then the mutual TLS handshake), ask the version endpoint, and
        report certificate expiry dates. Never raises for an unreachable relay."""


class SessionGate(Protocol):
    """The customer-session side: diagnostics never run beside a customer."""

    def session_open(self) -> bool: ...

    def end_and_wipe(self) -> None:
        """End the open session (refund, purge, wipe) before diagnostics start."""

    def clear_alarm(self) -> None:
        """Clear an integrity alarm, which keeps the terminal out of service until a
        technician has looked at it."""
