"""Interleaved sessions, repeats, aborted issuances, outcomes and expiry (Hypothesis).

Whatever the order, a document is only ever issued to the session that asked for it, a
request id always yields the same documents (or "already issued"), an aborted issuance
leaves nothing, and no document outlives its outcome or its session.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from hardware_mocks.relay.testing import CardSigner, open_hours
from hardware_mocks.relay.virtual import VirtualRelayBackend
from hardware_mocks.world import World
from protocol.clock import FakeClock
from relay.schema import ApiError

PERSONAS = ("shiken-ichiro", "shiken-hanako", "mihon-saburo", "canary")
KIOSKS = ("KIOSK-0001", "KIOSK-0002", "KIOSK-0003")
WORLD: dict[str, Any] = {}


class RelayMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        world: World = WORLD["world"]
        self.world = world
        self.clock = FakeClock(open_hours(world))
        self.core = VirtualRelayBackend(world.root, self.clock).core
        self.sessions: dict[str, dict[str, Any]] = {}  # session id -> kiosk, resident, given name
        self.issued: dict[str, tuple[str, Any]] = {}  # request id -> (session id, answer)
        self.done: set[str] = set()  # request ids with an outcome

    @rule(persona=st.sampled_from(PERSONAS), kiosk=st.sampled_from(KIOSKS))
    def authenticate(self, persona: str, kiosk: str) -> None:
        card = CardSigner.load(self.world.card_path(persona))
        opened = self.core.open_session(kiosk, {})
        challenge = base64.b64decode(opened["challenge"])
        self.core.authenticate(kiosk, {
            "session_id": opened["session_id"],
            "card_certificate": base64.b64encode(card.cert_der).decode(),
            "signature": base64.b64encode(card.sign(challenge, opened["session_id"], kiosk)).decode(),
        })
        resident = self.world.persona(persona)["resident"]
        given = self.world.resident(resident)["given_name"]
        self.sessions[opened["session_id"]] = {"kiosk": kiosk, "resident": resident, "given": given,
                                               "expires": self.clock.now().timestamp() + 900}

    def _live(self) -> list[str]:
        now = self.clock.now().timestamp()
        return [s for s, v in self.sessions.items() if v["expires"] > now]

    def _body(self, sid: str, rid: str, copies: int) -> dict[str, Any]:
        return {"session_id": sid, "request_id": rid, "cert_type": "juminhyo", "options": {}, "copies": copies}

    @precondition(lambda self: bool(self._live()))
    @rule(data=st.data(), copies=st.integers(1, 3), abort=st.booleans())
    def request(self, data: st.DataObject, copies: int, abort: bool) -> None:
        sid = data.draw(st.sampled_from(self._live()))
        kiosk = self.sessions[sid]["kiosk"]
        rid = str(uuid.uuid4())
        prepared = self.core.prepare_request(kiosk, self._body(sid, rid, copies))
        if abort:  # the deadline fired before the commit: nothing may remain
            assert self.core.storage.request(rid) is None
            return
        self.issued[rid] = (sid, self.core.commit_request(prepared))

    @precondition(lambda self: bool(self.issued))
    @rule(data=st.data())
    def repeat(self, data: st.DataObject) -> None:
        rid = data.draw(st.sampled_from(sorted(self.issued)))
        sid, answer = self.issued[rid]
        copies = len(answer["documents"])
        try:
            again = self.core.request_documents(self.sessions[sid]["kiosk"], self._body(sid, rid, copies))
        except ApiError as exc:
            assert exc.code in ("already_issued", "session_expired")
            assert rid in self.done or self.sessions[sid]["expires"] <= self.clock.now().timestamp()
        else:
            assert again == answer

    @precondition(lambda self: bool(set(self.issued) - self.done))
    @rule(data=st.data(), printed=st.booleans())
    def outcome(self, data: st.DataObject, printed: bool) -> None:
        rid = data.draw(st.sampled_from(sorted(set(self.issued) - self.done)))
        sid, answer = self.issued[rid]
        copies = len(answer["documents"]) if printed else 0
        self.core.outcome(self.sessions[sid]["kiosk"], {
            "session_id": sid, "request_id": rid, "outcome": "printed" if printed else "cancelled",
            "copies": copies, "amount": answer["fee"] * copies})
        self.done.add(rid)

    @rule(seconds=st.sampled_from([1, 60, 600, 901]))
    def time_passes(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.core.purge()

    @invariant()
    def every_document_is_its_own_sessions(self) -> None:
        if not hasattr(self, "issued"):
            return
        for rid, (sid, answer) in self.issued.items():
            for entry in answer["documents"]:
                assert entry["binding"]["session_id"] == sid and entry["binding"]["request_id"] == rid
                assert entry["binding"]["kiosk_id"] == self.sessions[sid]["kiosk"]
                assert entry["document"]["body"]["members"][0]["name"]["given"] == self.sessions[sid]["given"]

    @invariant()
    def nothing_outlives_its_outcome_or_session(self) -> None:
        if not hasattr(self, "issued"):
            return
        self.core.purge()
        now = self.clock.now().timestamp()
        held = {rid for rid, (sid, _) in self.issued.items()
                if rid not in self.done and self.sessions[sid]["expires"] > now}
        assert self.core.storage.stored_documents() == len(held)


@pytest.fixture
def machine_world(world: World) -> World:
    WORLD["world"] = world
    return world


def test_interleavings(machine_world: World) -> None:
    RelayMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    RelayMachine.TestCase().runTest()
