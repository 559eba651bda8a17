"""``kiosk session run``: one customer played headless, with faults."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main


@pytest.fixture
def world_copy(world_dir: Path, tmp_path: Path) -> Path:
    shutil.copytree(world_dir, tmp_path / "world")
    return tmp_path / "world"


def run(capsys: pytest.CaptureFixture[str], world: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["session", "run", "--world", str(world), "--persona", "shiken-ichiro",
                 "--pin", "1234", "--type", "juminhyo", "--copies", "1", "--pay", "500",
                 "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_run_prints_the_outcome(capsys: pytest.CaptureFixture[str], world_copy: Path) -> None:
    code, out = run(capsys, world_copy)
    assert code == 0
    assert (out["result"], out["printed_copies"], out["paid"], out["charged"], out["change"],
            out["refunded"]) == ("printed", 1, 500, 200, 300, 0)


@pytest.mark.parametrize(("extra", "expect"), [
    (("--kill-worker-at", "printing"), {"worker_died": True}),
    (("--coin-jam",), {"result": "failed", "charged": 0}),
    (("--relay-fault", "down"), {"code": "relay_unavailable", "paid": 0}),
    (("--printer-fault", "jam"), {"refunded": 500, "printed_copies": 0}),
    (("--cancel-at", "confirm"), {"result": "cancelled", "paid": 0}),
    (("--remove-card-at", "authenticating"), {"code": "card_removed"}),
    (("--remove-card-at", "reading_card"), {"code": "card_removed"}),
    (("--remove-card-at", "pin", "--devices", "fake"), {"code": "card_removed"}),
    (("--timeout-at", "choose_type", "--inactivity", "0.3"), {"code": "timeout"}),
])
def test_run_with_faults_conserves_money(capsys: pytest.CaptureFixture[str], world_copy: Path,
                                         extra: tuple[str, ...], expect: dict[str, object]) -> None:
    code, out = run(capsys, world_copy, *extra)
    assert code == 0 and out["conserved"]
    assert out["printed_copies"] in (0, 1)
    for key, value in expect.items():
        assert out[key] == value, (key, out)


@pytest.mark.parametrize(("extra", "expect"), [
    ((), {"result": "printed", "printed_copies": 1, "paid": 500, "charged": 200, "change": 300}),
    (("--coin-jam",), {"result": "failed", "charged": 0}),
    (("--kill-worker-at", "printing"), {"worker_died": True}),
])
def test_run_over_the_real_cash_drivers(capsys: pytest.CaptureFixture[str], world_copy: Path,
                                        extra: tuple[str, ...], expect: dict[str, object]) -> None:
    """``--devices cash``: the session worker drives emulated coin acceptor, hoppers and note
    validator on ptys through the kiosk's real drivers; no coin simulator in the worker."""
    code, out = run(capsys, world_copy, "--devices", "cash", *extra)
    assert code == 0 and out["conserved"], out
    for key, value in expect.items():
        assert out[key] == value, (key, out)
