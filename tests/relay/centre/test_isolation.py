"""A municipal server that is down, hangs or returns someone else's documents costs only
its own residents: nothing wrong reaches a kiosk, the faulty one is suspended at once,
and the others keep serving."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.federation_faults import DownMunicipality, KillableMunicipality, SwappingMunicipality
from hardware_mocks.federation_world import A, B, C, FederationWorld
from protocol.clock import FakeClock, SystemClock
from relay.centre.core import CentreSettings
from relay.federation_local import load_ed25519
from relay.schema import ApiError
from tests.fixtures.federation_services import KIOSK, Federation


def test_a_wrong_document_is_refused_and_its_municipality_suspended(federation: FederationWorld,
                                                                    tmp_path: Path) -> None:
    key = load_ed25519(federation.municipality_dir(B) / "message.key")
    fed = Federation(federation, tmp_path, replace={B: lambda port: SwappingMunicipality(port.server, key)})

    async def scenario() -> None:
        first, _, _ = await fed.login(fed.persona_for(B))
        second, _, _ = await fed.login(fed.persona(fed.world.people["moved"]))  # also lives in B
        assert (await fed.request(first))["documents"]
        with pytest.raises(ApiError) as exc:
            await fed.request(second)  # B answers with the first person's documents
        assert exc.value.status == 503
        assert fed.centre.store.suspended() == {B: "request"}  # the answer names another request
        alerts = fed.centre.store.events(B)
        assert [e["kind"] for e in alerts if e["kind"] == "wrong_document"] == ["wrong_document"]
        assert [d["session_id"] for d in fed.centre.store.deliveries()] == [first]  # nothing for the second
        with pytest.raises(ApiError):  # suspended: B's residents are not routed at all
            await fed.login(fed.persona_for(B))
        sid, _, _ = await fed.login(fed.persona_for(A))  # the others keep serving
        assert (await fed.request(sid))["documents"]
        sid, _, _ = await fed.login(fed.persona_for(C))
        assert (await fed.request(sid))["documents"]

    try:
        asyncio.run(scenario())
    finally:
        asyncio.run(fed.close())


@pytest.mark.parametrize("hang", [False, True], ids=["down", "hanging"])
def test_a_down_or_hanging_municipality_affects_only_its_residents(federation: FederationWorld, tmp_path: Path,
                                                                   hang: bool) -> None:
    down = DownMunicipality(hang=hang)
    settings = CentreSettings(municipal_deadline=2.0, circuit_threshold=2, circuit_cool_down=60)
    fed = Federation(federation, tmp_path, replace={C: lambda port: down}, settings=settings)

    async def scenario() -> None:
        for _ in range(4):
            with pytest.raises(ApiError) as exc:
                await fed.login(fed.persona_for(C))
            assert exc.value.status == 503
        assert down.calls == 2  # the circuit opened after two failures: no more waiting on C
        results = await asyncio.gather(*(fed.login(fed.persona_for(code)) for code in (A, B) * 3))
        for sid, _, _ in results:
            assert (await fed.request(sid))["documents"]
        assert fed.centre.store.suspended() == {}  # down is not wrong: no suspension

    try:
        asyncio.run(scenario())
    finally:
        asyncio.run(fed.close())


def test_an_outcome_missed_while_down_is_sent_again(federation: FederationWorld, tmp_path: Path) -> None:
    killable: dict[str, KillableMunicipality] = {}

    def kill_switch(port: Any) -> KillableMunicipality:
        killable[A] = KillableMunicipality(port.server)
        return killable[A]

    clock = FakeClock(SystemClock().now())
    fed = Federation(federation, tmp_path, replace={A: kill_switch}, clock=clock)

    async def scenario() -> None:
        sid, _, _ = await fed.login(fed.persona_for(A))
        answer = await fed.request(sid)
        killable[A].down = True
        await fed.centre.outcome(KIOSK, {"session_id": sid, "request_id": answer["request_id"],
                                         "outcome": "printed", "copies": 1, "amount": answer["amount"]})
        await fed.centre.outcomes.drained()  # its batch found A down: left for the sweep
        assert fed.servers[A].history.entries()[0]["outcome"] is None
        clock.advance(fed.centre.settings.outcome_sweep_age)
        assert await fed.centre.forward_pending() == 0  # still down
        killable[A].down = False
        assert await fed.centre.forward_pending() == 1
        assert await fed.centre.forward_pending() == 0
        assert fed.servers[A].history.entries()[0]["outcome"] == "printed"

    try:
        asyncio.run(scenario())
    finally:
        asyncio.run(fed.close())
