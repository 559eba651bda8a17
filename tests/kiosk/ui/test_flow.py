"""Every path of the flow, driven by touches, against the real session engine (in process,
over the session's port fakes and a fake clock; personas and PINs of hardware_mocks.world)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hardware_mocks.world import World
from kiosk.session.engine import ALLOWED
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import screens, texts, theme
from kiosk.ui.texts import tr
from protocol.documents.catalogue import MAX_COPIES
from tests.fixtures.ui import wait_screen

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


def click(qtbot: QtBot, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def to_pin(qtbot: QtBot, kiosk, engine, persona: str = "shiken-ichiro") -> screens.PinPage:
    click(qtbot, kiosk.pages[Screen.START].start)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card(persona)
    wait_screen(qtbot, kiosk, Screen.PIN)
    shown = kiosk.current_page
    assert isinstance(shown, screens.PinPage)
    return shown


def enter_pin(qtbot: QtBot, page: screens.PinPage, pin: str) -> None:
    qtbot.waitUntil(page.pad.isEnabled)  # after a wrong PIN, until the engine has answered
    for ch in pin:
        click(qtbot, page.pad.digit_buttons[int(ch)])
    click(qtbot, page.pad.ok_button)


def to_menu(qtbot: QtBot, kiosk, engine, persona: str = "shiken-ichiro", pin: str = "1234") -> None:
    page = to_pin(qtbot, kiosk, engine, persona)
    enter_pin(qtbot, page, pin)
    wait_screen(qtbot, kiosk, Screen.REMOVE_CARD)
    engine.remove_card()
    wait_screen(qtbot, kiosk, Screen.CHOOSE_TYPE)


def test_happy_path_by_touch(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["juminhyo"])
    wait_screen(qtbot, kiosk, Screen.OPTIONS)
    opts = kiosk.pages[Screen.OPTIONS]
    click(qtbot, opts._choices[("scope", "household")])
    qtbot.waitUntil(lambda: kiosk.vm.selected_options.get("scope") == "household")
    assert opts._choices[("scope", "household")].isChecked()
    click(qtbot, opts.next)
    wait_screen(qtbot, kiosk, Screen.COPIES)
    copies = kiosk.pages[Screen.COPIES]
    click(qtbot, copies.more)
    assert copies.count.text() == "2"
    assert copies.fee.text() == "¥200 × 2 = ¥400"
    click(qtbot, copies.next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    confirm = kiosk.pages[Screen.CONFIRM]
    shown = [w.text() for w in confirm.findChildren(type(confirm.title))]
    assert "¥400" in shown and tr(texts.CHOICES["household"]) in shown
    click(qtbot, confirm.confirm)
    wait_screen(qtbot, kiosk, Screen.PAYMENT)
    pay = kiosk.pages[Screen.PAYMENT]
    assert pay.title.text() == "Please insert ¥400"
    assert kiosk.cancel.text() == tr(texts.PAYMENT_CANCEL)
    engine.insert_money(100)
    qtbot.waitUntil(lambda: pay.remaining.text() == "Still to pay: ¥300")
    engine.insert_money(500)
    wait_screen(qtbot, kiosk, Screen.TAKE_PAPERS)
    take = kiosk.pages[Screen.TAKE_PAPERS]
    assert take.change.text() == "and your change: ¥200" and not take.change.isHidden()
    assert len(engine.devices.printer.printed) == 2  # one job per copy
    assert engine.devices.payment.totals().paid_out == 200
    click(qtbot, take.done)
    wait_screen(qtbot, kiosk, Screen.THANK_YOU)
    wait_screen(qtbot, kiosk, Screen.START)  # the next customer's
    assert engine.outcomes[-1]["result"] == "printed" and engine.outcomes[-1]["charged"] == 400


def to_take_papers(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    click(qtbot, kiosk.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, kiosk, Screen.PAYMENT)
    engine.insert_money(200)
    wait_screen(qtbot, kiosk, Screen.TAKE_PAPERS)


def test_take_papers_cancel_ends_the_session_as_its_ok(qtbot: QtBot, kiosk, engine) -> None:
    """Cancel is offered on the take-papers reminder (nothing is left to cancel) and ends
    the session at once, as printed, exactly as its OK does; there is no way back."""
    to_take_papers(qtbot, kiosk, engine)
    assert kiosk.vm.allowed == ALLOWED["take_papers"]
    assert kiosk.cancel.isVisible() and kiosk.back.isHidden()
    assert kiosk.pages[Screen.TAKE_PAPERS].done.isVisible()
    click(qtbot, kiosk.cancel)
    wait_screen(qtbot, kiosk, Screen.THANK_YOU)
    wait_screen(qtbot, kiosk, Screen.START)
    assert engine.outcomes[-1]["result"] == "printed" and engine.outcomes[-1]["charged"] == 200


def test_papers_left_untouched_end_as_printed(qtbot: QtBot, kiosk, engine) -> None:
    to_take_papers(qtbot, kiosk, engine)
    engine.time_out()
    wait_screen(qtbot, kiosk, Screen.THANK_YOU)
    wait_screen(qtbot, kiosk, Screen.START)
    assert engine.outcomes[-1]["result"] == "printed" and engine.outcomes[-1]["reason"] == "timeout"


def test_back_goes_one_screen_back(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["juminhyo"])
    wait_screen(qtbot, kiosk, Screen.OPTIONS)
    click(qtbot, kiosk.back)
    wait_screen(qtbot, kiosk, Screen.CHOOSE_TYPE)


def test_copies_go_up_to_the_limit_the_engine_accepts(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["shotoku"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    copies = kiosk.pages[Screen.COPIES]
    for _ in range(2 * MAX_COPIES):
        if not copies.more.isEnabled():
            break
        click(qtbot, copies.more)
    assert copies.count.text() == str(MAX_COPIES)  # the screen's limit is the engine's
    click(qtbot, copies.next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    assert kiosk.vm.copies == MAX_COPIES and kiosk.vm.total == MAX_COPIES * kiosk.vm.fee_per_copy


def test_wrong_pin_shows_tries_last_try_then_locked(qtbot: QtBot, kiosk, engine) -> None:
    page = to_pin(qtbot, kiosk, engine, "shiken-hanako")
    assert page.tries.text() == "Tries left: 3" and page.warning.isHidden()
    enter_pin(qtbot, page, "9999")
    qtbot.waitUntil(lambda: kiosk.vm.tries_left == 2)
    assert page.warning.text() == tr(texts.WRONG_PIN)
    enter_pin(qtbot, page, "9999")
    qtbot.waitUntil(lambda: kiosk.vm.tries_left == 1)
    assert tr(texts.LAST_TRY) in page.warning.text()
    enter_pin(qtbot, page, "9999")
    wait_screen(qtbot, kiosk, Screen.ERROR)
    err = kiosk.pages[Screen.ERROR]
    assert err.title.text() == tr(texts.ERROR_CODES["pin_locked"])
    assert "municipal office" in err.title.text()
    assert err.next_step.text() == tr(texts.NEXT_STEPS["visit_office"])


def test_locked_card_goes_straight_to_guidance(qtbot: QtBot, kiosk, engine) -> None:
    click(qtbot, kiosk.pages[Screen.START].start)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card("mihon-shiro")  # its PIN is locked
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.vm.error is not None and kiosk.vm.error.code == "pin_locked"


def test_refused_resident_sees_reason_and_next_step(qtbot: QtBot, kiosk, engine) -> None:
    page = to_pin(qtbot, kiosk, engine, "mihon-goro")  # revoked certificate
    enter_pin(qtbot, page, "2222")
    wait_screen(qtbot, kiosk, Screen.ERROR)
    err = kiosk.pages[Screen.ERROR]
    assert err.title.text() == tr(texts.ERROR_CODES["cert_revoked"])
    assert err.next_step.text() == tr(texts.NEXT_STEPS["visit_office"])
    assert err.money.text() == tr(texts.NOT_CHARGED)
    click(qtbot, err.ok)
    wait_screen(qtbot, kiosk, Screen.START)


def test_under_15_sees_every_type_refused(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine, "shiken-jiro", "1470")
    buttons = kiosk.pages[Screen.CHOOSE_TYPE].buttons
    assert buttons and all(b.unavailable for b in buttons.values())
    assert all(tr(texts.ERROR_CODES["under_15"]) in b.accessibleName() for b in buttons.values())


def test_unavailable_types_are_marked_in_words_and_colour_and_do_nothing(
        qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine, "mihon-saburo", "3690")  # no seal registered
    page = kiosk.pages[Screen.CHOOSE_TYPE]
    b, ok = page.buttons["inkan"], page.buttons["juminhyo"]
    assert b.unavailable and not ok.unavailable
    assert tr(texts.ERROR_CODES["no_seal"]) in b.accessibleName()
    assert "✕ " + tr(texts.NOT_AVAILABLE, reason="").strip() in b.text()
    # reachable (a customer who cannot see it hears why), but touching it sends nothing
    assert b.isEnabled() and b.focusPolicy() & Qt.FocusPolicy.TabFocus
    sent = len(engine.intents)
    click(qtbot, b)
    kiosk.bridge.drain()
    assert [i.kind for i in engine.intents[sent:]] in ([], [IntentKind.MORE_TIME])
    assert kiosk.vm.screen is Screen.CHOOSE_TYPE
    # drawn apart in both themes: its own fill and text colour, readable (4.5:1)
    for pal in (theme.NORMAL, theme.HIGH_CONTRAST):
        assert pal.unavailable != pal.secondary and pal.unavailable_text != pal.secondary_text
        assert theme.contrast_ratio(pal.unavailable_text, pal.unavailable) >= 4.5
    shot = b.grab().toImage()
    fill = shot.pixelColor(b.width() // 2, b.height() - 8).name()
    assert fill == theme.NORMAL.unavailable.lower()


def test_cancel_during_payment_returns_the_money(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["shotoku"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    click(qtbot, kiosk.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, kiosk, Screen.PAYMENT)
    engine.insert_money(100)
    qtbot.waitUntil(lambda: kiosk.vm.inserted == 100)
    click(qtbot, kiosk.cancel)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].money.text() == "¥100 has been returned. Please take it."
    assert engine.devices.payment.totals().paid_out == 100 and engine.devices.printer.printed == []


def test_printer_fault_before_payment_takes_no_money(qtbot: QtBot, kiosk, engine) -> None:
    engine.set_printer_fault("media-empty")
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    click(qtbot, kiosk.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].title.text() == "The printer is out of paper"
    assert kiosk.vm.error is not None and kiosk.vm.error.refunded == 0
    assert engine.devices.payment.totals().history == []  # no payment was begun


def test_printer_jam_while_printing_refunds(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    click(qtbot, kiosk.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, kiosk, Screen.PAYMENT)
    engine.set_printer_fault("jam")
    engine.insert_money(200)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].title.text() == tr(texts.ERROR_CODES["media_jam"])
    assert kiosk.pages[Screen.ERROR].money.text() == "¥200 has been returned. Please take it."


def test_card_removed_too_early(qtbot: QtBot, kiosk, engine) -> None:
    to_pin(qtbot, kiosk, engine)
    engine.remove_card()
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].title.text() == tr(texts.ERROR_CODES["card_removed"])


def test_inactivity_dialog_more_time_and_timeout(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    engine.warn_timeout(15)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    assert kiosk.overlay.body.text() == "Without an answer the session ends in 15 seconds."
    assert kiosk.overlay.yes.hasFocus()
    kiosk.overlay._count_down()
    assert kiosk.overlay.body.text() == "Without an answer the session ends in 14 seconds."
    click(qtbot, kiosk.overlay.yes)
    qtbot.waitUntil(lambda: not kiosk.overlay.isVisible())
    assert engine.intents[-1].kind is IntentKind.MORE_TIME
    engine.warn_timeout(5)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    engine.time_out()
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert not kiosk.overlay.isVisible()
    assert kiosk.pages[Screen.ERROR].title.text() == tr(texts.ERROR_CODES["timeout"])


def test_inactivity_dialog_can_end_the_session(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    engine.warn_timeout(15)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    click(qtbot, kiosk.overlay.no)
    wait_screen(qtbot, kiosk, Screen.ERROR)


def test_language_switch_on_every_screen(qtbot: QtBot, kiosk, engine) -> None:
    click(qtbot, kiosk.lang_buttons["ko"])  # the engine hears of it where it allows it
    qtbot.waitUntil(lambda: any(i.kind is IntentKind.LANGUAGE for i in engine.intents))
    assert [i.value for i in engine.intents if i.kind is IntentKind.LANGUAGE] == ["ko"]
    click(qtbot, kiosk.lang_buttons["en"])
    to_menu(qtbot, kiosk, engine)
    title = kiosk.pages[Screen.CHOOSE_TYPE].title
    assert title.text() == "Which certificate do you need?"
    assert IntentKind.LANGUAGE not in kiosk.vm.allowed  # switched by the UI alone
    click(qtbot, kiosk.lang_buttons["ja"])
    assert title.text() == "証明書の種類を選んでください"
    assert kiosk.cancel.text() == "中止する"
    click(qtbot, kiosk.lang_buttons["pt"])
    assert title.text() == "De qual certidão você precisa?"
    assert kiosk.lang_buttons["pt"].isChecked() and not kiosk.lang_buttons["ja"].isChecked()


def test_default_language_is_japanese(qtbot: QtBot, engine) -> None:
    from tests.fixtures.ui import make_window, wait_engine

    window = make_window(qtbot, engine, language="ja")
    wait_engine(qtbot, window)
    assert window.translations.language == "ja"
    start = window.pages[Screen.START]
    assert isinstance(start, screens.StartPage) and start.start.text() == "はじめる"


def to_confirm(qtbot: QtBot, kiosk, engine) -> None:
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)


def test_exact_change_only_is_said_before_payment(qtbot: QtBot, fresh_world: World, tmp_path: Path) -> None:
    from hardware_mocks.ui.inprocess import InProcessEngine
    from tests.fixtures.ui import make_window, wait_engine

    engine = InProcessEngine(fresh_world.root, tmp_path / "state", can_give_change=False)
    kiosk = make_window(qtbot, engine)
    wait_engine(qtbot, kiosk)
    to_confirm(qtbot, kiosk, engine)
    confirm = kiosk.pages[Screen.CONFIRM]
    assert isinstance(confirm, screens.ConfirmPage)
    exact = confirm.exact
    assert exact.text() == tr(texts.EXACT_ONLY) and not exact.isHidden()


def test_no_exact_change_note_when_the_device_gives_change(qtbot: QtBot, kiosk, engine) -> None:
    to_confirm(qtbot, kiosk, engine)
    assert kiosk.pages[Screen.CONFIRM].exact.isHidden()
