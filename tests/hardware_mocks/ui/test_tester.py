"""The tester panel works the devices through the device channel."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hardware_mocks.ui import tester
from kiosk.session.viewmodel import Screen
from tests.fixtures.ui import DeviceRecorder, wait_screen

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


def test_panel_sends_device_commands(qtbot: QtBot, tmp_path: Path) -> None:
    rec = DeviceRecorder()
    panel = tester.TesterPanel(rec, printed_dir=tmp_path, tray=tmp_path / "tray.jsonl")
    qtbot.addWidget(panel)
    panel.persona.setCurrentIndex(panel.persona.findData("canary"))
    qtbot.mouseClick(panel.insert, LEFT)
    qtbot.mouseClick(panel.coin_buttons[500], LEFT)
    qtbot.mouseClick(panel.coin_buttons[1000], LEFT)
    qtbot.mouseClick(panel.remove, LEFT)
    qtbot.mouseClick(panel.pull, LEFT)
    qtbot.mouseClick(panel.jam, LEFT)
    panel.printer_fault.setCurrentIndex(2)
    panel.relay_fault.setCurrentIndex(1)
    assert rec.calls == [("card_insert", {"persona": "canary"}), ("coin", {"value": 500}),
                         ("coin", {"value": 1000}), ("card_remove", {}),
                         ("card_pull_after", {"n": 1}), ("coin_jam", {}),
                         ("printer_fault", {"value": "jam"}), ("relay_fault", {"value": "down"})]


def test_panel_lists_printer_output(qtbot: QtBot, tmp_path: Path) -> None:
    panel = tester.TesterPanel(DeviceRecorder(), printed_dir=tmp_path, tray=tmp_path / "tray.jsonl")
    qtbot.addWidget(panel)
    (tmp_path / "job-1.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / "tray.jsonl").write_text('{"job": "ab12", "copies": 1}\n')
    panel.refresh()
    panel.refresh()
    assert [panel.printed.item(i).text() for i in range(panel.printed.count())] == [
        "job-1.pdf", 'job 1: {"job": "ab12", "copies": 1}']


def test_panel_drives_the_engine(qtbot: QtBot, kiosk, engine) -> None:
    panel = tester.TesterPanel(engine)
    qtbot.addWidget(panel)
    qtbot.mouseClick(kiosk.pages[Screen.START].start, LEFT)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    panel.persona.setCurrentIndex(panel.persona.findData("mihon-shiro"))  # locked card
    qtbot.mouseClick(panel.insert, LEFT)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.vm.error is not None and kiosk.vm.error.code == "pin_locked"
