"""Small widgets shared by the screens: the kiosk button and the card picture."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QWidget

from kiosk.ui import theme

#: Called on every key press so the kiosk can click audibly (see ``sound.KeyClicker``).
ClickHook = Callable[[], None]


class KioskButton(QPushButton):
    """A button that is at least a 15 mm touch target, takes keyboard focus and is
    pressed by Enter or Space (keypad hardware sends Enter), clicking audibly.

    ``min_width`` is in pixels of the reference panel (``theme.ref``). Its focus ring has
    two lines: the style sheet's border in ``Palette.focus`` (against the page), and an
    inner line painted here in ``Palette.focus_inner`` (against the button's own fill), so
    the ring keeps 3:1 against everything next to it on every kind of button."""

    click_hook: ClickHook | None = None  # set once by the window
    focus_palette: theme.Palette = theme.NORMAL  # the theme's: set by the window

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 primary: bool = False, min_width: int = 81) -> None:
        super().__init__(text, parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(max(theme.button_height(), theme.min_target_px()))
        self.setMinimumWidth(max(theme.ref(min_width), theme.min_target_px()))
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

    def set_unavailable(self, unavailable: bool) -> None:
        """A choice that is shown (and reachable, and spoken) but cannot be taken now."""
        if bool(self.property("unavailable")) != unavailable:
            self.setProperty("unavailable", unavailable)
            self.style().unpolish(self)
            self.style().polish(self)

    @property
    def unavailable(self) -> bool:
        return bool(self.property("unavailable"))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.isAutoRepeat():
            self._click_sound()
            self.click()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.hasFocus():
            return
        outer, inner = theme.ref(theme.FOCUS_WIDTH), theme.ref(theme.FOCUS_INNER_WIDTH)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(KioskButton.focus_palette.focus_inner), inner)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        inset = outer + inner / 2
        radius = max(0.0, theme.ref(10) - inset)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(inset, inset, -inset, -inset),
                          radius, radius)
        p.end()


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
        self.setMinimumSize(theme.ref(360), theme.ref(220))
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


class PaymentPicture(QWidget):
    """Shows where the money goes: the screen, the card reader to its right, and below
    the reader the coin slot (with a coin) and the note slot (with a note), each named."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.high_contrast = False
        self.coin_label = ""
        self.note_label = ""
        self.setMinimumSize(theme.ref(300), theme.ref(150))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_labels(self, coins: str, notes: str) -> None:
        self.coin_label, self.note_label = coins, notes
        self.update()

    def paintEvent(self, _event: object) -> None:
        pal = theme.HIGH_CONTRAST if self.high_contrast else theme.NORMAL
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        s = min(w / 400, h / 200)
        p.translate((w - 400 * s) / 2, (h - 200 * s) / 2)
        p.scale(s, s)
        p.setPen(QPen(QColor(pal.text), 3))
        p.setBrush(QColor(pal.panel))
        p.drawRoundedRect(QRectF(10, 10, 150, 110), 8, 8)  # the screen
        p.setBrush(QColor(pal.primary))
        p.drawRect(QRectF(22, 22, 126, 86))
        p.setBrush(QColor(pal.muted))
        p.drawRoundedRect(QRectF(180, 30, 90, 40), 8, 8)  # the card reader
        # the coin slot with a coin going in, the note slot with a note
        p.setBrush(QColor(pal.panel))
        p.drawRoundedRect(QRectF(180, 110, 90, 60), 8, 8)
        p.drawRoundedRect(QRectF(290, 110, 100, 60), 8, 8)
        p.setBrush(QColor(pal.text))
        p.drawRect(QRectF(222, 124, 6, 32))
        p.drawRect(QRectF(300, 136, 80, 6))
        p.setPen(QPen(QColor(pal.focus), 3))
        p.setBrush(QColor(pal.warning if self.high_contrast else "#F2C94C"))
        p.drawEllipse(QRectF(211, 92, 28, 28))
        p.setBrush(QColor(pal.warning if self.high_contrast else "#D5E8F7"))
        p.drawRect(QRectF(305, 96, 70, 36))
        p.setPen(QPen(QColor(pal.text), 1))
        font = p.font()
        font.setPixelSize(18)
        font.setBold(True)
        p.setFont(font)
        flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        p.drawText(QRectF(150, 172, 150, 28), flags, self.coin_label)
        p.drawText(QRectF(265, 172, 150, 28), flags, self.note_label)
        p.end()
