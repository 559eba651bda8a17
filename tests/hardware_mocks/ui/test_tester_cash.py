"""The tester panel works the cash devices at the byte level: its buttons go through the
demo's hands into the emulators on ptys, and the kiosk's real drivers (here in this
process, under a payment controller) see the coins, the notes and the faults."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hardware_mocks.cash.rig import CashRig
from hardware_mocks.ui import tester
from hardware_mocks.ui.hands import Hands
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.controller import PaymentController, Progress
from kiosk.payment.id003 import Status
from kiosk.payment.ledger import Ledger
from protocol.clock import SystemClock

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


class Link:
    """The session's device channel: what the cash emulators do not take ends here."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, object]]] = []

    def device(self, kind: str, **fields: object) -> None:
        self.calls.append((kind, fields))


@pytest.fixture
def panel(qtbot: QtBot, cash_rig: CashRig) -> Iterator[tester.TesterPanel]:
    hands = Hands(Link(), cash_rig)
    panel = tester.TesterPanel(hands)
    qtbot.addWidget(panel)
    yield panel
    hands.close()


def pumped(ctl: PaymentController, done: Callable[[Progress], bool]) -> Callable[[], bool]:
    return lambda: done(ctl.pump())


def test_coins_and_a_note_from_the_panel_reach_the_real_drivers(
        qtbot: QtBot, panel: tester.TesterPanel, cash_rig: CashRig,
        cash_device: Callable[..., CashDevice], tmp_path: Path) -> None:
    ctl = PaymentController(cash_device(), Ledger.in_state_dir(tmp_path / "state"), SystemClock())
    ctl.begin("T1", 1300)
    qtbot.mouseClick(panel.coin_buttons[100], LEFT)
    qtbot.mouseClick(panel.coin_buttons[1000], LEFT)
    qtbot.mouseClick(panel.coin_buttons[100], LEFT)
    qtbot.mouseClick(panel.coin_buttons[100], LEFT)
    qtbot.waitUntil(pumped(ctl, lambda p: p.complete), timeout=20_000)
    assert ctl.pump().inserted == 1300
    assert cash_rig.acceptor.taken == 300 and cash_rig.validator is not None
    assert cash_rig.validator.stacked == 1000  # decided in escrow, stacked by the driver


def test_a_jam_from_the_panel_is_a_fault_of_the_payment(
        qtbot: QtBot, panel: tester.TesterPanel, cash_device: Callable[..., CashDevice],
        tmp_path: Path) -> None:
    ctl = PaymentController(cash_device(), Ledger.in_state_dir(tmp_path / "state"), SystemClock())
    ctl.begin("T1", 300)
    qtbot.mouseClick(panel.jam, LEFT)
    qtbot.waitUntil(pumped(ctl, lambda p: p.fault == "jam"), timeout=20_000)


def test_the_panel_breaks_each_cash_device(qtbot: QtBot, panel: tester.TesterPanel,
                                           cash_rig: CashRig) -> None:
    v = cash_rig.validator
    assert v is not None
    qtbot.mouseClick(panel.cash_buttons["note_stacker_full"], LEFT)
    qtbot.waitUntil(lambda: v.status == Status.STACKER_FULL)
    qtbot.mouseClick(panel.cash_buttons["acceptor_silent"], LEFT)
    qtbot.waitUntil(lambda: cash_rig.acceptor.silent)
    panel.hopper.setCurrentIndex(panel.hopper.findData(100))
    qtbot.mouseClick(panel.hopper_buttons["hopper_empty"], LEFT)
    qtbot.waitUntil(lambda: cash_rig.hoppers[100].coins == 0)
    assert cash_rig.hoppers[50].coins > 0
    qtbot.mouseClick(panel.hopper_buttons["hopper_removed"], LEFT)
    qtbot.waitUntil(lambda: cash_rig.hoppers[100].silent)
    qtbot.mouseClick(panel.cash_buttons["acceptor_unplug"], LEFT)
    qtbot.waitUntil(lambda: cash_rig.acceptor.unplugged)


def test_what_is_not_cash_goes_to_the_session(qtbot: QtBot, panel: tester.TesterPanel) -> None:
    link = panel.link
    assert isinstance(link, Hands) and isinstance(link.link, Link)
    recorded = link.link.calls
    qtbot.mouseClick(panel.insert, LEFT)
    qtbot.waitUntil(lambda: len(recorded) == 1)
    assert recorded[0][0] == "card_insert" and not any(k.startswith("coin") for k, _ in recorded)
