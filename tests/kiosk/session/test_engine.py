"""The engine in-process over the port fakes, with a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NoReturn

import pytest

from hardware_mocks.session.fakes import FakePrinter, FakeReader, FakeRelay
from hardware_mocks.world import World
from kiosk.session.viewmodel import Intent, Screen
from kiosk.session.viewmodel import IntentKind as K
from tests.fixtures.session import Harness, drive_to, finish, step


def run_happy(h: Harness, **kw: Any) -> None:
    for _ in range(100):
        if h.engine.finished:
            return
        step(h, "canary", b"7391", **kw)
    raise AssertionError(h.state)


def test_happy_path_prints_charges_gives_change_and_closes_the_intent(
        harness: Callable[..., Harness]) -> None:
    h = harness()
    run_happy(h, copies=2, pay=1000)
    o = h.engine.outcome
    assert (o.result, o.paid, o.charged, o.change, o.refunded, o.copies_printed) == (
        "printed", 1000, 400, 600, 0, 2)
    assert h.vm.final and h.vm.screen == Screen.THANK_YOU
    assert h.journal.open_sessions() == []
    assert isinstance(h.devices.printer, FakePrinter)
    assert len(h.devices.printer.printed) == 2
    screens = [v.screen for v in h.views]
    assert screens.index(Screen.REMOVE_CARD) < screens.index(Screen.CHOOSE_TYPE)


def test_flow_does_not_go_on_while_the_card_is_in(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "remove_card")
    h.clock.advance(30)
    for _ in range(5):
        h.engine.tick()
    assert h.state == "remove_card"
    h.engine.intent(Intent(K.CHOOSE_TYPE, "juminhyo"))  # not allowed here: ignored
    assert h.state == "remove_card"
    assert isinstance(h.devices.reader, FakeReader)
    h.devices.reader.remove()
    h.engine.tick()
    assert h.state == "choose_type"


def test_card_left_in_the_reader_times_out_into_the_wipe(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "remove_card")
    h.clock.advance(61)
    h.engine.tick()
    finish(h)
    assert h.vm.error is not None and h.vm.error.code == "timeout"


def test_wrong_pin_shows_tries_left_warns_before_the_last_and_never_retries(
        harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "pin")
    assert h.vm.tries_left == 3 and not h.vm.last_try
    h.engine.intent(Intent(K.PIN_SUBMITTED), pin=bytearray(b"0000"))
    h.settle()
    assert h.state == "pin" and h.vm.tries_left == 2
    h.engine.intent(Intent(K.PIN_SUBMITTED), pin=bytearray(b"0001"))
    h.settle()
    assert h.state == "pin" and h.vm.tries_left == 1 and h.vm.last_try
    pin = bytearray(b"7391")
    h.engine.intent(Intent(K.PIN_SUBMITTED), pin=pin)
    h.settle()
    assert pin == bytearray(4)  # zeroed right after VERIFY
    assert h.state == "remove_card"


def test_third_wrong_pin_locks_and_explains(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "pin")
    for p in (b"0000", b"0001", b"0002"):
        h.engine.intent(Intent(K.PIN_SUBMITTED), pin=bytearray(p))
        h.settle()
    finish(h)
    assert h.vm.error is not None
    assert (h.vm.error.code, h.vm.error.next_step) == ("pin_locked", "visit_office")


def test_locked_card_is_refused_before_any_verify(harness: Callable[..., Harness], fresh_world: World) -> None:
    path = fresh_world.card_path("mihon-shiro")
    data = json.loads(path.read_text(encoding="utf-8"))
    h = harness()
    drive_to(h, "reading_card", persona="mihon-shiro")
    h.settle()
    finish(h)
    assert h.vm.error is not None and h.vm.error.code == "pin_locked"
    assert json.loads(path.read_text(encoding="utf-8"))["auth"]["tries_left"] == \
        data["auth"]["tries_left"]


def test_malformed_pin_is_not_sent_to_the_card(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "pin")
    pin = bytearray(b"73a")
    h.engine.intent(Intent(K.PIN_SUBMITTED), pin=pin)
    assert pin == bytearray(3) and h.state == "pin" and h.vm.tries_left == 3


def test_inactivity_warning_then_more_time_then_timeout(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "choose_type")
    h.clock.advance(80)
    h.engine.tick()
    assert h.vm.timeout_warning and h.vm.seconds_left == 10
    h.engine.intent(Intent(K.MORE_TIME))
    assert not h.vm.timeout_warning
    h.clock.advance(89)
    h.engine.tick()
    assert h.state == "choose_type"
    h.clock.advance(2)
    h.engine.tick()
    finish(h)
    assert h.vm.error is not None and h.vm.error.kind == "timeout"


def test_options_back_and_copies_limits(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "options")
    h.engine.intent(Intent(K.SET_OPTION, "include", key="honseki"))
    h.engine.intent(Intent(K.SET_OPTION, "bogus", key="honseki"))
    assert h.vm.selected_options["honseki"] == "include"
    h.engine.intent(Intent(K.BACK))
    assert h.state == "choose_type"
    h.engine.intent(Intent(K.CHOOSE_TYPE, "inkan"))  # no options: straight to copies
    assert h.state == "copies"
    for bad in ("0", "11", "x"):
        h.engine.intent(Intent(K.SET_COPIES, bad))
        assert h.state == "copies"
    h.engine.intent(Intent(K.SET_COPIES, "3"))
    assert h.state == "confirm" and h.vm.total == 600 and h.vm.fee_per_copy == 200


def test_refused_type_cannot_be_chosen(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "choose_type", persona="mihon-saburo", pin=b"3690")
    inkan = next(m for m in h.vm.menu if m.type == "inkan")
    assert not inkan.available and inkan.refusal == "no_seal"
    h.engine.intent(Intent(K.CHOOSE_TYPE, "inkan"))
    assert h.state == "choose_type"


def test_revoked_certificate_is_a_refusal(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "pin", persona="mihon-goro")
    h.engine.intent(Intent(K.PIN_SUBMITTED), pin=bytearray(b"2222"))
    finish(h)
    assert h.vm.error is not None
    assert (h.vm.error.kind, h.vm.error.code) == ("refusal", "cert_revoked")
    assert h.engine.outcome.result == "refused"


def test_integrity_error_prints_nothing_refunds_alarms_and_goes_out_of_service(
        harness: Callable[..., Harness]) -> None:
    h = harness(relay_fault="integrity")
    drive_to(h, "preparing")
    finish(h)
    assert h.vm.screen == Screen.OUT_OF_SERVICE and h.engine.outcome.alarm
    assert isinstance(h.devices.printer, FakePrinter)
    assert h.devices.printer.printed == []
    assert h.journal.alarm_raised() == "integrity"


def test_printer_fault_after_payment_refunds_everything(harness: Callable[..., Harness]) -> None:
    h = harness(printer_fault="jam")
    drive_to(h, "printing", pay=500)
    finish(h)
    o = h.engine.outcome
    assert (o.result, o.paid, o.charged, o.refunded) == ("failed", 500, 0, 500)
    assert h.vm.error is not None and h.vm.error.refunded == 500


def test_paper_out_is_found_before_money_is_taken(harness: Callable[..., Harness]) -> None:
    h = harness(printer_fault="media-empty")
    drive_to(h, "preparing")
    finish(h)
    assert h.engine.outcome.paid == 0 and h.vm.error is not None
    assert h.vm.error.kind == "printer"


def test_exact_change_only_is_said_before_money_is_taken(harness: Callable[..., Harness]) -> None:
    h = harness(can_give_change=False)
    drive_to(h, "confirm")
    assert h.vm.exact_change_only and h.vm.screen == Screen.CONFIRM


def test_view_models_cross_the_pipe_and_carry_no_personal_data(
        harness: Callable[..., Harness]) -> None:
    from hardware_mocks.world import CANARY_ADDRESS_MARK, CANARY_FAMILY, CANARY_GIVEN
    from kiosk.session.viewmodel import ViewModel

    h = harness()
    run_happy(h)
    for vm in h.views:
        text = json.dumps(vm.to_dict(), ensure_ascii=False)
        assert ViewModel.from_dict(json.loads(text)) == vm
        for canary in (CANARY_FAMILY, CANARY_GIVEN, CANARY_ADDRESS_MARK, "7391"):
            assert canary not in text


@pytest.mark.parametrize("state", ["place_card", "pin", "choose_type", "confirm", "payment"])
def test_stop_signal_ends_through_the_wipe(harness: Callable[..., Harness], state: str) -> None:
    h = harness()
    drive_to(h, state)
    h.engine.stop()
    finish(h)
    assert h.vm.final and h.journal.open_sessions() == []


@pytest.mark.parametrize("where", ["refund", "charge"])
def test_money_not_settled_in_the_wipe_stays_open_for_recovery(
        harness: Callable[..., Harness], where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refund or charge that fails (ledger OSError, device busy) must not be journaled
    as closed: the intent stays open, the terminal goes out of service, and recovery
    settles the money."""
    from kiosk.session.recovery import recover

    h = harness()
    pay = h.devices.payment

    def broken() -> NoReturn:
        raise OSError("ledger")

    if where == "refund":
        drive_to(h, "printing", pay=500)
        monkeypatch.setattr(pay, "refund", broken)
        h.engine.intent(Intent(K.CANCEL))  # not accepted while printing
        h.device("printer_fault", value="jam")
    else:
        drive_to(h, "printing", pay=500)
        monkeypatch.setattr(pay, "charge", broken)
        h.settle()
        h.engine.intent(Intent(K.ACKNOWLEDGE))
    finish(h)
    assert h.vm.final and h.vm.screen == Screen.OUT_OF_SERVICE
    assert h.vm.error is not None and h.vm.error.code == "money_unsettled"
    assert h.journal.alarm_raised() == "money_unsettled"
    [open_session] = h.journal.open_sessions()
    assert open_session.session == h.engine.session_id
    [settled] = recover(h.journal, h.make("fake"), h.runtime)
    assert settled.closed and h.journal.open_sessions() == []
    if where == "refund":
        assert (settled.printed, settled.refunded) == (False, 500)
    else:
        assert (settled.printed, settled.charged, settled.change) == (True, 200, 300)


