"""What a first-time customer meets, journey by journey (issue 15): a fresh start for
every customer, the card left on the reader, money on every end screen, keys wherever
the focus is, activity and the time to answer, the focus ring, physical sizes."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractButton, QApplication
from pytestqt.qtbot import QtBot

from hardware_mocks.ui.screenshots import shots
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import screens, texts, theme
from kiosk.ui.texts import tr
from tests.fixtures.ui import make_window, wait_engine, wait_screen
from tests.kiosk.ui.test_flow import click, to_menu, to_pin

pytestmark = pytest.mark.qt
K = Qt.Key


def press(qtbot: QtBot, key: Qt.Key, keypad: bool = False) -> None:
    """A key as the keypad sends it: to whatever has the focus."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the focus"
    mods = Qt.KeyboardModifier.KeypadModifier if keypad else Qt.KeyboardModifier.NoModifier
    qtbot.keyClick(target, key, mods)


# -- every customer starts alike ------------------------------------------------------------

@pytest.mark.parametrize("home", ["ja", "en"])
def test_the_next_customer_starts_in_the_home_language_with_normal_text(
        qtbot: QtBot, engine, home: str) -> None:
    kiosk: Any = make_window(qtbot, engine, language=home)
    wait_engine(qtbot, kiosk)
    first = kiosk.vm.session
    click(qtbot, kiosk.lang_buttons["ko"])
    click(qtbot, kiosk.large)
    click(qtbot, kiosk.contrast)
    assert kiosk.translations.language == "ko" and kiosk.theme.large_text
    click(qtbot, kiosk.pages[Screen.START].start)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    click(qtbot, kiosk.cancel)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.translations.language == "ko", "the ending screen is still the customer's"
    click(qtbot, kiosk.pages[Screen.ERROR].ok)
    qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.START and kiosk.vm.session != first)
    assert kiosk.translations.language == home
    assert not kiosk.theme.large_text and not kiosk.theme.high_contrast
    assert not kiosk.large.isChecked() and not kiosk.contrast.isChecked()
    assert kiosk.lang_buttons[home].isChecked() and not kiosk.lang_buttons["ko"].isChecked()
    assert kiosk.palette().color(kiosk.backgroundRole()).name() == theme.NORMAL.background.lower()


# -- the card left on the reader --------------------------------------------------------------

def test_a_card_left_on_the_reader_is_asked_for_until_it_is_taken(qtbot: QtBot, voiced, engine) -> None:
    kiosk = voiced.window
    to_pin(qtbot, kiosk, engine)
    chimes = kiosk.clicker.chimes
    click(qtbot, kiosk.cancel)  # the card stays on the reader
    qtbot.waitUntil(lambda: kiosk.vm.final)
    assert kiosk.vm.card_on_reader
    assert kiosk.alert.isVisible() and tr(texts.TAKE_CARD) in kiosk.alert_text.text()
    assert kiosk.pages[Screen.ERROR].money.text() == tr(texts.NOT_CHARGED)
    assert kiosk.clicker.chimes > chimes
    qtbot.waitUntil(lambda: tr(texts.TAKE_CARD) in voiced.said())  # said in every mode
    click(qtbot, kiosk.pages[Screen.ERROR].ok)
    qtbot.waitUntil(lambda: kiosk.current_page is kiosk.card_left)
    assert kiosk.vm.screen is Screen.START and IntentKind.START not in kiosk.vm.allowed
    assert kiosk.card_left.title.text() == tr(texts.TAKE_CARD)
    assert kiosk._card_timer.isActive()  # chime and voice again every few seconds
    engine.remove_card()
    qtbot.waitUntil(lambda: kiosk.current_page is kiosk.pages[Screen.START])
    assert IntentKind.START in kiosk.vm.allowed and not kiosk._card_timer.isActive()
    assert not kiosk.alert.isVisible()


def test_a_card_taken_in_time_leaves_no_reminder(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)  # the card was removed before the menu
    click(qtbot, kiosk.cancel)
    qtbot.waitUntil(lambda: kiosk.vm.final)
    assert not kiosk.vm.card_on_reader and not kiosk.alert.isVisible()
    assert not kiosk._card_timer.isActive()


