"""``bench.federation`` runs with more members than the test world's three (a tiny load;
the numbers are not checked here), with and without the ``/v1/menu`` call, and
``--members`` refuses counts it cannot build."""

from __future__ import annotations

import argparse
import math
import shutil
from pathlib import Path

import pytest

from bench.federation import member_counts, per_member, report, run
from hardware_mocks.federation_world import create
from hardware_mocks.relay.crowd import add_crowd
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.world import World

pytestmark = [pytest.mark.relay, pytest.mark.slow]


def test_a_tiny_run_with_four_members(world: World, tmp_path: Path) -> None:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    members = add_crowd(root, 4)
    federation = create(World(root), tmp_path / "federation", members=4)
    services = FederationServices.start(federation, tmp_path / "state")
    try:
        assert len(services.municipal) == 4
        result = run(services, members, kiosks=4, duration=1.0, processes=1, rate=20.0, nice=0,
                     menu_call=True)
        kiosk_shape = run(services, members, kiosks=4, duration=1.0, processes=1, rate=20.0, nice=0)
    finally:
        services.stop()
    assert result["members"] == 4 and set(result["municipal_mib"]) == set(federation.codes)
    assert result["sessions"] > 0 and result["mismatches"] == 0 and not result["errors"]
    assert sum(result["connections"].values()) > 0  # the centre reached the members it routed to
    # the event loop is part of the centre's CPU, never more
    assert 0 < result["centre_loop_ms_per_session"] <= result["cpu_ms_per_session"]["centre"]
    assert "members= 4" in report(result) and "menu=" in report(result)
    # 4 kiosks at 20/s for 1 s: a session every 0.2 s each, from a random first start
    assert 16 <= result["offered"] <= 24 and 0 < result["sessions"] <= result["offered"]
    assert f"sessions={result['sessions']:>5} of {result['offered']} offered" in report(result)
    # the kiosk engine's session: no /v1/menu call, the rest as before
    assert kiosk_shape["sessions"] > 0 and kiosk_shape["mismatches"] == 0 and not kiosk_shape["errors"]
    assert math.isnan(kiosk_shape["p50_ms"]["menu"]) and not math.isnan(kiosk_shape["p50_ms"]["documents"])
    assert "/v1/menu call" not in report(kiosk_shape) and "menu=" not in report(kiosk_shape)
    assert "(+ /v1/menu call)" in report(result)
    fewer = result | {"members": 3, "connections": dict.fromkeys("ABC", 1)}
    assert "each member beyond 3 (4 members)" in per_member(fewer, result)


def test_member_counts() -> None:
    assert member_counts("3") == [3] and member_counts("3,6") == [3, 6]
    for bad in ("2", "13", "3,x", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            member_counts(bad)


def test_the_report_adds_up_every_process() -> None:
    """The whole session's CPU and the cores it made, so runs at different machine speeds
    can be told apart from a change in the code."""
    result = {"rate": 0.0, "menu_call": False, "members": 3, "kiosks": 200, "sessions_per_s": 100.0,
              "sessions": 1000, "offered": 0, "mismatches": 0, "errors": {},
              "cpu_ms_per_session": {"centre": 6.0, "A": 1.0, "B": 1.0, "C": 1.0, "kiosks": 3.0},
              "centre_loop_ms_per_session": 4.5,
              "p50_ms": dict.fromkeys(("open", "authenticate", "menu", "documents", "outcome", "session"), 1.0),
              "p99_ms": dict.fromkeys(("open", "authenticate", "menu", "documents", "outcome", "session"), 2.0),
              "municipal_idle_mib": {"A": 50.0}, "municipal_mib": {"A": 60.0}, "centre_idle_mib": 50.0,
              "centre_mib": 100.0, "centre_peak_mib": 110.0, "idle_connections": {"A": 0}, "connections": {"A": 3}}
    assert "all=12.00 (1.20 cores)" in report(result)
    assert "offered" not in report(result)  # saturation: nothing is offered, the kiosks take what comes
    assert "centre-loop=4.50 (0.45 of a core)" in report(result)