def test_a_copy_that_came_out_before_a_later_one_failed_is_reported_to_the_relay(
        harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    """Copy 1 prints, copy 2 jams: the relay hears of the one copy (fee × 1), the money
    is conserved and the request is journaled before the relay was asked."""
    from kiosk.session.faults import PrintFault

    h = harness()
    drive_to(h, "printing", copies=2, pay=400)
    printer = h.devices.printer
    real_wait = printer.wait
    calls = []

    def wait(job: str, deadline_s: float) -> None:
        calls.append(job)
        if len(calls) == 2:
            printer.purge(job)
            raise PrintFault("jam")
        real_wait(job, deadline_s)

    monkeypatch.setattr(printer, "wait", wait)
    finish(h)
    o = h.engine.outcome
    assert (o.result, o.partial_copies, o.paid) == ("failed", 1, 400)
    assert o.paid == o.charged + o.change + o.refunded
    assert isinstance(h.devices.relay, FakeRelay)
    [(request, result, copies, amount)] = h.devices.relay.outcomes
    assert (result, copies, amount) == ("failed", 1, 200)
    recs = [r["rec"] for r in h.journal.records()]
    assert recs.index("request_sent") < recs.index("doc_received")
    assert h.journal.open_sessions() == []


@pytest.mark.parametrize("copies_out, printed, expected", [
    (0, False, ("failed", 0, 0)), (1, False, ("failed", 1, 200)), (2, True, ("printed", 2, 400))])
def test_recovery_reports_the_copies_that_came_out(
        make_devices: Callable[..., Any], journal: Any, sim_dirs: Any,
        copies_out: int, printed: bool, expected: tuple[str, int, int]) -> None:
    """A worker died while printing: recovery reports the journaled copies, at the fee of
    each, to the relay session that issued them (the relay refuses any other amount)."""
    from kiosk.session.journal import Rec
    from kiosk.session.recovery import recover

    devices = make_devices("fake")
    journal.append("s1", Rec.OPENED)
    journal.append("s1", Rec.REQUEST_SENT, request="r-1", relay="rs1", copies=2, amount=400)
    for n in range(copies_out):
        journal.append("s1", Rec.COPY_PRINTED, job=f"j{n}", copies=n + 1)
    if printed:
        journal.append("s1", Rec.PRINTED, copies=2)
    [settled] = recover(journal, devices, sim_dirs[1])
    assert devices.relay.outcomes == [("r-1", *expected)]
    assert settled.closed and settled.copies == copies_out


@pytest.mark.parametrize("field", ["fee", "amount"])
def test_a_relay_issuing_at_another_price_is_an_integrity_fault(
        harness: Callable[..., Harness], field: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The relay's Issued.fee / Issued.amount must be what the customer confirmed: any
    difference prints nothing, takes no money and raises the alarm."""
    h = harness()
    drive_to(h, "preparing", copies=2)
    relay = h.devices.relay
    real = relay.request_documents

    def request(*args: Any) -> Any:
        doc = real(*args)
        setattr(doc, field, getattr(doc, field) + 10)
        return doc

    monkeypatch.setattr(relay, "request_documents", request)
    finish(h)
    o = h.engine.outcome
    assert h.vm.screen == Screen.OUT_OF_SERVICE and o.alarm and o.reason == "integrity_error"
    assert (o.paid, o.charged, o.copies_printed) == (0, 0, 0)
    assert isinstance(h.devices.printer, FakePrinter)
    assert h.devices.printer.printed == []
    assert h.journal.alarm_raised() == "integrity"


def test_change_shows_on_take_papers_and_a_change_voucher_reaches_the_customer(
        harness: Callable[..., Harness], monkeypatch: pytest.MonkeyPatch) -> None:
    """Item: the change is on the take-papers view (not only the final one); when the
    device pays short, the ledger's voucher id reaches the take-papers view, the final
    view and the journal."""
    from kiosk.session.ports import Payout

    h = harness()
    drive_to(h, "printing", pay=500)
    pay = h.devices.payment
    real_charge = pay.charge

    def short_charge() -> Payout:
        real_charge()
        return Payout(300, "V-LEDGER-7", 100)  # 200 in coins, 100 on the voucher

    monkeypatch.setattr(pay, "charge", short_charge)
    h.settle()
    take = h.vm
    assert take.screen == Screen.TAKE_PAPERS and take.change_due == 200
    assert take.error is not None and take.error.voucher == "V-LEDGER-7"
    h.engine.intent(Intent(K.ACKNOWLEDGE))
    finish(h)
    final = h.vm
    assert final.screen == Screen.THANK_YOU and final.change_due == 200
    assert final.error is not None and final.error.voucher == "V-LEDGER-7"
    o = h.engine.outcome
    assert (o.paid, o.charged, o.change, o.voucher) == (500, 200, 300, "V-LEDGER-7")
    [charged] = [r for r in h.journal.records() if r["rec"] == "charged"]
    assert charged["voucher"] == "V-LEDGER-7" and charged["change"] == 300


def test_take_papers_shows_the_change(harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "take_papers", pay=1000)
    assert h.vm.screen == Screen.TAKE_PAPERS and h.vm.change_due == 800
    assert h.vm.error is None


def test_cancel_on_take_papers_ends_the_session_as_acknowledge(
        harness: Callable[..., Harness]) -> None:
    """CANCEL on the take-papers screen is offered and ends the session at once, exactly as
    ACKNOWLEDGE does (the fake clock does not move: no inactivity timeout is involved)."""
    h = harness()
    drive_to(h, "take_papers", pay=1000)
    h.settle()
    assert K.CANCEL in h.vm.allowed and K.ACKNOWLEDGE in h.vm.allowed
    before = h.clock.monotonic()
    h.engine.intent(Intent(K.CANCEL))
    finish(h)
    assert h.clock.monotonic() == before
    assert h.vm.final and h.vm.screen == Screen.THANK_YOU
    o = h.engine.outcome
    assert (o.result, o.paid, o.charged, o.change, o.refunded, o.copies_printed) == (
        "printed", 1000, 200, 800, 0, 1)
    assert h.journal.open_sessions() == []