# -- money on every end screen ------------------------------------------------------------------

def test_every_end_screen_says_what_was_charged_or_returned(qtbot: QtBot, kiosk, engine) -> None:
    # a timeout before payment: nothing charged
    to_menu(qtbot, kiosk, engine)
    engine.time_out()
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].money.text() == tr(texts.NOT_CHARGED)
    click(qtbot, kiosk.pages[Screen.ERROR].ok)
    wait_engine(qtbot, kiosk)
    # a whole session: the thank-you screen says what was charged and the change
    from tests.kiosk.ui.test_flow import to_take_papers

    to_take_papers(qtbot, kiosk, engine)
    engine.insert_money(0)
    click(qtbot, kiosk.pages[Screen.TAKE_PAPERS].done)
    wait_screen(qtbot, kiosk, Screen.THANK_YOU)
    body = kiosk.pages[Screen.THANK_YOU].body.text()
    assert tr(texts.CHARGED, amount="¥200") in body


# -- keys wherever the focus is ---------------------------------------------------------------

def test_four_digits_and_enter_submit_the_pin_wherever_the_focus_is(qtbot: QtBot, kiosk, engine) -> None:
    page = to_pin(qtbot, kiosk, engine)
    kiosk.cancel.setFocus()  # Enter would press Cancel if it went to the focused control
    for key in (K.Key_1, K.Key_2, K.Key_3):
        press(qtbot, key)
    press(qtbot, K.Key_Return)  # three digits: Enter does nothing
    assert kiosk.vm.screen is Screen.PIN and page.pad.entered == 3
    press(qtbot, K.Key_4)
    press(qtbot, K.Key_Return)
    wait_screen(qtbot, kiosk, Screen.REMOVE_CARD)


def test_a_keypad_with_num_lock_off_still_types_digits(qtbot: QtBot, kiosk, engine) -> None:
    page = to_pin(qtbot, kiosk, engine)
    for key in (K.Key_End, K.Key_Down, K.Key_PageDown, K.Key_Left):  # 1 2 3 4
        press(qtbot, key, keypad=True)
    assert page.pad.entered == 4
    press(qtbot, K.Key_Enter, keypad=True)
    wait_screen(qtbot, kiosk, Screen.REMOVE_CARD)


MAIN = {Screen.START: lambda k: k.pages[Screen.START].start,
        Screen.PIN: lambda k: k.pages[Screen.PIN].pad.digit_buttons[5],
        Screen.OPTIONS: lambda k: k.pages[Screen.OPTIONS].next,
        Screen.COPIES: lambda k: k.pages[Screen.COPIES].next,
        Screen.CONFIRM: lambda k: k.pages[Screen.CONFIRM].confirm,
        Screen.TAKE_PAPERS: lambda k: k.pages[Screen.TAKE_PAPERS].done,
        Screen.ERROR: lambda k: k.pages[Screen.ERROR].ok}


def test_the_focus_starts_on_each_screens_main_action(qtbot: QtBot, kiosk, engine) -> None:
    assert QApplication.focusWidget() is MAIN[Screen.START](kiosk)
    press(qtbot, K.Key_Return)  # Start is one key away
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card("shiken-ichiro")
    wait_screen(qtbot, kiosk, Screen.PIN)
    assert QApplication.focusWidget() is MAIN[Screen.PIN](kiosk)
    for key in (K.Key_1, K.Key_2, K.Key_3, K.Key_4, K.Key_Return):
        press(qtbot, key)
    wait_screen(qtbot, kiosk, Screen.REMOVE_CARD)
    engine.remove_card()
    wait_screen(qtbot, kiosk, Screen.CHOOSE_TYPE)
    menu = kiosk.pages[Screen.CHOOSE_TYPE]
    assert QApplication.focusWidget() is menu.buttons["juminhyo"]  # the first available
    press(qtbot, K.Key_Return)
    for screen in (Screen.OPTIONS, Screen.COPIES, Screen.CONFIRM):
        wait_screen(qtbot, kiosk, screen)
        assert QApplication.focusWidget() is MAIN[screen](kiosk), screen
        press(qtbot, K.Key_Return)
    wait_screen(qtbot, kiosk, Screen.PAYMENT)
    engine.insert_money(200)
    wait_screen(qtbot, kiosk, Screen.TAKE_PAPERS)
    assert QApplication.focusWidget() is MAIN[Screen.TAKE_PAPERS](kiosk)


