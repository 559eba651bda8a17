"""Diagnostic mode from the kiosk in service (pytest-qt, offscreen): ``kiosk_for`` on a
terminal's configuration whose cash device is the kiosk's own drivers on the emulators'
ptys, which a process opens exclusively. The hidden gesture pauses the session host (no
worker holds the ports), diagnostic mode's probes use the devices, leaving it serves
again; a terminal the technician leaves out of service stays so."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from hardware_mocks.session.specs import virtual_spec
from hardware_mocks.world import World
from kiosk import config as kiosk_config
from kiosk.diag.checks import CheckResult
from kiosk.diag.ports import SessionGate
from kiosk.diag.selftest import SelfTestReport
from kiosk.diag.service import DiagService, left_out_of_service
from kiosk.process.host import MAINTENANCE, TECHNICIAN_OUT_OF_SERVICE, SessionHost
from kiosk.session.journal import Journal, Rec
from kiosk.session.viewmodel import IntentKind, Screen
from kiosk.ui import production, screens
from kiosk.ui.diag_window import DiagWindow
from kiosk.ui.gesture import TAPS
from kiosk.ui.hostlink import HostLink
from kiosk.ui.maintenance import Maintenance
from kiosk.ui.window import KioskWindow
from tests.fixtures.diag import CashTerminal, Rig, make_rig
from tests.fixtures.processes import gone
from tests.fixtures.ui import make_window

pytestmark = [pytest.mark.qt, pytest.mark.slow]
WAIT_MS = 60_000  # two cores shared by many; nothing asserts on time
LEFT = Qt.MouseButton.LeftButton


def gesture(qtbot: QtBot, window: KioskWindow, screen: Screen) -> None:
    page = window.pages[screen]
    assert isinstance(page, (screens.StartPage, screens.OutOfServicePage))
    qtbot.waitUntil(page.corner.isVisible, timeout=WAIT_MS)
    for _ in range(TAPS):
        qtbot.mouseClick(page.corner, LEFT, pos=QPoint(5, 5))


def open_diag(qtbot: QtBot, window: KioskWindow, m: Maintenance,
              screen: Screen = Screen.START) -> DiagWindow:
    with qtbot.waitSignal(m.opened, timeout=WAIT_MS) as opened:
        gesture(qtbot, window, screen)
    diag = opened.args[0] if opened.args else None
    assert isinstance(diag, DiagWindow)
    return diag


def type_code(diag: DiagWindow, code: str) -> None:
    for digit in code:
        diag.code_page.keys[digit].click()
    diag.code_page.keys["ok"].click()


def run(qtbot: QtBot, diag: DiagWindow, start: Any, name: str) -> Any:
    with qtbot.waitSignal(diag.task_done, timeout=WAIT_MS,
                          check_params_cb=lambda n, _r: n == name) as done:
        start()
    return done.args[1] if done.args else None


def leave(qtbot: QtBot, m: Maintenance, close: Any) -> bool:
    with qtbot.waitSignal(m.left, timeout=WAIT_MS) as left:
        close()
    return bool(left.args and left.args[0])


def serving(window: KioskWindow, host: SessionHost) -> bool:
    return (window.vm.screen is Screen.START and IntentKind.START in window.vm.allowed
            and host.worker_pid is not None)


def paused(host: SessionHost) -> str | None:
    """``host.paused`` read anew (after one assert mypy would take it for fixed)."""
    return host.paused


def worker_of(host: SessionHost) -> int | None:
    """``host.worker_pid`` read anew, likewise."""
    return host.worker_pid


def payment_result(report: SelfTestReport) -> CheckResult:
    return next(r for r in report.results if r.name == "payment.self_test")


class NoSession:
    """A gate for the control check made beside the serving host: no session, nothing to do."""

    def session_open(self) -> bool:
        return False

    def end_and_wipe(self) -> None:
        raise AssertionError("no session to end")

    def clear_alarm(self) -> None:
        raise AssertionError("no alarm to clear")


def test_the_gesture_pauses_the_host_for_the_devices_and_leaving_serves_again(
        qtbot: QtBot, cash_terminal: CashTerminal) -> None:
    window = production.kiosk_for(str(cash_terminal.config), windowed=True)
    qtbot.addWidget(window, before_close_func=lambda w: w.bridge.close())
    m = window.findChild(Maintenance)
    assert isinstance(m, Maintenance)
    qtbot.waitUntil(lambda: m.link.started.is_set() and serving(window, m.link.host),
                    timeout=WAIT_MS)
    host: SessionHost = m.link.host
    worker = host.worker_pid
    assert worker is not None
    # the control: beside the serving worker, which holds the ports, the cash device fails
    cfg = kiosk_config.load(str(cash_terminal.config))
    beside, release = production.diag_service(cfg, NoSession())
    try:
        assert payment_result(beside.self_test(trigger="cli")).code == "port_unavailable"
    finally:
        release()

    diag = open_diag(qtbot, window, m)
    assert window.vm.screen is Screen.OUT_OF_SERVICE
    assert window.vm.error is not None and window.vm.error.code == MAINTENANCE
    assert paused(host) == MAINTENANCE and worker_of(host) is None and host.spare_pid is None
    assert gone(worker)
    type_code(diag, pyotp.TOTP(cash_terminal.secret).now())
    assert diag.stack.currentWidget() is diag.main_page and diag.service.active
    result = run(qtbot, diag, lambda: diag.run_test("payment.self_test"), "payment.self_test")
    assert isinstance(result, CheckResult) and result.ok, result
    assert leave(qtbot, m, diag.main_page.actions["exit"].click)
    qtbot.waitUntil(lambda: serving(window, host), timeout=WAIT_MS)
    again = worker_of(host)
    assert again not in (None, worker) and paused(host) is None

    # again, without a code (the self-test needs none): the devices were closed on leaving
    # and the new worker let go of them on the second pause
    diag = open_diag(qtbot, window, m)
    report = run(qtbot, diag, diag.run_self_test, "selftest")
    assert isinstance(report, SelfTestReport) and payment_result(report).ok
    assert leave(qtbot, m, diag.code_page.back.click)
    qtbot.waitUntil(lambda: serving(window, host), timeout=WAIT_MS)


@dataclass
class Served:
    window: KioskWindow
    maintenance: Maintenance
    rig: Rig


@pytest.fixture
def served(qtbot: QtBot, fresh_world: World, tmp_path: Path) -> Iterator[Served]:
    """The window over a session host (virtual devices); diagnostic mode over the diag
    rig's scripted devices, given the maintenance's own gate."""
    spec = virtual_spec(fresh_world.root, tmp_path / "state", tmp_path / "run")
    link = HostLink(lambda on_view: SessionHost(spec, on_view=on_view))
    window = make_window(qtbot, link)
    qtbot.waitUntil(lambda: IntentKind.START in window.vm.allowed, timeout=WAIT_MS)
    (tmp_path / "diag").mkdir()
    rig = make_rig(tmp_path / "diag")
    def make_service(gate: SessionGate) -> tuple[DiagService, Any]:
        rig.service.gate = gate  # the host's gate, not the rig's scripted one
        return rig.service, lambda: None

    m = Maintenance(window, link, tmp_path / "state" / "journal.jsonl", make_service)
    yield Served(window, m, rig)


def test_left_out_of_service_it_stays_so_and_the_gesture_there_brings_it_back(
        qtbot: QtBot, served: Served, tmp_path: Path) -> None:
    window, m, rig = served.window, served.maintenance, served.rig
    diag = open_diag(qtbot, window, m)
    type_code(diag, rig.code())
    assert diag.service.active
    run(qtbot, diag, diag.main_page.actions["service"].click, "service")
    assert not left_out_of_service(tmp_path / "state")  # the rig keeps its mode elsewhere
    assert left_out_of_service(rig.service.paths.state_dir)
    assert not leave(qtbot, m, diag.main_page.actions["exit"].click)
    host: SessionHost = m.link.host
    qtbot.waitUntil(lambda: window.vm.error is not None
                    and window.vm.error.code == TECHNICIAN_OUT_OF_SERVICE, timeout=WAIT_MS)
    assert paused(host) == TECHNICIAN_OUT_OF_SERVICE and host.worker_pid is None

    diag = open_diag(qtbot, window, m, Screen.OUT_OF_SERVICE)
    rig.clock.advance(30)  # the next code: each works once
    type_code(diag, rig.code())
    assert diag.service.active
    run(qtbot, diag, diag.main_page.actions["service"].click, "service")
    assert leave(qtbot, m, diag.main_page.actions["exit"].click)
    qtbot.waitUntil(lambda: serving(window, host), timeout=WAIT_MS)


def test_an_alarm_is_cleared_through_the_paused_host_which_serves_only_after(
        qtbot: QtBot, served: Served, tmp_path: Path) -> None:
    window, m, rig = served.window, served.maintenance, served.rig
    diag = open_diag(qtbot, window, m)
    journal = Journal(tmp_path / "state" / "journal.jsonl")
    journal.append("terminal", Rec.ALARM, code="integrity")  # what a session could raise
    type_code(diag, rig.code())
    run(qtbot, diag, diag.main_page.actions["clear_alarm"].click, "clear_alarm")
    assert journal.alarm_raised() is None
    host: SessionHost = m.link.host
    assert paused(host) == MAINTENANCE and worker_of(host) is None  # not while diag is open
    assert leave(qtbot, m, diag.main_page.actions["exit"].click)
    qtbot.waitUntil(lambda: serving(window, host), timeout=WAIT_MS)
