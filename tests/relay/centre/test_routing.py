"""The centre routes each card to its municipality's issuing server and passes on only
documents bound to the request; each municipality answers with its own rules and fees."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hardware_mocks.federation_world import A, B, C
from protocol import refusals
from protocol.documents.binding import Binding
from relay.schema import ApiError
from tests.fixtures.federation_services import KIOSK, Federation


def _items(menu: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["type"]: i for i in menu["items"]}


@pytest.mark.parametrize(("code", "fee"), [(A, 200), (B, 300), (C, 250)])
def test_each_resident_is_served_by_their_own_municipality(fed: Federation, code: str, fee: int) -> None:
    async def scenario() -> None:
        persona = fed.persona_for(code)
        sid, menu, card = await fed.login(persona)
        assert _items(menu)["juminhyo"]["fee"] == fee
        answer = await fed.request(sid, copies=2)
        assert answer["amount"] == 2 * fee
        for entry in answer["documents"]:
            assert entry["document"]["serial"].startswith(code + "-")
            assert entry["document"]["municipality"]["code"] == code
            assert Binding(**entry["binding"]).session_id == sid
        history = fed.servers[code].history.entries()
        assert [h["cert_serial"] for h in history] == [persona["cert_serial"]]
        for other in {A, B, C} - {code}:
            assert fed.servers[other].history.entries() == []
        assert [d["municipality"] for d in fed.centre.store.deliveries()] == [code]

    asyncio.run(scenario())


def test_each_municipality_offers_its_own_types_and_options(fed: Federation) -> None:
    async def scenario() -> None:
        _, menu_b, _ = await fed.login(fed.persona_for(B))
        items = _items(menu_b)
        assert "inkan" not in items  # B's seal register is not on its issuing server
        scope = next(o for o in items["juminhyo"]["options"] if o["key"] == "scope")
        assert scope["choices"] == ["self"]
        _, menu_a, _ = await fed.login(fed.persona_for(A))
        assert "inkan" in _items(menu_a)

    asyncio.run(scenario())


def test_a_resident_who_moved_is_served_by_the_new_municipality_only(fed: Federation) -> None:
    async def scenario() -> None:
        persona = fed.persona(fed.world.people["moved"])
        sid, _, _ = await fed.login(persona)
        answer = await fed.request(sid)
        assert answer["documents"][0]["document"]["municipality"]["code"] == B
        assert fed.servers[A].history.entries() == []

    asyncio.run(scenario())


def test_koseki_goes_to_the_honseki_only_for_a_registered_resident(fed: Federation) -> None:
    async def scenario() -> None:
        home = fed.world.people["home"]
        registered = next(p for p in fed.world.base.personas()
                          if home.get(p["resident"]) == B and p["card"] == "valid" and not p["flags"]
                          and p["age"] >= 20 and p["resident"] != fed.world.people["unregistered"]
                          and p["resident"] != fed.world.people["moved"])
        sid, menu, _ = await fed.login(registered)
        koseki = _items(menu)["koseki_kojin"]
        assert koseki["fee"] == 350 and koseki["available"], koseki  # A's fee and rules
        answer = await fed.request(sid, "koseki_kojin")
        assert answer["documents"][0]["document"]["serial"].startswith(A + "-")
        assert [h["cert_type"] for h in fed.servers[A].history.entries()] == ["koseki_kojin"]

        _, menu, _ = await fed.login(fed.persona(fed.world.people["unregistered"]))
        assert _items(menu)["koseki_kojin"]["refusal"] == refusals.KOSEKI_ELSEWHERE
        _, menu, _ = await fed.login(fed.persona_for(C))
        assert _items(menu)["koseki_kojin"]["refusal"] == refusals.KOSEKI_NOT_PARTICIPATING

    asyncio.run(scenario())


def test_a_repeated_request_gets_the_same_documents_and_another_kiosk_nothing(fed: Federation) -> None:
    async def scenario() -> None:
        sid, _, _ = await fed.login(fed.persona_for(C))
        rid = "0b7e52f4-3a1c-4b8e-9f00-5d2c1a7e9b31"
        first = await fed.request(sid, request_id=rid)
        again = await fed.request(sid, request_id=rid)
        assert first == again
        assert len(fed.servers[C].history.entries()) == 1
        with pytest.raises(ApiError) as exc:
            await fed.request(sid, request_id=rid, kiosk="KIOSK-0002")
        assert exc.value.status == 404
        done = await fed.centre.outcome(KIOSK, {"session_id": sid, "request_id": rid, "outcome": "printed",
                                                "copies": 1, "amount": 250})
        assert done["recorded"]
        await fed.centre.outcomes.drained()  # the municipality is told after the kiosk's answer
        assert fed.servers[C].history.entries()[0]["outcome"] == "printed"

    asyncio.run(scenario())


def test_every_message_is_logged_at_both_ends_without_a_body(fed: Federation) -> None:
    async def scenario() -> None:
        sid, _, _ = await fed.login(fed.persona_for(A))
        await fed.request(sid)

    asyncio.run(scenario())
    centre_log = fed.centre.messages.entries()
    a_log = fed.servers[A].messages.entries()
    sent = {e["message_id"] for e in centre_log if e["direction"] == "sent"}
    assert sent == {e["message_id"] for e in a_log if e["direction"] == "received"}
    assert {e["message_id"] for e in centre_log if e["direction"] == "received"} == {
        e["message_id"] for e in a_log if e["direction"] == "sent"}
    assert all(set(e) >= {"signature", "body_sha256"} and "body" not in e for e in centre_log)


def test_two_outcomes_sent_at_once_for_one_request_one_is_kept_and_the_other_conflicts(fed: Federation) -> None:
    """The outcome's write is awaited (group commit), so two calls can both find none
    recorded: the one whose write lands first is kept and forwarded, the other is a
    conflict, never a second outcome forwarded to the municipality."""
    async def scenario() -> None:
        sid, _, _ = await fed.login(fed.persona_for(A))
        answer = await fed.request(sid)
        rid = answer["request_id"]
        printed = {"session_id": sid, "request_id": rid, "outcome": "printed", "copies": 1,
                   "amount": answer["amount"]}
        cancelled = {"session_id": sid, "request_id": rid, "outcome": "cancelled", "copies": 0, "amount": 0}
        results = await asyncio.gather(fed.centre.outcome(KIOSK, printed), fed.centre.outcome(KIOSK, cancelled),
                                       return_exceptions=True)
        kept = [body["outcome"] for body, r in zip((printed, cancelled), results, strict=True) if isinstance(r, dict)]
        refused = [r for r in results if isinstance(r, ApiError)]
        assert len(kept) == 1 and [(e.status, e.code) for e in refused] == [(409, "outcome_conflict")]
        stored = fed.centre.store.delivery(rid)
        assert stored is not None and stored["outcome"] == kept[0]
        await fed.centre.outcomes.drained()
        assert fed.servers[A].history.entries()[0]["outcome"] == kept[0]

    asyncio.run(scenario())
