"""What the session engine needs from each device, in the session's own terms.

The engine sees only these protocols and ``kiosk.session.faults``. Adapters over the real
device areas (card layer, relay client, printer, payment) and the in-process simulators
of ``hardware_mocks.session.fakes`` both implement them, so the same engine runs against pcscd,
the relay and CUPS, or entirely in memory for tests and the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from protocol.menu import MenuItem


class Card(Protocol):
    """The My Number card in the reader, JPKI user-authentication application selected."""

    def certificate_der(self) -> bytes: ...

    def tries_left(self) -> int: ...

    def verify_pin(self, pin: bytearray) -> None:
        """Send VERIFY; ``pin`` is zeroed whatever happens. Raises ``WrongPinFault``,
        ``CardFault("pin_locked")`` or ``CardRemovedFault``."""

    def sign(self, message: bytes) -> bytes: ...


class Reader(Protocol):
    def card_present(self) -> bool: ...

    def open_card(self) -> Card:
        """Select the JPKI application of the card in the reader (``CardFault`` if none)."""


@dataclass
class IssuedDocument:
    """The verified documents of one request (one per copy). ``data`` is personal data:
    it stays in the worker; ``pdfs`` are bytearrays the engine zeroes."""

    request_id: str
    doc_type: str
    data: Any
    relay_session: str | None = None  # opaque: lets recovery report the outcome
    pdfs: list[bytearray] = field(default_factory=list)
    pages: int = 0  # physical sides over all copies
    fee: int = 0  # yen per copy, as the relay issued it (checked against the menu)
    amount: int = 0  # fee * copies, as the relay issued it


class Relay(Protocol):
    def open_session(self) -> tuple[str, bytes]:
        """A fresh relay session id and challenge."""

    def challenge_message(self, challenge: bytes, session_id: str) -> bytes: ...

    def authenticate(self, cert_der: bytes, signature: bytes) -> tuple[MenuItem, ...]: ...

    def request_documents(
        self, request_id: str, doc_type: str, options: dict[str, str], copies: int
    ) -> IssuedDocument:
        """The document, its binding to this session already checked
        (``IntegrityFault`` otherwise)."""

    def report_outcome(self, request_id: str, outcome: str, copies: int, amount: int,
                       relay_session: str | None = None) -> None:
        """``outcome`` is printed | cancelled | failed. ``relay_session`` is given by
        recovery, for a session this process never held."""


class Printer(Protocol):
    def preflight(self) -> None:
        """Raise ``PrintFault`` if the printer cannot print now (paper out, offline)."""

    def render(self, document: IssuedDocument) -> None:
        """Fill ``document.pdfs`` (one bytearray per copy) and ``document.pages``."""

    def job_name(self) -> str:
        """A fresh opaque name for the next job (its title at the printer): the engine
        journals it before submitting, so a job is never unknown to recovery."""

    def submit(self, pdf: bytearray, job: str) -> None:
        """Queue one copy as ``job`` (a name from :meth:`job_name`), consenting to print it."""

    def wait(self, job: str, deadline_s: float) -> None:
        """Until the job completed; a fault or the deadline cancels and purges the whole
        job and raises ``PrintFault``. The engine counts progress itself, a copy (one job)
        at a time."""

    def purge(self, job: str | None = None) -> None:
        """Revoke the consent, cancel and remove one job (or, with ``None``, every job of
        this kiosk), and check nothing of it is left; ``PrintFault`` until the printer
        confirms it."""

    def fate(self, job: str) -> str:
        """``printed``, ``not_printed`` or ``unknown``: what became of ``job``. Revokes the
        consent first, so a job that had not reached the printer never will."""

    def forget(self, job: str | None = None) -> None:
        """Drop what was kept to answer :meth:`fate` (``None``: for every job), once the
        fate is journaled."""


@dataclass(frozen=True)
class Payout:
    """Money given back (change or refund); ``voucher`` when the device could not pay
    out all of ``amount`` (the voucher covers the rest)."""

    amount: int
    voucher: str | None = None
    vouchered: int = 0  # the part of ``amount`` the voucher covers (not paid out in coins)
    charged: int = 0  # what the transaction charged, as the ledger says (recovery reports it)


@dataclass(frozen=True)
class PaymentStatus:
    inserted: int
    complete: bool  # paid in full and the device is quiet: print now


class Payment(Protocol):
    def exact_change_only(self, due: int) -> bool:
        """True when the device could not give change for an over-payment of ``due``."""

    def begin(self, txn: str, due: int) -> None: ...

    def pump(self) -> PaymentStatus:
        """Poll the device once (``PaymentFault`` on a jam or a device fault)."""

    def charge(self) -> Payout:
        """After the print: keep ``due`` and pay out the change."""

    def refund(self) -> Payout:
        """Return everything credited in this transaction (never raises: what the device
        cannot pay out becomes a voucher)."""

    def settle_after_crash(self, txn: str, printed: bool) -> Payout:
        """Recovery: charge a printed transaction, refund (or voucher) any other."""


@dataclass
class Devices:
    """The ports one session uses; built in the worker, closed by the wipe."""

    reader: Reader
    relay: Relay
    printer: Printer
    payment: Payment
    close: Callable[[], None] = lambda: None
