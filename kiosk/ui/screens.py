"""One page per screen of the flow. A page only renders a view model and turns touches
into intents; it decides nothing. Every text is set in ``render_view`` so that a language
switch is a re-render of the current view model. (The method is not called ``render``:
that would hide ``QWidget.render``, which paints a widget onto a device.)

Each page also says what its screen says aloud (:meth:`Page.speech`, for the voice guide)
and which control is its main action (:meth:`Page.main_action`, focused when it shows).
Spoken amounts are words the voices read (「420円」), not the ¥ of the screen; nothing
spoken comes from a customer's data (a view model holds none).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from kiosk.payment.port import COINS, NOTES
from kiosk.session.viewmodel import Intent, IntentKind, Screen, ViewModel
from kiosk.ui import texts, theme
from kiosk.ui.gesture import HotCorner
from kiosk.ui.pinpad import PinPad
from kiosk.ui.texts import spoken_yen, tr, yen
from kiosk.ui.widgets import CardPicture, KioskButton, PaymentPicture, label
from protocol.documents.catalogue import MAX_COPIES

Money = Callable[[int], str]  # how an amount is written: ``yen`` on screen, ``spoken_yen`` aloud


class Host(Protocol):
    """What a page may ask of the window."""

    def send(self, intent: Intent) -> None: ...
    def send_pin(self, pin: bytearray) -> None: ...
    def set_language(self, code: str) -> None: ...
    def set_voice_guide(self, on: bool) -> None: ...


class Page(QWidget):
    screens: tuple[Screen, ...] = ()

    def __init__(self, host: Host) -> None:
        super().__init__()
        self.host = host
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(theme.ref(40), theme.ref(10), theme.ref(40), theme.ref(6))
        self.box.setSpacing(theme.ref(10))
        self.title = label("title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.title)

    def render_view(self, vm: ViewModel) -> None:
        raise NotImplementedError

    def leave(self) -> None:
        """Called when another page replaces this one."""

    def main_action(self) -> QWidget | None:
        """The control that takes the focus when the page shows: what most customers do
        next here. None: the first control that can take it."""
        return None

    def speech(self, vm: ViewModel) -> list[str]:
        """What the voice guide says when the screen shows: its title and sentences, in the
        current language. The focused control is said after it."""
        return [w.text() for w in (self.title,) if w.text()]

    def send(self, kind: IntentKind, value: str | None = None, key: str | None = None) -> None:
        self.host.send(Intent(kind, value, key))

    def set_high_contrast(self, on: bool) -> None:
        pictures: list[CardPicture | PaymentPicture] = [*self.findChildren(CardPicture),
                                                        *self.findChildren(PaymentPicture)]
        for pic in pictures:
            pic.high_contrast = on
            pic.update()


def visible_texts(*widgets: QLabel) -> list[str]:
    """The texts of the shown labels, line breaks as spaces (for speech)."""
    return [w.text().replace("\n", " ") for w in widgets if not w.isHidden() and w.text()]


def money_lines(vm: ViewModel, money: Money = yen) -> list[str]:
    """What an ending screen says about money: what was charged and the change after a
    print; what came back, or the slip to take instead, or that nothing was charged."""
    err = vm.error
    if vm.screen is Screen.THANK_YOU:
        lines = [tr(texts.CHARGED, amount=money(vm.total))] if vm.total else []
        if vm.change_due:
            lines.append(tr(texts.PAYMENT_CHANGE, amount=money(vm.change_due)))
        if err and err.voucher:
            lines.append(tr(texts.VOUCHER, voucher=err.voucher))
        return lines
    if err and err.voucher:
        return [tr(texts.VOUCHER, voucher=err.voucher)]
    if err and err.refunded:
        return [tr(texts.REFUNDED, amount=money(err.refunded))]
    if vm.inserted == 0:
        return [tr(texts.NOT_CHARGED)]
    return []  # money in, nothing back and no slip: the next step sends for the staff


def _progress() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 1000)
    bar.setTextVisible(False)
    return bar


class StartPage(Page):
    screens = (Screen.START,)

    def __init__(self, host: Host, hours: tuple[str, str]) -> None:
        super().__init__(host)
        self.hours = hours
        self.subtitle = label()
        self.needs = label("muted")
        self.hours_label = label("muted")
        for w in (self.subtitle, self.needs, self.hours_label):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.box.addWidget(w)
        self.choose = label()
        self.choose.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.choose)
        grid = QGridLayout()
        self.language_buttons: dict[str, KioskButton] = {}
        for i, (code, name) in enumerate(texts.LANGUAGES.items()):
            b = KioskButton(name, min_width=260)
            b.setCheckable(True)
            b.clicked.connect(lambda _=False, c=code: self.host.set_language(c))
            self.language_buttons[code] = b
            grid.addWidget(b, i // 3, i % 3)
        self.box.addLayout(grid)
        self.start = KioskButton(primary=True, min_width=420)
        self.start.setMinimumHeight(theme.ref(110))
        self.start.clicked.connect(lambda: self.send(IntentKind.START))
        self.voice = KioskButton(min_width=260)
        self.voice.setMinimumHeight(theme.ref(110))
        self.voice.setCheckable(True)
        self.voice.clicked.connect(lambda on: self.host.set_voice_guide(on))
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.start)
        row.addWidget(self.voice)
        row.addStretch()
        self.box.addStretch()
        self.box.addLayout(row)
        self.box.addStretch()
        self.corner = HotCorner(self)  # diagnostic mode's hidden gesture

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(texts.SERVICE_NAME))
        self.subtitle.setText(tr(texts.START_SUBTITLE))
        self.needs.setText(tr(texts.START_NEEDS))
        self.hours_label.setText(tr(texts.SERVICE_HOURS, start=self.hours[0], end=self.hours[1]))
        self.choose.setText(tr(texts.CHOOSE_LANGUAGE))
        window = QWidget.window(self)
        current = window.property("language")
        for code, b in self.language_buttons.items():
            b.setChecked(code == current)
            b.setAccessibleName(tr(texts.SWITCH_LANGUAGE_TO, name=texts.LANGUAGES[code]))
        self.start.set_label(tr(texts.START_BUTTON))
        self.start.setEnabled(IntentKind.START in vm.allowed)
        self.voice.set_label(tr(texts.VOICE_GUIDE))
        self.voice.setChecked(bool(window.property("voice_guide")))

    def main_action(self) -> QWidget | None:
        return self.start

    def speech(self, vm: ViewModel) -> list[str]:
        return visible_texts(self.title, self.subtitle, self.needs)


class MessagePage(Page):
    """A screen that shows a title, a sentence, and optionally a picture or progress."""

    def __init__(self, host: Host, screen: Screen, title: str, body: str | None = None,
                 picture: CardPicture | None = None, progress: bool = False) -> None:
        super().__init__(host)
        self.screens = (screen,)
        self._title, self._body = title, body
        self.body = label()
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.body)
        self.picture = picture
        if picture is not None:
            picture.setAccessibleName(tr(texts.CARD_PICTURE))
            self.box.addWidget(picture, 1)
        self.bar = _progress() if progress else None
        if self.bar is not None:
            self.box.addStretch()
            self.box.addWidget(self.bar)
        self.box.addStretch()

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(self._title))
        lines = [tr(self._body)] if self._body else []
        if vm.final and (vm.screen is Screen.THANK_YOU or vm.session is not None):
            lines += money_lines(vm)  # an ending screen says what happened to the money
        elif vm.error and vm.error.voucher:  # e.g. change the device could not pay out
            lines.append(tr(texts.VOUCHER, voucher=vm.error.voucher))
        self.body.setText("\n".join(lines))
        self.body.setVisible(bool(lines))
        if self.picture is not None:
            self.picture.setAccessibleName(tr(texts.CARD_PICTURE))
        if self.bar is not None:
            self.bar.setAccessibleName(tr(texts.PROGRESS_NAME))
            if vm.progress is None:
                self.bar.setRange(0, 0)  # busy indicator
            else:
                self.bar.setRange(0, 1000)
                self.bar.setValue(int(max(0.0, min(1.0, vm.progress)) * 1000))

    def speech(self, vm: ViewModel) -> list[str]:
        said = visible_texts(self.title) + ([tr(self._body)] if self._body else [])
        if vm.final and (vm.screen is Screen.THANK_YOU or vm.session is not None):
            said += money_lines(vm, spoken_yen)  # amounts in words, not ¥
        elif vm.error and vm.error.voucher:
            said.append(tr(texts.VOUCHER, voucher=vm.error.voucher))
        return said


class CardLeftPage(MessagePage):
    """The start screen while the last customer's card still lies on the reader: taking
    it comes before anything else (and Start waits for it)."""

    def __init__(self, host: Host) -> None:
        super().__init__(host, Screen.START, texts.TAKE_CARD, texts.CARD_STILL_THERE,
                         picture=CardPicture(removing=True))
        self.screens = ()  # shown by the window instead of the start page, never by name


class OutOfServicePage(MessagePage):
    def __init__(self, host: Host) -> None:
        super().__init__(host, Screen.OUT_OF_SERVICE, texts.OUT_OF_SERVICE_TITLE,
                         texts.OUT_OF_SERVICE_BODY)
        self.corner = HotCorner(self)  # a technician brings it back through diagnostic mode

    def render_view(self, vm: ViewModel) -> None:
        """The sentence for a cause the customer should know (a suspended terminal), else
        the general one; the code itself is for the technician (diagnostic mode, the log)."""
        code = vm.error.code if vm.error else ""
        self._body = texts.OUT_OF_SERVICE_BODIES.get(code, texts.OUT_OF_SERVICE_BODY)
        super().render_view(vm)


class PinPage(Page):
    screens = (Screen.PIN,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.body = label("muted")
        self.tries = label("amount")
        self.warning = label("warning")
        self.pad = PinPad(self.host.send_pin)
        # the sentences beside the pad, not above it: everything fits in large text too
        side = QVBoxLayout()
        for w in (self.body, self.tries, self.warning):
            side.addWidget(w)
        side.addStretch()
        row = QHBoxLayout()
        row.setSpacing(30)
        row.addLayout(side, 1)
        row.addWidget(self.pad)
        self.box.addLayout(row)
        self.box.addStretch()
        self._last_tries: int | None = None
        self._session: str | None = None

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(texts.PIN_TITLE))
        self.body.setText(tr(texts.PIN_BODY))
        if vm.session != self._session:  # tries are compared within one customer's session
            self._session, self._last_tries = vm.session, None
        wrong = (self._last_tries is not None and vm.tries_left is not None
                 and vm.tries_left < self._last_tries)
        if vm.tries_left is not None:
            self._last_tries = vm.tries_left
        self.tries.setText(tr(texts.TRIES_LEFT, n=vm.tries_left) if vm.tries_left else "")
        notes = []
        if wrong:
            notes.append(tr(texts.WRONG_PIN))
        if vm.last_try:
            notes.append(tr(texts.LAST_TRY))
        self.warning.setText("\n".join(notes))
        self.warning.setVisible(bool(notes))
        self.pad.retranslate()
        self.pad.setEnabled(IntentKind.PIN_SUBMITTED in vm.allowed and not vm.timeout_warning)

    def leave(self) -> None:
        self.pad.clear()

    def main_action(self) -> QWidget | None:
        return self.pad.digit_buttons[5]  # the keypad's middle: its tactile key

    def speech(self, vm: ViewModel) -> list[str]:
        return visible_texts(self.title, self.body, self.tries, self.warning)


class ChooseTypePage(Page):
    screens = (Screen.CHOOSE_TYPE,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        # every pixel saves a wrapped line: large text must fit the long reasons on screen
        self.box.setContentsMargins(theme.ref(8), theme.ref(6), theme.ref(8), theme.ref(6))
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(theme.ref(8))
        self.grid.setVerticalSpacing(theme.ref(6))
        self.grid.setColumnStretch(0, 1)
        self.grid.setColumnStretch(1, 1)
        self.box.addLayout(self.grid)
        self.box.addStretch()
        self.buttons: dict[str, KioskButton] = {}
        self._vm: ViewModel | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._vm is not None and event.size().width() != event.oldSize().width():
            self.render_view(self._vm)  # the lines were wrapped for the old width

    def render_view(self, vm: ViewModel) -> None:
        self._vm = vm
        self.title.setText(tr(texts.CHOOSE_TYPE_TITLE))
        if tuple(self.buttons) != tuple(m.type for m in vm.menu):
            for b in self.buttons.values():
                b.setParent(None)
                b.deleteLater()
            self.buttons = {}
            for i, item in enumerate(vm.menu):
                b = KioskButton(min_width=440)
                b.clicked.connect(lambda _=False, t=item.type: self._choose(t))
                self.buttons[item.type] = b
                self.grid.addWidget(b, i // 2, i % 2)
                b.show()  # at once, not on the next event loop turn
        for item in vm.menu:
            b = self.buttons[item.type]
            name = texts.cert_type_name(item.type)
            if item.available:
                detail = tr(texts.FEE_PER_COPY, fee=yen(item.fee))
            else:  # marked in words and with a sign, and drawn apart (theme: unavailable)
                reason = texts.error_title(item.refusal or "", "refusal")
                detail = "✕ " + tr(texts.NOT_AVAILABLE, reason=reason)
            # "Name (正式名称)": the name, then the fee (or why not) and the official name.
            # Wrapped, never cut: a customer must be able to read why a type is refused.
            # The official name only where it costs no extra line, so the menu still fits
            # the screen in large text; it is always in the spoken name.
            head, sep, official = name.replace("（", " (", 1).partition(" (")
            full = f"{detail}   ({official}" if sep else detail
            b.ensurePolished()
            room = max(b.width(), b.minimumWidth()) - theme.ref(40)
            tail = wrapped(detail, b.font(), room)
            with_official = wrapped(full, b.font(), room)
            if len(with_official) == len(tail):
                tail = with_official
            shown = wrapped(head, b.font(), room) + tail
            b.set_label("\n".join(shown), f"{head} {full}".replace("✕ ", ""))
            # an unavailable type stays reachable by Tab, arrows and voice, so a customer
            # who cannot see it hears why; touching it sends nothing
            b.set_unavailable(not item.available)
            b.setEnabled(IntentKind.CHOOSE_TYPE in vm.allowed)
        # the two buttons of a row equally tall; only a row with a long reason grows, so
        # the menu still fits the screen in large text
        ordered = list(self.buttons.values())
        for pair in (ordered[i:i + 2] for i in range(0, len(ordered), 2)):
            for b in pair:
                b.setMinimumHeight(theme.ref(96))
            height = max(b.sizeHint().height() for b in pair)
            for b in pair:
                b.setMinimumHeight(height)


    def _choose(self, kind: str) -> None:
        b = self.buttons.get(kind)
        if b is not None and not b.unavailable:
            self.send(IntentKind.CHOOSE_TYPE, kind)

    def main_action(self) -> QWidget | None:
        return next((b for b in self.buttons.values() if not b.unavailable and b.isEnabled()),
                    None)

    def speech(self, vm: ViewModel) -> list[str]:
        return visible_texts(self.title) + [tr(texts.CHOICES_COUNT, n=len(self.buttons))]


def wrapped(text: str, font: QFont, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` pixels, at word boundaries where
    the language has them and between characters where it does not (Japanese, Chinese)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    lines = []
    layout.beginLayout()
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        lines.append(text[line.textStart():line.textStart() + line.textLength()].rstrip())
    layout.endLayout()
    return lines or [text]


class OptionsPage(Page):
    """Each option is a row of choice buttons. They are not an exclusive button group,
    which Tab would enter only at its checked button: every choice takes the focus, and
    the engine's view model says which one is chosen."""

    screens = (Screen.OPTIONS,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(theme.ref(10))
        self.box.addLayout(self.rows)
        self.box.addStretch()
        self.next = KioskButton(primary=True, min_width=300)
        self.next.clicked.connect(lambda: self.send(IntentKind.OPTIONS_DONE))
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.next)
        self.box.addLayout(row)
        self._shape: tuple[tuple[str, tuple[str, ...]], ...] = ()
        self._labels: dict[str, QLabel] = {}
        self._choices: dict[tuple[str, str], KioskButton] = {}

    def _build(self, shape: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self._labels, self._choices = {}, {}
        for key, choices in shape:
            frame = QFrame()
            frame.setProperty("role", "panel")
            line = QHBoxLayout(frame)
            name = label()
            self._labels[key] = name
            line.addWidget(name, 1)
            for choice in choices:
                b = KioskButton(min_width=180)
                b.setCheckable(True)
                b.clicked.connect(lambda _=False, k=key, c=choice: self._pick(k, c))
                self._choices[(key, choice)] = b
                line.addWidget(b)
            self.rows.addWidget(frame)
            frame.show()
        self._shape = shape

    def _pick(self, key: str, choice: str) -> None:
        for (k, c), b in self._choices.items():
            if k == key:
                b.setChecked(c == choice)  # at once; the engine's view confirms it
        self.send(IntentKind.SET_OPTION, choice, key)

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(texts.OPTIONS_TITLE))
        item = next((m for m in vm.menu if m.type == vm.selected_type), None)
        shape = tuple((o.key, o.choices) for o in item.options) if item else ()
        if shape != self._shape:
            self._build(shape)
        for key, choices in shape:
            self._labels[key].setText(texts.option_name(key))
            chosen = vm.selected_options.get(key, choices[0] if choices else None)
            for choice in choices:
                b = self._choices[(key, choice)]
                name = f"{texts.option_name(key)}: {texts.choice_name(choice)}"
                b.set_label(texts.choice_name(choice),
                            tr(texts.SELECTED, name=name) if choice == chosen else name)
                b.setChecked(choice == chosen)
                b.setEnabled(IntentKind.SET_OPTION in vm.allowed)
        self.next.set_label(tr(texts.NEXT))
        self.next.setEnabled(IntentKind.OPTIONS_DONE in vm.allowed)

    def main_action(self) -> QWidget | None:
        return self.next

    def speech(self, vm: ViewModel) -> list[str]:
        said = visible_texts(self.title)
        for key, choices in self._shape:
            chosen = vm.selected_options.get(key, choices[0] if choices else "")
            said.append(f"{texts.option_name(key)}: {texts.choice_name(chosen)}")
        return said


