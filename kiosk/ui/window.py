"""The kiosk window: a language bar, one page per screen, a footer with the
accessibility switches, Call staff and Back/Cancel, and the "need more time?" overlay.

It renders whatever view model the engine publishes and forwards intents through the
:class:`~kiosk.ui.bridge.EngineBridge`; it never waits for the engine. In production it
is full screen, frameless, on top, with the cursor hidden and no keyboard way out.

Every customer starts alike: in the home language, with normal text and contrast and
the voice guide off (unless an earphone is plugged in), whatever the last one chose.
A card left on the reader when a session ends is asked for, on the screen, with a chime
and aloud, until it is taken. Keys and touches anywhere count as activity
(:mod:`kiosk.ui.keys`), and the focus starts on each screen's main action.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QKeyEvent, QResizeEvent, QShowEvent
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
from kiosk.ui import screens, texts, theme
from kiosk.ui.bridge import EngineBridge
from kiosk.ui.i18n import Translations
from kiosk.ui.keys import KeyRouter
from kiosk.ui.pinpad import PIN_LENGTH, is_digit_key
from kiosk.ui.sound import KeyClicker
from kiosk.ui.texts import tr
from kiosk.ui.theme import Panel, Theme
from kiosk.ui.voice import VoiceGuide
from kiosk.ui.widgets import CardPicture, KioskButton, label
from protocol import log

LOG = logging.getLogger("kiosk.ui")
#: How often a card left on the reader is asked for again (chime and voice), ms.
CARD_REMINDER_MS = 6000
#: After the first live start screen, how long before the fixed sentences are made ahead, ms
#: (the warm spare worker starts meanwhile).
PREPARE_DELAY_MS = 3000
#: How long "staff have been called" stays on the screen, ms.
STAFF_NOTE_MS = 30000


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
        box.setContentsMargins(theme.ref(30), theme.ref(30), theme.ref(30), theme.ref(30))
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

    def speech(self) -> list[str]:
        return [self.title.text(), self.body.text()]

    def hideEvent(self, event: QHideEvent) -> None:
        self._tick.stop()
        super().hideEvent(event)

    def place(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            w, h = min(theme.ref(760), parent.width() - theme.ref(40)), theme.ref(360)
            self.setGeometry((parent.width() - w) // 2, (parent.height() - h) // 2, w, h)


# How long the last view model of a session stays before the next customer's start
# screen (which the warm spare has already published) replaces it; an error also goes
# when its OK is touched.
FINAL_HOLD_MS = {Screen.THANK_YOU: 5000, Screen.ERROR: 30000}


class KioskWindow(QWidget):
    """The customer's window. ``rendered`` fires after every view model is shown."""

    rendered = Signal(str)
    #: The hidden gesture was made where it counts (:meth:`hidden_gesture`).
    diagnostics_requested = Signal()

    def __init__(self, bridge: EngineBridge, translations: Translations, *,
                 clicker: KeyClicker | None = None, production: bool = False,
                 hours: tuple[str, str] = ("6:30", "23:00"),
                 final_hold_ms: dict[Screen, int] | None = None,
                 panel: Panel | None = None, voice: VoiceGuide | None = None) -> None:
        super().__init__()
        self.panel = panel or theme.REFERENCE_PANEL
        theme.use_panel(self.panel)  # every widget below is sized for this panel
        self.final_hold_ms = FINAL_HOLD_MS if final_hold_ms is None else final_hold_ms
        self._held = False
        self._pending: ViewModel | None = None
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self.release)
        self.setObjectName("kiosk")
        self.bridge = bridge
        self.translations = translations
        self.home_language = translations.language  # where every customer starts
        self.production = production
        self.theme = Theme(panel=self.panel)
        self.clicker = clicker or KeyClicker(enabled=False)
        KioskButton.click_hook = self.clicker.click
        self.voice = voice or VoiceGuide(None)
        self.voice.language = lambda: self.translations.language
        self.voice.on_plugged = self._earphone_plugged
        self.vm = ViewModel(Screen.START)
        self._customer: str | None = None  # the session whose customer the screen serves
        self._speaking_focus = True
        self._warming = False
        self._fallback_focus = False  # the focus is not on the main action, which was off
        self._live = False  # the engine's start screen has shown
        self._prepared: str | None = None  # the language whose sentences were made ahead
        self.setProperty("language", translations.language)
        self.setProperty("voice_guide", False)

        outer = QVBoxLayout(self)
        # no size constraint on the top level: the panel size is fixed, and propagating
        # size hints to the platform window is unsupported (and warns) on offscreen/eglfs
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        outer.setContentsMargins(theme.ref(16), theme.ref(10), theme.ref(16), theme.ref(10))
        outer.setSpacing(theme.ref(8))
        top = QHBoxLayout()
        self.service = label("service")
        # the name gives way to the language buttons, and wraps rather than being cut
        self.service.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.service.setMinimumWidth(theme.ref(120))
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

        # "take your card" and "staff are coming": above whatever page shows
        self.alert = QFrame()
        self.alert.setProperty("role", "alert")
        alert_box = QVBoxLayout(self.alert)
        self.alert_text = label("warning")
        self.alert_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        alert_box.addWidget(self.alert_text)
        self.alert.hide()
        outer.addWidget(self.alert)

        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.pages: dict[Screen, screens.Page] = {}
        for page in self._make_pages(hours):
            self.stack.addWidget(page)
            for s in page.screens:
                self.pages[s] = page
        self.card_left = screens.CardLeftPage(self)
        self.stack.addWidget(self.card_left)

        bottom = QHBoxLayout()
        self.large = KioskButton(min_width=150)
        self.large.setCheckable(True)
        self.large.toggled.connect(lambda on: self.set_theme(large_text=on))
        self.contrast = KioskButton(min_width=150)
        self.contrast.setCheckable(True)
        self.contrast.toggled.connect(lambda on: self.set_theme(high_contrast=on))
        self.staff = KioskButton(min_width=150)
        self.staff.clicked.connect(self.call_staff)
        self.back = KioskButton(min_width=150)
        self.back.clicked.connect(lambda: self.send(Intent(IntentKind.BACK)))
        self.cancel = KioskButton(min_width=180)
        self.cancel.clicked.connect(lambda: self.send(Intent(IntentKind.CANCEL)))
        for w in (self.large, self.contrast, self.staff):
            bottom.addWidget(w)
        bottom.addStretch()
        bottom.addWidget(self.back)
        bottom.addWidget(self.cancel)
        outer.addLayout(bottom)

        self.overlay = InactivityOverlay(self, self.send)
        self._card_timer = QTimer(self)  # asks again for a card left on the reader
        self._card_timer.setInterval(CARD_REMINDER_MS)
        self._card_timer.timeout.connect(self._remind_card)
        self._staff_note = QTimer(self)
        self._staff_note.setSingleShot(True)
        self._staff_note.timeout.connect(self._end_staff_note)
        self._staff_called = False
        for corner_page in (self.pages[Screen.START], self.pages[Screen.OUT_OF_SERVICE]):
            assert isinstance(corner_page, (screens.StartPage, screens.OutOfServicePage))
            corner_page.corner.triggered.connect(self.hidden_gesture)
        pin = self.pages[Screen.PIN]
        assert isinstance(pin, screens.PinPage)
        self.pin_page = pin
        pin.pad.on_change = self._pad_changed
        copies = self.pages[Screen.COPIES]
        assert isinstance(copies, screens.CopiesPage)
        for b in (copies.fewer, copies.more):
            b.clicked.connect(lambda: self.voice.say(copies.amount_speech()))
        bridge.view.connect(self.on_view)
        self.apply_theme()
        self.warm_up()
        self.render(self.vm)
        self._router = KeyRouter(self, self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._router)
            assert isinstance(app, QApplication)
            app.focusChanged.connect(self._focus_changed)
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
        self.prepare_speech()
        if IntentKind.LANGUAGE in self.vm.allowed:
            self.send(Intent(IntentKind.LANGUAGE, code))
        self.render(self.vm)
        self._speak_screen()

    def prepare_speech(self) -> None:
        """The audio of every fixed sentence in the screen's language, made ahead while
        the speech service has nothing to say (see ``VoiceGuide.prepare_ahead``): from the
        first live start screen on, so it never slows the kiosk's own start."""
        lang = self.translations.language
        if not self.voice.prepare_ahead or self._prepared == lang or not self._live:
            return
        self._prepared = lang
        self.voice.prepare([tr(s) for s in texts.all_sources() if "{" not in s],
                           texts.template_samples())

    @property
    def speech_prepared(self) -> bool:
        """Every fixed sentence of the screen's language has its audio (benchmark)."""
        service = self.voice.service
        return (service is not None and self._prepared == self.translations.language
                and service.prepared())

    def set_theme(self, *, large_text: bool | None = None,
                  high_contrast: bool | None = None) -> None:
        self.theme = Theme(
            large_text=self.theme.large_text if large_text is None else large_text,
            high_contrast=self.theme.high_contrast if high_contrast is None else high_contrast,
            panel=self.panel,
        )
        for button, on in ((self.large, self.theme.large_text),
                           (self.contrast, self.theme.high_contrast)):
            if button.isChecked() != on:
                button.setChecked(on)  # its toggled signal comes back here: no change
        self.apply_theme()

    def apply_theme(self) -> None:
        KioskButton.focus_palette = self.theme.palette
        self.setStyleSheet(self.theme.stylesheet())
        for page in self.pages.values():
            page.set_high_contrast(self.theme.high_contrast)
        self.card_left.set_high_contrast(self.theme.high_contrast)

    def set_voice_guide(self, on: bool) -> None:
        """Voice-guide mode on or off (start screen button, help key, earphone)."""
        self.voice.enabled = on
        self.setProperty("voice_guide", on)
        start = self.pages[Screen.START]
        if isinstance(start, screens.StartPage):
            start.voice.setChecked(on)
        if on:
            self.voice.say([tr(texts.VOICE_GUIDE_ON)] + self._screen_speech())
        else:
            self.voice.say([tr(texts.VOICE_GUIDE_OFF)], always=True)

    def _earphone_plugged(self, plugged: bool) -> None:
        if plugged and not self.voice.enabled:
            self.set_voice_guide(True)  # as lifting an ATM's handset

    def _new_customer(self) -> None:
        """Nothing of the last customer's choices stays: language, text size, contrast,
        voice guide (kept while an earphone is plugged in)."""
        if self.translations.language != self.home_language:
            self.translations.load(self.home_language)
            self.setProperty("language", self.home_language)
        if self.theme.large_text or self.theme.high_contrast:
            self.set_theme(large_text=False, high_contrast=False)
        if self.voice.enabled and not self.voice.plugged:
            self.voice.enabled = False
            self.setProperty("voice_guide", False)
        self.voice.reset()  # the volume and rate the last customer chose
        self._end_staff_note()

    # -- keys and touches (kiosk.ui.keys) ----------------------------------------------------
    def activity(self) -> None:
        """A touch or a key: the screen's time starts anew (the engine hears MORE_TIME,
        which it allows on every screen that waits for the customer)."""
        if IntentKind.MORE_TIME in self.vm.allowed and not self.vm.final and not self._held:
            self.bridge.send(Intent(IntentKind.MORE_TIME))

    def pin_key(self, event: QKeyEvent) -> bool:
        """On the PIN screen, digits, Backspace, Clear and Enter go to the pad wherever
        the focus is; Enter before four digits says how many are in, and does nothing.
        A digit the pad cannot take now (the "more time?" question is open, the PIN is
        being checked) is used up unheard: as a volume, rate or focus key its answer
        would say which key the customer pressed."""
        pad = self.pin_page.pad
        if self.current_page is not self.pin_page:
            return False
        if not pad.isEnabled() or self.overlay.isVisible():
            return is_digit_key(event)
        if pad.handle_key(event):
            return True
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.voice.say([tr(texts.PIN_DIGITS_ENTERED, n=pad.entered)])
            return True
        return False

    def move_focus(self, forward: bool) -> None:
        self.focusNextPrevChild(forward)

    def controls(self) -> list[KioskButton]:
        """The controls a customer can reach now, in reading order: row by row from the
        top, left to right in a row. While the "need more time?" question is open, only
        its two answers."""
        scope: QWidget = self.overlay if self.overlay.isVisible() else self
        found = [b for b in scope.findChildren(KioskButton) if b.isVisible() and b.isEnabled()
                 and (scope is self.overlay or not self.overlay.isAncestorOf(b))]
        boxes = {b: b.rect().translated(b.mapTo(self, QPoint(0, 0))) for b in found}
        found.sort(key=lambda b: (boxes[b].top(), boxes[b].left()))
        rows: list[list[KioskButton]] = []
        for b in found:
            if rows and boxes[b].center().y() <= boxes[rows[-1][0]].bottom():
                rows[-1].append(b)  # overlaps the row's first control: the same row
            else:
                rows.append([b])
        return [b for row in rows for b in sorted(row, key=lambda b: boxes[b].left())]

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab, Shift+Tab, the arrows and the keypad's 2/4/6/8 all move in reading order
        (Qt's own order is the order the widgets were made, which is not the screen's)."""
        if not self._speaking_focus:  # a page change hid the focus: _focus_main places it
            return super().focusNextPrevChild(next)
        order = self.controls()
        if not order:
            return False
        focused = self.focusWidget()
        if focused in order:
            i = order.index(focused)
            target = order[(i + (1 if next else -1)) % len(order)]
        else:
            target = order[0] if next else order[-1]
        target.setFocus(Qt.FocusReason.TabFocusReason if next else Qt.FocusReason.BacktabFocusReason)
        return True

    def choose_focused(self) -> None:
        focused = QApplication.focusWidget()
        if isinstance(focused, KioskButton) and self.isAncestorOf(focused) and focused.isEnabled():
            focused.click()

    def help_key(self) -> None:
        if not self.voice.enabled:
            self.set_voice_guide(True)
        else:
            self._speak_screen(with_focus=True)

    def cancel_key(self) -> None:
        if self.vm.final or IntentKind.CANCEL in self.vm.allowed:
            self.send(Intent(IntentKind.CANCEL))

    def back_key(self) -> None:
        if IntentKind.BACK in self.vm.allowed:
            self.send(Intent(IntentKind.BACK))

    def call_staff(self) -> None:
        """The customer asks for help: noted for the store (a log event, which a store's
        call bell or POS can follow), shown, chimed and said. No session data is sent."""
        log.event(LOG, "ui.call_staff", screen=self.vm.screen.value)
        self._staff_called = True
        self._staff_note.start(STAFF_NOTE_MS)
        self.clicker.chime()
        self._show_alert()
        self.voice.say([tr(texts.STAFF_CALLED)], always=True)

    def hidden_gesture(self) -> None:
        """The start screen's hidden corner was tapped five times: diagnostic mode is asked
        for only on the live start screen of an idle terminal (no customer has started,
        no card is left, nothing is held or asked) or on the out-of-service screen, never
        while a customer's session runs."""
        vm = self.vm
        idle_start = (vm.screen is Screen.START and IntentKind.START in vm.allowed
                      and not vm.card_on_reader and not vm.timeout_warning)
        if self._held or self._warming or not (idle_start or vm.screen is Screen.OUT_OF_SERVICE):
            return
        log.event(LOG, "ui.diag_gesture", screen=vm.screen.value)
        self.diagnostics_requested.emit()

    def volume_key(self, step: int) -> None:
        """The customer's volume, said at the new level (in every mode: the key's answer)."""
        level = self.voice.step_volume(step)
        if level is not None:
            self.voice.say([tr(texts.VOLUME_LEVEL, n=level[0], steps=level[1])], always=True)

    def speed_key(self, step: int) -> None:
        """The customer's speech rate, said at the new rate."""
        level = self.voice.step_speed(step)
        if level is not None:
            self.voice.say([tr(texts.SPEED_LEVEL, n=level[0], steps=level[1])], always=True)

    def _end_staff_note(self) -> None:
        self._staff_called = False
        self._staff_note.stop()
        self._show_alert()

    def _pad_changed(self, what: str) -> None:
        pad = self.pin_page.pad
        said = {"digit": texts.DIGIT_ENTERED, "deleted": texts.DIGIT_DELETED,
                "cleared": texts.PIN_CLEARED}[what]
        sentences = [tr(said)]
        if what == "digit" and pad.entered == PIN_LENGTH:
            sentences.append(tr(texts.PIN_FULL))
        self.voice.say(sentences)

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

    def page_for(self, vm: ViewModel) -> screens.Page:
        if vm.screen is Screen.START and vm.card_on_reader:
            return self.card_left
        return self.pages[vm.screen]

    # Called by name from outside the UI (tests, the screenshot tool), so it keeps the
    # name although it hides ``QWidget.render`` (painting onto a device), which nothing
    # calls on the window.
    def render(self, vm: ViewModel) -> None:  # type: ignore[override]  # hides QWidget.render on purpose
        if not self._live and not self._warming and IntentKind.START in vm.allowed:
            self._live = True
            QTimer.singleShot(PREPARE_DELAY_MS, self.prepare_speech)
        if (vm.screen is Screen.START and not vm.card_on_reader and vm.session
                and vm.session != self._customer):
            if self._customer is not None:
                self._new_customer()
            self._customer = vm.session
        self._speaking_focus = False  # focus moved by a page change is not the customer's
        try:
            self._render(vm)
        finally:
            self._speaking_focus = True
        self.rendered.emit(vm.screen.value)

    def _render(self, vm: ViewModel) -> None:
        before = self.vm
        page = self.page_for(vm)
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
        self.staff.set_label(tr(texts.CALL_STAFF))
        self.back.set_label(tr(texts.BACK))
        self.back.setVisible(IntentKind.BACK in vm.allowed)
        cancel_text = texts.PAYMENT_CANCEL if vm.screen is Screen.PAYMENT else texts.CANCEL
        self.cancel.set_label(tr(cancel_text))
        self.cancel.setVisible(IntentKind.CANCEL in vm.allowed)
        self._show_alert()
        warned = vm.timeout_warning and not before.timeout_warning
        if vm.timeout_warning:
            self.overlay.render_view(vm)
            self.overlay.place()
            self.overlay.show()
            self.overlay.raise_()
            now = QApplication.focusWidget()
            if now is None or not self.overlay.isAncestorOf(now):
                self.overlay.yes.setFocus()
        else:
            self.overlay.hide()
        focused: QWidget | None = self.focusWidget()  # this window's, even while inactive
        lost = (focused is None or not focused.isVisibleTo(self) or not focused.isEnabled()
                or self._fallback_focus)  # the main action was off: it may be on now
        if (page is not previous or lost) and not vm.timeout_warning:
            self._focus_main(page)
        self._card_reminders(vm)
        if page is not previous:
            self._speak_screen(with_focus=True)
        elif warned:
            self.voice.say(self.overlay.speech() + [tr(texts.MORE_TIME_YES)])
        else:
            self._speak_changes(vm, before)

    def _show_alert(self) -> None:
        lines = []
        if self.vm.card_on_reader and self.vm.final:
            lines.append(tr(texts.TAKE_CARD) + " — " + tr(texts.CARD_STILL_THERE))
        if self._staff_called:
            lines.append(tr(texts.STAFF_CALLED))
        self.alert_text.setText("\n".join(lines))
        self.alert.setVisible(bool(lines))

    def _card_reminders(self, vm: ViewModel) -> None:
        """A card left on the reader: chime and say so now, and again until it is taken."""
        if vm.card_on_reader and not self._warming:
            if not self._card_timer.isActive():
                self._card_timer.start()
                self._remind_card()
        else:
            self._card_timer.stop()

    def _remind_card(self) -> None:
        self.clicker.chime()
        self.voice.say([tr(texts.TAKE_CARD)], always=True, interrupt=False)

    def _screen_speech(self) -> list[str]:
        vm = self.vm
        said = self.current_page.speech(vm)
        if vm.card_on_reader and vm.final:
            said = [tr(texts.TAKE_CARD), tr(texts.CARD_STILL_THERE)] + said
        if vm.timeout_warning and self.overlay.isVisible():
            said += self.overlay.speech()
        return said

    def _speak_screen(self, with_focus: bool = False) -> None:
        """The screen's sentences (and the focused control's name): in voice-guide mode;
        the leave-behind screens in every mode."""
        said = self._screen_speech()
        focused = QApplication.focusWidget()
        if with_focus and focused is not None and self.isAncestorOf(focused):
            said.append(self._control_name(focused))
        reminder = self.vm.screen in (Screen.TAKE_PAPERS, Screen.REMOVE_CARD) or (
            self.vm.card_on_reader)
        self.voice.say(said, always=reminder, tag=f"screen:{self.vm.screen.value}")

    def _speak_changes(self, vm: ViewModel, before: ViewModel) -> None:
        """Within one screen: what changed that a customer who cannot see it must hear."""
        if vm.screen is Screen.PAYMENT and vm.inserted != before.inserted:
            page = self.pages[Screen.PAYMENT]
            assert isinstance(page, screens.PaymentPage)
            self.voice.say(page.amount_speech(vm))
        elif vm.screen is Screen.PIN and vm.tries_left != before.tries_left:
            self.voice.say(self.pin_page.speech(vm))
        elif vm.screen is Screen.OPTIONS and vm.selected_options != before.selected_options:
            focused = QApplication.focusWidget()
            if focused is not None and self.isAncestorOf(focused):
                self.voice.say([self._control_name(focused)])

    def _control_name(self, widget: QWidget) -> str:
        pad = self.pin_page.pad
        if widget in pad.digit_buttons:  # never a digit: how many are in, only
            return tr(texts.PIN_DIGITS_ENTERED, n=pad.entered)
        name = widget.accessibleName() or (widget.text() if isinstance(widget, KioskButton) else "")
        if isinstance(widget, KioskButton) and widget.isCheckable() and widget.isChecked() \
                and widget.property("role") != "lang":
            name = tr(texts.SELECTED, name=name) if "," not in name else name
        return name

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if new is None or not self._speaking_focus or not self.isAncestorOf(new):
            return
        self.voice.say([self._control_name(new)])

    def warm_up(self) -> None:
        """Build, lay out, style and paint every page once before the first customer, so
        that no screen pays its first-time cost (style-sheet polish, glyphs) mid-session."""
        from kiosk.ui.samples import sample_views

        self.resize(*self.panel.size)
        self.voice.muted = True
        self._warming = True
        try:
            for vm in sample_views().values():
                self.render(vm)
                self.current_page.grab()
            self.render(ViewModel(Screen.START, card_on_reader=True))
            self.current_page.grab()
            self.render(ViewModel(Screen.START))
            self._focus_main(self.current_page)
        finally:
            self._warming = False
            self.voice.muted = False

    def _focus_main(self, page: screens.Page) -> None:
        """The focus on the page's main action, else on its first control that takes it."""
        speaking, self._speaking_focus = self._speaking_focus, False
        self._fallback_focus = False
        try:
            main = page.main_action()
            if main is not None and main.isVisibleTo(page) and main.isEnabled():
                main.setFocus()
                return
            self._fallback_focus = main is not None
            for b in page.findChildren(KioskButton):
                if b.isVisibleTo(page) and b.isEnabled():
                    b.setFocus()
                    return
        finally:
            self._speaking_focus = speaking

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.vm.timeout_warning:
            self._focus_main(self.current_page)  # the window system's first focus is arbitrary

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.overlay.place()

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
        self._detach()
        super().closeEvent(event)

    def _detach(self) -> None:
        """Stop hearing the application's keys and focus once the window goes."""
        app = QApplication.instance()
        if app is not None and isinstance(app, QApplication):
            app.removeEventFilter(self._router)
            try:
                app.focusChanged.disconnect(self._focus_changed)
            except (RuntimeError, TypeError):
                pass
        self._card_timer.stop()
        self.voice.close()

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
