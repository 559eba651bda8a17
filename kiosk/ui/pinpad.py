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

from kiosk.ui import texts
from kiosk.ui.texts import tr
from kiosk.ui.widgets import KioskButton, label
from protocol.sensitive import zero

PIN_LENGTH = 4
PAD_KEY_HEIGHT = 62  # 18 mm on the target panel; four rows fit beside the warnings
_DIGIT_KEYS = {getattr(Qt.Key, f"Key_{d}"): d for d in range(10)}


class PinPad(QWidget):
    def __init__(self, on_submit: Callable[[bytearray], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_submit = on_submit
        self._buf = bytearray(PIN_LENGTH)
        self._n = 0
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.display = label("pin", wrap=False)
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid = QGridLayout()
        grid.setSpacing(8)
        self.digit_buttons: list[KioskButton] = []
        for d in range(10):
            b = KioskButton(str(d), min_width=110)
            b.setMinimumHeight(PAD_KEY_HEIGHT)
            b.clicked.connect(lambda _=False, d=d: self.press_digit(d))
            self.digit_buttons.append(b)
        for i, d in enumerate((1, 2, 3, 4, 5, 6, 7, 8, 9)):
            grid.addWidget(self.digit_buttons[d], i // 3, i % 3)
        self.clear_button = KioskButton(min_width=110)
        self.clear_button.setMinimumHeight(PAD_KEY_HEIGHT)
        self.clear_button.clicked.connect(self.clear)
        self.ok_button = KioskButton(primary=True, min_width=110)
        self.ok_button.setMinimumHeight(PAD_KEY_HEIGHT)
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

    def backspace(self) -> None:
        if self._n:
            self._n -= 1
            self._buf[self._n] = 0
            self._refresh()

    def clear(self) -> None:
        zero(self._buf)
        self._n = 0
        self._refresh()

    def submit(self) -> None:
        if self._n != PIN_LENGTH:
            return
        out = bytearray(self._buf)
        self.clear()
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
        if key in _DIGIT_KEYS:
            if KioskButton.click_hook is not None:
                KioskButton.click_hook()
            self.press_digit(_DIGIT_KEYS[key])
            return True
        if key == Qt.Key.Key_Backspace:
            self.backspace()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._n == PIN_LENGTH:
            self.submit()
            return True
        return False