class CopiesPage(Page):
    screens = (Screen.COPIES,)
    MAX = MAX_COPIES  # the catalogue's cap, which the engine and the relay enforce too

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.n = 1
        self._fee = 0
        self._entered = False
        row = QHBoxLayout()
        self.fewer = KioskButton("−", min_width=140)
        self.more = KioskButton("+", min_width=140)
        for b in (self.fewer, self.more):
            b.setProperty("role", "stepper")  # a large glyph: the sign is the label
        self.count = label("amount", wrap=False)
        self.count.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.count.setMinimumWidth(theme.ref(260))
        self.fewer.clicked.connect(lambda: self._change(-1))
        self.more.clicked.connect(lambda: self._change(+1))
        row.addStretch()
        for w in (self.fewer, self.count, self.more):
            row.addWidget(w)
        row.addStretch()
        self.box.addStretch()
        self.box.addLayout(row)
        self.fee = label()
        self.fee.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.fee)
        self.box.addStretch()
        self.next = KioskButton(primary=True, min_width=300)
        self.next.clicked.connect(lambda: self.send(IntentKind.SET_COPIES, str(self.n)))
        nrow = QHBoxLayout()
        nrow.addStretch()
        nrow.addWidget(self.next)
        self.box.addLayout(nrow)

    def leave(self) -> None:
        self._entered = False

    def _change(self, delta: int) -> None:
        self.n = max(1, min(self.MAX, self.n + delta))
        self._refresh()

    def _refresh(self) -> None:
        self.count.setText(str(self.n))
        self.count.setAccessibleName(tr(texts.COPIES_VALUE, n=self.n))
        self.fee.setText(tr(texts.FEE_LINE, fee=yen(self._fee), n=self.n,
                            total=yen(self._fee * self.n)))
        self.fewer.setEnabled(self.n > 1)
        self.more.setEnabled(self.n < self.MAX)

    def render_view(self, vm: ViewModel) -> None:
        if not self._entered:  # start from the engine's count; then the buttons count
            self.n = max(1, min(self.MAX, vm.copies))
            self._entered = True
        self._fee = vm.fee_per_copy
        self.title.setText(tr(texts.COPIES_TITLE))
        self.fewer.setAccessibleName(tr(texts.COPIES_FEWER))
        self.more.setAccessibleName(tr(texts.COPIES_MORE))
        self.next.set_label(tr(texts.NEXT))
        self.next.setEnabled(IntentKind.SET_COPIES in vm.allowed)
        self._refresh()

    def main_action(self) -> QWidget | None:
        return self.next

    def speech(self, vm: ViewModel) -> list[str]:
        return visible_texts(self.title) + self.amount_speech()

    def amount_speech(self) -> list[str]:
        """The count and the total, as said when the count changes."""
        return [tr(texts.COPIES_VALUE, n=self.n),
                f"{tr(texts.CONFIRM_TOTAL)}: {spoken_yen(self._fee * self.n)}"]


