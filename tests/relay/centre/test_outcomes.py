"""The centre tells a municipality its kiosks' outcomes after answering the kiosks, in
batches (relay.centre.outcomes): one ``outcomes`` message per municipality on its way at a
time, the outcomes reported meanwhile in the next; what the municipality does not take
stays not forwarded for the sweep. Held and released with events: nothing is timed."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hardware_mocks.federation_faults import KillableMunicipality
from hardware_mocks.federation_world import A, B, FederationWorld
from protocol.clock import FakeClock, SystemClock
from protocol.federation.envelope import MAX_OUTCOMES
from relay.centre.core import CentreSettings
from relay.centre.port import MessageRefused
from relay.centre.store import CentreStore
from relay.federation_local import InProcessMunicipality, centre
from relay.municipal.server import MunicipalServer
from relay.store.protocol import StoreError
from tests.fixtures.federation_services import KIOSK, Federation
from tests.fixtures.waiting import WAIT


class HeldMunicipality(InProcessMunicipality):
    """Its ``outcomes`` messages wait for ``release``; ``batches`` counts the outcomes in each."""

    def __init__(self, server: MunicipalServer) -> None:
        super().__init__(server)
        self.release = asyncio.Event()
        self.arrived = asyncio.Event()
        self.batches: list[int] = []

    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        if message["envelope"]["kind"] == "outcomes":
            self.batches.append(len(message["body"]["outcomes"]))
            self.arrived.set()
            await self.release.wait()
        return await super().exchange(message)


class OlderMunicipality(InProcessMunicipality):
    """A server from before ``outcomes``: it refuses the kind as malformed (``calls``: the kinds asked)."""

    def __init__(self, server: MunicipalServer) -> None:
        super().__init__(server)
        self.calls: list[str] = []

    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(message["envelope"]["kind"])
        if message["envelope"]["kind"] == "outcomes":
            raise MessageRefused("message_refused")
        return await super().exchange(message)


P = TypeVar("P", bound=InProcessMunicipality)
NOW = 1_800_000_000.0


def _with(kind: type[P], federation: FederationWorld, tmp_path: Path,
          settings: CentreSettings | None = None) -> tuple[Federation, list[P]]:
    """A federation whose municipality A is reached through ``kind`` (listed once made), on
    a clock that moves only when told to (:func:`_later`)."""
    made: list[P] = []

    def wrap(port: Any) -> P:
        made.append(kind(port.server))
        return made[0]

    return Federation(federation, tmp_path, replace={A: wrap}, settings=settings, clock=_clock()), made


def _clock() -> FakeClock:
    return FakeClock(SystemClock().now())


def _later(fed: Federation) -> None:
    """Past the age at which the sweep sends an outcome again."""
    assert isinstance(fed.clock, FakeClock)
    fed.clock.advance(fed.centre.settings.outcome_sweep_age)


def _run(fed: Federation, scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    try:
        asyncio.run(scenario())
    finally:
        asyncio.run(fed.close())


async def _printed(fed: Federation, sid: str, answer: dict[str, Any]) -> dict[str, Any]:
    return await fed.centre.outcome(KIOSK, {"session_id": sid, "request_id": answer["request_id"],
                                            "outcome": "printed", "copies": 1, "amount": answer["amount"]})


def test_outcomes_reported_while_a_batch_is_on_its_way_go_together_in_the_next(federation: FederationWorld,
                                                                                tmp_path: Path) -> None:
    fed, held = _with(HeldMunicipality, federation, tmp_path, CentreSettings(municipal_deadline=WAIT))

    async def scenario() -> None:
        issued = []
        for _ in range(6):
            sid, _, _ = await fed.login(fed.persona_for(A))
            issued.append((sid, await fed.request(sid)))

        assert (await _printed(fed, *issued[0]))["recorded"]  # answered before the municipality is told
        await asyncio.wait_for(held[0].arrived.wait(), WAIT)
        assert held[0].batches == [1]
        for sid, answer in issued[1:]:
            assert (await _printed(fed, sid, answer))["recorded"]
        assert held[0].batches == [1]  # the five wait for the first batch
        held[0].release.set()
        await fed.centre.outcomes.drained()
        assert held[0].batches == [1, 5]
        history = {e["request_id"]: e["outcome"] for e in fed.servers[A].history.entries()}
        assert [history[a["request_id"]] for _, a in issued] == ["printed"] * 6
        assert fed.centre.store.unforwarded_outcomes() == []
        assert [e["kind"] for e in fed.centre.messages.entries() if e["direction"] == "sent"].count("outcomes") == 2

    _run(fed, scenario)


def test_outcomes_not_sent_when_the_centre_stops_stay_for_the_sweep(federation: FederationWorld,
                                                                     tmp_path: Path) -> None:
    fed, held = _with(HeldMunicipality, federation, tmp_path)

    async def scenario() -> None:
        sid, _, _ = await fed.login(fed.persona_for(A))
        answer = await fed.request(sid)
        await _printed(fed, sid, answer)
        await asyncio.wait_for(held[0].arrived.wait(), WAIT)
        await fed.centre.outcomes.close(0)  # the municipality has not answered: stop waiting for it
        assert fed.centre.outcomes.queued() == set() and held[0].batches == [1]
        await fed.centre.outcomes.drained()  # nothing left running
        assert [d["request_id"] for d in fed.centre.store.unforwarded_outcomes()] == [answer["request_id"]]
        held[0].release.set()
        assert await fed.centre.forward_pending() == 0  # recorded just now: perhaps on its way from another process
        _later(fed)
        assert await fed.centre.forward_pending() == 1  # the next start's sweep
        assert fed.centre.store.unforwarded_outcomes() == []

    _run(fed, scenario)


def test_another_centre_process_s_sweep_leaves_an_outcome_on_its_way_alone(federation: FederationWorld,
                                                                           tmp_path: Path) -> None:
    """Two centre processes on one database (``--workers``): the outcome one of them has on
    its way is not sent again by the other's sweep, which cannot see that process's batches;
    it is left to the sweep only once older than the age at which its batch surely ended."""
    fed, held = _with(HeldMunicipality, federation, tmp_path)
    (tmp_path / "two").mkdir()
    two = centre(federation.centre_dir, fed.directory, fed.centre.municipalities, fed.clock, tmp_path / "two",
                 db=tmp_path / "centre" / "centre.sqlite3")

    async def scenario() -> None:
        sid, _, _ = await fed.login(fed.persona_for(A))
        answer = await fed.request(sid)
        await _printed(fed, sid, answer)
        await asyncio.wait_for(held[0].arrived.wait(), WAIT)  # on its way from the first process
        assert [d["request_id"] for d in two.store.unforwarded_outcomes()] == [answer["request_id"]]
        assert await asyncio.wait_for(two.forward_pending(), WAIT) == 0 and held[0].batches == [1]
        held[0].release.set()
        await fed.centre.outcomes.drained()
        _later(fed)
        assert await two.forward_pending() == 0 and held[0].batches == [1]  # taken: nothing left to send
        assert [e["outcome"] for e in fed.servers[A].history.entries()] == ["printed"]

    try:
        _run(fed, scenario)
    finally:
        two.store.close()
        two.messages.close()


def test_a_server_from_before_batches_is_told_one_outcome_a_message(federation: FederationWorld, tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    fed, older = _with(OlderMunicipality, federation, tmp_path)

    async def scenario() -> None:
        for _ in range(2):
            sid, _, _ = await fed.login(fed.persona_for(A))
            answer = await fed.request(sid)
            await _printed(fed, sid, answer)
            await fed.centre.outcomes.drained()
        assert [k for k in older[0].calls if k.startswith("outcome")] == ["outcomes", "outcome", "outcome"]
        assert {e["outcome"] for e in fed.servers[A].history.entries()} == {"printed"}
        assert fed.centre.store.unforwarded_outcomes() == [] and fed.centre.bulkheads[A].failures == 0

    caplog.set_level(logging.WARNING, logger="relay.centre")
    _run(fed, scenario)
    assert [r.getMessage() for r in caplog.records if r.name == "relay.centre"] == ["centre.outcomes_refused"]


def test_an_outcome_refused_for_good_is_not_sent_again(federation: FederationWorld, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    fed, held = _with(HeldMunicipality, federation, tmp_path)

    async def scenario() -> None:
        held[0].release.set()
        sid, _, _ = await fed.login(fed.persona_for(A))
        answer = await fed.request(sid)
        history = fed.servers[A].history
        history._db.write("DELETE FROM municipal_issuance WHERE request_id=?", (answer["request_id"],))  # lost there
        await _printed(fed, sid, answer)
        await fed.centre.outcomes.drained()
        assert held[0].batches == [1] and fed.centre.store.unforwarded_outcomes() == []
        _later(fed)
        assert await fed.centre.forward_pending() == 0 and held[0].batches == [1]  # not asked again

    caplog.set_level(logging.ERROR, logger="relay.centre")
    _run(fed, scenario)
    assert [r.getMessage() for r in caplog.records if r.name == "relay.centre"] == [
        "centre.outcomes_refused_for_good"]


def test_the_sweep_of_one_municipality_is_not_held_back_by_another_s_backlog(federation: FederationWorld,
                                                                             tmp_path: Path) -> None:
    """A hundred outcomes A missed (older than B's) and A still down: B's missed outcome is sent."""
    killable: dict[str, KillableMunicipality] = {}

    def kill_switch(code: str) -> Callable[[Any], KillableMunicipality]:
        def wrap(port: Any) -> KillableMunicipality:
            killable[code] = KillableMunicipality(port.server)
            return killable[code]
        return wrap

    fed = Federation(federation, tmp_path, replace={A: kill_switch(A), B: kill_switch(B)}, clock=_clock())

    async def scenario() -> None:
        store = fed.centre.store
        for n in range(MAX_OUTCOMES):  # delivered long ago, their outcomes never taken
            rid = f"backlog-{n:03d}"
            await store.record_delivery({"request_id": rid, "session_id": "0" * 32, "kiosk_id": KIOSK,
                                         "municipality": A, "fingerprint": "f", "cert_type": "juminhyo", "copies": 1,
                                         "fee": 300, "serials": [], "document_sha256": [], "message_id": "m",
                                         "at": float(n)})
            await store.record_outcome(rid, "printed", 1, 300, float(n))
        sid, _, _ = await fed.login(fed.persona_for(B))
        answer = await fed.request(sid)
        killable[A].down = killable[B].down = True
        await _printed(fed, sid, answer)
        await fed.centre.outcomes.drained()  # B down: left for the sweep
        killable[B].down = False
        _later(fed)
        assert await fed.centre.forward_pending() == 1
        assert [d["municipality"] for d in store.unforwarded_outcomes()] == [A] * MAX_OUTCOMES

    _run(fed, scenario)


def test_the_sweep_reads_only_pending_outcomes_through_their_own_index(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """However long the delivery log, a sweep's read of one municipality's outcomes left to
    send goes through the partial index of pending ones (migration ``outcomes_pending``),
    not through every delivery of that municipality ever forwarded."""
    store = CentreStore(tmp_path / "centre.sqlite3")
    try:
        reads: list[tuple[str, Any]] = []
        read = store._reads.read  # the store's read connection, watched

        def watched(sql: str, args: Any = ()) -> list[Any]:
            reads.append((sql, args))
            return read(sql, args)

        monkeypatch.setattr(store._reads, "read", watched)
        store.unforwarded_outcomes(A, MAX_OUTCOMES, recorded_before=NOW)  # the sweep's read
        ((sql, args),) = reads
        plan = read("EXPLAIN QUERY PLAN " + sql, args)
        assert any("centre_deliveries_outcome_pending" in str(row[-1]) for row in plan), plan
    finally:
        store.close()


def test_the_sweep_takes_outcomes_recorded_long_enough_ago_and_those_from_before_the_time_was_kept(
        tmp_path: Path) -> None:
    path = tmp_path / "centre.sqlite3"
    store = CentreStore(path)
    try:
        asyncio.run(_deliveries(store, {"old": NOW - 60, "edge": NOW, "fresh": NOW + 1, "untimed": NOW + 1}))
    finally:
        store.close()
    with sqlite3.connect(path) as conn:  # recorded by a centre from before migration 'outcome_time'
        conn.execute("UPDATE centre_deliveries SET outcome_at=NULL WHERE request_id='untimed'")
    conn.close()
    store = CentreStore(path, read_only=True)
    try:
        assert [d["request_id"] for d in store.unforwarded_outcomes(recorded_before=NOW)] == ["old", "edge", "untimed"]
        assert len(store.unforwarded_outcomes()) == 4
    finally:
        store.close()


async def _deliveries(store: CentreStore, outcomes_at: dict[str, float]) -> None:
    """One delivery to A per request id, in that order, each with its outcome recorded at the time given."""
    for n, (rid, at) in enumerate(outcomes_at.items()):
        await store.record_delivery({"request_id": rid, "session_id": "0" * 32, "kiosk_id": KIOSK, "municipality": A,
                                     "fingerprint": "f", "cert_type": "juminhyo", "copies": 1, "fee": 300,
                                     "serials": [], "document_sha256": [], "message_id": "m", "at": float(n)})
        assert await store.record_outcome(rid, "printed", 1, 300, at)


def test_a_centre_database_opened_read_only_starts_no_writer_and_refuses_writes(tmp_path: Path) -> None:
    CentreStore(tmp_path / "centre.sqlite3").close()
    before = {t.name for t in threading.enumerate()}
    store = CentreStore(tmp_path / "centre.sqlite3", read_only=True)
    try:
        assert {t.name for t in threading.enumerate()} == before
        with pytest.raises(StoreError):
            store.suspend(A, NOW, "signature")
        assert store.suspended() == {}
    finally:
        store.close()
