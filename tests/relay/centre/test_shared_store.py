"""Two centre nodes on one PostgreSQL database: any node answers any call of a session
another opened, a challenge is answered once across nodes, the delivery log is one, a
suspension made on one node stops routing on the other, and a kiosk's rate counts are
counted together."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.federation_world import A, B, FederationWorld
from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.services.federation import FederationServices
from protocol import refusals, wire
from relay.centre.core import CentreCore
from relay.centre.store import CentreStore
from relay.federation_local import centre
from relay.kiosk_register import Standing
from relay.kiosk_watch import KioskLimits, KioskWatch
from relay.rate_limits import SharedRateStore
from relay.schema import ApiError
from tests.fixtures.federation_services import KIOSK, Federation
from tests.relay.centre.test_services import Kiosk
from tests.relay.centre.test_services import _persona as persona_for

pytestmark = [pytest.mark.postgres]
NOW = 1_800_000_000.0


def test_two_centre_nodes_share_one_postgresql_database(federation: FederationWorld, postgres_db: str,
                                                       tmp_path: Path) -> None:
    one = Federation(federation, tmp_path / "one", db=postgres_db)
    (tmp_path / "two").mkdir()
    # the second node reaches the same municipal servers, as two centre nodes do
    two = centre(federation.centre_dir, one.directory, one.centre.municipalities, one.clock, tmp_path / "two",
                 db=postgres_db)

    async def scenario() -> None:
        sid, auth = await _answer(one.centre, federation, one.persona_for(A))
        answers = await asyncio.gather(one.centre.authenticate(KIOSK, auth), two.authenticate(KIOSK, auth),
                                       return_exceptions=True)
        won = [a for a in answers if isinstance(a, dict)]
        lost = [a for a in answers if isinstance(a, ApiError)]
        assert len(won) == 1 and [e.code for e in lost] == [refusals.CHALLENGE_USED]  # once across nodes

        request_id = str(uuid.uuid4())
        issued = await two.documents(KIOSK, {"session_id": sid, "request_id": request_id, "cert_type": "juminhyo",
                                             "options": {}, "copies": 1})  # the session opened on node one
        assert issued["documents"]
        recorded = await one.centre.outcome(KIOSK, {"session_id": sid, "request_id": request_id,
                                                    "outcome": "printed", "copies": 1, "amount": issued["amount"]})
        assert recorded == {"request_id": request_id, "recorded": True}
        await one.centre.outcomes.drained()
        delivered = two.store.delivery(request_id)
        assert delivered is not None and (delivered["outcome"], delivered["outcome_forwarded"]) == ("printed", 1)
        assert [d["request_id"] for d in one.centre.store.deliveries(A)] == [request_id]

        assert two.member(B) is not None
        assert one.centre.store.suspend(B, NOW, "signature")
        assert not two.store.suspend(B, NOW, "signature")  # already suspended, by the other node
        assert two.member(B) is None  # routing stops on every node
        with pytest.raises(ApiError) as exc:
            await two.authenticate(KIOSK, (await _answer(two, federation, one.persona_for(B)))[1])
        assert (exc.value.status, exc.value.code) == (503, wire.UNAVAILABLE)
        assert [e["kind"] for e in two.store.events(B)] == []  # no call was made to B

    try:
        asyncio.run(scenario())
    finally:
        two.store.close()
        two.messages.close()
        asyncio.run(one.close())


async def _answer(node: CentreCore, federation: FederationWorld, persona: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A session opened on ``node`` and the card's answer to its challenge."""
    card = CardSigner.load(federation.base.card_path(persona["id"]))
    opened = await node.open_session(KIOSK, {})
    sid = opened["session_id"]
    signature = card.sign(base64.b64decode(opened["challenge"]), sid, KIOSK)
    return sid, {"session_id": sid, "card_certificate": base64.b64encode(card.cert_der).decode(),
                 "signature": base64.b64encode(signature).decode()}


def test_a_kiosks_rate_is_counted_across_centre_nodes(postgres_db: str) -> None:
    limits = KioskLimits(sessions_per_minute=1000, sessions_per_hour_factor=1, min_sessions_per_hour=1)
    watches = [KioskWatch(SharedRateStore(postgres_db), limits, clock=lambda: NOW) for _ in range(2)]
    kiosk = Standing(KIOSK, "active", 4)
    try:
        for n in range(4):
            watches[n % 2].admit(kiosk, "session")  # two on each node: the hour's four
        for watch in watches:
            with pytest.raises(ApiError) as exc:
                watch.admit(kiosk, "session")
            assert exc.value.code == wire.RATE_LIMITED
    finally:
        for watch in watches:
            watch.store.close()


def test_relay_centre_serve_keeps_its_state_in_the_postgresql_database(federation: FederationWorld,
                                                                      postgres_db: str, tmp_path: Path) -> None:
    services = FederationServices.start(federation, tmp_path, embedded=True, db=postgres_db)
    kiosk = Kiosk(federation, services.centre_port)
    try:
        status, answer = asyncio.run(kiosk.issue(persona_for(federation, A)))
    finally:
        services.stop()
    assert status == 200, answer
    store = CentreStore(postgres_db)
    try:
        assert [d["municipality"] for d in store.deliveries()] == [A]
    finally:
        store.close()
    assert not (tmp_path / "centre" / "centre.sqlite3").exists()  # nothing of it in a local file
    listed = subprocess.run([sys.executable, "-m", "relay.cli", "centre", "suspensions", "--db", postgres_db],
                            capture_output=True, text=True, timeout=60, check=False)
    assert (listed.returncode, listed.stdout) == (0, "")
