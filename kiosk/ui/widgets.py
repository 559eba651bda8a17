"""Small widgets shared by the screens: the kiosk button and the card picture."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from kiosk.ui import theme

#: Called on every key press so the kiosk can click audibly (see ``sound.KeyClicker``).
ClickHook = Callable[[], None]


class KioskButton(QPushButton):
    """A button that is at least a 15 mm touch target, takes keyboard focus and is
    pressed by Enter or Space (keypad hardware sends Enter), clicking audibly."""

    click_hook: ClickHook | None = None  # set once by the window

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 primary: bool = False, min_width: int = theme.MIN_TARGET_PX + 30) -> None:
        super().__init__(text, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(theme.BUTTON_HEIGHT)
        self.setMinimumWidth(min_width)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAutoDefault(False)
        if primary:
            self.setProperty("role", "primary")
        self.pressed.connect(self._click_sound)

    def _click_sound(self) -> None:
        if KioskButton.click_hook is not None:
            KioskButton.click_hook()

    def set_label(self, text: str, accessible: str | None = None) -> None:
        self.setText(text)
        self.setAccessibleName(accessible or text.replace("\n", " "))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self._click_sound()
            self.click()
            return
        super().keyPressEvent(event)


def label(role: str | None = None, wrap: bool = True) -> QLabel:
    lab = QLabel()
    lab.setWordWrap(wrap)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    if role:
        lab.setProperty("role", role)
    return lab


class CardPicture(QWidget):
    """Shows where the card goes: the screen, the reader to its right, and the card on
    the reader (or lifted off it, with an arrow, when the card is to be removed)."""

    def __init__(self, removing: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.removing = removing
        self.high_contrast = False
        self.setMinimumSize(360, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, _event: object) -> None:
        pal = theme.HIGH_CONTRAST if self.high_contrast else theme.NORMAL
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        s = min(w / 360, h / 220)
        p.translate((w - 360 * s) / 2, (h - 220 * s) / 2)
        p.scale(s, s)
        pen = QPen(QColor(pal.text), 3)
        p.setPen(pen)
        # the screen
        p.setBrush(QColor(pal.panel))
        p.drawRoundedRect(QRectF(10, 20, 190, 140), 8, 8)
        p.setBrush(QColor(pal.primary))
        p.drawRect(QRectF(25, 35, 160, 110))
        # the reader (a tray beside the screen)
        p.setBrush(QColor(pal.muted))
        p.drawRoundedRect(QRectF(220, 110, 130, 70), 10, 10)
        # the card
        card = QRectF(235, 60 if self.removing else 95, 100, 62)
        p.setBrush(QColor(pal.warning if self.high_contrast else "#D5E8F7"))
        p.drawRoundedRect(card, 6, 6)
        p.setBrush(QColor(pal.focus))
        p.drawEllipse(QRectF(card.x() + 10, card.y() + 14, 22, 28))
        # the arrow: down onto the reader, or up and away
        p.setPen(QPen(QColor(pal.focus), 6))
        if self.removing:
            p.drawLine(QPointF(285, 50), QPointF(285, 10))
            head = QPolygonF([QPointF(270, 20), QPointF(285, 2), QPointF(300, 20)])
        else:
            p.drawLine(QPointF(285, 10), QPointF(285, 82))
            head = QPolygonF([QPointF(270, 72), QPointF(285, 92), QPointF(300, 72)])
        path = QPainterPath()
        path.addPolygon(head)
        p.fillPath(path, QColor(pal.focus))
        p.end()
