"""``bench.relay`` still runs (a tiny load; the numbers are not checked here)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.relay import report, run
from hardware_mocks.relay.crowd import add_crowd
from hardware_mocks.world import World

pytestmark = pytest.mark.relay


def test_a_tiny_benchmark_run(world: World, tmp_path: Path) -> None:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    members = add_crowd(root, 4)
    result = run(root, members, kiosks=4, duration=1.0, processes=1, rate=20.0)
    assert result["sessions"] > 0 and result["mismatches"] == 0 and not result["errors"]
    assert "sessions/s" in report(result)