class ConfirmPage(Page):
    screens = (Screen.CONFIRM,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        frame = QFrame()
        frame.setProperty("role", "panel")
        self.grid = QGridLayout(frame)
        self.grid.setContentsMargins(theme.ref(24), theme.ref(16), theme.ref(24), theme.ref(16))
        self.grid.setColumnStretch(1, 1)
        self._rows: list[tuple[QLabel, QLabel]] = []
        self.box.addWidget(frame)
        self.exact = label("warning")
        self.exact.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.exact)
        self.box.addStretch()
        self.confirm = KioskButton(primary=True, min_width=420)
        self.confirm.clicked.connect(lambda: self.send(IntentKind.CONFIRM))
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.confirm)
        self.box.addLayout(row)

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(texts.CONFIRM_TITLE))
        rows = [(tr(texts.CONFIRM_TYPE), texts.cert_type_name(vm.selected_type))]
        rows += [(texts.option_name(k), texts.choice_name(v))
                 for k, v in vm.selected_options.items()]
        rows.append((tr(texts.CONFIRM_COPIES), str(vm.copies)))
        rows.append((tr(texts.CONFIRM_TOTAL), yen(vm.total)))
        while len(self._rows) < len(rows):  # labels are reused, not rebuilt per view
            key, val = label("muted"), label()
            self.grid.addWidget(key, len(self._rows), 0)
            self.grid.addWidget(val, len(self._rows), 1)
            self._rows.append((key, val))
        for i, (key, val) in enumerate(self._rows):
            shown = i < len(rows)
            key.setVisible(shown)
            val.setVisible(shown)
            if shown:
                key.setText(rows[i][0])
                val.setText(rows[i][1])
                role = "amount" if i == len(rows) - 1 else ""
                if val.property("role") != role:
                    val.setProperty("role", role)
                    val.style().unpolish(val)
                    val.style().polish(val)
        self.exact.setText(tr(texts.EXACT_ONLY))  # said before any money is taken
        self.exact.setVisible(vm.exact_change_only)
        self.confirm.set_label(tr(texts.CONFIRM_BUTTON))
        self.confirm.setEnabled(IntentKind.CONFIRM in vm.allowed)

    def main_action(self) -> QWidget | None:
        return self.confirm

    def speech(self, vm: ViewModel) -> list[str]:
        said = visible_texts(self.title)
        said.append(f"{tr(texts.CONFIRM_TYPE)}: {texts.cert_type_name(vm.selected_type)}")
        said += [f"{texts.option_name(k)}: {texts.choice_name(v)}"
                 for k, v in vm.selected_options.items()]
        said.append(f"{tr(texts.CONFIRM_COPIES)}: {tr(texts.COPIES_VALUE, n=vm.copies)}")
        said.append(f"{tr(texts.CONFIRM_TOTAL)}: {spoken_yen(vm.total)}")
        if vm.exact_change_only:
            said.append(tr(texts.EXACT_ONLY))
        return said


