"""The UI over the real session engine (worker processes, simulated devices)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hardware_mocks.session.specs import virtual_spec
from hardware_mocks.world import World
from kiosk.process.host import SessionHost
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import texts
from kiosk.ui.hostlink import HostLink
from kiosk.ui.screens import StartPage
from kiosk.ui.texts import tr
from kiosk.ui.window import KioskWindow
from tests.fixtures.ui import make_window, wait_screen

pytestmark = [pytest.mark.qt, pytest.mark.slow]
LEFT = Qt.MouseButton.LeftButton
HOLD = {Screen.THANK_YOU: 200, Screen.ERROR: 5000}
Real = tuple[KioskWindow, HostLink]  # a window over a session host, and the host's link


def host_link(world_root: Path, tmp: Path, timeouts: dict[str, float] | None = None,
              **faults: str) -> HostLink:
    spec = virtual_spec(world_root, tmp / "state", tmp / "run", timeouts=timeouts, **faults)
    return HostLink(lambda on_view: SessionHost(spec, on_view=on_view))


def open_kiosk(qtbot: QtBot, link: HostLink) -> KioskWindow:
    window = make_window(qtbot, link, final_hold_ms=HOLD)
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=15000)
    return window


@pytest.fixture
def real(qtbot: QtBot, fresh_world: World, tmp_path: Path) -> Iterator[Real]:
    link = host_link(fresh_world.root, tmp_path)
    yield open_kiosk(qtbot, link), link


def click(qtbot: QtBot, b) -> None:
    assert b.isVisible() and b.isEnabled()
    qtbot.mouseClick(b, LEFT)


def pin(qtbot: QtBot, window, digits: str) -> None:
    pad = window.pages[Screen.PIN].pad
    qtbot.waitUntil(pad.isEnabled)
    for d in digits:
        click(qtbot, pad.digit_buttons[int(d)])
    click(qtbot, pad.ok_button)


def test_a_customer_from_start_to_papers(qtbot: QtBot, real) -> None:
    window, link = real
    click(qtbot, window.pages[Screen.START].start)
    wait_screen(qtbot, window, Screen.PLACE_CARD)
    link.device("card_insert", persona="shiken-ichiro")
    wait_screen(qtbot, window, Screen.PIN, timeout=10000)
    assert window.vm.tries_left == 3
    pin(qtbot, window, "1234")
    wait_screen(qtbot, window, Screen.REMOVE_CARD, timeout=10000)
    link.device("card_remove")
    wait_screen(qtbot, window, Screen.CHOOSE_TYPE, timeout=10000)
    click(qtbot, window.pages[Screen.CHOOSE_TYPE].buttons["juminhyo"])
    wait_screen(qtbot, window, Screen.OPTIONS)
    click(qtbot, window.pages[Screen.OPTIONS].next)
    wait_screen(qtbot, window, Screen.COPIES)
    click(qtbot, window.pages[Screen.COPIES].more)
    click(qtbot, window.pages[Screen.COPIES].next)
    wait_screen(qtbot, window, Screen.CONFIRM)
    assert window.vm.copies == 2 and window.vm.total == 2 * window.vm.fee_per_copy
    click(qtbot, window.pages[Screen.CONFIRM].confirm)
    wait_screen(qtbot, window, Screen.PAYMENT, timeout=10000)
    link.device("coin", value=500)
    wait_screen(qtbot, window, Screen.TAKE_PAPERS, timeout=15000)
    click(qtbot, window.pages[Screen.TAKE_PAPERS].done)
    wait_screen(qtbot, window, Screen.THANK_YOU, timeout=10000)
    wait_screen(qtbot, window, Screen.START, timeout=15000)  # the warm spare's start screen
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=15000)


def test_refused_types_then_cancel_and_final_ok(qtbot: QtBot, real) -> None:
    window, link = real
    click(qtbot, window.pages[Screen.START].start)
    wait_screen(qtbot, window, Screen.PLACE_CARD)
    link.device("card_insert", persona="shiken-jiro")  # 14 years old
    wait_screen(qtbot, window, Screen.PIN, timeout=10000)
    pin(qtbot, window, "1470")
    wait_screen(qtbot, window, Screen.REMOVE_CARD, timeout=10000)
    link.device("card_remove")
    wait_screen(qtbot, window, Screen.CHOOSE_TYPE, timeout=10000)
    buttons = window.pages[Screen.CHOOSE_TYPE].buttons
    assert buttons and all(b.unavailable for b in buttons.values())
    for item in window.vm.menu:
        assert not item.available
        assert texts.error_title(item.refusal or "", "refusal") in buttons[item.type].accessibleName()
    assert any(item.refusal == "under_15" for item in window.vm.menu)
    click(qtbot, window.cancel)
    wait_screen(qtbot, window, Screen.ERROR, timeout=10000)
    qtbot.waitUntil(lambda: window.vm.final, timeout=10000)
    click(qtbot, window.pages[Screen.ERROR].ok)  # the worker is gone: the OK is the UI's
    wait_screen(qtbot, window, Screen.START, timeout=15000)
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=15000)


def to_menu(qtbot: QtBot, window, link, persona: str = "shiken-ichiro", pin_: str = "1234") -> None:
    click(qtbot, window.pages[Screen.START].start)
    wait_screen(qtbot, window, Screen.PLACE_CARD)
    link.device("card_insert", persona=persona)
    wait_screen(qtbot, window, Screen.PIN, timeout=10000)
    pin(qtbot, window, pin_)
    wait_screen(qtbot, window, Screen.REMOVE_CARD, timeout=10000)
    link.device("card_remove")
    wait_screen(qtbot, window, Screen.CHOOSE_TYPE, timeout=10000)


def to_payment(qtbot: QtBot, window, cert: str = "inkan") -> None:
    click(qtbot, window.pages[Screen.CHOOSE_TYPE].buttons[cert])
    wait_screen(qtbot, window, Screen.COPIES)
    click(qtbot, window.pages[Screen.COPIES].next)
    wait_screen(qtbot, window, Screen.CONFIRM)
    click(qtbot, window.pages[Screen.CONFIRM].confirm)


def test_wrong_pin_shows_tries_then_goes_on(qtbot: QtBot, real) -> None:
    window, link = real
    click(qtbot, window.pages[Screen.START].start)
    wait_screen(qtbot, window, Screen.PLACE_CARD)
    link.device("card_insert", persona="shiken-hanako")
    wait_screen(qtbot, window, Screen.PIN, timeout=10000)
    pin(qtbot, window, "0000")
    qtbot.waitUntil(lambda: window.vm.tries_left == 2, timeout=10000)
    page = window.pages[Screen.PIN]
    assert page.warning.text() == tr(texts.WRONG_PIN) and page.pad.buffer_is_clear()
    pin(qtbot, window, "2580")
    wait_screen(qtbot, window, Screen.REMOVE_CARD, timeout=10000)


def test_cancel_in_payment_refunds(qtbot: QtBot, real) -> None:
    window, link = real
    to_menu(qtbot, window, link)
    to_payment(qtbot, window)
    wait_screen(qtbot, window, Screen.PAYMENT, timeout=10000)
    link.device("coin", value=100)
    qtbot.waitUntil(lambda: window.vm.inserted == 100, timeout=10000)
    click(qtbot, window.cancel)
    qtbot.waitUntil(lambda: window.vm.screen is Screen.ERROR and window.vm.final, timeout=10000)
    assert window.vm.error is not None and window.vm.error.refunded == 100
    assert window.pages[Screen.ERROR].money.text() == "¥100 has been returned. Please take it."


def test_printer_out_of_paper_before_payment(qtbot: QtBot, fresh_world: World, tmp_path: Path) -> None:
    link = host_link(fresh_world.root, tmp_path, printer_fault="media-empty")
    window = open_kiosk(qtbot, link)
    to_menu(qtbot, window, link)
    to_payment(qtbot, window)
    wait_screen(qtbot, window, Screen.ERROR, timeout=10000)
    assert window.pages[Screen.ERROR].title.text() == "The printer is out of paper"
    assert window.vm.error is not None and window.vm.error.refunded == 0


def test_need_more_time_then_timeout(qtbot: QtBot, fresh_world: World, tmp_path: Path) -> None:
    link = host_link(fresh_world.root, tmp_path,
                     timeouts={"place_card": 2.5, "warn_before": 2.0})
    window = open_kiosk(qtbot, link)
    start = window.pages[Screen.START]
    assert isinstance(start, StartPage)
    click(qtbot, start.start)
    wait_screen(qtbot, window, Screen.PLACE_CARD)
    qtbot.waitUntil(window.overlay.isVisible, timeout=5000)
    click(qtbot, window.overlay.yes)
    qtbot.waitUntil(lambda: not window.overlay.isVisible(), timeout=5000)
    qtbot.waitUntil(window.overlay.isVisible, timeout=5000)
    wait_screen(qtbot, window, Screen.ERROR, timeout=10000)
    assert window.vm.error is not None and window.vm.error.kind == "timeout"
    assert window.pages[Screen.ERROR].title.text() == tr(texts.ERROR_CODES["timeout"])
