"""The UI over the real session engine (worker processes, simulated devices)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.session.host import SessionHost, sim_spec
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import texts
from kiosk.ui.hostlink import HostLink
from kiosk.ui.texts import tr
from tests.kiosk.ui.conftest import make_window, wait_screen

pytestmark = [pytest.mark.qt, pytest.mark.slow]
LEFT = Qt.MouseButton.LeftButton
HOLD = {Screen.THANK_YOU: 200, Screen.ERROR: 5000}


def host_link(world_root: Path, tmp: Path, **sim) -> HostLink:  # type: ignore[no-untyped-def]
    spec = sim_spec(world_root, tmp / "state", tmp / "run", **sim)
    return HostLink(lambda on_view: SessionHost(spec, on_view=on_view))


@pytest.fixture
def real(qtbot, fresh_world, tmp_path) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    link = host_link(fresh_world.root, tmp_path)
    window = make_window(qtbot, link, final_hold_ms=HOLD)
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=15000)
    yield window, link


def click(qtbot, b) -> None:  # type: ignore[no-untyped-def]
    assert b.isVisible() and b.isEnabled()
    qtbot.mouseClick(b, LEFT)


def pin(qtbot, window, digits: str) -> None:  # type: ignore[no-untyped-def]
    pad = window.pages[Screen.PIN].pad
    qtbot.waitUntil(pad.isEnabled)
    for d in digits:
        click(qtbot, pad.digit_buttons[int(d)])
    click(qtbot, pad.ok_button)


def test_a_customer_from_start_to_papers(qtbot, real) -> None:  # type: ignore[no-untyped-def]
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


def test_refused_types_then_cancel_and_final_ok(qtbot, real) -> None:  # type: ignore[no-untyped-def]
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
    assert buttons and not any(b.isEnabled() for b in buttons.values())
    assert all(tr(texts.ERROR_CODES["under_15"]) in b.accessibleName() for b in buttons.values())
    click(qtbot, window.cancel)
    wait_screen(qtbot, window, Screen.ERROR, timeout=10000)
    qtbot.waitUntil(lambda: window.vm.final, timeout=10000)
    click(qtbot, window.pages[Screen.ERROR].ok)  # the worker is gone: the OK is the UI's
    wait_screen(qtbot, window, Screen.START, timeout=15000)
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=15000)
