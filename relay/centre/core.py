"""The centre's logic, independent of HTTP: the kiosk API of :mod:`relay.service`, served by
routing each card to its municipality's issuing server.

The kiosk sees the same protocol as from a single relay (``/v1/session`` … ``/v1/outcome``).
Behind it, after the JPKI check the centre maps the card's certificate serial to the
holder's municipality with the JPKI side's table (:class:`CardRouting`, never a field the
kiosk sends), asks that municipality's server for the menu and forwards the requests, each
as a signed message. A 戸籍 whose 本籍地 is another participating municipality is asked of
that one, which answers only for a card registered there (利用登録).

Every document a municipality returns is checked before the kiosk sees it: its binding
names this request, session, kiosk and card, the document's hash, and carries a signature
by one of that municipality's issuer keys in the directory. Any difference means a
municipal server gave something it must not: nothing is passed on, the municipality is
suspended at once (persisted; no more routing to it) and an alert is raised; the others
keep serving.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import log, refusals, wire
from protocol.challenge import CHALLENGE_BYTES, challenge_message
from protocol.clock import JST, Clock
from protocol.documents.binding import Binding, BindingMismatch, cert_sha256
from protocol.documents.catalogue import MAX_COPIES, CertType, validate_options
from protocol.documents.model import document_hash
from protocol.federation.directory import Directory, Member, PublishedKey
from protocol.federation.envelope import CENTRE, MAX_OUTCOMES, EnvelopeError, canonical, open_message, seal
from protocol.menu import item_problem
from relay import schema, technician
from relay.build import RELAY_VERSION, build_id
from relay.centre.bulkhead import Bulkhead
from relay.centre.outcomes import OutcomeForwarder
from relay.centre.port import MessageRefused, Municipality, MunicipalityUnavailable
from relay.centre.store import CentreSession, CentreStore
from relay.jpki import MAX_CERT_BYTES, CardRefused, JpkiVerifier
from relay.message_log import MessageLog, ReplayedMessage
from relay.schema import ApiError

LOG = logging.getLogger("relay.centre")
#: A municipality's answers to an outcome that no repeat can change: it has no such request
#: (its history holds every request it answered before the answer left), or the item was
#: malformed. Such an outcome is not sent again; ``relay reconcile`` reports the request.
FINAL_REFUSALS = frozenset({wire.UNKNOWN_REQUEST, wire.BAD_VALUE})
#: What a municipal server may refuse with: the reasons a customer is told and the
#: protocol's own. Anything else is no answer of the protocol: it reaches neither the
#: centre's records nor a kiosk.
MUNICIPAL_REFUSALS = refusals.ALL | {wire.BAD_VALUE, wire.REQUEST_ID_CONFLICT, wire.ALREADY_ISSUED,
                                     wire.UNKNOWN_REQUEST, wire.OUTCOME_CONFLICT}
KOSEKI_TYPES = frozenset({CertType.KOSEKI_ZENBU.value, CertType.KOSEKI_KOJIN.value, CertType.KOSEKI_FUHYO.value})


class CardRouting:
    """The JPKI side's map from a card's certificate serial to the holder's municipality
    (a JSON object, serial in upper-case hex → municipality code), re-read when it changes:
    a move registered at the new municipality routes the card there from the next session."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._map: dict[str, str] = {}

    def municipality(self, serial: str) -> str | None:
        st = self._path.stat()
        if (st.st_mtime_ns, st.st_size) != self._stamp:
            self._map = {k.upper(): str(v) for k, v in json.loads(self._path.read_text(encoding="utf-8")).items()}
            self._stamp = (st.st_mtime_ns, st.st_size)
        return self._map.get(serial.upper())


