"""The conformance kit the centre runs against a municipal issuing server before admitting
it (``relay municipality check``): the server must pass every check, or it is not admitted.

It speaks the real protocol to the server's endpoint, as the centre would (pinned mutual
TLS, signed messages), using the candidate's ``member.json`` for its keys and pin and a
*profile* the municipality provides: the certificate serials of its test residents who may
be issued a 住民票 (``issuable``), of test residents who must be refused and the code
expected (``refused``), and its declared capacity (``capacity_per_second``).

Checks: the protocol (a signed ``check`` answered, signed by its listed message key, as a
reply to it); signatures (a tampered or replayed message is not answered); refusals (an
unknown card, every listed refusal); idempotency (a repeat gets the same answer, a changed
repeat a conflict); same-millisecond pairs (two requests for different people sent at once,
each answered with its own binding, document hash, issuer signature and a number of its
own); a bounded load test at the declared capacity (every call answered in time); and
outcomes (every test document recorded as ``cancelled`` in ``outcomes`` batches, as the
centre sends them, and an unknown and a conflicting outcome refused each with its code).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import refusals, wire
from protocol.documents.binding import Binding, BindingMismatch
from protocol.documents.model import document_hash
from protocol.federation.directory import Member
from protocol.federation.envelope import CENTRE, MAX_OUTCOMES, EnvelopeError, open_message, seal
from relay.centre.port import Municipality, MunicipalityUnavailable

PAIRS = 10
#: The kiosk id of every request the kit sends: they reach the server straight from the
#: kit, never through the centre, so ``relay reconcile`` counts them apart.
KIT_KIOSK = "CONFORMANCE-KIT"
LOAD_SECONDS = 3.0


@dataclass(frozen=True)
class Profile:
    issuable: tuple[str, ...]  # at least two
    refused: dict[str, str]
    capacity_per_second: int

    @classmethod
    def from_json(cls, data: Any) -> Profile:
        """:class:`ValueError` saying which part of the profile is wrong."""
        if not isinstance(data, dict):
            raise ValueError("the profile is a JSON object {issuable: [...], refused: {...}, capacity_per_second: N}")
        issuable, refused, capacity = data.get("issuable"), data.get("refused", {}), data.get("capacity_per_second")
        if not isinstance(issuable, list) or len(issuable) < 2:
            raise ValueError("the profile lists at least two issuable test cards (issuable)")
        if not isinstance(refused, dict):
            raise ValueError("refused maps test card serials to the refusal each must get")
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            raise ValueError("capacity_per_second is the server's declared capacity, a whole number of at least 1")
        return cls(tuple(str(s) for s in issuable), {str(k): str(v) for k, v in refused.items()}, capacity)


@dataclass(frozen=True)
class Result:
    check: str
    ok: bool
    detail: str = ""


class Conformance:
    def __init__(self, member: Member, port: Municipality, centre_key: Ed25519PrivateKey,
                 deadline: float = 3.0) -> None:
        self.member = member
        self.port = port
        self._key = centre_key
        self.deadline = deadline
        self._issued: list[tuple[str, int]] = []

    def _seal(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        return seal(body, sender=CENTRE, recipient=self.member.code, key=self._key, kind=kind,
                    now=dt.datetime.now(dt.UTC))

    async def _send(self, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        reply = await asyncio.wait_for(self.port.exchange(message), self.deadline)
        env, body = open_message(reply, lambda s, k, w: self.member.message_key(k, w) if s == self.member.code
                                 else None, recipient=CENTRE, now=dt.datetime.now(dt.UTC))
        if env.in_reply_to != message["envelope"]["message_id"]:
            raise EnvelopeError("sender")
        return env.kind, body

    async def _call(self, kind: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return await self._send(self._seal(kind, body))

    @staticmethod
    def _issue_body(serial: str, **change: Any) -> dict[str, Any]:
        return {"request_id": str(uuid.uuid4()), "session_id": uuid.uuid4().hex, "kiosk_id": KIT_KIOSK,
                "card_serial": serial, "cert_sha256": uuid.uuid4().hex * 2, "cert_type": "juminhyo",
                "options": {}, "copies": 1, "route": "residence", **change}

    def _bound(self, body: dict[str, Any], answer: dict[str, Any]) -> str | None:
        """Why ``answer`` is not exactly this request's documents, or None."""
        docs = answer.get("documents")
        if answer.get("request_id") != body["request_id"] or not isinstance(docs, list) or len(docs) != body[
                "copies"]:
            return "request"
        now = dt.datetime.now(dt.UTC)
        for entry in docs:
            binding = Binding(**entry["binding"])
            expected = Binding(body["request_id"], body["session_id"], body["kiosk_id"], body["cert_sha256"],
                               document_hash(entry["document"]))
            if binding != expected:
                return "binding"
            if not str(entry["document"]["serial"]).startswith(self.member.code + "-"):
                return "serial"
            if not any(_verifies(binding, entry["signature"], k.public_key) for k in self.member.issuer_keys
                       if k.valid_at(now)):
                return "signature"
        self._issued.append((body["request_id"], answer.get("fee", 0)))
        return None

    async def run(self, profile: Profile) -> list[Result]:
        checks = [("protocol", self._protocol), ("signatures", self._signatures), ("refusals", self._refusals),
                  ("idempotency", self._idempotency), ("same_millisecond_pairs", self._pairs),
                  ("load", self._load), ("outcomes", self._outcomes)]
        results = []
        for name, check in checks:
            try:
                detail = await check(profile)
            except (MunicipalityUnavailable, EnvelopeError, TimeoutError, KeyError, TypeError, ValueError) as exc:
                detail = f"{type(exc).__name__}: {exc}"
            results.append(Result(name, detail is None, detail or ""))
        return results

    async def _protocol(self, profile: Profile) -> str | None:
        kind, body = await self._call("check", {})
        return None if (kind, body) == ("answer", {"code": self.member.code}) else f"answered {kind} {body}"

    async def _signatures(self, profile: Profile) -> str | None:
        tampered = self._seal("menu", {"card_serial": profile.issuable[0]})
        tampered["body"]["card_serial"] = profile.issuable[1]
        for name, message in (("tampered", tampered),):
            try:
                await self._send(message)
                return f"a {name} message was answered"
            except MunicipalityUnavailable:
                pass
        message = self._seal("menu", {"card_serial": profile.issuable[0]})
        await self._send(message)
        try:
            await self._send(message)
            return "a replayed message was answered"
        except MunicipalityUnavailable:
            return None

    async def _refusals(self, profile: Profile) -> str | None:
        expected = {"F" * 16: refusals.CARD_UNKNOWN, **profile.refused}
        for serial, code in expected.items():
            kind, body = await self._call("issue", self._issue_body(serial))
            if (kind, body.get("refusal")) != ("refusal", code):
                return f"card {serial}: expected {code}, got {kind} {body.get('refusal')}"
        return None

    async def _idempotency(self, profile: Profile) -> str | None:
        body = self._issue_body(profile.issuable[0])
        kind, first = await self._call("issue", body)
        if kind != "answer":
            return f"first answer: {kind} {first.get('refusal')}"
        if why := self._bound(body, first):
            return f"first answer: not bound to its request ({why})"
        if await self._call("issue", body) != ("answer", first):
            return "a repeat got another answer"
        if (await self._call("issue", {**body, "copies": 2}))[1].get("refusal") != wire.REQUEST_ID_CONFLICT:
            return "a changed repeat was not refused as a conflict"
        return None

    async def _pairs(self, profile: Profile) -> str | None:
        serials: set[str] = set()
        for n in range(PAIRS):
            bodies = [self._issue_body(profile.issuable[(n + i) % len(profile.issuable)]) for i in (0, 1)]
            answers = await asyncio.gather(*(self._call("issue", b) for b in bodies))
            for body, (kind, answer) in zip(bodies, answers, strict=True):
                if kind != "answer":
                    return f"pair {n}: {answer.get('refusal')}"
                if why := self._bound(body, answer):
                    return f"pair {n}: a document not bound to its request ({why})"
                serials.update(e["document"]["serial"] for e in answer["documents"])
        return None if len(serials) == 2 * PAIRS else "two documents share a serial number"

    async def _load(self, profile: Profile) -> str | None:
        total = max(1, int(profile.capacity_per_second * LOAD_SECONDS))
        started = time.monotonic()

        async def one(n: int) -> str | None:
            await asyncio.sleep(n / profile.capacity_per_second)
            body = self._issue_body(profile.issuable[n % len(profile.issuable)])
            kind, answer = await self._call("issue", body)
            return self._bound(body, answer) if kind == "answer" else str(answer.get("refusal"))

        failures = [f for f in await asyncio.gather(*(one(n) for n in range(total))) if f]
        rate = total / (time.monotonic() - started)
        return f"{len(failures)} of {total} failed ({failures[0]})" if failures else (
            None if rate >= 0.8 * profile.capacity_per_second else f"{rate:.1f}/s of {profile.capacity_per_second}")

    async def _outcomes(self, profile: Profile) -> str | None:
        """Every document the kit was issued, cancelled in ``outcomes`` batches as the centre
        sends them: each recorded; then one unknown and one conflicting in a batch of their
        own, each refused with its code, in the order sent."""
        issued = [rid for rid, _ in self._issued]
        self._issued.clear()
        cancelled = {"outcome": "cancelled", "copies": 0, "amount": 0}
        failed = None
        for start in range(0, len(issued), MAX_OUTCOMES):  # every batch, even after one failed
            batch = issued[start:start + MAX_OUTCOMES]
            kind, answer = await self._call("outcomes", {"outcomes": [{"request_id": r, **cancelled} for r in batch]})
            if kind != "answer" or answer.get("results") != [{"request_id": r, "recorded": True} for r in batch]:
                failed = failed or f"a batch of {len(batch)} cancellations: {kind} {answer.get('refusal', '')}".rstrip()
        if failed or not issued:
            return failed or "no document was issued to cancel"
        unknown = uuid.uuid4().hex
        kind, answer = await self._call("outcomes", {"outcomes": [
            {"request_id": unknown, **cancelled},
            {"request_id": issued[0], "outcome": "printed", "copies": 1, "amount": 0}]})
        if kind != "answer" or answer.get("results") != [{"request_id": unknown, "refusal": wire.UNKNOWN_REQUEST},
                                                         {"request_id": issued[0], "refusal": wire.OUTCOME_CONFLICT}]:
            return f"an unknown and a conflicting outcome: {kind} {answer.get('results', answer.get('refusal'))}"
        return None


def _verifies(binding: Binding, signature: Any, key: Any) -> bool:
    try:
        binding.verify(str(signature), key)
    except BindingMismatch:
        return False
    return True
