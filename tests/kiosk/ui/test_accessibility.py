"""Touch targets, accessible names, keyboard operation, large text, high contrast,
key clicks, and the kiosk lock-down."""

from __future__ import annotations

import io
import threading
import wave
from collections.abc import Callable

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel
from pytestqt.qtbot import QtBot

from hardware_mocks.ui.screenshots import shots
from kiosk.session.viewmodel import Intent, IntentKind, Screen, ViewModel
from kiosk.ui import theme
from kiosk.ui.samples import sample_views
from kiosk.ui.screens import PinPage, StartPage
from kiosk.ui.sound import click_wav
from kiosk.ui.widgets import KioskButton
from tests.fixtures.ui import make_window, wait_screen

pytestmark = pytest.mark.qt


def visible_buttons(window) -> list[QAbstractButton]:
    return [b for b in window.findChildren(QAbstractButton) if b.isVisible()]


def test_fifteen_mm_on_the_target_panel() -> None:
    assert theme.MIN_TARGET_PX == 51  # 15 mm at 85.3 px/inch (15", 1024×768)


@pytest.mark.parametrize("large", [False, True])
def test_every_control_is_a_big_named_focusable_target(qtbot: QtBot, kiosk, large: bool) -> None:
    kiosk.set_theme(large_text=large)
    for lang, name in shots(kiosk):  # every language
        for b in visible_buttons(kiosk):
            where = f"{lang}/{name}: {b.text()!r}"
            assert b.width() >= theme.MIN_TARGET_PX and b.height() >= theme.MIN_TARGET_PX, where
            assert b.accessibleName().strip(), where
            assert b.focusPolicy() & Qt.FocusPolicy.TabFocus, where
            inside = b.rect().translated(b.mapTo(kiosk, b.rect().topLeft()))
            assert kiosk.rect().contains(inside), f"{where} is cut off by the window"
            parent = b.parentWidget()
            assert parent is not None and parent.rect().contains(b.geometry()), f"{where} is cut off"
        page = kiosk.current_page
        need = page.layout().totalHeightForWidth(page.width()) if page.layout().hasHeightForWidth() \
            else page.minimumSizeHint().height()
        assert need <= page.height(), f"{lang}/{name}: the page needs {need} px of {page.height()}"
        assert kiosk.width() == theme.PANEL_SIZE[0]


def test_large_text_and_high_contrast(qtbot: QtBot, kiosk) -> None:
    title = kiosk.pages[Screen.START].title
    before = title.fontInfo().pixelSize()
    qtbot.mouseClick(kiosk.large, Qt.MouseButton.LeftButton)
    assert kiosk.theme.large_text and title.fontInfo().pixelSize() > before
    qtbot.mouseClick(kiosk.contrast, Qt.MouseButton.LeftButton)
    assert kiosk.theme.high_contrast
    assert kiosk.palette().color(kiosk.backgroundRole()).name() == "#000000"
    hc, normal = theme.HIGH_CONTRAST, theme.NORMAL
    for fg, bg in ((hc.text, hc.background), (hc.primary_text, hc.primary),
                   (hc.secondary_text, hc.secondary), (hc.warning, hc.background)):
        assert theme.contrast_ratio(fg, bg) >= 7.0  # WCAG AAA
    for fg, bg in ((normal.text, normal.background), (normal.primary_text, normal.primary),
                   (normal.secondary_text, normal.secondary), (normal.muted, normal.background),
                   (normal.warning, normal.background)):
        assert theme.contrast_ratio(fg, bg) >= 4.5  # WCAG AA


def test_keyboard_alone_runs_the_start_screen(qtbot: QtBot, kiosk, engine) -> None:
    start = kiosk.pages[Screen.START].start
    reached = set()
    kiosk.activateWindow()
    kiosk.setFocus()
    for _ in range(30):
        qtbot.keyClick(QApplication.focusWidget() or kiosk, Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget())
    enabled = {b for b in visible_buttons(kiosk) if b.isEnabled()}
    assert enabled <= reached, "every enabled control is reachable with Tab"
    start.setFocus()
    qtbot.keyClick(start, Qt.Key.Key_Return)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)


def test_key_clicks_on_touch_and_keys(qtbot: QtBot) -> None:
    from kiosk.ui.sound import KeyClicker
    from tests.kiosk.ui.test_pinpad import PIN_VM, RecordingLink

    clicker = KeyClicker(enabled=False)
    window = make_window(qtbot, RecordingLink(PIN_VM))
    window.clicker = clicker
    KioskButton.click_hook = clicker.click
    wait_screen(qtbot, window, Screen.PIN)
    shown = window.current_page
    assert isinstance(shown, PinPage)
    pad = shown.pad
    qtbot.mouseClick(pad.digit_buttons[1], Qt.MouseButton.LeftButton)
    qtbot.keyClick(window, Qt.Key.Key_2)
    assert clicker.count == 2
    with wave.open(io.BytesIO(click_wav())) as w:
        assert w.getframerate() == 22050 and 0 < w.getnframes() < 2000


class BlockingLink:
    """A link whose engine hangs on every intent until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()

    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        listener(ViewModel(Screen.START, frozenset({IntentKind.START})))

    def send(self, intent: Intent) -> None:
        self.entered.set()
        self.release.wait(10)

    def send_pin(self, pin: bytearray) -> None:
        self.release.wait(10)

    def close(self) -> None:
        self.release.set()


def test_a_hung_engine_does_not_freeze_the_screen(qtbot: QtBot) -> None:
    link = BlockingLink()
    window = make_window(qtbot, link)
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed)
    start = window.pages[Screen.START]
    assert isinstance(start, StartPage)
    qtbot.mouseClick(start.start, Qt.MouseButton.LeftButton)
    assert link.entered.wait(5)
    beats = []
    timer = QTimer()
    timer.timeout.connect(lambda: beats.append(1))
    timer.start(10)
    qtbot.waitUntil(lambda: len(beats) >= 5)  # the event loop runs while the engine hangs
    qtbot.mouseClick(window.large, Qt.MouseButton.LeftButton)
    assert window.theme.large_text
    timer.stop()
    link.release.set()


def test_production_window_is_locked_down(qtbot: QtBot, engine) -> None:
    window = make_window(qtbot, engine, production=True)
    try:
        flags = window.windowFlags()
        assert flags & Qt.WindowType.FramelessWindowHint
        assert flags & Qt.WindowType.WindowStaysOnTopHint
        assert window.cursor().shape() == Qt.CursorShape.BlankCursor
        window.close()
        assert window.isVisible(), "closing by the window system is refused"
        alt_f4 = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
        esc = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
        blocker = window.findChild(type(window._blocker))
        assert blocker is not None
        assert blocker.eventFilter(window, alt_f4) and blocker.eventFilter(window, esc)
        digit = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_5, Qt.KeyboardModifier.NoModifier)
        assert not blocker.eventFilter(window, digit)
    finally:
        QApplication.restoreOverrideCursor()
        window.shutdown()
    assert not window.isVisible()


def test_labels_are_plain_text(qtbot: QtBot, kiosk) -> None:
    """No rich text: an engine string can never turn into markup or a link."""
    for _, _name in shots(kiosk, ("en",), {"x": sample_views()["10-confirm"]}):
        for lab in kiosk.findChildren(QLabel):
            assert lab.textFormat() == Qt.TextFormat.PlainText
