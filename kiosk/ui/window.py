"""The kiosk window: a language bar, one page per screen, a footer with the
accessibility switches and Back/Cancel, and the "need more time?" overlay.

It renders whatever view model the engine publishes and forwards intents through the
:class:`~kiosk.ui.bridge.EngineBridge`; it never waits for the engine. In production it
is full screen, frameless, on top, with the cursor hidden and no keyboard way out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLayout,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.session.viewmodel import Intent, IntentKind, Screen, ViewModel
from kiosk.ui import screens, texts
from kiosk.ui.bridge import EngineBridge
from kiosk.ui.i18n import Translations
from kiosk.ui.sound import KeyClicker
from kiosk.ui.texts import tr
from kiosk.ui.theme import PANEL_SIZE, Theme
from kiosk.ui.widgets import CardPicture, KioskButton, label


class InactivityOverlay(QFrame):
    """Covers the page when the engine warns of a timeout; answers MORE_TIME or CANCEL."""

    def __init__(self, parent: QWidget, send: Callable[[Intent], None]) -> None:
        super().__init__(parent)
        self.setProperty("role", "overlay")
        self.remaining = 0
        self._tick = QTimer(self)  # counts the engine's seconds down on screen
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._count_down)
        box = QVBoxLayout(self)
        box.setContentsMargins(30, 30, 30, 30)
        self.title = label("title")
        self.body = label()
        for w in (self.title, self.body):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            box.addWidget(w)
        row = QHBoxLayout()
        self.yes = KioskButton(primary=True, min_width=280)
        self.no = KioskButton(min_width=220)
        self.yes.clicked.connect(lambda: send(Intent(IntentKind.MORE_TIME)))
        self.no.clicked.connect(lambda: send(Intent(IntentKind.CANCEL)))
        row.addWidget(self.no)
        row.addStretch()
        row.addWidget(self.yes)
        box.addLayout(row)
        self.hide()

    def render_view(self, vm: ViewModel) -> None:
        if not self.isVisible() or vm.seconds_left is not None:
            self.remaining = vm.seconds_left or 0
            self._tick.start()
        self.title.setText(tr(texts.MORE_TIME_TITLE))
        self.yes.set_label(tr(texts.MORE_TIME_YES))
        self.no.set_label(tr(texts.MORE_TIME_NO))
        self.no.setVisible(IntentKind.CANCEL in vm.allowed)
        self._show_remaining()

    def _count_down(self) -> None:
        self.remaining = max(0, self.remaining - 1)
        self._show_remaining()

    def _show_remaining(self) -> None:
        self.body.setText(tr(texts.MORE_TIME_BODY, n=self.remaining))

    def hideEvent(self, event: QHideEvent) -> None:
        self._tick.stop()
        super().hideEvent(event)

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            w, h = min(760, parent.width() - 40), 360
            self.setGeometry((parent.width() - w) // 2, (parent.height() - h) // 2, w, h)


# How long the last view model of a session stays before the next customer's start
# screen (which the warm spare has already published) replaces it; an error also goes
# when its OK is touched.
FINAL_HOLD_MS = {Screen.THANK_YOU: 5000, Screen.ERROR: 30000}


class KioskWindow(QWidget):
    """The customer's window. ``rendered`` fires after every view model is shown."""

    rendered = Signal(str)

    def __init__(self, bridge: EngineBridge, translations: Translations, *,
                 clicker: KeyClicker | None = None, production: bool = False,
                 hours: tuple[str, str] = ("6:30", "23:00"),
                 final_hold_ms: dict[Screen, int] | None = None) -> None:
        super().__init__()
        self.final_hold_ms = FINAL_HOLD_MS if final_hold_ms is None else final_hold_ms
        self._held = False
        self._pending: ViewModel | None = None
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self.release)
        self.setObjectName("kiosk")
        self.bridge = bridge
        self.translations = translations
        self.production = production
        self.theme = Theme()
        self.clicker = clicker or KeyClicker(enabled=False)
        KioskButton.click_hook = self.clicker.click
        self.vm = ViewModel(Screen.START)
        self.setProperty("language", translations.language)

        outer = QVBoxLayout(self)
        # no size constraint on the top level: the panel size is fixed, and propagating
        # size hints to the platform window is unsupported (and warns) on offscreen/eglfs
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        outer.setContentsMargins(16, 10, 16, 10)
        outer.setSpacing(8)
        top = QHBoxLayout()
        self.service = label("muted", wrap=False)
        # the name gives way to the language buttons, which must stay readable
        self.service.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top.addWidget(self.service, 1)
        self.lang_buttons: dict[str, KioskButton] = {}
        for code, name in texts.LANGUAGES.items():
            b = KioskButton(name, min_width=100)
            b.setProperty("role", "lang")
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.set_language(c))
            self.lang_buttons[code] = b
            top.addWidget(b)
        outer.addLayout(top)

        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.pages: dict[Screen, screens.Page] = {}
        for page in self._make_pages(hours):
            self.stack.addWidget(page)
            for s in page.screens:
                self.pages[s] = page

        bottom = QHBoxLayout()
        self.large = KioskButton(min_width=170)
        self.large.setCheckable(True)
        self.large.toggled.connect(lambda on: self.set_theme(large_text=on))
        self.contrast = KioskButton(min_width=170)
        self.contrast.setCheckable(True)
        self.contrast.toggled.connect(lambda on: self.set_theme(high_contrast=on))
        self.back = KioskButton(min_width=180)
        self.back.clicked.connect(lambda: self.send(Intent(IntentKind.BACK)))
        self.cancel = KioskButton(min_width=220)
        self.cancel.clicked.connect(lambda: self.send(Intent(IntentKind.CANCEL)))
        for w in (self.large, self.contrast):
            bottom.addWidget(w)
        bottom.addStretch()
        bottom.addWidget(self.back)
        bottom.addWidget(self.cancel)
        outer.addLayout(bottom)

        self.overlay = InactivityOverlay(self, self.send)
        bridge.view.connect(self.on_view)
        self.apply_theme()
        self.warm_up()
        self.render(self.vm)
        bridge.start()
        if production:
            self._lock_down()
            self.showFullScreen()

    def _make_pages(self, hours: tuple[str, str]) -> list[screens.Page]:
        msg = screens.MessagePage
        return [
            screens.StartPage(self, hours),
            screens.OutOfServicePage(self),
            msg(self, Screen.PLACE_CARD, texts.PLACE_CARD_TITLE, texts.PLACE_CARD_BODY,
                picture=CardPicture()),
            msg(self, Screen.READING_CARD, texts.READING_TITLE, texts.READING_BODY,
                progress=True),
            screens.PinPage(self),
            msg(self, Screen.AUTHENTICATING, texts.AUTH_TITLE, texts.READING_BODY,
                progress=True),
            msg(self, Screen.REMOVE_CARD, texts.REMOVE_TITLE, texts.REMOVE_BODY,
                picture=CardPicture(removing=True)),
            screens.ChooseTypePage(self),
            screens.OptionsPage(self),
            screens.CopiesPage(self),
            screens.ConfirmPage(self),
            msg(self, Screen.PREPARING, texts.PREPARING_TITLE, texts.PREPARING_BODY,
                progress=True),
            screens.PaymentPage(self),
            screens.PrintingPage(self),
            screens.TakePapersPage(self),
            msg(self, Screen.THANK_YOU, texts.THANKS_TITLE, texts.THANKS_BODY),
            screens.ErrorPage(self),
            msg(self, Screen.ENDING, texts.ENDING_TITLE, texts.PLEASE_WAIT, progress=True),
        ]

    # -- what pages ask of the window ----------------------------------------------------
    def send(self, intent: Intent) -> None:
        if self.vm.final and intent.kind in (IntentKind.ACKNOWLEDGE, IntentKind.CANCEL):
            self.release()  # that session's worker is gone: the OK is ours
            return
        self.bridge.send(intent)

    def send_pin(self, pin: bytearray) -> None:
        self.bridge.send_pin(pin)

    def set_language(self, code: str) -> None:
        self.translations.load(code)
        self.setProperty("language", code)
        if IntentKind.LANGUAGE in self.vm.allowed:
            self.send(Intent(IntentKind.LANGUAGE, code))
        self.render(self.vm)

    def set_theme(self, *, large_text: bool | None = None,
                  high_contrast: bool | None = None) -> None:
        self.theme = Theme(
            large_text=self.theme.large_text if large_text is None else large_text,
            high_contrast=self.theme.high_contrast if high_contrast is None else high_contrast,
        )
        self.apply_theme()

    def apply_theme(self) -> None:
        self.setStyleSheet(self.theme.stylesheet())
        for page in self.pages.values():
            page.set_high_contrast(self.theme.high_contrast)

    # -- rendering -------------------------------------------------------------------------
    def on_view(self, vm: ViewModel) -> None:
        """A view model from the engine: shown now, or after the final one's hold."""
        if self._held:
            self._pending = vm
            return
        self.render(vm)
        hold = self.final_hold_ms.get(vm.screen) if vm.final else None
        if hold:
            self._held = True
            self._hold.start(hold)

    def release(self) -> None:
        """End the hold of a final view model; show what came in meanwhile."""
        self._held = False
        self._hold.stop()
        pending, self._pending = self._pending, None
        if pending is not None:
            self.on_view(pending)

    @property
    def current_page(self) -> screens.Page:
        page = self.stack.currentWidget()
        assert isinstance(page, screens.Page), "the stack holds only pages"
        return page

    # Called by name from outside the UI (tests, the screenshot tool), so it keeps the
    # name although it hides ``QWidget.render`` (painting onto a device), which nothing
    # calls on the window.
    def render(self, vm: ViewModel) -> None:  # type: ignore[override]  # hides QWidget.render on purpose
        page = self.pages[vm.screen]
        previous = self.current_page
        if page is not previous:
            previous.leave()
            self.stack.setCurrentWidget(page)
        self.vm = vm
        page.render_view(vm)
        lang = self.translations.language
        self.service.setText(tr(texts.SERVICE_NAME))
        for code, b in self.lang_buttons.items():
            b.setChecked(code == lang)
            b.setAccessibleName(tr(texts.SWITCH_LANGUAGE_TO, name=texts.LANGUAGES[code]))
        self.large.set_label(tr(texts.LARGE_TEXT))
        self.contrast.set_label(tr(texts.HIGH_CONTRAST))
        self.back.set_label(tr(texts.BACK))
        self.back.setVisible(IntentKind.BACK in vm.allowed)
        cancel_text = texts.PAYMENT_CANCEL if vm.screen is Screen.PAYMENT else texts.CANCEL
        self.cancel.set_label(tr(cancel_text))
        self.cancel.setVisible(IntentKind.CANCEL in vm.allowed)
        if vm.timeout_warning:
            self.overlay.render_view(vm)
            self.overlay.place()
            self.overlay.show()
            self.overlay.raise_()
            focused = QApplication.focusWidget()
            if focused is None or not self.overlay.isAncestorOf(focused):
                self.overlay.yes.setFocus()
        else:
            self.overlay.hide()
        if page is not previous and not vm.timeout_warning:
            self._focus_first(page)
        self.rendered.emit(vm.screen.value)

    def warm_up(self) -> None:
        """Build, lay out, style and paint every page once before the first customer, so
        that no screen pays its first-time cost (style-sheet polish, glyphs) mid-session."""
        from kiosk.ui.samples import sample_views

        self.resize(*PANEL_SIZE)
        for vm in sample_views().values():
            self.render(vm)
            self.current_page.grab()
        self.render(ViewModel(Screen.START))

    def _focus_first(self, page: QWidget) -> None:
        for b in page.findChildren(KioskButton):
            if b.isVisibleTo(page) and b.isEnabled():
                b.setFocus()
                return

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.place()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        page = self.current_page
        if isinstance(page, screens.PinPage) and page.pad.handle_key(event):
            return
        super().keyPressEvent(event)

    # -- kiosk behaviour ---------------------------------------------------------------------
    def _lock_down(self) -> None:
        self.setWindowFlags(Qt.WindowType.FramelessWindowHint
                            | Qt.WindowType.WindowStaysOnTopHint)
        self.setCursor(Qt.CursorShape.BlankCursor)
        self._blocker = _ShortcutBlocker(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._blocker)
            QApplication.setOverrideCursor(Qt.CursorShape.BlankCursor)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.production and not getattr(self, "_may_close", False):
            event.ignore()  # Alt+F4 and the like; only shutdown() closes it
            return
        super().closeEvent(event)

    def shutdown(self) -> None:
        self._may_close = True
        self.close()


class _ShortcutBlocker(QObject):
    """Swallows the key combinations that could leave or rearrange the kiosk."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # both types arrive as QKeyEvent (PySide6 gives an event its Python subclass)
        if (event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
                and isinstance(event, QKeyEvent)):
            mods = event.modifiers()
            blocked_mods = (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier
                            | Qt.KeyboardModifier.MetaModifier)
            if mods & blocked_mods or event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F11,
                                                      Qt.Key.Key_Super_L, Qt.Key.Key_Super_R):
                return True
        return False
