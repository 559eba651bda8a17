"""The relay port: what the session engine asks of the issuing back end.

Two adapters implement it: :class:`kiosk.relay_client.https.HttpsRelayClient` (mutual TLS
to a real relay) and :class:`hardware_mocks.relay.virtual.VirtualRelay` (in process, the relay's
own rules, with fault injection). One client object serves one customer session: it
remembers the session id, the kiosk id and the card certificate it authenticated with,
because those are what every document's binding is checked against.

Every method raises only the errors of :mod:`kiosk.relay_client.errors`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from protocol.documents.model import Document
from protocol.menu import MenuItem


class Outcome(StrEnum):
    PRINTED = "printed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the printer had it and never confirmed: possibly issued


@dataclass(frozen=True)
class OpenedSession:
    session_id: str
    challenge: bytes  # 32 random bytes; the card signs challenge_message(...) over them
    expires_in: float  # seconds the relay waits for authenticate


@dataclass(frozen=True)
class Menu:
    """What this resident may request now: types with fees and options, no names."""

    items: tuple[MenuItem, ...]
    household_members: int  # how many people a household-scope 住民票 would list
    koseki_members: int  # how many people a 戸籍全部事項証明書 would list
    max_copies: int

    def item(self, cert_type: str) -> MenuItem | None:
        return next((i for i in self.items if i.type == cert_type), None)


@dataclass(frozen=True)
class Issued:
    """Documents whose bindings were checked against this session (one per copy)."""

    request_id: str
    documents: tuple[Document, ...]
    fee: int  # yen per copy
    amount: int  # fee * copies
    qr: tuple[str, ...] = ()  # the issuer-signed QR payload of each document, in order
    #: The scramble key of each document, in order (32 bytes): print documents[i] with
    #: ``render(documents[i], None, scramble_keys[i], qr_text=qr[i])``. It unlocks only that
    #: document's scrambled face; the master secret stays with the relay.
    scramble_keys: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class RelayInfo:
    protocol: int
    relay_version: str
    build: str  # hash of the relay's issuing code
    topology: str
    storage: str
    municipality: str


class RelayClient(Protocol):
    kiosk_id: str  # the id in this kiosk's certificate: what the relay knows it by

    @property
    def session_id(self) -> str | None:
        """The relay session this client opened last, ``None`` before one is opened."""

    def check_version(self) -> RelayInfo:
        """Raise ``IncompatibleRelay`` unless this kiosk may use the relay."""

    def open_session(self) -> OpenedSession: ...

    def message_to_sign(self, challenge: bytes) -> bytes:
        """challenge_message(challenge, session id, this kiosk's certified id)."""

    def authenticate(self, card_cert_der: bytes, signature: bytes) -> Menu:
        """Send the card's certificate and its signature over challenge_message(...)."""

    def menu(self) -> Menu: ...

    def request_documents(
        self, request_id: str, cert_type: str, options: dict[str, str], copies: int
    ) -> Issued:
        """Ask for ``copies`` documents; safe to repeat with the same ``request_id``."""

    def report_outcome(self, request_id: str, outcome: Outcome, copies: int, amount: int) -> None: ...

    def report_outcome_for(
        self, session_id: str, request_id: str, outcome: Outcome, copies: int, amount: int
    ) -> None:
        """Report for a session this process no longer holds (recovery after a restart)."""

    def send_technician_events(self, records: Sequence[Mapping[str, Any]]) -> int:
        """Deliver diagnostic audit records (``POST /v1/technician-events``, no customer
        session needed); return the highest ``seq`` the relay acknowledged."""

    def send_log_export(self, export_id: str, events: Sequence[Mapping[str, Any]]) -> int:
        """Send a technician's export of structured log events (``POST /v1/log-export``);
        return how many the relay holds."""
