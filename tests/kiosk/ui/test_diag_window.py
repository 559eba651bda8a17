"""Diagnostic mode on the touchscreen (pytest-qt, offscreen), over scripted devices."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from kiosk.diag.auth import MAX_FAILURES
from kiosk.ui.diag_window import DiagWindow, open_diagnostics
from tests.fixtures.diag import Rig

pytestmark = pytest.mark.qt


def type_code(qtbot: QtBot, window: DiagWindow, code: str) -> None:
    page = window.code_page
    for digit in code:
        page.keys[digit].click()
    assert page.display.text() == "●" * len(code) + "○" * (6 - len(code))
    page.keys["ok"].click()


def events(r: Rig) -> list[str]:
    return [rec["event"] for rec in r.service.audit.records()]


@pytest.fixture
def window(qtbot: QtBot, rig: Rig) -> DiagWindow:
    w = open_diagnostics(None, rig.service)
    qtbot.addWidget(w)
    return w


@pytest.fixture
def inside(qtbot: QtBot, window: DiagWindow, rig: Rig) -> DiagWindow:
    type_code(qtbot, window, rig.code())
    assert window.stack.currentWidget() is window.main_page
    return window


def test_code_entry_opens_the_tests(qtbot: QtBot, inside: DiagWindow, rig: Rig) -> None:
    assert rig.service.active
    assert inside.main_page.mode.text() == "運用中"
    assert '"sessions": 0' in inside.main_page.counters.toPlainText()
    assert events(rig) == ["diag.auth.accepted", "diag.enter"]


def test_wrong_codes_then_lockout(qtbot: QtBot, window: DiagWindow, rig: Rig) -> None:
    type_code(qtbot, window, "123450" if rig.code() != "123450" else "123451")
    assert window.code_page.message.text() == f"コードが違います。残り {MAX_FAILURES - 1} 回"
    for _ in range(MAX_FAILURES - 1):
        type_code(qtbot, window, "000001" if rig.code() != "000001" else "000002")
    assert window.code_page.message.text().startswith("ロック中")
    assert not window.code_page.keys["1"].isEnabled()
    assert window.stack.currentWidget() is window.code_page and not rig.service.active
    assert events(rig).count("diag.auth.failed") == MAX_FAILURES


def test_opening_beside_a_customer_session_wipes_it_first(qtbot: QtBot, rig: Rig) -> None:
    rig.gate.open = True
    w = open_diagnostics(None, rig.service)
    qtbot.addWidget(w)
    assert rig.gate.wiped == 1 and events(rig) == ["diag.session_wiped"]


def _healthy(r: Rig) -> None:
    pass


def _session_left_open(r: Rig) -> None:
    journal = r.service.paths.journal
    assert journal is not None  # make_rig gives the service a journal
    journal.write_text('{"t": 1, "session": "s", "rec": "opened"}\n')


FAULTS: dict[str, Callable[[Rig], object]] = {
    "card.readers": lambda r: setattr(r.card, "names", []),
    "card.read": lambda r: setattr(r.card, "fault", "card_removed"),
    "printer.state": lambda r: setattr(r.printer, "reasons", ("media-jam-error",)),
    "printer.test_page": lambda r: setattr(r.printer, "reasons", ("media-empty-error",)),
    "payment.self_test": lambda r: setattr(r.payment, "fault", "jam"),
    "relay": lambda r: setattr(r.relay, "status", type(r.relay.status)(False, code="connection_refused")),
    "residue": lambda r: (r.service.paths.residue.spool_dir / "d00001-001").write_bytes(b"x"),
    "journal": _session_left_open,
}


@pytest.mark.parametrize("name", sorted(FAULTS))
@pytest.mark.parametrize("healthy", [True, False], ids=["healthy", "faulty"])
def test_each_device_test(qtbot: QtBot, inside: DiagWindow, rig: Rig, name: str,
                          healthy: bool) -> None:
    (_healthy if healthy else FAULTS[name])(rig)
    with qtbot.waitSignal(inside.task_done, timeout=5000) as done:
        inside.main_page.test_buttons[name].click()
    assert done.args[0] == name
    text = inside.main_page.results[name].text()
    # healthy: OK, or a warning (the test spool is not on tmpfs); faulty: a fault
    assert text.startswith("異常") is not healthy, text
    assert events(rig)[-1] == "diag.test"


def test_full_self_test(qtbot: QtBot, inside: DiagWindow, rig: Rig) -> None:
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        inside.main_page.actions["selftest"].click()
    assert inside.main_page.status.text() == "運用可能"
    rig.printer.reasons = ("media-empty-error",)
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        inside.main_page.actions["selftest"].click()
    assert inside.main_page.status.text() == "運用不可: printer.state:media-empty-error"
    assert inside.main_page.results["printer.state"].text().startswith("異常")


def test_actions(qtbot: QtBot, inside: DiagWindow, rig: Rig) -> None:
    acts = inside.main_page.actions
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        acts["service"].click()
    assert inside.main_page.mode.text() == "運用停止中" and not rig.service.in_service()
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        acts["empty"].click()
    assert inside.main_page.status.text() == "回収: 9500 円"
    acts["refill"].click()
    page = inside.refill_page
    assert inside.stack.currentWidget() is page
    page.buttons["diag-refill-100-plus"].click()
    page.buttons["diag-refill-10-minus"].click()
    assert page.count_labels[100].text() == "40 枚" and page.total.text() == "合計 10400 円"
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        page.ok.click()
    assert inside.stack.currentWidget() is inside.main_page
    assert rig.payment.coins == {500: 10, 100: 40, 50: 20, 10: 40}
    rig.printer.state, rig.printer.reasons = "stopped", ("paused",)
    with qtbot.waitSignal(inside.task_done, timeout=5000) as done:
        acts["clear_printer"].click()
    assert done.args[1].ok and rig.printer.cleared == 1
    with qtbot.waitSignal(inside.task_done, timeout=5000) as done:
        acts["export"].click()
    assert done.args[1].path.exists()
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        acts["serviced"].click()
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        acts["clear_alarm"].click()
    assert rig.gate.alarms_cleared == 1
    steps = [r.get("step") for r in rig.service.audit.records() if r["event"] == "diag.action"]
    assert steps == ["out_of_service", "empty_change", "refill_change", "clear_printer_fault",
                     "mark_serviced", "clear_alarm"]


@pytest.mark.parametrize(("code", "remedy"), [
    ("kiosk_suspended", "relay kiosk activate"),
    ("kiosk_retired", "relay kiosk add"),  # activate refuses a retired kiosk: a new id is registered
    ("kiosk_unknown", "relay kiosk renew"),
])
def test_a_terminal_the_register_refuses_is_explained_to_the_technician(
        qtbot: QtBot, inside: DiagWindow, code: str, remedy: str) -> None:
    from kiosk.diag.checks import CheckResult, Status
    from kiosk.ui.diag_window import REASONS

    inside._show_result("relay", CheckResult("relay", Status.FAULT, code, {"reachable": True}))
    text = inside.main_page.results["relay"].text()
    assert text.startswith(f"異常 ({code}) ") and REASONS[code] in text and remedy in text


def test_a_failing_action_is_shown_by_its_code(qtbot: QtBot, inside: DiagWindow, rig: Rig) -> None:
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        inside.main_page.actions["export"].click()
    assert inside.main_page.status.text().startswith("出力しました")
    rig.service.paths.usb_dir = rig.tmp / "no-stick"
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        inside.main_page.actions["export"].click()
    assert inside.main_page.status.text() == "失敗: usb_not_available"


def test_exit_leaves_diagnostic_mode(qtbot: QtBot, inside: DiagWindow, rig: Rig) -> None:
    with qtbot.waitSignal(inside.finished, timeout=5000):
        inside.main_page.actions["exit"].click()
    assert not rig.service.active and events(rig)[-1] == "diag.exit"


def test_left_alone_it_closes_itself(qtbot: QtBot, rig: Rig) -> None:
    w = open_diagnostics(None, rig.service, idle_ms=50)
    qtbot.addWidget(w)
    type_code(qtbot, w, rig.code())
    with qtbot.waitSignal(w.finished, timeout=5000):
        pass
    assert not rig.service.active and events(rig)[-1] == "diag.exit"


def test_closing_during_a_test_waits_for_it(qtbot: QtBot, inside: DiagWindow, rig: Rig,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    release = threading.Event()

    def self_test() -> None:
        release.wait(5)

    monkeypatch.setattr(rig.payment, "self_test", self_test)
    inside.main_page.test_buttons["payment.self_test"].click()
    inside.close()  # refused for now: the GUI thread must not block on the device
    assert inside.isVisible() and rig.service.active
    with qtbot.waitSignal(inside.finished, timeout=5000):
        release.set()
    assert not rig.active() and events(rig)[-1] == "diag.exit"


def test_entry_beside_a_customer_session(qtbot: QtBot, window: DiagWindow, rig: Rig) -> None:
    rig.gate.open = True  # a customer started after the window opened
    type_code(qtbot, window, rig.code())
    assert window.stack.currentWidget() is window.code_page and rig.gate.wiped == 1
    assert window.code_page.message.text().startswith("お客様の取引を終了しました")


def test_a_payout_in_flight_is_settled_on_the_touchscreen(qtbot: QtBot, inside: DiagWindow, rig: Rig) -> None:
    """The device is asked only when the technician asks; the count starts at none, goes
    no higher than the coins asked, and is audited as entered."""
    payout = inside.main_page.actions["payout"]
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        payout.click()
    assert inside.stack.currentWidget() is inside.main_page
    assert inside.main_page.status.text() == "払出し未確定はありません"
    rig.payment.in_flight = {100: 3}
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        payout.click()
    page = inside.payout_page
    assert inside.stack.currentWidget() is page and page.count.text() == "0 枚"
    for _ in range(5):
        page.buttons["diag-payout-plus"].click()
    page.buttons["diag-payout-minus"].click()
    assert page.count.text() == "2 枚"  # up to 3, then one back
    with qtbot.waitSignal(inside.task_done, timeout=5000):
        page.ok.click()
    assert inside.stack.currentWidget() is inside.main_page
    assert rig.payment.resolved == {100: 2} and inside.main_page.status.text() == "完了"
    steps = [(r.get("step"), r.get("denomination"), r.get("count")) for r in rig.service.audit.records()
             if r["event"] == "diag.action"]
    assert steps == [("resolve_payout", 100, 2)]