@dataclass(frozen=True)
class CentreSettings:
    challenge_ttl: float = 60.0
    session_ttl: float = 900.0
    request_timeout: float = 5.0
    municipal_deadline: float = 3.0  # one call to a municipal server
    municipal_concurrency: int = 32  # calls in flight to one municipal server
    circuit_threshold: int = 5
    circuit_cool_down: float = 5.0

    @property
    def outcome_sweep_age(self) -> float:
        """How old an outcome not yet taken must be before the sweep sends it again. With
        several centre processes one process's sweep cannot see another's batches. A batch
        is answered or given up within one deadline and waits behind at most the one batch
        of its municipality already on its way: two deadlines, doubled for margin. (More
        only under a backlog of over :data:`MAX_OUTCOMES` outcomes, where a second send is
        harmless: the server takes an identical outcome again.)"""
        return 4 * self.municipal_deadline


class WrongDocument(Exception):
    """A municipality answered with a document this request must not get."""

    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


class CentreCore:
    def __init__(self, *, store: CentreStore, messages: MessageLog, jpki: JpkiVerifier, routing: CardRouting,
                 directory: Callable[[], Directory], message_key: Ed25519PrivateKey,
                 municipalities: dict[str, Municipality], clock: Clock,
                 settings: CentreSettings | None = None,
                 connect: Callable[[str], Municipality] | None = None) -> None:
        """``municipalities``: the ports the centre starts with; ``connect`` makes the port
        to a member the directory admits later (reached from its first request on, with no
        restart); without it only the ports given are ever routed to."""
        self.store = store
        self.messages = messages
        self.jpki = jpki
        self.routing = routing
        self._directory = directory
        self._key = message_key
        self.municipalities = municipalities
        self.clock = clock
        self.settings = settings or CentreSettings()
        self._build = build_id()
        s = self.settings
        self.bulkheads = {code: Bulkhead(s.municipal_concurrency, s.municipal_deadline, s.circuit_threshold,
                                         s.circuit_cool_down) for code in municipalities}
        self._connect = connect
        self.outcomes = OutcomeForwarder(self._forward_outcomes)
        self._single_outcomes: set[str] = set()  # members that refused an ``outcomes`` message

    def _now(self) -> dt.datetime:
        return self.clock.now().astimezone(JST)

    # -- routing and messages ---------------------------------------------------------------
    def member(self, code: str) -> Member | None:
        """The municipality if the directory lists it active and the centre has not suspended it."""
        member = self._directory().active(code)
        if member is None or code in self.store.suspended() or self._port(code) is None:
            return None
        return member

    def _port(self, code: str) -> Municipality | None:
        """The port to ``code``, made (with its own bulkhead) when a newly admitted member
        is first asked for."""
        port = self.municipalities.get(code)
        if port is None and self._connect is not None:
            s = self.settings
            self.bulkheads[code] = Bulkhead(s.municipal_concurrency, s.municipal_deadline, s.circuit_threshold,
                                            s.circuit_cool_down)
            port = self.municipalities[code] = self._connect(code)
            log.event(LOG, "centre.municipality_joined", municipality=code)
        return port

    async def _call(self, member: Member, kind: str, body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        """Send one signed message and return (answer kind, answer body, answer message id)."""
        now = self._now()
        message = seal(body, sender=CENTRE, recipient=member.code, key=self._key, kind=kind, now=now)
        await self.messages.keep("sent", message["envelope"], now.timestamp())
        sent_id = message["envelope"]["message_id"]
        port = self.municipalities[member.code]
        reply = await self.bulkheads[member.code].run(lambda: port.exchange(message))

        def keys(sender: str, kid: str, when: dt.datetime) -> PublishedKey | None:
            return member.message_key(kid, when) if sender == member.code else None

        try:
            env, answer = open_message(reply, keys, recipient=CENTRE, now=self._now())
            if env.in_reply_to != sent_id:
                raise EnvelopeError("sender")
            await self.messages.keep("received", env, self._now().timestamp())
        except (EnvelopeError, ReplayedMessage) as exc:
            code = exc.code if isinstance(exc, EnvelopeError) else "replayed"
            await self.store.event(now.timestamp(), "bad_message", member.code, code=code)
            log.event(LOG, "centre.bad_message", logging.ERROR, municipality=member.code, code=code)
            raise MunicipalityUnavailable("bad_message") from exc
        return env.kind, answer, env.message_id

    def _routable(self, code: str) -> Member:
        member = self.member(code)
        if member is None:
            raise ApiError(503, wire.UNAVAILABLE)
        return member

    # -- endpoints --------------------------------------------------------------------------
    def version(self) -> dict[str, Any]:
        """What a kiosk checks before it serves anyone (as a single relay answers it), with
        the ``federation`` topology and no issuer key: the documents' keys are in the
        directory (``GET /v1/directory``), one municipality's at a time."""
        return {"protocol": wire.PROTOCOL_VERSION, "relay_version": RELAY_VERSION, "build": self._build,
                "topology": wire.FEDERATION, "storage": self.store.storage, "municipality": "", "role": "centre",
                "municipalities": sorted(self.municipalities)}

    async def open_session(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {})
        sid = secrets.token_hex(16)
        challenge = secrets.token_bytes(CHALLENGE_BYTES)
        await self.store.create_session(sid, kiosk_id, challenge.hex(),
                                        self._now().timestamp() + self.settings.challenge_ttl)
        return {"session_id": sid, "challenge": base64.b64encode(challenge).decode("ascii"),
                "expires_in": self.settings.challenge_ttl}

    async def _refuse(self, kiosk_id: str, sid: str, code: str, municipality: str | None = None,
                      close: bool = True) -> NoReturn:
        if close:
            await self.store.close_session(sid)
        await self.store.event(self._now().timestamp(), "refuse", municipality, kiosk_id, sid, code=code)
        raise ApiError(403, code)

    async def authenticate(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {"session_id": str, "card_certificate": str, "signature": str})
        cert_der = schema.b64(body["card_certificate"], "card_certificate", MAX_CERT_BYTES)
        signature = schema.b64(body["signature"], "signature", 512)
        now = self._now()
        row = self.store.session(schema.session_id(body["session_id"]))
        if row is None or row.kiosk_id != kiosk_id:
            raise ApiError(404, wire.UNKNOWN_SESSION)
        if row.expires <= now.timestamp():
            await self._refuse(kiosk_id, row.session_id, refusals.CHALLENGE_EXPIRED)
        if row.state != "open":
            await self._refuse(kiosk_id, row.session_id, refusals.CHALLENGE_USED, close=False)
        try:
            card = self.jpki.check_certificate(cert_der, now)
            self.jpki.check_signature(card, challenge_message(bytes.fromhex(row.challenge), row.session_id,
                                                              kiosk_id), signature)
        except CardRefused as exc:
            await self._refuse(kiosk_id, row.session_id, exc.code)
        serial = f"{card.serial:X}"
        code = self.routing.municipality(serial)
        if code is None:
            await self._refuse(kiosk_id, row.session_id, refusals.CARD_UNKNOWN)
        menu, honseki = await self._menu(kiosk_id, row.session_id, code, serial, cert_sha256(cert_der))
        ok = await self.store.authenticate(row.session_id, now.timestamp(),
                                           now.timestamp() + self.settings.session_ttl, code, honseki, serial,
                                           cert_sha256(cert_der))
        if not ok:
            raise ApiError(403, refusals.CHALLENGE_USED)
        return {"session_id": row.session_id, "menu": menu}

    async def _menu(self, kiosk_id: str, sid: str, code: str, serial: str,
                    cert_sha: str) -> tuple[dict[str, Any], str | None]:
        """The holder's menu from the residence, with the 本籍地's 戸籍 items when it has them;
        and the 本籍地 that 戸籍 requests go to (None: the residence)."""
        member = self._routable(code)
        body = {"session_id": sid, "kiosk_id": kiosk_id, "card_serial": serial, "cert_sha256": cert_sha}
        kind, answer, _ = await self._checked(member, "menu", body)
        if kind == "refusal":
            await self._refuse(kiosk_id, sid, self._refusal_of(member, answer), code)
        menu = self._menu_of(member, answer)
        honseki = answer.get("honseki")
        if not honseki:
            return menu, None
        items = [i for i in menu["items"] if i["type"] not in KOSEKI_TYPES]
        elsewhere = self.member(str(honseki))
        if self._directory().member(str(honseki)) is None:  # the 本籍地 does not take part
            koseki = self._unavailable(menu, refusals.KOSEKI_NOT_PARTICIPATING)
        elif elsewhere is None:  # suspended or not reachable now
            koseki = self._unavailable(menu, refusals.KOSEKI_ELSEWHERE)
        else:
            try:
                kind, other, _ = await self._checked(elsewhere, "koseki_menu", body)
                koseki_menu = self._menu_of(elsewhere, other) if kind == "answer" else {}
            except ApiError:  # unreachable, or an answer outside the protocol
                kind, koseki_menu = "refusal", {}
            if kind == "answer":
                return {**menu, "items": items + koseki_menu["items"],
                        "koseki_members": koseki_menu["koseki_members"]}, elsewhere.code
            koseki = self._unavailable(menu, refusals.KOSEKI_ELSEWHERE)  # not registered (利用登録)
        return {**menu, "items": items + koseki}, None

    def _refusal_of(self, member: Member, answer: dict[str, Any]) -> str:
        """The refusal a municipal server answered, if the protocol knows it."""
        code = answer.get("refusal")
        if isinstance(code, str) and code in MUNICIPAL_REFUSALS:
            return code
        log.event(LOG, "centre.municipal_answer_refused", logging.ERROR, municipality=member.code, code="refusal")
        raise ApiError(503, wire.UNAVAILABLE)

    def _menu_of(self, member: Member, answer: dict[str, Any]) -> dict[str, Any]:
        """The menu a municipal server answered, if every item is of the catalogue (no free
        text goes on to a kiosk's screen and voice)."""
        menu = answer.get("menu")
        items = menu.get("items") if isinstance(menu, dict) else None
        problem = "menu" if not isinstance(items, list) else next(
            (p for p in map(item_problem, items) if p is not None), None)
        if problem is None and isinstance(menu, dict):
            return menu
        log.event(LOG, "centre.municipal_answer_refused", logging.ERROR, municipality=member.code, code=problem)
        raise ApiError(503, wire.UNAVAILABLE)

    @staticmethod
    def _unavailable(menu: dict[str, Any], code: str) -> list[dict[str, Any]]:
        return [{**i, "available": False, "refusal": code} for i in menu["items"] if i["type"] in KOSEKI_TYPES]

    async def _checked(self, member: Member, kind: str, body: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        try:
            return await self._call(member, kind, body)
        except MunicipalityUnavailable as exc:
            await self.store.event(self._now().timestamp(), "unavailable", member.code, code=exc.reason)
            log.event(LOG, "centre.municipality_unavailable", logging.WARNING, municipality=member.code,
                      reason=exc.reason)
            raise ApiError(503, wire.UNAVAILABLE) from exc

    def _live(self, kiosk_id: str, sid: str) -> CentreSession:
        row = self.store.session(schema.session_id(sid))
        if row is None or row.kiosk_id != kiosk_id:
            raise ApiError(404, wire.UNKNOWN_SESSION)
        if row.state == "closed" or row.expires <= self._now().timestamp():
            raise ApiError(410, wire.SESSION_EXPIRED)
        if row.state != "authenticated":
            raise ApiError(403, wire.NOT_AUTHENTICATED)
        return row

    async def menu(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {"session_id": str})
        row = self._live(kiosk_id, body["session_id"])
        assert row.municipality is not None and row.cert_serial is not None and row.cert_sha256 is not None
        menu, _ = await self._menu(kiosk_id, row.session_id, row.municipality, row.cert_serial, row.cert_sha256)
        return {"session_id": row.session_id, "menu": menu}

    async def documents(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {"session_id": str, "request_id": str, "cert_type": str, "options": dict, "copies": int})
        request_id = schema.request_id(body["request_id"])
        row = self._live(kiosk_id, body["session_id"])
        assert row.municipality is not None and row.cert_sha256 is not None
        try:
            cert_type = CertType(body["cert_type"])
            options = validate_options(cert_type, schema.string_map(body["options"], "options"))
        except ValueError as exc:
            raise ApiError(400, wire.BAD_VALUE, "cert_type/options") from exc
        copies = body["copies"]
        if not 1 <= copies <= MAX_COPIES:
            raise ApiError(400, wire.BAD_VALUE, "copies")
        fingerprint = hashlib.sha256(canonical({"session_id": row.session_id, "kiosk_id": kiosk_id,
                                                "cert_type": cert_type.value, "options": options,
                                                "copies": copies})).hexdigest()
        known = self.store.delivery(request_id)
        if known is not None and known["fingerprint"] != fingerprint:
            raise ApiError(409, wire.REQUEST_ID_CONFLICT)
        honseki = cert_type.value in KOSEKI_TYPES and row.honseki is not None
        code = row.honseki if honseki and row.honseki else row.municipality
        member = self._routable(code)
        forward = {"request_id": request_id, "session_id": row.session_id, "kiosk_id": kiosk_id,
                   "card_serial": row.cert_serial, "cert_sha256": row.cert_sha256, "cert_type": cert_type.value,
                   "options": options, "copies": copies, "route": "honseki" if honseki else "residence"}
        kind, answer, message_id = await self._checked(member, "issue", forward)
        if kind == "refusal":
            refusal = self._refusal_of(member, answer)
            await self.store.event(self._now().timestamp(), "refuse", code, kiosk_id, row.session_id, request_id,
                                   refusal)
            status = 409 if refusal in (wire.REQUEST_ID_CONFLICT, wire.ALREADY_ISSUED) else (
                400 if refusal == wire.BAD_VALUE else 403)
            raise ApiError(status, refusal)
        try:
            serials, hashes = self._check_answer(member, answer, row, kiosk_id, request_id, cert_type, copies)
        except WrongDocument as exc:
            self._suspend(member.code, exc.check, kiosk_id, row.session_id, request_id)
            raise ApiError(503, wire.UNAVAILABLE) from exc
        await self.store.record_delivery({
            "request_id": request_id, "session_id": row.session_id, "kiosk_id": kiosk_id, "municipality": code,
            "fingerprint": fingerprint, "cert_type": cert_type.value, "copies": copies, "fee": answer["fee"],
            "serials": serials, "document_sha256": hashes, "message_id": message_id,
            "at": self._now().timestamp()})
        return answer

    def _check_answer(self, member: Member, answer: dict[str, Any], row: CentreSession, kiosk_id: str,
                      request_id: str, cert_type: CertType, copies: int) -> tuple[list[str], list[str]]:
        """Every document bound to this request, session, kiosk and card, its hash right and
        signed by one of this member's issuer keys valid now; the serials and hashes."""
        assert row.cert_sha256 is not None
        documents = answer.get("documents")
        fee = answer.get("fee")
        if answer.get("request_id") != request_id or not isinstance(documents, list) or len(documents) != copies:
            raise WrongDocument("request")
        if not isinstance(fee, int) or answer.get("amount") != fee * copies:
            raise WrongDocument("amount")
        keys = [k for k in member.issuer_keys if k.valid_at(self._now())]
        serials, hashes = [], []
        for entry in documents:
            try:
                document, binding = entry["document"], Binding(**entry["binding"])
                expected = Binding(request_id, row.session_id, kiosk_id, row.cert_sha256, document_hash(document))
                for name in ("request_id", "session_id", "kiosk_id", "card_cert_sha256", "document_sha256"):
                    if getattr(binding, name) != getattr(expected, name):
                        raise WrongDocument(name)
                if document["type"] != cert_type.value or not str(document["serial"]).startswith(member.code + "-"):
                    raise WrongDocument("document")
                if not any(_verifies(binding, entry["signature"], k) for k in keys):
                    raise WrongDocument("signature")
            except (KeyError, TypeError, ValueError) as exc:
                raise WrongDocument("malformed") from exc
            serials.append(str(document["serial"]))
            hashes.append(expected.document_sha256)
        return serials, hashes

    def _suspend(self, code: str, check: str, kiosk_id: str, sid: str, request_id: str) -> None:
        """Stop routing to ``code`` at once, keep why, and raise the alert."""
        at = self._now().timestamp()
        self.store.suspend(code, at, check)
        self.store.event_now(at, "wrong_document", code, kiosk_id, sid, request_id, check)
        log.event(LOG, "centre.municipality_suspended", logging.CRITICAL, municipality=code, reason=check,
                  request=request_id)

    async def outcome(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        schema.fields(body, {"session_id": str, "request_id": str, "outcome": str, "copies": int, "amount": int})
        request_id = schema.request_id(body["request_id"])
        sid = schema.session_id(body["session_id"])
        known = self.store.delivery(request_id)
        if known is None or known["kiosk_id"] != kiosk_id or known["session_id"] != sid:
            raise ApiError(404, wire.UNKNOWN_REQUEST)
        outcome, copies, amount = body["outcome"], body["copies"], body["amount"]
        if outcome not in wire.OUTCOMES:
            raise ApiError(400, wire.BAD_VALUE, "outcome")
        if (outcome == "cancelled" and (copies, amount) != (0, 0)) or (
                outcome == "printed" and copies != known["copies"]) or not 0 <= copies <= known["copies"] or (
                amount != known["fee"] * copies):
            raise ApiError(400, wire.OUTCOME_MISMATCH)
        if known["outcome"] is not None and (known["outcome"], known["outcome_copies"], known["outcome_amount"]) != (
                outcome, copies, amount):
            raise ApiError(409, wire.OUTCOME_CONFLICT)
        if not await self.store.record_outcome(request_id, outcome, copies, amount, self._now().timestamp()):
            # another call recorded one while this one waited for its commit (or a node did)
            stored = self.store.delivery(request_id)
            if stored is None or (stored["outcome"], stored["outcome_copies"], stored["outcome_amount"]) != (
                    outcome, copies, amount):
                raise ApiError(409, wire.OUTCOME_CONFLICT)
        self.outcomes.add(known["municipality"], {"request_id": request_id, "outcome": outcome, "copies": copies,
                                                  "amount": amount})
        return {"request_id": request_id, "recorded": True}

    async def _forward_outcomes(self, code: str, outcomes: list[dict[str, Any]]) -> int:
        """Tell the municipality what became of its documents (a suspended one too), in one
        message; those it took (or holds another outcome for) or refused for good
        (:data:`FINAL_REFUSALS`, logged) are marked forwarded and never sent again, the others
        stay for :meth:`forward_pending`. How many it took.

        A server that refuses the ``outcomes`` message itself (one that predates it: the
        kind is unknown there) is told one outcome a message from then on, as before."""
        member = self._directory().member(code)
        if member is None or self._port(code) is None:
            return 0
        if code in self._single_outcomes:
            return await self._forward_singly(member, outcomes)
        try:
            kind, answer, _ = await self._call(member, "outcomes", {"outcomes": outcomes})
        except MessageRefused as exc:
            self._single_outcomes.add(code)
            log.event(LOG, "centre.outcomes_refused", logging.WARNING, municipality=code, reason=exc.reason)
            return await self._forward_singly(member, outcomes)
        except MunicipalityUnavailable:
            return 0
        results = answer.get("results") if kind == "answer" else None
        return await self._settled(code, {o["request_id"] for o in outcomes},
                                   results if isinstance(results, list) else [])

    async def _settled(self, code: str, sent: set[str], results: list[Any]) -> int:
        """Mark what the municipality's answers settle (taken, or refused for good) as
        forwarded; how many it took."""
        taken, refused = [], []
        for r in results:
            if not isinstance(r, dict) or r.get("request_id") not in sent:
                continue
            if r.get("recorded") is True or r.get("refusal") == wire.OUTCOME_CONFLICT:
                taken.append(r["request_id"])
            elif r.get("refusal") in FINAL_REFUSALS:
                refused.append(r["request_id"])
        if refused:  # asked again they would be refused again: reconcile shows them, the log says so
            log.event(LOG, "centre.outcomes_refused_for_good", logging.ERROR, municipality=code, count=len(refused))
        if taken or refused:
            await self.store.outcomes_forwarded(taken + refused)
        return len(taken)

    async def _forward_singly(self, member: Member, outcomes: list[dict[str, Any]]) -> int:
        results = []
        for outcome in outcomes:
            try:
                kind, answer, _ = await self._call(member, "outcome", outcome)
            except MunicipalityUnavailable:
                break  # the rest waits for the sweep
            results.append({"request_id": outcome["request_id"], "recorded": True} if kind == "answer" else
                           {"request_id": outcome["request_id"], "refusal": answer.get("refusal")})
        return await self._settled(member.code, {o["request_id"] for o in outcomes}, results)

    async def forward_pending(self) -> int:
        """Send again the outcomes a municipality missed while it was down (not those on
        their way now, here or in another centre process); how many it took."""
        queued = self.outcomes.queued()
        recorded_before = self._now().timestamp() - self.settings.outcome_sweep_age
        taken = 0
        for code, bulkhead in list(self.bulkheads.items()):  # each its own: one down holds no other's back
            if bulkhead.open:
                continue
            outcomes = [{"request_id": d["request_id"], "outcome": d["outcome"], "copies": d["outcome_copies"],
                         "amount": d["outcome_amount"]}
                        for d in self.store.unforwarded_outcomes(code, MAX_OUTCOMES, recorded_before)
                        if d["request_id"] not in queued]
            if outcomes:
                taken += await self._forward_outcomes(code, outcomes)
        return taken

    def technician_events(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep a batch of the kiosk's diagnostic audit records at the centre, all or none
        (the same strict reading as a single relay's, :mod:`relay.technician`); a repeat is
        harmless. ``acknowledged_seq``: every record up to it is stored."""
        records = technician.parse(body, kiosk_id)
        self.store.add_technician_events(kiosk_id, self._now().timestamp(),
                                         [(r.seq, r.at, r.t, r.event, r.fields) for r in records])
        return {"acknowledged_seq": records[-1].seq}

    def log_export(self, kiosk_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Keep one part of a technician's log export at the centre, all or none; a repeat
        is harmless. ``stored_through``: the index of the part's last event."""
        part = technician.parse_log_export(body, kiosk_id)
        self.store.add_log_events(kiosk_id, part.export_id, part.first, self._now().timestamp(), part.events)
        return {"export_id": part.export_id, "stored_through": part.first + len(part.events) - 1}

    def record_timeout(self, kiosk_id: str, body: dict[str, Any]) -> None:
        """Keep a call the transport aborted at its deadline in the event log (the municipality
        it was routed to, when the session names one): the kiosk retries or cancels."""
        sid, rid = body.get("session_id"), body.get("request_id")
        sid = sid if isinstance(sid, str) and schema.SESSION_ID.fullmatch(sid) else None
        row = self.store.session(sid) if sid else None
        self.store.event_now(self._now().timestamp(), "timeout", row.municipality if row else None, kiosk_id, sid,
                         rid if isinstance(rid, str) and schema.REQUEST_ID.fullmatch(rid) else None, wire.TIMEOUT)
        log.event(LOG, "centre.timeout", logging.WARNING, kiosk=kiosk_id, code=wire.TIMEOUT)

    def kiosk_alert(self, entry: dict[str, Any]) -> None:
        """A kiosk's volume or refusal alert (:class:`relay.kiosk_watch.KioskWatch`), kept in
        the centre's event log for the operator."""
        self.store.event_now(entry["at"], "kiosk_alert", None, kiosk_id=entry["kiosk_id"], code=entry["code"])

    async def purge(self) -> int:
        return await self.store.purge(self._now().timestamp())


def _verifies(binding: Binding, signature: Any, key: PublishedKey) -> bool:
    try:
        binding.verify(str(signature), key.public_key)
    except BindingMismatch:
        return False
    return True
