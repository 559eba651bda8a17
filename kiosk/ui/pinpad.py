"""The PIN pad: the only place the PIN passes through the UI process.

Digits go straight from a button (or a keypad key) into a 4-byte ``bytearray``; nothing
builds a ``str`` of them, and no text widget ever holds them (the display shows only
dots). On submit the digits are copied into a fresh ``bytearray`` that is handed to the
submit callback and zeroed when the callback returns or raises (a receiver that needs the
digits later takes its own copy and zeroes that); the pad's own buffer is zeroed at once.
Cancel, timeout, leaving the screen and "Clear" zero it too.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from kiosk.ui import texts, theme
from kiosk.ui.texts import tr
from kiosk.ui.widgets import KioskButton, label
from protocol.sensitive import zero

PIN_LENGTH = 4
PAD_KEY_HEIGHT_MM = 18.4  # four rows fit beside the warnings on the reference panel
_DIGIT_KEYS: dict[int, int] = {getattr(Qt.Key, f"Key_{d}"): d for d in range(10)}
#: A numeric keypad with Num Lock off sends these (with the keypad modifier) for its digits.
_NAV_DIGITS: dict[int, int] = {Qt.Key.Key_Insert: 0, Qt.Key.Key_End: 1, Qt.Key.Key_Down: 2,
               Qt.Key.Key_PageDown: 3, Qt.Key.Key_Left: 4, Qt.Key.Key_Clear: 5,
               Qt.Key.Key_Right: 6, Qt.Key.Key_Home: 7, Qt.Key.Key_Up: 8, Qt.Key.Key_PageUp: 9}


def is_digit_key(event: QKeyEvent) -> bool:
    """A digit key: 0 to 9, or a numeric keypad's digit with Num Lock off."""
    return event.key() in _DIGIT_KEYS or bool(
        event.modifiers() & Qt.KeyboardModifier.KeypadModifier and event.key() in _NAV_DIGITS)


#: What happened on the pad, for the voice guide (never which digit).
PadChange = Callable[[str], None]  # "digit", "deleted", "cleared"


class PinPad(QWidget):
    def __init__(self, on_submit: Callable[[bytearray], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_submit = on_submit
        self.on_change: PadChange | None = None
        self._buf = bytearray(PIN_LENGTH)
        self._n = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.display = label("pin", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.setSpacing(theme.ref(8))
        key_height = theme.mm(PAD_KEY_HEIGHT_MM)
        self.digit_buttons: list[KioskButton] = []
        for d in range(10):
            b = KioskButton(str(d), min_width=110)
            b.setMinimumHeight(key_height)
            b.clicked.connect(lambda _=False, d=d: self.press_digit(d))
            # a touch does not move the focus here: the voice guide says the focused
            # control, and a digit key's name is its digit
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.digit_buttons.append(b)
        for i, d in enumerate((1, 2, 3, 4, 5, 6, 7, 8, 9)):
            grid.addWidget(self.digit_buttons[d], i // 3, i % 3)
        self.clear_button = KioskButton(min_width=110)
        self.clear_button.setMinimumHeight(key_height)
        self.clear_button.clicked.connect(self.clear)
        self.ok_button = KioskButton(primary=True, min_width=110)
        self.ok_button.setMinimumHeight(key_height)
        self.ok_button.clicked.connect(self.submit)
        grid.addWidget(self.clear_button, 3, 0)
        grid.addWidget(self.digit_buttons[0], 3, 1)
        grid.addWidget(self.ok_button, 3, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.display)
        box.addLayout(grid)
        self.retranslate()

    @property
    def entered(self) -> int:
        """How many digits are entered (the digits themselves are not readable)."""
        return self._n

    def buffer_is_clear(self) -> bool:
        return self._n == 0 and not any(self._buf)

    def press_digit(self, d: int) -> None:
        if self._n < PIN_LENGTH:
            self._buf[self._n] = 0x30 + d
            self._n += 1
            self._refresh()
            self._changed("digit")

    def backspace(self) -> None:
        if self._n:
            self._n -= 1
            self._buf[self._n] = 0
            self._refresh()
            self._changed("deleted")

    def clear(self) -> None:
        had = self._n
        zero(self._buf)
        self._n = 0
        self._refresh()
        if had:
            self._changed("cleared")

    def _changed(self, what: str) -> None:
        if self.on_change is not None:
            self.on_change(what)

    def submit(self) -> None:
        if self._n != PIN_LENGTH:
            return
        out = bytearray(self._buf)
        zero(self._buf)
        self._n = 0
        self._refresh()
        self.setEnabled(False)  # until the engine answers with the next view
        try:
            self._on_submit(out)
        finally:
            zero(out)

    def retranslate(self) -> None:
        for d, b in enumerate(self.digit_buttons):
            b.setAccessibleName(tr(texts.PIN_DIGIT, d=d))
        self.clear_button.set_label(tr(texts.PIN_CLEAR))
        self.ok_button.set_label(tr(texts.PIN_OK))
        self._refresh()

    def _refresh(self) -> None:
        self.display.setText("●" * self._n + "○" * (PIN_LENGTH - self._n))
        self.display.setAccessibleName(tr(texts.PIN_DIGITS_ENTERED, n=self._n))
        self.ok_button.setEnabled(self._n == PIN_LENGTH)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handle_key(event):
            return
        super().keyPressEvent(event)

    def handle_key(self, event: QKeyEvent) -> bool:
        """Keypad input; used also when the window forwards keys to the pad."""
        key = event.key()
        if not self.isEnabled():
            return False
        digit = _DIGIT_KEYS.get(key)
        if digit is None and event.modifiers() & Qt.KeyboardModifier.KeypadModifier:
            digit = _NAV_DIGITS.get(key)
        if digit is not None:
            if KioskButton.click_hook is not None:
                KioskButton.click_hook()
            self.press_digit(digit)
            return True
        if key == Qt.Key.Key_Backspace:
            self.backspace()
            return True
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Clear, Qt.Key.Key_Period):
            self.clear()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._n == PIN_LENGTH:
            self.submit()
            return True
        return False