class PaymentPage(Page):
    screens = (Screen.PAYMENT,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        frame = QFrame()
        frame.setProperty("role", "panel")
        col = QVBoxLayout(frame)
        self.inserted = label("amount")
        self.remaining = label("amount")
        self.change = label()
        self.exact = label("warning")
        self.accepts = label("muted")
        for w in (self.inserted, self.remaining, self.change, self.exact, self.accepts):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            col.addWidget(w)
        self.box.addWidget(frame)
        self.where = label()
        self.where.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.addWidget(self.where)
        self.picture = PaymentPicture()
        self.box.addWidget(self.picture, 1)

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(texts.PAYMENT_TITLE, total=yen(vm.total)))
        self.inserted.setText(tr(texts.PAYMENT_INSERTED, amount=yen(vm.inserted)))
        self.remaining.setText(tr(texts.PAYMENT_REMAINING,
                                  amount=yen(max(0, vm.total - vm.inserted))))
        self.change.setText(tr(texts.PAYMENT_CHANGE, amount=yen(vm.change_due)))
        self.change.setVisible(vm.change_due > 0)
        self.exact.setText(tr(texts.EXACT_ONLY))
        self.exact.setVisible(vm.exact_change_only)
        self.accepts.setText(tr(texts.PAYMENT_ACCEPTS, coins=", ".join(map(str, COINS)),
                                notes=", ".join(f"{n:,}" for n in NOTES)))
        self.where.setText(tr(texts.PAYMENT_WHERE))
        self.picture.set_labels(tr(texts.COIN_SLOT), tr(texts.NOTE_SLOT))
        self.picture.setAccessibleName(tr(texts.PAYMENT_PICTURE))

    def speech(self, vm: ViewModel) -> list[str]:
        said = [tr(texts.PAYMENT_TITLE, total=spoken_yen(vm.total))]
        said += self.amount_speech(vm)
        if vm.exact_change_only:
            said.append(tr(texts.EXACT_ONLY))
        said.append(tr(texts.PAYMENT_WHERE))
        return said

    def amount_speech(self, vm: ViewModel) -> list[str]:
        """What is said each time money goes in."""
        said = [tr(texts.PAYMENT_INSERTED, amount=spoken_yen(vm.inserted)),
                tr(texts.PAYMENT_REMAINING, amount=spoken_yen(max(0, vm.total - vm.inserted)))]
        if vm.change_due:
            said.append(tr(texts.PAYMENT_CHANGE, amount=spoken_yen(vm.change_due)))
        return said


