"""The ``unknown`` outcome: the printer had the document and never said how the job
ended, so the relay records the certificate as possibly issued."""

from __future__ import annotations

import uuid
from pathlib import Path

from hardware_mocks.world import World
from kiosk.relay_client.port import Outcome
from protocol import wire
from protocol.clock import FakeClock
from relay.service import OUTCOMES, Settings, build_core
from tests.fixtures.relay import open_hours, signed_in


def test_unknown_is_recorded_as_possibly_issued(world: World, tmp_path: Path) -> None:
    assert "unknown" in wire.OUTCOMES and OUTCOMES == wire.OUTCOMES
    assert {o.value for o in Outcome} == set(wire.OUTCOMES)  # the kiosk speaks every value
    core = build_core(world.root, tmp_path / "relay.sqlite3", FakeClock(open_hours(world)), Settings())
    relay = signed_in(world, core, "shiken-ichiro")
    rid = str(uuid.uuid4())
    relay.request_documents(rid, "inkan", {}, 1)
    relay.report_outcome(rid, Outcome.UNKNOWN, 1, 200)
    relay.report_outcome(rid, Outcome.UNKNOWN, 1, 200)  # a retry is harmless
    row = core.storage.request(rid)
    assert row is not None and (row.outcome, row.outcome_copies, row.outcome_amount) == ("unknown", 1, 200)
    core.storage.close()
