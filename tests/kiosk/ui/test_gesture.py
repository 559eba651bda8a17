"""The hidden gesture (pytest-qt, offscreen, over the real engine in process): five taps
in the start screen's top-left corner ask for diagnostic mode; nothing else does, and a
customer can neither see, reach nor hear the corner."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from kiosk.session.viewmodel import Intent, IntentKind, Screen
from kiosk.ui import screens
from kiosk.ui.gesture import TAPS, WITHIN_S, HotCorner
from kiosk.ui.widgets import KioskButton
from kiosk.ui.window import KioskWindow
from tests.fixtures.ui import wait_screen

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


def corner_of(window: KioskWindow) -> HotCorner:
    start = window.pages[Screen.START]
    assert isinstance(start, screens.StartPage)
    return start.corner


def tap(qtbot: QtBot, corner: HotCorner, times: int) -> None:
    for _ in range(times):
        qtbot.mouseClick(corner, LEFT, pos=QPoint(10, 10))


def on_screen(window: KioskWindow, widget: KioskButton | HotCorner) -> QRect:
    return widget.rect().translated(widget.mapTo(window, QPoint(0, 0)))


def test_five_taps_in_the_corner_ask_for_diagnostic_mode(qtbot: QtBot, kiosk: KioskWindow) -> None:
    corner = corner_of(kiosk)
    assert corner.isVisible()
    with qtbot.waitSignal(kiosk.diagnostics_requested, timeout=5000):
        tap(qtbot, corner, TAPS)


def test_fewer_taps_or_slow_ones_do_nothing(qtbot: QtBot, kiosk: KioskWindow) -> None:
    corner = corner_of(kiosk)
    now = [1000.0]
    corner.clock = lambda: now[0]
    with qtbot.assertNotEmitted(kiosk.diagnostics_requested):
        tap(qtbot, corner, TAPS - 1)
        corner.hide()  # another screen in between: the count starts afresh
        corner.show()
        tap(qtbot, corner, 1)
        for _ in range(TAPS):  # one tap every 0.8 s: five take longer than WITHIN_S
            now[0] += WITHIN_S / (TAPS - 1) + 0.05
            tap(qtbot, corner, 1)
    now[0] += WITHIN_S
    with qtbot.waitSignal(kiosk.diagnostics_requested, timeout=5000):
        tap(qtbot, corner, TAPS)  # all at one instant: within the window


def test_the_same_taps_elsewhere_or_on_a_customer_screen_do_nothing(
        qtbot: QtBot, kiosk: KioskWindow) -> None:
    start = kiosk.pages[Screen.START]
    spot = QPoint(start.width() - 10, 10)  # the other top corner: no hot corner there
    with qtbot.assertNotEmitted(kiosk.diagnostics_requested):
        for _ in range(TAPS):
            qtbot.mouseClick(start, LEFT, pos=spot)
    kiosk.send(Intent(IntentKind.START))  # a customer starts
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    corner = corner_of(kiosk)
    assert not corner.isVisible()
    page = kiosk.current_page
    with qtbot.assertNotEmitted(kiosk.diagnostics_requested):
        for _ in range(TAPS):
            qtbot.mouseClick(page, LEFT, pos=QPoint(10, 10))
        kiosk.hidden_gesture()  # even should the corner's signal come: not in a session
    assert kiosk.vm.screen is Screen.PLACE_CARD


def test_the_corner_holds_no_control_and_is_neither_reached_nor_said(
        qtbot: QtBot, kiosk: KioskWindow) -> None:
    corner = corner_of(kiosk)
    box = on_screen(kiosk, corner)
    assert box.width() > 0 and box.height() > 0
    buttons = [b for b in kiosk.findChildren(KioskButton) if b.isVisible()]
    assert buttons and not [b.text() for b in buttons if on_screen(kiosk, b).intersects(box)]
    assert corner.focusPolicy() is Qt.FocusPolicy.NoFocus
    assert not corner.accessibleName() and not corner.accessibleDescription()
    order = kiosk.controls()
    reached: list[QWidget] = list(order)
    assert corner not in reached
    for _ in range(len(order) + 1):  # the keypad's focus moves round every control
        kiosk.move_focus(True)
        assert kiosk.focusWidget() is not corner
