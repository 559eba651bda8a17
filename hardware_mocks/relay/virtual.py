"""An in-process relay for the session engine's tests: the relay's own rules, no HTTP.

:class:`VirtualRelay` runs the relay core (:mod:`relay.service`: the same registry, rules,
JPKI checks, idempotency and signed bindings) over an in-memory database, behind the
same client checks as the real adapter (:class:`kiosk.relay_client.client.SessionClient`).
Faults are injected by setting fields of ``fake.faults``:

- ``unavailable``: every call raises ``RelayUnavailable``;
- ``timeout``: the named calls (``"documents"``, ``"authenticate"`` …) raise
  ``RelayTimeout``; for ``"documents"`` the relay has issued (a repeat with the same
  request id gets the same documents), as when the answer is lost on the way back;
- ``refuse``: call name -> refusal code, raised as ``RelayRefused`` before the relay runs;
- ``tamper``: one of :data:`TAMPERS`; the documents come back changed so that the binding
  check fails with ``IntegrityError`` naming the field;
- ``version``: fields that override the relay's version answer (``{"protocol": 2}``);
- ``latency``: seconds of real sleep before each call (0 by default: tests stay fast).

Several fakes may share one :class:`VirtualRelayBackend` (one relay, many kiosks).
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.relay_client.client import SessionClient, error_for
from kiosk.relay_client.errors import RelayRefused, RelayTimeout, RelayUnavailable
from protocol import wire
from protocol.clock import Clock, SystemClock
from protocol.documents import qr_payload
from protocol.documents.binding import Binding
from protocol.documents.model import document_hash

TAMPERS = ("request_id", "session_id", "kiosk_id", "card_cert_sha256", "document_sha256", "signature",
           "document", "other_session", "qr", "scramble_key")

_CALLS = {wire.VERSION_PATH: "version", wire.SESSION_PATH: "open_session", wire.AUTH_PATH: "authenticate",
          wire.MENU_PATH: "menu", wire.DOCUMENTS_PATH: "documents", wire.OUTCOME_PATH: "outcome",
          wire.TECHNICIAN_EVENTS_PATH: "technician_events", wire.LOG_EXPORT_PATH: "log_export"}

#: The stand-in relay's kiosk register faults (``devices.relay_fault``) and the ``403`` code
#: the real relay answers each with.
REGISTER_FAULTS = {"suspended": wire.KIOSK_SUSPENDED, "retired": wire.KIOSK_RETIRED,
                   "unregistered": wire.KIOSK_UNKNOWN}


@dataclass
class Faults:
    unavailable: bool = False
    #: The kiosk register's refusal of this terminal (a code of :data:`REGISTER_FAULTS`):
    #: every call is answered with it, as the relay's identity check answers before any
    #: call runs.
    register: str | None = None
    timeout: set[str] = field(default_factory=set)
    refuse: dict[str, str] = field(default_factory=dict)
    tamper: str | None = None
    version: dict[str, Any] = field(default_factory=dict)
    latency: float = 0.0


class VirtualRelayBackend:
    """One in-process relay over a world directory, shared by any number of fakes."""

    def __init__(self, world_root: Path, clock: Clock | None = None) -> None:
        from relay.service import Settings, build_core  # the relay's own code, imported lazily

        self.clock = clock or SystemClock()
        self.core = build_core(Path(world_root), ":memory:", self.clock, Settings())
        self.issuer_private: Ed25519PrivateKey = self.core.issuer_key

    @property
    def issuer_public(self) -> Ed25519PublicKey:
        return self.issuer_private.public_key()

    def call(self, kiosk_id: str, path: str, body: dict[str, Any] | None) -> Any:
        from relay.schema import ApiError

        self.core.purge()
        try:
            if path == wire.VERSION_PATH:
                return self.core.version()
            handler = {
                wire.SESSION_PATH: self.core.open_session, wire.AUTH_PATH: self.core.authenticate,
                wire.MENU_PATH: self.core.menu, wire.DOCUMENTS_PATH: self.core.request_documents,
                wire.OUTCOME_PATH: self.core.outcome, wire.TECHNICIAN_EVENTS_PATH: self.core.technician_events,
                wire.LOG_EXPORT_PATH: self.core.log_export,
            }[path]
            # a JSON round trip, as on the wire: no object is shared with the relay
            return json.loads(json.dumps(handler(kiosk_id, json.loads(json.dumps(body)))))
        except ApiError as exc:
            raise error_for(exc.status, exc.code) from None


class VirtualRelay(SessionClient):
    def __init__(
        self,
        world_root: Path,
        kiosk_id: str = "KIOSK-0001",
        clock: Clock | None = None,
        faults: Faults | None = None,
        backend: VirtualRelayBackend | None = None,
        approved_builds: frozenset[str] = frozenset(),
    ) -> None:
        self.backend = backend or VirtualRelayBackend(Path(world_root), clock)
        super().__init__(kiosk_id, self.backend.issuer_public, approved_builds)
        self.faults = faults or Faults()
        self.calls: list[str] = []

    def _call(self, path: str, body: dict[str, Any] | None, idempotent: bool) -> Any:
        name = _CALLS[path]
        self.calls.append(name)
        faults = self.faults
        if faults.latency:
            time.sleep(faults.latency)
        if faults.unavailable:
            raise RelayUnavailable("connection_refused")
        if faults.register:
            raise error_for(403, faults.register)
        if name in faults.refuse:
            raise RelayRefused(faults.refuse[name])
        if name in faults.timeout and name != "documents":
            raise RelayTimeout(wire.TIMEOUT)
        answer = self.backend.call(self.kiosk_id, path, body)
        if name == "documents" and "documents" in faults.timeout:
            raise RelayTimeout(wire.TIMEOUT)  # issued, but the answer never arrived
        if name == "version" and faults.version:
            answer = {**answer, **faults.version}
        if name == "documents" and faults.tamper:
            answer = self._tampered(answer, faults.tamper)
        return answer

    def _tampered(self, answer: dict[str, Any], how: str) -> dict[str, Any]:
        answer = copy.deepcopy(answer)
        if how == "request_id":
            answer["request_id"] = "00000000-0000-4000-8000-000000000000"
            return answer
        key = self.backend.issuer_private
        for entry in answer["documents"]:
            if how == "other_session":
                entry.update(self._foreign_entry(entry["binding"]["request_id"]))
            elif how == "qr":  # a genuine payload, but about another document
                entry["qr"] = qr_payload.encode({**entry["document"], "serial": "0"}, key)
            elif how == "document":
                entry["document"]["body"]["tampered"] = True
            elif how == "scramble_key":  # not a 32-byte key
                entry["scramble_key"] = entry["scramble_key"][:20]
            elif how == "signature":
                entry["signature"] = Binding(**entry["binding"]).sign(
                    Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
            else:  # a binding field changed and validly signed: only the field check catches it
                entry["binding"][how] = "0" * 64 if how.endswith("sha256") else "forged"
                entry["signature"] = Binding(**entry["binding"]).sign(key)
        return answer

    def _foreign_entry(self, request_id: str) -> dict[str, Any]:
        """A genuinely signed document of another session at another kiosk, carrying this
        request's id: the incidents' failure, printed someone else's certificate."""
        document = {"format": 1, "type": "juminhyo", "serial": "0", "issued_on": "2026-01-01",
                    "municipality": {}, "options": {}, "body": {"members": []}}
        binding = Binding(request_id, "f" * 32, "KIOSK-0002", "e" * 64, document_hash(document))
        return {"document": document, "binding": asdict(binding),
                "signature": binding.sign(self.backend.issuer_private)}

