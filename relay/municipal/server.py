"""The municipal issuing server's logic, independent of HTTP: one signed message in, one
signed message out.

The centre sends these kinds of message (:mod:`protocol.federation.envelope`): ``menu`` (what
this card's holder may have here), ``koseki_menu`` (the same, asked of the 本籍地 for a
resident elsewhere who registered for it), ``issue``, ``outcomes`` (kiosks' outcomes in a
batch; ``outcome``, one of them, is answered too) and ``check``. The server finds the
person by the card's certificate serial in its own registry (the centre never sends, nor
learns, who it is), decides with its own rules, builds and signs the documents with its own
issuer key and answers; a refusal is an answer too. Each message received and sent is
logged with its envelope (:class:`relay.message_log.MessageLog`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import log, refusals, wire
from protocol.clock import JST, Clock
from protocol.documents import qr_payload
from protocol.documents.binding import Binding
from protocol.documents.catalogue import MAX_COPIES, CertType, validate_options
from protocol.documents.model import document_hash, document_serial
from protocol.federation.directory import Directory, PublishedKey
from protocol.federation.envelope import (
    CENTRE,
    MAX_OUTCOMES,
    Envelope,
    EnvelopeError,
    canonical,
    open_message,
    seal,
)
from protocol.scramble_key import document_scramble_key
from relay import rules
from relay.documents import AssemblyError, build
from relay.message_log import MessageLog, ReplayedMessage
from relay.municipal import policy
from relay.municipal.history import IssuanceHistory, Issued
from relay.registry import Registry, RegistryFile

LOG = logging.getLogger("relay.municipal")
KOSEKI_TYPES = frozenset(rules.KOSEKI_TYPES)
#: The kinds of message that only ask (answered from the registry and rules, nothing
#: stored or changed): logged with their answer in one commit.
QUESTIONS = frozenset({"menu", "koseki_menu", "check"})


class Refused(Exception):
    """An answer that is a refusal: ``code`` is a refusal or wire code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class MunicipalServer:
    def __init__(self, code: str, registry: RegistryFile, *, issuer_key: Ed25519PrivateKey,
                 message_key: Ed25519PrivateKey, scramble_secret: bytes, history: IssuanceHistory,
                 messages: MessageLog, directory: Callable[[], Directory], clock: Clock) -> None:
        document_scramble_key(scramble_secret, "check")  # refuse a short secret at start
        self.code = code
        self._registry = registry
        self._issuer_key = issuer_key
        self._message_key = message_key
        self._scramble = scramble_secret
        self.history = history
        self.messages = messages
        self._directory = directory
        self.clock = clock
        if str(registry.current().municipality["code"]) != code:
            raise ValueError("the registry is another municipality's")

    def _now(self) -> dt.datetime:
        return self.clock.now().astimezone(JST)

    def _centre_key(self, sender: str, kid: str, when: dt.datetime) -> PublishedKey | None:
        return self._directory().centre_key(kid, when) if sender == CENTRE else None

    def handle(self, message: Any) -> dict[str, Any]:
        """Answer one message from the centre. A message that cannot be trusted raises
        :class:`EnvelopeError` (the transport answers 403 and nothing is done).

        A message that changes something here (``issue``, ``outcomes``, ``outcome``) is on
        disk in the message log before it is acted on, and its answer before it leaves. A question
        (:data:`QUESTIONS`: a menu, the check) changes nothing, so it and its answer are
        kept in one commit, still before the answer leaves, and a replayed one is refused
        then with nothing kept: one flush a question instead of two."""
        now = self._now()
        env, body = open_message(message, self._centre_key, recipient=self.code, now=now)
        question = env.kind in QUESTIONS
        try:
            if not question:
                self.messages.record("received", env, now.timestamp())
            sealed = self._answer(env, body, now)
            if question:
                self.messages.record_exchange(env, sealed["envelope"], now.timestamp())
        except ReplayedMessage as exc:
            raise EnvelopeError("replayed") from exc
        if not question:
            self.messages.record("sent", sealed["envelope"], now.timestamp())
        return sealed

    def _answer(self, env: Envelope, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        """The sealed answer (or refusal) to one opened message."""
        try:
            answer, kind = self._dispatch(env.kind, body, now), "answer"
        except Refused as exc:
            answer, kind = {"refusal": exc.code}, "refusal"
        return seal(answer, sender=self.code, recipient=CENTRE, key=self._message_key, kind=kind,
                    now=self._now(), in_reply_to=env.message_id)

    def _dispatch(self, kind: str, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        if kind == "menu":
            return self.menu(body, now)
        if kind == "koseki_menu":
            return self.koseki_menu(body, now)
        if kind == "issue":
            return self.issue(body, now)
        if kind == "outcome":
            return self.outcome(body)
        if kind == "outcomes":
            return self.outcomes(body)
        if kind == "check":
            return {"code": self.code}
        raise Refused(wire.BAD_VALUE)

    # -- the person ------------------------------------------------------------------------
    @staticmethod
    def _serial(body: dict[str, Any]) -> str:
        serial = body.get("card_serial")
        if not isinstance(serial, str) or not 0 < len(serial) <= 40:
            raise Refused(wire.BAD_VALUE)
        return serial.upper()

    def _person(self, registry: Registry, body: dict[str, Any], route: str) -> dict[str, Any]:
        serial = self._serial(body)
        rid = (registry.koseki_registrations if route == "honseki" else registry.cards).get(serial)
        if rid is None:
            raise Refused(refusals.KOSEKI_ELSEWHERE if route == "honseki" else refusals.CARD_UNKNOWN)
        return registry.resident(rid)

    def menu(self, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        registry = self._registry.current()
        resident = self._person(registry, body, "residence")
        return {"menu": policy.menu(registry, resident, now), "honseki": policy.honseki(registry, resident)}

    def koseki_menu(self, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        registry = self._registry.current()
        person = self._person(registry, body, "honseki")
        return {"menu": policy.menu(registry, person, now, types=KOSEKI_TYPES)}

    # -- issuing ---------------------------------------------------------------------------
    def issue(self, body: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
        try:
            request_id, session_id, kiosk_id = (str(body[k]) for k in ("request_id", "session_id", "kiosk_id"))
            cert_sha, route, copies = str(body["cert_sha256"]), str(body["route"]), int(body["copies"])
            cert_type = CertType(body["cert_type"])
            options = validate_options(cert_type, dict(body["options"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise Refused(wire.BAD_VALUE) from exc
        if not 1 <= copies <= MAX_COPIES or route not in ("residence", "honseki"):
            raise Refused(wire.BAD_VALUE)
        registry = self._registry.current()
        serial = self._serial(body)
        fingerprint = hashlib.sha256(canonical({k: body[k] for k in sorted(body)})).hexdigest()
        stored = self.history.stored(request_id)
        if stored is not None:
            return self._replay(stored, fingerprint)
        person = self._person(registry, body, route)
        code = self._refusal(registry, person, cert_type, options, now, route)
        if code:
            self.history.refuse(now.timestamp(), request_id, session_id, kiosk_id, serial, cert_type.value, code)
            log.event(LOG, "municipal.refuse", code=code, request=request_id)
            raise Refused(code)
        fee = int(registry.municipality["fees"][cert_type.value])
        answer: dict[str, Any] = {}

        def make(numbers: list[int]) -> Issued:
            entries, serials, hashes = [], [], []
            for n in numbers:
                doc_serial = document_serial(self.code, now.year, n)
                document = build(registry, person["id"], cert_type, options, doc_serial, now.date())
                if rules.unprintable(document):
                    raise AssemblyError(refusals.UNSUPPORTED_CHARACTERS)
                binding = Binding(request_id, session_id, kiosk_id, cert_sha, document_hash(document))
                entries.append({"document": document, "binding": asdict(binding),
                                "signature": binding.sign(self._issuer_key),
                                "qr": qr_payload.encode(document, self._issuer_key),
                                "scramble_key": base64.b64encode(
                                    document_scramble_key(self._scramble, doc_serial)).decode("ascii")})
                serials.append(doc_serial)
                hashes.append(binding.document_sha256)
            answer.update({"request_id": request_id, "documents": entries, "fee": fee, "amount": fee * copies})
            return Issued(session_id, kiosk_id, person["id"], serial, cert_type.value, copies, fee, serials, hashes,
                          answer)

        try:
            stored_fp, stored_answer = self.history.issue(request_id, fingerprint, now.timestamp(), now.year, copies,
                                                          make)
        except AssemblyError as exc:
            self.history.refuse(now.timestamp(), request_id, session_id, kiosk_id, serial, cert_type.value, exc.code)
            raise Refused(exc.code) from exc
        return self._replay((stored_fp, stored_answer), fingerprint)

    def _refusal(self, registry: Registry, person: dict[str, Any], cert_type: CertType, options: dict[str, str],
                 now: dt.datetime, route: str) -> str | None:
        if cert_type.value not in policy.offered(registry) or policy.option_refusal(registry, cert_type, options):
            return wire.BAD_VALUE
        if route == "honseki" and cert_type not in KOSEKI_TYPES:
            return wire.BAD_VALUE
        return rules.request_refusal(registry, person, cert_type, options, now)

    @staticmethod
    def _replay(stored: tuple[str, dict[str, Any] | None], fingerprint: str) -> dict[str, Any]:
        stored_fp, answer = stored
        if stored_fp != fingerprint:
            raise Refused(wire.REQUEST_ID_CONFLICT)
        if answer is None:
            raise Refused(wire.ALREADY_ISSUED)
        return answer

    @staticmethod
    def _outcome(body: Any) -> tuple[str, str, int, int]:
        """(request id, outcome, copies, amount) of one reported outcome."""
        try:
            request_id, outcome = str(body["request_id"]), str(body["outcome"])
            copies, amount = int(body["copies"]), int(body["amount"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Refused(wire.BAD_VALUE) from exc
        if outcome not in wire.OUTCOMES:
            raise Refused(wire.BAD_VALUE)
        return request_id, outcome, copies, amount

    @staticmethod
    def _recorded(reported: tuple[str, str, int, int], before: tuple[Any, ...] | None) -> str | None:
        """None when ``reported`` is the request's outcome now, or the refusal code."""
        if before is None:
            return wire.UNKNOWN_REQUEST
        if before[0] is not None and tuple(before) != reported[1:]:
            return wire.OUTCOME_CONFLICT
        return None

    def outcome(self, body: dict[str, Any]) -> dict[str, Any]:
        """One kiosk's outcome (the single form: :meth:`outcomes` is what the centre sends)."""
        reported = self._outcome(body)
        code = self._recorded(reported, self.history.record_outcome(*reported))
        if code:
            raise Refused(code)
        return {"request_id": reported[0], "recorded": True}

    def outcomes(self, body: dict[str, Any]) -> dict[str, Any]:
        """Up to :data:`MAX_OUTCOMES` kiosks' outcomes, recorded in one transaction: the
        centre forwards what arrives while its last batch is on the way in the next. Each
        result is ``recorded`` or that outcome's refusal, in the order sent."""
        items = body.get("outcomes")
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_OUTCOMES:
            raise Refused(wire.BAD_VALUE)
        parsed: list[tuple[str, str, int, int] | None] = []
        for item in items:
            try:
                parsed.append(self._outcome(item))
            except Refused:
                parsed.append(None)
        valid = [p for p in parsed if p is not None]
        befores = iter(self.history.record_outcomes(valid) if valid else [])
        results: list[dict[str, Any]] = []
        for item, reported in zip(items, parsed, strict=True):
            if reported is None:
                rid = item.get("request_id") if isinstance(item, dict) else None
                results.append({"request_id": rid if isinstance(rid, str) else None, "refusal": wire.BAD_VALUE})
                continue
            code = self._recorded(reported, next(befores))
            results.append({"request_id": reported[0], **({"refusal": code} if code else {"recorded": True})})
        return {"results": results}
