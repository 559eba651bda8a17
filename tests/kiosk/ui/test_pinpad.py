"""The PIN pad keeps digits only in a bytearray, zeroed on submit, cancel and timeout."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QTextEdit
from pytestqt.qtbot import QtBot

from kiosk.session.viewmodel import Intent, IntentKind, Screen, ViewModel
from kiosk.ui.pinpad import PinPad
from kiosk.ui.screens import PinPage
from tests.fixtures.ui import make_window, wait_screen

pytestmark = pytest.mark.qt


class RecordingLink:
    """An engine link that records what it was handed (tests only)."""

    def __init__(self, vm: ViewModel) -> None:
        self.vm = vm
        self.pins: list[bytearray] = []  # the very buffers handed over
        self.copies: list[bytearray] = []  # what they held when sent
        self.intents: list[Intent] = []

    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        listener(self.vm)

    def send(self, intent: Intent) -> None:
        self.intents.append(intent)

    def send_pin(self, pin: bytearray) -> None:
        self.pins.append(pin)
        self.copies.append(bytearray(pin))

    def close(self) -> None:
        pass


PIN_VM = ViewModel(Screen.PIN, frozenset({IntentKind.PIN_SUBMITTED, IntentKind.CANCEL}),
                   tries_left=3)


def test_digits_live_in_a_bytearray_and_are_zeroed_on_submit(qtbot: QtBot) -> None:
    link = RecordingLink(PIN_VM)
    window = make_window(qtbot, link)
    wait_screen(qtbot, window, Screen.PIN)
    shown = window.current_page
    assert isinstance(shown, PinPage)
    pad = shown.pad
    assert not window.findChildren(QLineEdit) and not window.findChildren(QTextEdit)
    for d in (4, 0, 2, 7):
        qtbot.mouseClick(pad.digit_buttons[d], Qt.MouseButton.LeftButton)
    assert isinstance(pad._buf, bytearray)  # at run time too
    assert pad.entered == 4
    assert pad.display.text() == "●●●●"
    assert "4" in pad.display.accessibleName() and "7" not in pad.display.text()
    qtbot.mouseClick(pad.ok_button, Qt.MouseButton.LeftButton)
    assert pad.buffer_is_clear()
    window.bridge.drain()
    assert link.copies == [bytearray(b"4027")]
    assert link.pins[0] == bytearray(4), "the handed buffer is zeroed after sending"
    assert not pad.isEnabled(), "the pad waits for the engine's answer"


def test_keypad_keys_enter_backspace_and_submit(qtbot: QtBot) -> None:
    link = RecordingLink(PIN_VM)
    window = make_window(qtbot, link)
    wait_screen(qtbot, window, Screen.PIN)
    shown = window.current_page
    assert isinstance(shown, PinPage)
    pad = shown.pad
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_9, Qt.Key.Key_Backspace, Qt.Key.Key_3,
                Qt.Key.Key_4, Qt.Key.Key_5):  # the fifth digit is ignored
        qtbot.keyClick(window, key)
    assert pad.entered == 4
    qtbot.keyClick(window, Qt.Key.Key_Return)
    window.bridge.drain()
    assert link.copies == [bytearray(b"1234")]
    assert pad.buffer_is_clear()


def test_enter_needs_four_digits_and_clear_zeroes(qtbot: QtBot) -> None:
    sent: list[bytearray] = []
    pad = PinPad(sent.append)
    qtbot.addWidget(pad)
    pad.press_digit(1)
    pad.press_digit(2)
    assert not pad.ok_button.isEnabled()
    pad.submit()
    assert sent == []
    pad.clear()
    assert pad.buffer_is_clear() and pad.display.text() == "○○○○"


def test_cancel_zeroes_the_pad(qtbot: QtBot, kiosk, engine) -> None:
    qtbot.mouseClick(kiosk.pages[Screen.START].start, Qt.MouseButton.LeftButton)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card("shiken-ichiro")
    wait_screen(qtbot, kiosk, Screen.PIN)
    pad = kiosk.current_page.pad
    pad.press_digit(7)
    pad.press_digit(3)
    qtbot.mouseClick(kiosk.cancel, Qt.MouseButton.LeftButton)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert pad.buffer_is_clear()


def test_timeout_zeroes_the_pad(qtbot: QtBot, kiosk, engine) -> None:
    qtbot.mouseClick(kiosk.pages[Screen.START].start, Qt.MouseButton.LeftButton)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card("shiken-ichiro")
    wait_screen(qtbot, kiosk, Screen.PIN)
    pad = kiosk.current_page.pad
    pad.press_digit(5)
    engine.warn_timeout(10)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    assert not pad.isEnabled(), "no digits while the timeout question is open"
    engine.time_out()
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert pad.buffer_is_clear()


def test_the_submitted_copy_is_zeroed_when_the_receiver_raises(qtbot: QtBot) -> None:
    handed: list[bytearray] = []

    def refuse(pin: bytearray) -> None:
        handed.append(pin)
        raise RuntimeError("link closed")

    pad = PinPad(refuse)
    qtbot.addWidget(pad)
    for d in (1, 2, 3, 4):
        pad.press_digit(d)
    with pytest.raises(RuntimeError):
        pad.submit()
    assert handed == [bytearray(4)] and pad.buffer_is_clear()


def test_a_pin_sent_after_the_bridge_is_shut_down_is_zeroed(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from kiosk.ui import bridge as bridge_module
    from protocol.sensitive import zero as real_zero

    zeroed: list[bytes] = []  # what each zeroed buffer held (test data, never a real PIN)

    def spy(buf: bytearray) -> None:
        zeroed.append(bytes(buf))
        real_zero(buf)

    monkeypatch.setattr(bridge_module, "zero", spy)
    link = RecordingLink(PIN_VM)
    bridge = bridge_module.EngineBridge(link)
    bridge.close()
    pin = bytearray(b"4027")
    with pytest.raises(RuntimeError):
        bridge.send_pin(pin)
    assert zeroed == [b"4027"], "the bridge's own copy is zeroed although it was never queued"
    assert link.pins == []