def test_tab_and_arrows_reach_every_choice(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["juminhyo"])
    wait_screen(qtbot, kiosk, Screen.OPTIONS)
    choices = set(kiosk.pages[Screen.OPTIONS]._choices.values())
    assert any(not b.isChecked() for b in choices)
    for key in (K.Key_Tab, K.Key_Down, K.Key_Right):
        reached = set()
        for _ in range(40):
            press(qtbot, key)
            reached.add(QApplication.focusWidget())
        assert choices <= reached, f"{key.name}: every choice, chosen or not"
    reached = set()
    for _ in range(40):
        press(qtbot, K.Key_8, keypad=True)  # the keypad's up arrow, outside the PIN screen
        reached.add(QApplication.focusWidget())
    assert choices <= reached


# -- activity and the time to answer ---------------------------------------------------------

def test_pin_digits_count_as_activity(qtbot: QtBot, kiosk, engine) -> None:
    page = to_pin(qtbot, kiosk, engine)
    engine.advance(8)  # the PIN screen warns 20 s before its 30 s: after 10 s idle
    kiosk.bridge.drain()
    click(qtbot, page.pad.digit_buttons[1])
    press(qtbot, K.Key_2)
    kiosk.bridge.drain()
    assert [i.kind for i in engine.intents[-2:]] == [IntentKind.MORE_TIME] * 2
    engine.advance(8)
    kiosk.bridge.drain()
    engine.advance(0)
    qtbot.waitUntil(lambda: engine._views[-1].screen is Screen.PIN)
    assert not kiosk.vm.timeout_warning, "typing the PIN is not inactivity"
    engine.warn_timeout(20)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    assert kiosk.vm.seconds_left is not None and kiosk.vm.seconds_left >= 20 - 1
    assert page.pad.entered == 2


def test_the_warning_gives_at_least_twenty_seconds(qtbot: QtBot, kiosk, engine) -> None:
    from kiosk.config import Config
    from kiosk.session.engine import Timeouts

    assert Timeouts().warn_before >= 20 and Config().timeouts.warn_before >= 20
    to_menu(qtbot, kiosk, engine)
    engine.warn_timeout(20)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    assert kiosk.overlay.body.text() == "Without an answer the session ends in 20 seconds."


# -- the focus ring ---------------------------------------------------------------------------

