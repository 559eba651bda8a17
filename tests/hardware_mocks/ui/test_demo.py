"""``kiosk demo --headless``: a scripted customer through the real UI and engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import pytest
from pytestqt.qtbot import QtBot

from hardware_mocks.ui import demo

pytestmark = [pytest.mark.qt, pytest.mark.slow]


def test_headless_demo_plays_a_customer_and_writes_screenshots(qtbot: QtBot, world_dir: Path,
                                                               tmp_path: Path) -> None:
    import shutil

    world = tmp_path / "world"
    shutil.copytree(world_dir, world)
    out = tmp_path / "out"
    summary = demo.headless(out, "virtual", ("ja", "en"), world=world)
    assert summary["outcome"]["result"] == "printed"
    assert summary["screens"][:4] == ["start", "place_card", "reading_card", "pin"]
    assert "take_papers" in summary["screens"] and "thank_you" in summary["screens"]
    for lang in ("ja", "en"):
        names = {p.stem for p in (out / "screenshots" / lang).glob("*.png")}
        assert {"01-start", "04-pin", "12-payment", "14-take-papers"} <= names
    assert len(list((out / "journey").glob("*.png"))) == len(summary["screens"])
    assert json.loads((out / "demo.json").read_text())["devices"] == "virtual"
    assert (out / "printed" / "tray.jsonl").exists()
    outcome, cash = summary["outcome"], summary["cash"]
    # paid through the kiosk's real cash drivers: the emulators took the coin and paid change
    assert cash == {"taken": outcome["paid"], "paid_out": outcome["change"]}
    assert cash["taken"] == 500 and outcome["charged"] + cash["paid_out"] == 500


def test_cli_rejects_unknown_language(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    assert main(["demo", "--headless", "--languages", "xx"]) == 2
    assert "unknown languages: xx" in capsys.readouterr().err


def test_cli_rejects_unknown_persona(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    assert main(["demo", "--headless", "--persona", "nobody"]) == 2
    assert "unknown persona: nobody" in capsys.readouterr().err


def test_auto_falls_back_to_virtual_devices_when_a_real_piece_cannot_start(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hardware_mocks.ui import embedded
    from hardware_mocks.ui.hands import Hands

    def no_pcscd(*_a: object, **_k: object) -> NoReturn:  # fails as embedded() does when pcscd is busy
        raise RuntimeError("pcscd is busy")

    monkeypatch.setattr(embedded, "embedded", no_pcscd)
    with demo.devices_for("auto", tmp_path / "world", tmp_path) as rig:
        assert rig.devices == "virtual" and rig.pdfs is None
        assert isinstance(rig.hands, Hands) and rig.hands.rig is not None  # the cash emulators
    assert "using the virtual devices" in capsys.readouterr().err
    with pytest.raises(RuntimeError), demo.devices_for("real", tmp_path / "world", tmp_path):
        pass
