"""The part of the relay client both adapters share: session facts and checks.

A subclass provides only the transport (``_call``: send one JSON body, return the parsed
answer or raise a typed error). Everything that decides whether an answer may be used
lives here, so the fake and the real client cannot disagree about it: the version and
topology check, the session id and card certificate hash this session remembers for
itself, and the binding check of every document.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.relay_client.directory import FederationDirectory
from kiosk.relay_client.errors import (
    IncompatibleRelay,
    IntegrityError,
    KioskRefused,
    KioskRetired,
    KioskSuspended,
    KioskUnknown,
    RelayError,
    RelayProtocolError,
    RelayRefused,
    RelayTimeout,
    RelayUnavailable,
)
from kiosk.relay_client.port import Issued, Menu, OpenedSession, Outcome, RelayInfo
from kiosk.relay_client.verify import SessionFacts, parse_menu, verify_issued
from protocol import refusals, wire
from protocol.challenge import CHALLENGE_BYTES, challenge_message
from protocol.documents.binding import cert_sha256
from protocol.federation.directory import DirectoryError
from protocol.federation.issuers import IssuerTrust
from protocol.log import event
from protocol.technician import log_event_ok, to_wire

LOG = logging.getLogger("kiosk.relay_client")
#: Error codes the kiosk treats as a decision about this customer (shown, not alarmed).
SESSION_CODES = frozenset({wire.ALREADY_ISSUED, wire.SESSION_EXPIRED, wire.UNKNOWN_SESSION,
                           wire.NOT_AUTHENTICATED, wire.UNKNOWN_REQUEST, wire.OUTCOME_CONFLICT})
#: The kiosk register's refusals of this terminal (403): its decision, not a protocol fault.
REGISTER_REFUSALS: dict[str, type[KioskRefused]] = {
    cls.code: cls for cls in (KioskSuspended, KioskRetired, KioskUnknown)}


def error_for(status: int, code: Any) -> RelayError:
    """The typed error for a relay error answer."""
    code = code if isinstance(code, str) and code.isidentifier() and len(code) < 40 else "unknown"
    if status == 503 and code == wire.TIMEOUT:
        return RelayTimeout(code)
    if status == 503 and code == wire.UNAVAILABLE:  # its database is out of reach: it kept nothing
        return RelayUnavailable(wire.UNAVAILABLE)
    if status >= 500:
        return RelayUnavailable(f"http_{status}")
    if status == 403 and code in REGISTER_REFUSALS:
        return REGISTER_REFUSALS[code]()
    if code in refusals.ALL or code in SESSION_CODES:
        return RelayRefused(code)
    return RelayProtocolError(code)


def announced_serial(version: Any) -> int | None:
    """The directory serial a version answer announces; None when it names none (an older
    relay or centre: the held copy is refreshed on its own schedule) or not a serial."""
    serial = version.get(wire.DIRECTORY_SERIAL) if isinstance(version, dict) else None
    if isinstance(serial, int) and not isinstance(serial, bool) and 0 <= serial < 2**63:
        return serial
    return None


def load_issuer_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the issuer key is not an Ed25519 public key")
    return key


def issuer_fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


class SessionClient(ABC):
    """A relay client for one customer session at a time (``open_session`` starts anew)."""

    def __init__(self, kiosk_id: str, issuer_key: Ed25519PublicKey | IssuerTrust,
                 approved_builds: frozenset[str] = frozenset()) -> None:
        """``issuer_key``: the one municipality's issuer key, or (a federation) the trust
        that gives each municipality's keys, a :class:`FederationDirectory` refreshed from
        the centre at each version check. ``approved_builds``: relay builds this kiosk may
        use; empty accepts any build that speaks this protocol."""
        self.kiosk_id = kiosk_id
        self._issuer_key = issuer_key
        self._approved_builds = approved_builds
        self._session_id: str | None = None
        self._facts: SessionFacts | None = None

    @abstractmethod
    def _call(self, path: str, body: dict[str, Any] | None, idempotent: bool) -> Any:
        """POST ``body`` (GET when None) and return the decoded JSON answer."""

    @property
    def session_id(self) -> str | None:
        return self._session_id

    def check_version(self) -> RelayInfo:
        try:
            data = self._call(wire.VERSION_PATH, None, True)
        except RelayError:
            if isinstance(self._issuer_key, FederationDirectory):
                self._issuer_key.current()  # no valid directory either: DirectoryUnavailable says so
            raise
        try:
            info = RelayInfo(
                protocol=data["protocol"], relay_version=str(data["relay_version"]), build=str(data["build"]),
                topology=str(data["topology"]),
                storage=str(data["storage"]), municipality=str(data["municipality"]),
            )
            issuer = data.get("issuer_key_sha256") if isinstance(self._issuer_key, Ed25519PublicKey) else None
        except (KeyError, TypeError) as exc:
            raise IncompatibleRelay("version_answer") from exc
        if info.protocol != wire.PROTOCOL_VERSION or isinstance(info.protocol, bool):
            raise IncompatibleRelay("protocol")
        if info.storage not in wire.TOPOLOGY_STORAGE.get(info.topology, ()):
            raise IncompatibleRelay("topology")
        if info.topology == wire.FEDERATION and not isinstance(self._issuer_key, FederationDirectory):
            raise IncompatibleRelay("topology")  # many municipalities' documents: it needs the anchor
        if isinstance(self._issuer_key, Ed25519PublicKey) and issuer != issuer_fingerprint(self._issuer_key):
            raise IncompatibleRelay("issuer_key")
        if self._approved_builds and info.build not in self._approved_builds:
            raise IncompatibleRelay("build")
        if isinstance(self._issuer_key, FederationDirectory):
            self.refresh_directory(self._issuer_key, announced_serial(data))
        return info

    def refresh_directory(self, held: FederationDirectory, announced: int | None = None) -> None:
        """Fetch the centre's signed directory when the held copy is due for it or the
        centre announced a newer serial (``announced``); keep the held copy when the fetch
        or its check fails; ``DirectoryUnavailable`` when no valid copy is left (the
        terminal then serves no one)."""
        if held.needs_refresh(announced):
            try:
                fetched = self._call(wire.DIRECTORY_PATH, None, True)
                # the signature covers the canonical form of the parsed directory, so the
                # parsed answer verifies as the bytes the centre sent (and, written in the
                # publisher's canonical form, is those bytes again)
                held.accept(json.dumps(fetched, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode("utf-8"), announced)
            except (RelayError, DirectoryError) as exc:
                event(LOG, "kiosk.directory_not_refreshed", logging.WARNING,
                      code=getattr(exc, "code", type(exc).__name__))
        held.current()

    def open_session(self) -> OpenedSession:
        self._session_id = None
        self._facts = None
        data = self._call(wire.SESSION_PATH, {}, False)
        try:
            sid, challenge = data["session_id"], base64.b64decode(data["challenge"], validate=True)
            expires_in = float(data["expires_in"])
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise RelayProtocolError("bad_response") from exc
        if not isinstance(sid, str) or len(challenge) != CHALLENGE_BYTES:
            raise RelayProtocolError("bad_response")
        self._session_id = sid
        return OpenedSession(sid, challenge, expires_in)

    def message_to_sign(self, challenge: bytes) -> bytes:
        """What the card must sign for the session just opened, bound to this kiosk's own
        identity (the one in its client certificate, not a configured name)."""
        return challenge_message(challenge, self._sid(), self.kiosk_id)

    def _sid(self) -> str:
        if self._session_id is None:
            raise RelayProtocolError("no_session")
        return self._session_id

    def authenticate(self, card_cert_der: bytes, signature: bytes) -> Menu:
        sid = self._sid()
        data = self._call(wire.AUTH_PATH, {
            "session_id": sid,
            "card_certificate": base64.b64encode(card_cert_der).decode("ascii"),
            "signature": base64.b64encode(signature).decode("ascii"),
        }, False)
        if not isinstance(data, dict) or data.get("session_id") != sid:
            raise IntegrityError("session_id")
        self._facts = SessionFacts(sid, self.kiosk_id, cert_sha256(card_cert_der))
        return parse_menu(data.get("menu"))

    def _authenticated(self) -> SessionFacts:
        if self._facts is None:
            raise RelayProtocolError("not_authenticated")
        return self._facts

    def menu(self) -> Menu:
        facts = self._authenticated()
        data = self._call(wire.MENU_PATH, {"session_id": facts.session_id}, True)
        if not isinstance(data, dict) or data.get("session_id") != facts.session_id:
            raise IntegrityError("session_id")
        return parse_menu(data.get("menu"))

    def request_documents(self, request_id: str, cert_type: str, options: dict[str, str], copies: int) -> Issued:
        facts = self._authenticated()
        data = self._call(wire.DOCUMENTS_PATH, {
            "session_id": facts.session_id, "request_id": request_id, "cert_type": cert_type,
            "options": dict(options), "copies": copies,
        }, True)
        return verify_issued(data, facts=facts, request_id=request_id, cert_type=cert_type, options=options,
                             copies=copies, issuer_key=self._issuer_key)

    def report_outcome(self, request_id: str, outcome: Outcome, copies: int, amount: int) -> None:
        facts = self._authenticated()
        self.report_outcome_for(facts.session_id, request_id, outcome, copies, amount)

    def report_outcome_for(self, session_id: str, request_id: str, outcome: Outcome, copies: int,
                           amount: int) -> None:
        """Report an outcome for a session this process no longer holds (recovery at
        start: the journal keeps the session and request ids)."""
        data = self._call(wire.OUTCOME_PATH, {
            "session_id": session_id, "request_id": request_id, "outcome": Outcome(outcome).value,
            "copies": copies, "amount": amount,
        }, True)
        if not isinstance(data, dict) or data.get("request_id") != request_id:
            raise RelayProtocolError("bad_response")

    def send_technician_events(self, records: Sequence[Mapping[str, Any]]) -> int:
        """Deliver diagnostic audit records (each with its ``seq``, in increasing order) and
        return the highest ``seq`` the relay acknowledged. Sent in batches of at most
        ``wire.MAX_TECHNICIAN_RECORDS``, each reduced to the shape the relay takes
        (:func:`~protocol.technician.to_wire`); safe to repeat (the relay keeps
        one record per kiosk and seq). Needs no customer session."""
        if not records:
            raise ValueError("no records to send")
        acknowledged = 0
        step = wire.MAX_TECHNICIAN_RECORDS
        for start in range(0, len(records), step):
            batch = [to_wire(r) for r in records[start:start + step]]
            data = self._call(wire.TECHNICIAN_EVENTS_PATH, {"kiosk_id": self.kiosk_id, "records": batch}, True)
            ack = data.get("acknowledged_seq") if isinstance(data, dict) else None
            if not isinstance(ack, int) or isinstance(ack, bool) or ack != batch[-1].get("seq"):
                raise RelayProtocolError("bad_response")
            acknowledged = ack
        return acknowledged

    def send_log_export(self, export_id: str, events: Sequence[Mapping[str, Any]]) -> int:
        """Send a technician's export of structured log events (``export_id``: a UUID
        naming this export) in parts of at most ``wire.MAX_LOG_EVENTS``; returns how many
        the relay holds. Safe to repeat. Events of another shape are refused with
        ``ValueError`` before anything is sent."""
        if not events or not all(log_event_ok(dict(e)) for e in events):
            raise ValueError("only structured log events are exported")
        step = wire.MAX_LOG_EVENTS
        for first in range(0, len(events), step):
            part = [dict(e) for e in events[first:first + step]]
            data = self._call(wire.LOG_EXPORT_PATH, {"kiosk_id": self.kiosk_id, "export_id": export_id,
                                                     "first": first, "events": part}, True)
            if not isinstance(data, dict) or data.get("export_id") != export_id or data.get(
                    "stored_through") != first + len(part) - 1:
                raise RelayProtocolError("bad_response")
        return len(events)
