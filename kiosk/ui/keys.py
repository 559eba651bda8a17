"""Keys and touches, wherever the focus is: the numeric keypad's mode and activity.

An application event filter sees every key before the focused control does, so:

- on the PIN screen the digits (also a keypad's with Num Lock off), Backspace, Clear and
  Enter go to the PIN pad whatever has the focus: four digits and Enter submit; a digit
  the pad cannot take then (the "more time?" question is open) does nothing at all, so
  that no answer says which key it was (the question is answered with Enter or "-");
- the arrow keys, and outside the PIN screen the keypad's 2/4/6/8, move the focus to the
  previous or next control, so every choice is reached; 5 (or Enter) chooses;
- "+" (or Help, F1) turns the voice guide on, or repeats the screen; "-" cancels;
  "*" calls the staff; Backspace outside the PIN screen goes back;
- the volume and the speech rate, as on an ATM's handset: "/" steps the volume up (after
  the loudest, back to the quietest), "=" steps the rate likewise, on every screen; a
  handset's or keyboard's Volume Up/Down keys; and outside the PIN screen the keypad's
  9/3 (volume up/down) and 7/1 (faster/slower), the corner keys the arrows leave free;
- every key press and every touch counts as activity (the screen's time starts anew).

A USB numeric keypad (digits, Enter, +, -, *, /, Num Lock, Backspace) is enough for the
whole flow: ``docs/accessibility.md`` lists the keys.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent, QTouchEvent
from PySide6.QtWidgets import QApplication, QWidget

K = Qt.Key
#: Keys that move the focus: (key, forward).
MOVES: dict[Qt.Key, bool] = {K.Key_Up: False, K.Key_Left: False, K.Key_Down: True,
                             K.Key_Right: True}
#: Outside the PIN screen, a keypad's digits 8/4 and 2/6 move like the arrows on them.
DIGIT_MOVES: dict[Qt.Key, bool] = {K.Key_8: False, K.Key_4: False, K.Key_2: True,
                                   K.Key_6: True}
CHOOSE = (K.Key_5, K.Key_Clear)  # the keypad's middle key, with Num Lock on or off
HELP = (K.Key_Plus, K.Key_Help, K.Key_F1)
CANCEL = (K.Key_Minus,)
CALL_STAFF = (K.Key_Asterisk,)
BACK = (K.Key_Backspace,)
#: (key, step): +1 louder or faster, -1 quieter or slower, 0 the next step round
VOLUME: dict[Qt.Key, int] = {K.Key_Slash: 0, K.Key_VolumeUp: 1, K.Key_VolumeDown: -1}
SPEED: dict[Qt.Key, int] = {K.Key_Equal: 0}
#: Outside the PIN screen (where digits are digits), the keypad's corner keys
DIGIT_VOLUME: dict[Qt.Key, int] = {K.Key_9: 1, K.Key_3: -1}
DIGIT_SPEED: dict[Qt.Key, int] = {K.Key_7: 1, K.Key_1: -1}


class KeyHost(Protocol):
    """What the router asks of the window."""

    def activity(self) -> None: ...
    def pin_key(self, event: QKeyEvent) -> bool: ...
    def move_focus(self, forward: bool) -> None: ...
    def choose_focused(self) -> None: ...
    def help_key(self) -> None: ...
    def cancel_key(self) -> None: ...
    def back_key(self) -> None: ...
    def call_staff(self) -> None: ...
    def volume_key(self, step: int) -> None: ...
    def speed_key(self, step: int) -> None: ...


class KeyRouter(QObject):
    """Installed on the application for one window (``root``)."""

    def __init__(self, root: QWidget, host: KeyHost) -> None:
        super().__init__(root)
        self.root = root
        self.host = host
        self._last: tuple[int, int] | None = None  # (type, timestamp) of the last input seen

    def _inside(self, obj: QObject) -> bool:
        return isinstance(obj, QWidget) and (obj is self.root or self.root.isAncestorOf(obj))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not isinstance(event, (QKeyEvent, QMouseEvent, QTouchEvent)):
            return False  # every event of the application passes here: the cheap test first
        kind = event.type()
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin):
            if self._inside(obj):
                self._activity(event)
            return False
        if kind != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if not (obj is QApplication.focusWidget() or obj is self.root):
            return False  # on its way up from the focused control: seen there already
        if not self._inside(obj):
            return False
        self._activity(event)
        return self.key(event)

    def _activity(self, event: QEvent) -> None:
        stamp = (int(event.type().value), int(getattr(event, "timestamp", lambda: 0)()))
        if stamp != self._last or stamp[1] == 0:
            self._last = stamp
            self.host.activity()

    def key(self, event: QKeyEvent) -> bool:
        """Act on one key; True when it was used up."""
        if event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                | Qt.KeyboardModifier.AltModifier):
            return False
        if self.host.pin_key(event):
            return True
        key = Qt.Key(event.key())
        if key in MOVES:
            self.host.move_focus(MOVES[key])
            return True
        if key in DIGIT_MOVES:
            self.host.move_focus(DIGIT_MOVES[key])
            return True
        if key in CHOOSE:
            self.host.choose_focused()
            return True
        if key in HELP:
            self.host.help_key()
            return True
        if key in CANCEL:
            self.host.cancel_key()
            return True
        if key in CALL_STAFF:
            self.host.call_staff()
            return True
        if key in BACK:
            self.host.back_key()
            return True
        if key in VOLUME or key in DIGIT_VOLUME:
            self.host.volume_key(VOLUME.get(key, DIGIT_VOLUME.get(key, 0)))
            return True
        if key in SPEED or key in DIGIT_SPEED:
            self.host.speed_key(SPEED.get(key, DIGIT_SPEED.get(key, 0)))
            return True
        return False