class PrintingPage(MessagePage):
    def __init__(self, host: Host) -> None:
        super().__init__(host, Screen.PRINTING, texts.PRINTING_TITLE, texts.PRINTING_BODY,
                         progress=True)
        self.pages = label("amount")
        self.pages.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.box.insertWidget(1, self.pages)

    def render_view(self, vm: ViewModel) -> None:
        super().render_view(vm)
        self.pages.setText(tr(texts.PRINTING_PAGES, done=vm.pages_done, total=vm.pages_total)
                           if vm.pages_total else "")
        if vm.progress is None and vm.pages_total and self.bar is not None:
            self.bar.setRange(0, vm.pages_total)
            self.bar.setValue(vm.pages_done)

    def speech(self, vm: ViewModel) -> list[str]:
        return visible_texts(self.title, self.body)


class TakePapersPage(Page):
    screens = (Screen.TAKE_PAPERS,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.change = label("amount")
        self.voucher = label()
        self.body = label("warning")
        for w in (self.change, self.voucher, self.body):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.box.addWidget(w)
        self.box.addStretch()
        self.done = KioskButton(primary=True, min_width=520)
        self.done.setMinimumHeight(theme.ref(110))
        self.done.clicked.connect(lambda: self.send(IntentKind.ACKNOWLEDGE))
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.done)
        row.addStretch()
        self.box.addLayout(row)
        self.box.addStretch()

    def render_view(self, vm: ViewModel) -> None:
        self.title.setText(tr(texts.TAKE_TITLE))
        self.change.setText(tr(texts.TAKE_CHANGE, amount=yen(vm.change_due)))
        self.change.setVisible(vm.change_due > 0)
        voucher = vm.error.voucher if vm.error else None  # change the device could not pay out
        self.voucher.setText(tr(texts.VOUCHER, voucher=voucher) if voucher else "")
        self.voucher.setVisible(bool(voucher))
        self.body.setText(tr(texts.TAKE_BODY))
        self.done.set_label(tr(texts.TAKE_BUTTON))
        self.done.setEnabled(IntentKind.ACKNOWLEDGE in vm.allowed)

    def main_action(self) -> QWidget | None:
        return self.done

    def speech(self, vm: ViewModel) -> list[str]:
        said = visible_texts(self.title)
        if vm.change_due:
            said.append(tr(texts.TAKE_CHANGE, amount=spoken_yen(vm.change_due)))
        return said + visible_texts(self.voucher, self.body)


