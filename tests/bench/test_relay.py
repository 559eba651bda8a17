"""``bench.relay`` still runs (a tiny load; the numbers are not checked here), and a
complete kiosk session on PostgreSQL stays within its database round trips, counted on
the wire (the count is exact: the calls run one after the other, no clock is read)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bench.relay import CALLS, report, round_trips, run
from hardware_mocks.relay.crowd import add_crowd
from hardware_mocks.world import World

pytestmark = pytest.mark.relay

#: Round trips to PostgreSQL a complete session (open, authenticate, menu, documents,
#: outcome) may cost, rate counts and the issued register included (docs/scaling.md sizes
#: the database on it).
MAX_ROUND_TRIPS = 10


def test_a_tiny_benchmark_run(world: World, tmp_path: Path) -> None:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    members = add_crowd(root, 4)
    result = run(root, members, kiosks=4, duration=1.0, processes=1, rate=20.0)
    assert result["sessions"] > 0 and result["mismatches"] == 0 and not result["errors"]
    assert "sessions/s" in report(result)


@pytest.mark.postgres
def test_a_session_costs_at_most_ten_round_trips_on_postgresql(world: World, tmp_path: Path,
                                                                 postgres_server: Any) -> None:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    members = add_crowd(root, 3)
    trips = round_trips(root, members, postgres_server, sessions=6)
    assert trips["session"] == sum(trips[c] for c in CALLS if c != "session")
    assert trips["session"] <= MAX_ROUND_TRIPS, trips
    # where they go: one each to open (the session count, then the session), to read the
    # session, to record the authentication, to count it; one for the menu; one to read
    # the session and the request, two to issue; one to record the outcome
    assert {c: trips[c] for c in CALLS if c != "session"} == {
        "open": 2, "authenticate": 3, "menu": 1, "documents": 3, "outcome": 1}, trips
    assert trips["cold_session"] > trips["session"]  # the first pass read the register: the count sees it
