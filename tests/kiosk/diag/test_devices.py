"""Each device test with a healthy and a faulty device, and the technician's actions."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.diag.checks import Status
from kiosk.diag.ports import RelayStatus
from protocol.clock import JST
from tests.fixtures.diag import Rig


@pytest.fixture
def inside(rig: Rig) -> Rig:
    rig.enter()
    return rig


def test_card_reader_list(inside: Rig) -> None:
    ok = inside.service.run_test("card.readers")
    assert ok.status is Status.OK and ok.details["usable"] == 1
    inside.card.names = [("Virtual PCD 00 00", False)]
    assert inside.service.run_test("card.readers").code == "reader_refused"
    inside.card.names = []
    assert inside.service.run_test("card.readers").code == "no_reader"
    inside.card.fault = "pcscd_down"
    assert inside.service.run_test("card.readers").code == "reader_gone"


def test_card_read(inside: Rig) -> None:
    ok = inside.service.run_test("card.read")
    assert ok.status is Status.OK and ok.details == {"tries_left": 3}
    inside.card.fault = "card_removed"
    bad = inside.service.run_test("card.read")
    assert bad.status is Status.FAULT and bad.code == "card_removed"


@pytest.mark.parametrize(
    ("state", "reasons", "status", "code"),
    [
        ("idle", (), Status.OK, ""),
        ("idle", ("media-low-warning",), Status.WARNING, "media-low-warning"),
        ("stopped", ("media-empty-error",), Status.FAULT, "media-empty-error"),
        ("stopped", ("media-jam-error",), Status.FAULT, "media-jam-error"),
        ("idle", ("offline-report",), Status.FAULT, "offline-report"),
        ("stopped", (), Status.FAULT, "printer_stopped"),
    ],
)
def test_printer_state(inside: Rig, state: str, reasons: tuple[str, ...], status: Status,
                       code: str) -> None:
    inside.printer.state, inside.printer.reasons = state, reasons
    result = inside.service.run_test("printer.state")
    assert (result.status, result.code) == (status, code)
    assert result.details["supply.paper"] == 80


def test_printer_low_supply_is_a_warning(inside: Rig) -> None:
    inside.printer.supplies["toner"] = 5
    result = inside.service.run_test("printer.state")
    assert (result.status, result.code) == (Status.WARNING, "toner-low")


def test_printer_test_page(inside: Rig) -> None:
    assert inside.service.run_test("printer.test_page").details == {"job": "job-1"}
    inside.printer.reasons = ("media-jam-error",)
    assert inside.service.run_test("printer.test_page").code == "print_failed"


def test_clear_printer_fault(inside: Rig) -> None:
    inside.printer.state, inside.printer.reasons = "stopped", ("paused",)
    assert inside.service.run_test("printer.state").status is Status.FAULT
    after = inside.service.clear_printer_fault()
    assert after.status is Status.OK and inside.printer.cleared == 1


def test_payment_self_test_and_levels(inside: Rig) -> None:
    assert inside.service.run_test("payment.self_test").status is Status.OK
    assert inside.service.run_test("payment.levels").details["total"] == 500 * 10 + 3000 + 1000 + 500
    inside.payment.fault = "payment_fault"
    assert inside.service.run_test("payment.self_test").code == "payment_fault"
    inside.payment.coins = {500: 0, 100: 0, 50: 0, 10: 3}
    low = inside.service.run_test("payment.levels")
    assert (low.status, low.code) == (Status.WARNING, "change_low")


def test_empty_and_refill_change(inside: Rig) -> None:
    paid = inside.service.empty_change()
    assert paid == 9500 and inside.payment.coins[500] == 0
    inside.service.refill_change({100: 50, 10: 100})
    assert inside.payment.coins[100] == 50
    steps = [(r["event"], r.get("step"), r.get("amount")) for r in inside.service.audit.records()
             if r["event"].startswith("diag.action")]
    assert steps == [("diag.action", "empty_change", None),
                     ("diag.action.done", "empty_change", 9500),
                     ("diag.action", "refill_change", 6000)]


def test_a_payout_in_flight_is_settled_with_the_count_staff_enter(inside: Rig) -> None:
    from kiosk.payment.port import InvalidAmount

    inside.payment.in_flight = {100: 3}
    assert inside.service.payouts_in_flight() == {100: 3}
    with pytest.raises(ValueError):
        inside.service.resolve_payout(7, 1)  # not a coin
    with pytest.raises(ValueError):
        inside.service.resolve_payout(100, -1)
    with pytest.raises(InvalidAmount):
        inside.service.resolve_payout(100, 4)  # more than it asked: the device refuses
    inside.service.resolve_payout(100, 2)
    assert inside.payment.resolved == {100: 2} and inside.service.payouts_in_flight() == {}
    steps = [(r.get("step"), r.get("denomination"), r.get("count")) for r in inside.service.audit.records()
             if r["event"] == "diag.action"]
    assert steps == [("resolve_payout", 100, 4), ("resolve_payout", 100, 2)]  # audited, refused or not


@pytest.mark.parametrize(
    ("status", "expected", "code"),
    [
        (RelayStatus(False, code="connection_refused"), Status.FAULT, "connection_refused"),
        (RelayStatus(True, tls_ok=False, code="tls_handshake_failed"), Status.FAULT,
         "tls_handshake_failed"),
        (RelayStatus(True, True, False, code="incompatible_relay"), Status.FAULT,
         "incompatible_relay"),
        (RelayStatus(True, True, True,
                     server_not_after=dt.datetime(2026, 12, 10, tzinfo=JST)),
         Status.WARNING, "server_cert_expiring"),
        (RelayStatus(True, True, True,
                     client_not_after=dt.datetime(2026, 11, 1, tzinfo=JST)),
         Status.FAULT, "client_cert_expired"),
    ],
)
def test_relay_faults(inside: Rig, status: RelayStatus, expected: Status, code: str) -> None:
    inside.relay.status = status
    result = inside.service.run_test("relay")
    assert (result.status, result.code) == (expected, code)


def test_relay_healthy_shows_dates(inside: Rig) -> None:
    result = inside.service.run_test("relay")
    assert result.status is Status.OK
    assert result.details["server_cert.not_after"] == "2027-11-01"
    assert result.details["version"] == "1.0"


def test_every_test_is_audited(inside: Rig) -> None:
    inside.printer.reasons = ("media-empty-error",)
    inside.service.run_test("printer.state")
    rec = inside.service.audit.records()[-1]
    assert (rec["event"], rec["step"], rec["ok"], rec["code"]) == (
        "diag.test", "printer.state", False, "media-empty-error")


def test_out_of_and_back_into_service(inside: Rig) -> None:
    assert inside.service.in_service()
    inside.service.set_in_service(False)
    inside.service.exit()
    assert not inside.service.in_service() and inside.modes[-1] == "out_of_service"
    inside.clock.advance(30)  # a fresh code: the first one cannot be used twice
    inside.enter()
    inside.service.set_in_service(True)
    assert inside.service.in_service()


def test_unconfigured_device(inside: Rig) -> None:
    inside.service.devices.printer = None
    assert inside.service.run_test("printer.state").code == "not_configured"


def test_integrity_alarm_keeps_the_terminal_out_until_cleared(inside: Rig) -> None:
    from kiosk.diag.adapters import JournalGate
    from kiosk.session.journal import Journal, Rec

    journal = inside.service.paths.journal
    assert journal is not None
    Journal(journal).append("s9", Rec.OPENED)
    Journal(journal).append("s9", Rec.ALARM, code="integrity")
    Journal(journal).append("s9", Rec.CLOSED, code="integrity")
    result = inside.service.run_test("journal")
    assert (result.status, result.code) == (Status.FAULT, "alarm_integrity")
    assert not inside.service.self_test().can_serve
    inside.service.gate = JournalGate(journal)
    after = inside.service.clear_alarm()
    assert after.status is Status.OK and Journal(journal).alarm_raised() is None
    assert inside.service.audit.records()[-1]["step"] == "clear_alarm"
    assert inside.service.counters().faults == {"integrity": 1}  # one incident, counted once


def test_a_session_recovery_did_not_settle_is_a_fault(inside: Rig) -> None:
    from kiosk.session.journal import Journal, Rec

    journal = inside.service.paths.journal
    assert journal is not None
    Journal(journal).append("s7", Rec.OPENED)
    result = inside.service.run_test("journal")
    assert (result.status, result.code) == (Status.FAULT, "unrecovered_session")
    assert result.details == {"open_sessions": 1, "unreported_outcomes": 0}
    Journal(journal).append("s7", Rec.CLOSED, code="cancelled")
    assert inside.service.run_test("journal").status is Status.OK


def test_outcomes_the_relay_has_not_acknowledged_are_counted(inside: Rig) -> None:
    from kiosk.session.journal import Journal, Rec

    journal = inside.service.paths.journal
    assert journal is not None
    for request in ("r1", "r2"):
        Journal(journal).append("s7", Rec.OUTCOME_DUE, request=request, code="printed",
                                copies=1, amount=200)
    Journal(journal).append("outbox", Rec.OUTCOME_SENT, request="r1")
    assert inside.service.run_test("journal").details["unreported_outcomes"] == 1


@pytest.mark.parametrize("levels", [{"500": 1}, {1000: 1}, {100: -1}, {100: 1.5}])
def test_refill_refuses_what_is_not_coins(inside: Rig, levels: dict[object, object]) -> None:
    with pytest.raises(ValueError):
        inside.service.refill_change(levels)  # type: ignore[arg-type]  # not coins: the refusal is the test
    assert inside.payment.coins[100] == 30


def test_journal_check_skips_torn_and_foreign_lines(inside: Rig) -> None:
    journal = inside.service.paths.journal
    assert journal is not None
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b'{"session": "s8", "rec": "opened"}\n[1]\n\xff\xfe\n'
                        b'{"session": "s8", "rec": "closed"}\n{"session": "s9", "rec": "op')
    result = inside.service.run_test("journal")
    assert (result.status, result.details) == (
        Status.OK, {"open_sessions": 0, "unreported_outcomes": 0})
