"""The incident run across the federation, bounded: many kiosks at once, residents of all
three municipalities, one municipal server answering with swapped documents and one
killed and restarted mid-run. No kiosk ever receives a document of another person or
request; the faulty municipality is suspended at its first wrong answer; the others serve
every resident they can."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from hardware_mocks.federation_faults import KillableMunicipality, SwappingMunicipality
from hardware_mocks.federation_world import A, B, C, FederationWorld
from relay.centre.core import CentreSettings
from relay.federation_local import load_ed25519
from relay.schema import ApiError
from tests.fixtures.federation_services import Federation

SESSIONS = 60


def test_no_wrong_document_reaches_a_kiosk_and_only_the_faulty_municipality_stops(
        federation: FederationWorld, tmp_path: Path) -> None:
    key = load_ed25519(federation.municipality_dir(B) / "message.key")
    killable: dict[str, KillableMunicipality] = {}

    def kill_switch(port: Any) -> KillableMunicipality:
        killable[C] = KillableMunicipality(port.server)
        return killable[C]

    # deadlines are not under test here (test_isolation covers them): a loaded test machine
    # must not turn slow answers into refusals
    settings = CentreSettings(circuit_threshold=1000, municipal_deadline=60.0)
    fed = Federation(federation, tmp_path, settings=settings,
                     replace={B: lambda port: SwappingMunicipality(port.server, key), C: kill_switch})
    people = [fed.persona_for(A), fed.persona_for(B), fed.persona(federation.people["moved"]), fed.persona_for(C)]
    outcomes: list[tuple[str, str]] = []  # (municipality, "issued" | error code)

    async def kiosk(n: int) -> None:
        persona = people[n % len(people)]
        code = federation.people["home"][persona["resident"]]
        kiosk_id = f"KIOSK-{n % 3 + 1:04d}"
        try:
            sid, _, card = await fed.login(persona, kiosk=kiosk_id)
            answer = await fed.request(sid, kiosk=kiosk_id)
        except ApiError as exc:
            outcomes.append((code, exc.code))
            return
        for entry in answer["documents"]:  # what the kiosk got is this session's, for this person
            assert entry["binding"]["session_id"] == sid
            resident = federation.base.resident(persona["resident"])
            assert entry["document"]["body"]["members"][0]["name"]["given"] == resident["given_name"]
        outcomes.append((code, "issued"))

    async def scenario() -> None:
        await asyncio.gather(*(kiosk(n) for n in range(SESSIONS // 3)))
        killable[C].down = True
        await asyncio.gather(*(kiosk(n) for n in range(SESSIONS // 3, 2 * SESSIONS // 3)))
        killable[C].down = False
        await asyncio.gather(*(kiosk(n) for n in range(2 * SESSIONS // 3, SESSIONS)))

    try:
        asyncio.run(scenario())
        _check(fed, outcomes)
    finally:
        asyncio.run(fed.close())


def _check(fed: Federation, outcomes: list[tuple[str, str]]) -> None:
    assert len(outcomes) == SESSIONS
    assert fed.centre.store.suspended() == {B: "request"}
    wrong = [e for e in fed.centre.store.events() if e["kind"] == "wrong_document"]
    assert {e["municipality"] for e in wrong} == {B}
    # B answered wrongly at most once per request in flight when it was caught, never after
    assert len(wrong) <= sum(1 for code, _ in outcomes if code == B)
    assert all(result == "issued" for code, result in outcomes if code == A), outcomes
    served_c = [result for code, result in outcomes if code == C]
    assert "issued" in served_c and "unavailable" in served_c  # served, down, served again
    assert served_c[-1] == "issued"
    for delivery in fed.centre.store.deliveries():  # the centre's log agrees with each history
        history = {h["request_id"]: h for h in fed.servers[delivery["municipality"]].history.entries()}
        assert history[delivery["request_id"]]["session_id"] == delivery["session_id"]
