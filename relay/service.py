"""The relay's protocol logic, independent of HTTP: one method per endpoint.

Every call receives the kiosk id the transport proved (the client certificate), the
parsed body and nothing else; it reads what it needs from storage, decides, and writes in
one transaction. No call leaves anything behind in this object: the same core serves
every kiosk concurrently, and any relay process sharing the storage can answer any call.

Issuing is split in two so that the transport can put a deadline around the whole of it:
:meth:`RelayCore.prepare_request` checks and decides (writes nothing), and
:meth:`RelayCore.commit_request` builds, signs and stores the documents atomically. A
deadline that fires between them (or while the registry answers slowly) leaves no trace
but an audit line: the whole request is aborted, never only part of it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import refusals, wire
from protocol.challenge import CHALLENGE_BYTES, challenge_message
from protocol.clock import JST, Clock
from protocol.documents import qr_payload
from protocol.documents.binding import Binding, cert_sha256
from protocol.documents.catalogue import MAX_COPIES, CertType, validate_options
from protocol.documents.model import document_hash, document_serial
from protocol.scramble_key import document_scramble_key
from relay import rules, schema, technician
from relay.build import RELAY_VERSION, build_id
from relay.documents import AssemblyError, build
from relay.jpki import MAX_CERT_BYTES, CardRefused, JpkiVerifier
from relay.registry import Registry, RegistryFile
from relay.schema import ApiError
from relay.store import open_store
from relay.store.protocol import RequestRow, Series, SessionRow, Store, dumps, outcome_fits

OUTCOMES = wire.OUTCOMES


@dataclass(frozen=True)
class Settings:
    challenge_ttl: float = 60.0  # open -> authenticate
    session_ttl: float = 900.0  # authenticate -> end; documents are deleted then
    request_timeout: float = 5.0  # deadline for one HTTP call, all of it
    topology: str = "single-node"


@dataclass(frozen=True)
class PreparedRequest:
    """Everything one issuance needs, decided; owned by that request alone."""

    kiosk_id: str
    session: SessionRow
    request_id: str
    cert_type: CertType
    options: dict[str, str]
    copies: int
    fee: int
    fingerprint: str
    replay: dict[str, Any] | None  # the stored answer when this is a repeat


class RelayCore:
    def __init__(
        self,
        registry: Registry | RegistryFile,
        storage: Store,
        clock: Clock,
        issuer_key: Ed25519PrivateKey,
        jpki: JpkiVerifier,
        settings: Settings | None = None,
        *,
        scramble_secret: bytes,
    ) -> None:
        """``scramble_secret``: the verification service's master secret; the kiosk gets
        only the key of each document it is issued (:mod:`protocol.scramble_key`). The
        store records each serial and its fate for verification (the issued register)."""
        self._registry = registry
        self.storage = storage
        self.clock = clock
        self.issuer_key = issuer_key
        self.jpki = jpki
        self.settings = settings or Settings()
        document_scramble_key(scramble_secret, "check")  # refuse a short secret at start
        self._scramble_secret = scramble_secret
        allowed = wire.TOPOLOGY_STORAGE.get(self.settings.topology, ())
        if storage.topology_storage not in allowed:
            raise ValueError("this relay's topology does not match its storage")
        raw = issuer_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self._issuer_fingerprint = hashlib.sha256(raw).hexdigest()
        self._build = build_id()

    # -- helpers --------------------------------------------------------------------------
    @property
    def registry(self) -> Registry:
        """The current record; a call takes it once and decides on that one snapshot."""
        source = self._registry
        return source.current() if isinstance(source, RegistryFile) else source

    def _now(self) -> dt.datetime:
        return self.clock.now().astimezone(JST)

    def _audit(self, **entry: Any) -> dict[str, Any]:
        entry.setdefault("at", self._now().timestamp())
        return entry

    @staticmethod
    def _live(row: SessionRow | None, kiosk_id: str, now: float) -> SessionRow:
        """``row`` if it is this kiosk's live, authenticated session, else the error that says why not."""
        if row is None or row.kiosk_id != kiosk_id:
            raise ApiError(404, wire.UNKNOWN_SESSION)  # another kiosk's session does not exist for you
        if row.state == "closed" or row.expires <= now:
            raise ApiError(410, wire.SESSION_EXPIRED)
        if row.state != "authenticated":
            raise ApiError(403, wire.NOT_AUTHENTICATED)
        return row

    def purge(self, scrub: bool = False) -> int:
        """Delete what expired sessions left; ``scrub`` also empties the write-ahead log."""
        expired = self.storage.purge_expired(self._now().timestamp())
        if scrub:
            self.storage.scrub()
        return expired

    # -- endpoints ------------------------------------------------------------------------
    def version(self) -> dict[str, Any]:
        return {
            "protocol": wire.PROTOCOL_VERSION,
            "relay_version": RELAY_VERSION,
            "build": self._build,
            "topology": self.settings.topology,
            "storage": self.storage.topology_storage,
            "municipality": str(self.registry.municipality["code"]),
            "issuer_key_sha256": self._issuer_fingerprint,
        }

    def open_session(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {})
        now = self._now().timestamp()
        sid = secrets.token_hex(16)
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        self.storage.create_session(
            SessionRow(sid, kiosk_id, challenge.hex(), "open", now, now + self.settings.challenge_ttl, None, None, None)
        )
        return {
            "session_id": sid,
            "challenge": base64.b64encode(challenge).decode("ascii"),
            "expires_in": self.settings.challenge_ttl,
        }

    def authenticate(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {"session_id": str, "card_certificate": str, "signature": str})
        cert_der = schema.b64(body["card_certificate"], "card_certificate", MAX_CERT_BYTES)
        signature = schema.b64(body["signature"], "signature", 512)
        now_dt = self._now()
        now = now_dt.timestamp()
        row = self.storage.session(schema.session_id(body["session_id"]))
        if row is None or row.kiosk_id != kiosk_id:
            raise ApiError(404, wire.UNKNOWN_SESSION)
        if row.expires <= now:
            self._refuse(kiosk_id, row.session_id, refusals.CHALLENGE_EXPIRED)
        if row.state != "open":  # a replay: refused, but the live session it names stays
            self._refuse(kiosk_id, row.session_id, refusals.CHALLENGE_USED, close=False)
        try:
            card = self.jpki.check_certificate(cert_der, now_dt)
            message = challenge_message(bytes.fromhex(row.challenge), row.session_id, kiosk_id)
            self.jpki.check_signature(card, message, signature)
        except CardRefused as exc:
            self._refuse(kiosk_id, row.session_id, exc.code)
        serial = f"{card.serial:X}"
        resident_id = self.registry.resident_for_serial(card.serial)
        if resident_id is None:
            self._refuse(kiosk_id, row.session_id, refusals.CARD_UNKNOWN, cert_serial=serial)
        ok = self.storage.authenticate_session(
            row.session_id, kiosk_id, now, now + self.settings.session_ttl, resident_id, serial,
            cert_sha256(cert_der),
            self._audit(kiosk_id=kiosk_id, event="authenticate", session_id=row.session_id,
                        resident_id=resident_id, cert_serial=serial),
        )
        if not ok:  # answered twice at once: only one answer wins
            raise ApiError(403, refusals.CHALLENGE_USED)
        return {"session_id": row.session_id, "menu": self._menu(resident_id, now_dt)}

    def _refuse(self, kiosk_id: str, sid: str, code: str, close: bool = True, **extra: Any) -> NoReturn:
        """One answer per challenge: a refused authentication closes the session."""
        if close:
            self.storage.close_session(sid)
        self.storage.audit(self._audit(kiosk_id=kiosk_id, event="refuse", code=code, session_id=sid, **extra))
        raise ApiError(403, code)

    def _menu(self, resident_id: str, now: dt.datetime) -> dict[str, Any]:
        registry = self.registry
        return rules.menu(registry, registry.resident(resident_id), registry.municipality["fees"], now)

    def menu(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {"session_id": str})
        now = self._now()
        row = self._live(self.storage.session(schema.session_id(body["session_id"])), kiosk_id, now.timestamp())
        assert row.resident_id is not None
        return {"session_id": row.session_id, "menu": self._menu(row.resident_id, now)}

    def prepare_request(self, kiosk_id: str, body: dict[str, Any]) -> PreparedRequest:
        schema.fields(body, {"session_id": str, "request_id": str, "cert_type": str, "options": dict, "copies": int})
        request_id = schema.request_id(body["request_id"])
        now = self._now()
        session, existing = self.storage.session_request(schema.session_id(body["session_id"]), request_id)
        row = self._live(session, kiosk_id, now.timestamp())
        try:
            cert_type = CertType(body["cert_type"])
        except ValueError as exc:
            raise ApiError(400, wire.BAD_VALUE, "cert_type") from exc
        try:
            options = validate_options(cert_type, schema.string_map(body["options"], "options"))
        except ValueError as exc:
            raise ApiError(400, wire.BAD_VALUE, "options") from exc
        copies = body["copies"]
        if not 1 <= copies <= MAX_COPIES:
            raise ApiError(400, wire.BAD_VALUE, "copies")
        fingerprint = hashlib.sha256(
            dumps({"session_id": row.session_id, "kiosk_id": kiosk_id, "cert_type": cert_type.value,
                   "options": options, "copies": copies}).encode()
        ).hexdigest()
        replay = self._replay(existing, fingerprint) if existing else None
        registry = self.registry
        fee = int(registry.municipality["fees"][cert_type.value])
        prepared = PreparedRequest(kiosk_id, row, request_id, cert_type, options, copies, fee, fingerprint, replay)
        if replay is None:
            self._decide(prepared, registry, row, now)
        return prepared

    def _decide(self, prepared: PreparedRequest, registry: Registry, row: SessionRow, now: dt.datetime) -> None:
        """Apply the rules; a refusal is audited and raised."""
        assert row.resident_id is not None
        resident = registry.resident(row.resident_id)
        code = rules.request_refusal(registry, resident, prepared.cert_type, prepared.options, now)
        if code:
            self.storage.audit(self._audit(
                kiosk_id=prepared.kiosk_id, event="refuse", code=code, session_id=row.session_id,
                resident_id=row.resident_id, cert_serial=row.cert_serial, cert_type=prepared.cert_type.value,
                copies=prepared.copies, request_id=prepared.request_id))
            raise ApiError(403, code)

    @staticmethod
    def _replay(existing: RequestRow, fingerprint: str) -> dict[str, Any]:
        if existing.fingerprint != fingerprint:
            raise ApiError(409, wire.REQUEST_ID_CONFLICT)
        if existing.response is None:
            raise ApiError(409, wire.ALREADY_ISSUED)
        answer: dict[str, Any] = json.loads(existing.response)
        return answer

    def commit_request(self, prepared: PreparedRequest) -> dict[str, Any]:
        if prepared.replay is not None:
            return prepared.replay
        now = self._now()
        row = prepared.session  # authenticated: its resident and card no longer change
        assert row.resident_id is not None and row.cert_sha256 is not None
        resident_id, cert_sha = row.resident_id, row.cert_sha256
        registry = self.registry
        self._decide(prepared, registry, row, now)  # again: the record or the hour may have changed meanwhile
        code = str(registry.municipality["code"])
        answer: dict[str, Any] = {}

        def make(numbers: list[int]) -> tuple[RequestRow, dict[str, Any], list[str]]:
            """The documents, built with the numbers the store took (inside its transaction:
            a refusal here gives the numbers back)."""
            entries = []
            serials = []
            try:
                for n in numbers:
                    serial = document_serial(code, now.year, n)
                    serials.append(serial)
                    document = build(registry, resident_id, prepared.cert_type, prepared.options, serial, now.date())
                    if rules.unprintable(document):
                        raise AssemblyError(refusals.UNSUPPORTED_CHARACTERS)
                    binding = Binding(prepared.request_id, row.session_id, prepared.kiosk_id, cert_sha,
                                      document_hash(document))
                    entries.append({"document": document, "binding": asdict(binding),
                                    "signature": binding.sign(self.issuer_key),
                                    "qr": qr_payload.encode(document, self.issuer_key),
                                    "scramble_key": base64.b64encode(
                                        document_scramble_key(self._scramble_secret, serial)).decode("ascii")})
            except AssemblyError as exc:
                raise ApiError(403, exc.code) from exc
            answer.update({"request_id": prepared.request_id, "documents": entries, "fee": prepared.fee,
                           "amount": prepared.fee * prepared.copies})
            return (RequestRow(prepared.request_id, row.session_id, prepared.kiosk_id, prepared.fingerprint,
                               prepared.cert_type.value, prepared.copies, prepared.fee, now.timestamp(),
                               dumps(answer), None, None, None),
                    self._audit(kiosk_id=prepared.kiosk_id, event="request", session_id=row.session_id,
                                resident_id=resident_id, cert_serial=row.cert_serial,
                                cert_type=prepared.cert_type.value, copies=prepared.copies,
                                amount=prepared.fee * prepared.copies, request_id=prepared.request_id),
                    serials)

        stored = self.storage.issue(prepared.request_id, row.session_id, now.timestamp(), Series(code, now.year),
                                    prepared.copies, make)
        if stored is None:  # expired or closed since it was prepared: nothing was issued
            raise ApiError(410, wire.SESSION_EXPIRED)
        if not answer or stored.fingerprint != prepared.fingerprint or stored.response != dumps(answer):
            return self._replay(stored, prepared.fingerprint)  # a twin, on this node or another, was first
        return answer

    def request_documents(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.commit_request(self.prepare_request(kiosk_id, body))

    def record_timeout(self, kiosk_id: str, body: dict[str, Any]) -> None:
        """Audit a request the transport aborted at its deadline (nothing was stored)."""
        rid = body.get("request_id")
        self.storage.audit(self._audit(
            kiosk_id=kiosk_id, event="timeout", code=wire.TIMEOUT,
            request_id=rid if isinstance(rid, str) and schema.REQUEST_ID.fullmatch(rid) else None))

    def outcome(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Accepted after the session expired too: recovery may report much later. One
        store call: it records the outcome only if it fits the request
        (:func:`relay.store.protocol.outcome_fits`), and the request as it was says here
        which rule a refused one broke."""
        schema.fields(body, {"session_id": str, "request_id": str, "outcome": str, "copies": int, "amount": int})
        request_id = schema.request_id(body["request_id"])
        sid = schema.session_id(body["session_id"])
        outcome, copies, amount = body["outcome"], body["copies"], body["amount"]
        recorded = self.storage.record_outcome(  # the store adds the request's type, the resident and card
            request_id, kiosk_id, sid, outcome, copies, amount,
            self._audit(kiosk_id=kiosk_id, event="outcome", code=outcome, session_id=sid, copies=copies,
                        amount=amount, request_id=request_id),
        )
        existing = recorded.before
        if existing is None or existing.kiosk_id != kiosk_id or existing.session_id != sid:
            raise ApiError(404, wire.UNKNOWN_REQUEST)
        if outcome not in OUTCOMES:
            raise ApiError(400, wire.BAD_VALUE, "outcome")
        if outcome == "cancelled" and (copies, amount) != (0, 0):
            raise ApiError(400, wire.OUTCOME_MISMATCH)
        if outcome == "printed" and copies != existing.copies:  # a copy not printed is a failed one
            raise ApiError(400, wire.OUTCOME_MISMATCH)
        if not 0 <= copies <= existing.copies or amount != existing.fee * copies:
            raise ApiError(400, wire.OUTCOME_MISMATCH)
        if existing.outcome is not None and (existing.outcome, existing.outcome_copies, existing.outcome_amount) != (
            outcome, copies, amount):
            raise ApiError(409, wire.OUTCOME_CONFLICT)
        if recorded.recorded != outcome_fits(existing, kiosk_id, sid, outcome, copies, amount):
            raise RuntimeError("the store and the relay disagree on whether the outcome fits")  # never: a defect
        return {"request_id": request_id, "recorded": True}

    def technician_events(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep a batch of the kiosk's diagnostic audit records, all or none; a repeat is
        harmless. ``acknowledged_seq`` is the last seq of the batch: every record up to it
        that the kiosk sent is now stored."""
        records = technician.parse(body, kiosk_id)
        self.storage.add_technician_events(
            kiosk_id, self._now().timestamp(), [(r.seq, r.at, r.t, r.event, r.fields) for r in records])
        return {"acknowledged_seq": records[-1].seq}

    def log_export(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep one part of a technician's log export, all or none; a repeat is harmless.
        ``stored_through`` is the index of the part's last event."""
        part = technician.parse_log_export(body, kiosk_id)
        self.storage.add_log_events(kiosk_id, part.export_id, part.first, self._now().timestamp(), part.events)
        return {"export_id": part.export_id, "stored_through": part.first + len(part.events) - 1}


def build_core(
    world_root: Path, db: Path | str, clock: Clock, settings: Settings | None = None,
) -> RelayCore:
    """A relay core over a test world directory (``world.json`` and ``pki/``); ``db`` is a
    SQLite file or a ``postgresql://`` URL (:func:`relay.store.open_store`)."""
    key = serialization.load_pem_private_key((world_root / "pki" / "issuer.key").read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the issuer key is not an Ed25519 key")
    jpki = JpkiVerifier.from_files(world_root / "pki" / "jpki-ca.pem", world_root / "pki" / "jpki-crl.pem")
    scramble_secret = bytes.fromhex((world_root / "pki" / "scramble.key").read_text(encoding="ascii").strip())
    return RelayCore(RegistryFile(world_root / "world.json"), open_store(db), clock, key, jpki, settings,
                     scramble_secret=scramble_secret)