class ErrorPage(Page):
    screens = (Screen.ERROR,)

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.title.setProperty("role", "title")
        self.next_step = label()
        self.money = label("amount")
        for w in (self.next_step, self.money):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.box.addWidget(w)
        self.box.addStretch()
        self.ok = KioskButton(primary=True, min_width=300)
        self.ok.clicked.connect(lambda: self.send(IntentKind.ACKNOWLEDGE))
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.ok)
        row.addStretch()
        self.box.addLayout(row)
        self.box.addStretch()

    def render_view(self, vm: ViewModel) -> None:
        err = vm.error
        code, kind = (err.code, err.kind) if err else ("", "internal")
        self.title.setText(texts.error_title(code, kind))
        step = err.next_step if err else "retry"
        self.next_step.setText(tr(texts.NEXT_STEPS.get(step, texts.NEXT_STEPS["retry"])))
        money = "\n".join(money_lines(vm))  # every ending says what happened to the money
        self.money.setText(money)
        self.money.setVisible(bool(money))
        self.ok.set_label(tr(texts.OK))
        self.ok.setVisible(IntentKind.ACKNOWLEDGE in vm.allowed or vm.final)

    def main_action(self) -> QWidget | None:
        return self.ok

    def speech(self, vm: ViewModel) -> list[str]:
        return visible_texts(self.title, self.next_step) + money_lines(vm, spoken_yen)
