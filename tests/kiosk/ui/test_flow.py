"""Every path of the flow, driven by touches, against the scripted engine."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from hardware_mocks.ui.scripted import persona_card
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import screens, texts
from kiosk.ui.texts import tr
from tests.fixtures.ui import wait_screen

pytestmark = pytest.mark.qt
LEFT = Qt.MouseButton.LeftButton


def click(qtbot, button) -> None:  # type: ignore[no-untyped-def]
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def to_pin(qtbot, kiosk, engine, pin: str = "1234", **card) -> screens.PinPage:  # type: ignore[no-untyped-def]
    click(qtbot, kiosk.pages[Screen.START].start)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card(persona_card(pin, **card))
    wait_screen(qtbot, kiosk, Screen.PIN)
    return kiosk.current_page


def enter_pin(qtbot, page: screens.PinPage, pin: str) -> None:  # type: ignore[no-untyped-def]
    for ch in pin:
        click(qtbot, page.pad.digit_buttons[int(ch)])
    click(qtbot, page.pad.ok_button)


def to_menu(qtbot, kiosk, engine, **card) -> None:  # type: ignore[no-untyped-def]
    page = to_pin(qtbot, kiosk, engine, **card)
    enter_pin(qtbot, page, "1234")
    wait_screen(qtbot, kiosk, Screen.REMOVE_CARD)
    engine.remove_card()
    wait_screen(qtbot, kiosk, Screen.CHOOSE_TYPE)


def test_happy_path_by_touch(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
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
    assert engine.printed == [("juminhyo", 2)] and engine.paid_out == [200]
    click(qtbot, take.done)
    wait_screen(qtbot, kiosk, Screen.START)


def test_take_papers_reminder_stays_until_touched(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    click(qtbot, kiosk.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, kiosk, Screen.PAYMENT)
    engine.insert_money(200)
    wait_screen(qtbot, kiosk, Screen.TAKE_PAPERS)
    assert kiosk.vm.allowed == frozenset({IntentKind.ACKNOWLEDGE, IntentKind.LANGUAGE})
    assert kiosk.cancel.isHidden() and kiosk.back.isHidden()


def test_back_goes_one_screen_back(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["juminhyo"])
    wait_screen(qtbot, kiosk, Screen.OPTIONS)
    click(qtbot, kiosk.back)
    wait_screen(qtbot, kiosk, Screen.CHOOSE_TYPE)


def test_wrong_pin_shows_tries_last_try_then_locked(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    page = to_pin(qtbot, kiosk, engine)
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


def test_locked_card_goes_straight_to_guidance(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, kiosk.pages[Screen.START].start)
    wait_screen(qtbot, kiosk, Screen.PLACE_CARD)
    engine.insert_card(persona_card("1111", tries_left=0))
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.vm.error is not None and kiosk.vm.error.code == "pin_locked"


def test_refused_resident_sees_reason_and_next_step(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    page = to_pin(qtbot, kiosk, engine, refusal="under_15")
    enter_pin(qtbot, page, "1234")
    wait_screen(qtbot, kiosk, Screen.ERROR)
    err = kiosk.pages[Screen.ERROR]
    assert err.title.text() == tr(texts.ERROR_CODES["under_15"])
    assert err.money.text() == tr(texts.NOT_CHARGED)
    click(qtbot, err.ok)
    wait_screen(qtbot, kiosk, Screen.START)


def test_unavailable_types_are_shown_disabled_with_reason(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    to_menu(qtbot, kiosk, engine, unavailable={"inkan": "no_seal"})
    b = kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"]
    assert not b.isEnabled()
    assert tr(texts.ERROR_CODES["no_seal"]) in b.accessibleName()
    assert kiosk.pages[Screen.CHOOSE_TYPE].buttons["juminhyo"].isEnabled()


def test_cancel_during_payment_returns_the_money(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
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
    assert engine.paid_out == [100] and engine.printed == []


def test_printer_fault_before_payment_takes_no_money(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    engine.set_printer_fault("media_empty")
    to_menu(qtbot, kiosk, engine)
    click(qtbot, kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"])
    wait_screen(qtbot, kiosk, Screen.COPIES)
    click(qtbot, kiosk.pages[Screen.COPIES].next)
    wait_screen(qtbot, kiosk, Screen.CONFIRM)
    click(qtbot, kiosk.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].title.text() == "The printer is out of paper"
    assert engine.paid_out == []


def test_card_removed_too_early(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    to_pin(qtbot, kiosk, engine)
    engine.remove_card()
    wait_screen(qtbot, kiosk, Screen.ERROR)
    assert kiosk.pages[Screen.ERROR].title.text() == tr(texts.ERROR_CODES["card_removed"])


def test_inactivity_dialog_more_time_and_timeout(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
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


def test_inactivity_dialog_can_end_the_session(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    to_menu(qtbot, kiosk, engine)
    engine.warn_timeout(15)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    click(qtbot, kiosk.overlay.no)
    wait_screen(qtbot, kiosk, Screen.ERROR)


def test_language_switch_on_every_screen(qtbot, kiosk, engine) -> None:  # type: ignore[no-untyped-def]
    to_menu(qtbot, kiosk, engine)
    title = kiosk.pages[Screen.CHOOSE_TYPE].title
    assert title.text() == "Which certificate do you need?"
    click(qtbot, kiosk.lang_buttons["ja"])
    assert title.text() == "証明書の種類を選んでください"
    assert kiosk.cancel.text() == "中止する"
    qtbot.waitUntil(lambda: engine.language == "ja")
    click(qtbot, kiosk.lang_buttons["pt"])
    assert title.text() == "De qual certidão você precisa?"
    assert kiosk.lang_buttons["pt"].isChecked() and not kiosk.lang_buttons["ja"].isChecked()


def test_default_language_is_japanese(qtbot, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures.ui import make_window

    window = make_window(qtbot, engine, language="ja")
    wait_screen(qtbot, window, Screen.START)
    assert window.translations.language == "ja"
    assert window.pages[Screen.START].start.text() == "はじめる"


def test_exact_change_only_is_said_before_payment(qtbot, kiosk) -> None:  # type: ignore[no-untyped-def]
    from kiosk.ui.samples import sample_views

    vm = sample_views()["10-confirm"]
    kiosk.render(vm)
    assert kiosk.pages[Screen.CONFIRM].exact.isHidden()
    import dataclasses

    kiosk.render(dataclasses.replace(vm, exact_change_only=True))
    assert kiosk.pages[Screen.CONFIRM].exact.text() == tr(texts.EXACT_ONLY)
    assert not kiosk.pages[Screen.CONFIRM].exact.isHidden()