@pytest.mark.parametrize("contrast", [False, True], ids=["normal", "high-contrast"])
def test_the_focus_ring_has_three_to_one_against_everything_next_to_it(
        qtbot: QtBot, kiosk, contrast: bool) -> None:
    kiosk.set_theme(high_contrast=contrast)
    pal = kiosk.theme.palette
    # outside the ring: the page and the panels; inside: the inner line, then the fill
    for outside in (pal.background, pal.panel):
        assert theme.contrast_ratio(pal.focus, outside) >= 3, outside
    assert theme.contrast_ratio(pal.focus, pal.focus_inner) >= 3
    for fill in (pal.secondary, pal.primary, pal.panel):  # plain, primary/checked, disabled
        assert (theme.contrast_ratio(pal.focus_inner, fill) >= 3
                or (pal.focus_inner == fill and theme.contrast_ratio(pal.focus, fill) >= 3)), fill
    # and so it is drawn: the ring's two lines on a plain and on a primary button
    start = kiosk.pages[Screen.START]
    for button in (start.language_buttons["en"], start.start):
        button.setFocus()
        qtbot.waitUntil(button.hasFocus)
        image = button.grab().toImage()
        y = button.height() // 2
        outer = image.pixelColor(theme.ref(theme.FOCUS_WIDTH) // 2, y).name()
        inner_x = theme.ref(theme.FOCUS_WIDTH) + theme.ref(theme.FOCUS_INNER_WIDTH) // 2
        inner = image.pixelColor(inner_x, y).name()
        assert outer == pal.focus.lower(), (button.text(), outer)
        assert inner == pal.focus_inner.lower(), (button.text(), inner)


# -- physical sizes ---------------------------------------------------------------------------

def test_a_wide_panel_keeps_every_target_fifteen_millimetres(qtbot: QtBot, engine) -> None:
    panel = theme.Panel.diagonal(1920, 1080, 15.6)  # 5.6 px/mm, not the reference's 3.4
    kiosk: Any = make_window(qtbot, engine, panel=panel)
    wait_engine(qtbot, kiosk)
    assert kiosk.width() == 1920
    for lang, name in shots(kiosk, ("en", "pt")):
        for b in (b for b in kiosk.findChildren(QAbstractButton) if b.isVisible()):
            w_mm, h_mm = b.width() / panel.px_per_mm, b.height() / panel.px_per_mm
            assert w_mm >= 15 and h_mm >= 15, f"{lang}/{name} {b.text()!r}: {w_mm:.1f}×{h_mm:.1f} mm"
            inside = b.rect().translated(b.mapTo(kiosk, QPoint(0, 0)))
            assert kiosk.rect().contains(inside), f"{lang}/{name}: {b.text()!r} is cut off"
    pad = kiosk.pages[Screen.PIN].pad
    assert pad.digit_buttons[5].height() / panel.px_per_mm >= 18


# -- wording ------------------------------------------------------------------------------------

def test_the_wording_of_official_forms(qtbot: QtBot, kiosk) -> None:
    kiosk.set_language("ja")
    assert tr(texts.CHOICES["include"]) == "記載する" and tr(texts.CHOICES["omit"]) == "記載しない"
    assert tr(texts.FEE_PER_COPY, fee="200円").startswith("1部")
    assert "通" not in tr(texts.COPIES_VALUE, n=2) + tr(texts.FEE_LINE, fee="", n=2, total="")
    kiosk.set_language("en")
    assert "annex" not in tr(texts.CERT_TYPES["koseki_fuhyo"]).lower()


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_the_service_name_is_never_cut(qtbot: QtBot, kiosk, large: bool) -> None:
    kiosk.set_theme(large_text=large)
    for lang in texts.LANGUAGES:
        kiosk.set_language(lang)
        QApplication.processEvents()
        name = kiosk.service
        need = name.fontMetrics().boundingRect(name.contentsRect(), int(
            Qt.TextFlag.TextWordWrap), name.text())
        assert need.width() <= name.contentsRect().width(), f"{lang}: {name.text()!r}"
        assert need.height() <= name.contentsRect().height(), f"{lang}: {name.text()!r}"


def test_the_copies_signs_are_large(qtbot: QtBot, kiosk) -> None:
    from kiosk.ui.samples import sample_views

    kiosk.render(sample_views()["09-copies"])
    copies = kiosk.pages[Screen.COPIES]
    assert isinstance(copies, screens.CopiesPage)
    for b in (copies.fewer, copies.more):
        glyph = b.fontMetrics().tightBoundingRect(b.text())
        assert glyph.width() / theme.PX_PER_MM >= 6, b.text()  # was a 22 px text glyph


def test_the_payment_screen_shows_where_the_money_goes(qtbot: QtBot, kiosk) -> None:
    from kiosk.ui.samples import sample_views

    kiosk.render(sample_views()["12-payment"])
    pay = kiosk.pages[Screen.PAYMENT]
    assert isinstance(pay, screens.PaymentPage)
    assert pay.picture.isVisible() and pay.picture.height() >= theme.ref(150)
    assert pay.where.text() == tr(texts.PAYMENT_WHERE)
    assert (pay.picture.coin_label, pay.picture.note_label) == ("Coins", "Notes")


def test_call_staff_is_shown_and_logged(qtbot: QtBot, kiosk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="kiosk.ui")
    click(qtbot, kiosk.staff)
    assert kiosk.alert.isVisible() and kiosk.alert_text.text() == tr(texts.STAFF_CALLED)
    assert any("ui.call_staff" in r.getMessage() for r in caplog.records)
    event = QKeyEvent(QKeyEvent.Type.KeyPress, K.Key_Asterisk, Qt.KeyboardModifier.KeypadModifier)
    chimes = kiosk.clicker.chimes
    assert kiosk._router.key(event) and kiosk.clicker.chimes == chimes + 1

