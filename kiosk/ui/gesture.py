"""The hidden gesture that opens diagnostic mode: five taps within three seconds in the
top-left corner of the start screen (or of the out-of-service screen).

The corner is an empty square (about 3 cm on the reference panel) laid over the page's
top-left corner, where the page has no control: only the left end of the title's line.
It paints nothing, takes no focus (the keypad's focus order, which lists the visible
buttons, never reaches it), and has no text or name for the voice guide or a screen
reader to say. A tap there does what a tap on the bare screen does: nothing a customer
can see. Whether a finished gesture counts is the window's decision
(:meth:`kiosk.ui.window.KioskWindow.hidden_gesture`): never during a customer's session.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QMouseEvent
from PySide6.QtWidgets import QWidget

from kiosk.ui import theme

TAPS = 5
WITHIN_S = 3.0
#: The corner's side on the reference panel, in pixels (about 33 mm on its 15 inches).
SIZE_REF = 110


class HotCorner(QWidget):
    """Counts taps on the top-left corner of ``page``; ``triggered`` after the fifth
    within :data:`WITHIN_S` seconds. ``clock`` is monotonic seconds (tests pass theirs)."""

    triggered = Signal()

    def __init__(self, page: QWidget, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(page)
        self.setObjectName("hot-corner")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.clock = clock
        self._taps: deque[float] = deque(maxlen=TAPS)
        side = theme.ref(SIZE_REF)
        self.setGeometry(0, 0, side, side)
        self.raise_()  # above the page's own widgets: the page is built before this

    def mousePressEvent(self, event: QMouseEvent) -> None:
        # a touch arrives as a synthesised mouse press (the corner takes no touch events)
        now = self.clock()
        self._taps.append(now)
        if len(self._taps) == TAPS and now - self._taps[0] <= WITHIN_S:
            self._taps.clear()
            self.triggered.emit()
        event.accept()

    def hideEvent(self, event: QHideEvent) -> None:
        self._taps.clear()  # another screen: the count starts afresh
        super().hideEvent(event)
