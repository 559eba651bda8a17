"""The payment controller over the simulator: happy paths, faults, refunds, recovery."""

import errno
from pathlib import Path

import pytest

from hardware_mocks.coins import VirtualCoinDevice
from kiosk.payment.controller import PaymentController, Phase, Progress
from kiosk.payment.ledger import Ledger
from kiosk.payment.port import (
    DeviceBusy,
    Final,
    InvalidAmount,
    PaymentFault,
    Pending,
    Rejected,
    StopResult,
)
from protocol.clock import FakeClock
from tests.fixtures.disk import DiskFaults

FULL = {500: 10, 100: 30, 50: 20, 10: 50}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger(tmp_path: Path, clock: FakeClock) -> Ledger:
    return Ledger.in_state_dir(tmp_path, clock)


def make(ledger: Ledger, clock: FakeClock, levels=FULL, sim=None):
    sim = sim or VirtualCoinDevice(levels)
    return sim, PaymentController(sim, ledger, clock, stop_timeout=5.0)


def pump_until_settled(ctl: PaymentController, progress: Progress, rounds: int = 10) -> Progress:
    for _ in range(rounds):
        if progress.settlement is not None:
            return progress
        progress = ctl.pump()
    raise AssertionError("did not settle")


def pump_until_complete(ctl: PaymentController, rounds: int = 10) -> Progress:
    for _ in range(rounds):
        progress = ctl.pump()
        if progress.complete:
            return progress
    raise AssertionError("the payment did not complete")


def pump_n(ctl: PaymentController, n: int = 3) -> Progress:
    """A note needs a round trip (escrow, stack command, stacked) before it counts."""
    for _ in range(n):
        p = ctl.pump()
    return p


def assert_conserved(ledger: Ledger, sim=None) -> None:
    for bal in ledger.balances().values():
        assert bal.closed
        assert bal.outstanding == 0
    if sim is not None:  # the physical truth, lost events included
        given_back = sum(b.change + b.refunded for b in ledger.balances().values())
        assert sim.paid_out_total == given_back
        taken = sum(b.paid_in for b in ledger.balances().values())
        assert sim.taken_total == taken


def test_exact_coins_print_and_charge(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 350, session="S1")
    for coin in (100, 100, 100, 50):
        sim.insert(coin)
    p = ctl.pump()
    assert p.complete and p.inserted == 350 and p.remaining == 0 and p.change_due == 0
    p = ctl.charge_and_give_change()
    s = p.settlement
    assert p.phase is Phase.SETTLED and s is not None
    assert (s.paid_in, s.charged, s.change, s.refunded, s.vouchered) == (350, 350, 0, 0, 0)
    assert s.conserved
    assert_conserved(ledger, sim)


def test_note_overpayment_gives_change(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 450)
    sim.insert(1000)
    assert pump_n(ctl).complete
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.charged, s.change) == (450, 550)
    assert sim.cashbox[1000] == 1
    assert_conserved(ledger, sim)


def test_progress_counts_up_while_accepting(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 300)
    sim.insert(100)
    p = ctl.pump()
    assert (p.phase, p.inserted, p.remaining) == (Phase.ACCEPTING, 100, 200)


def test_cancel_mid_payment_refunds_everything(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 500)
    sim.insert(100)
    sim.insert(50)
    p = ctl.refund_all()
    s = p.settlement
    assert s is not None and (s.paid_in, s.refunded, s.charged) == (150, 150, 0)
    assert ctl.refund_all().settlement == s  # idempotent
    assert sim.insert(100).reason == "not_accepting"
    assert_conserved(ledger, sim)


def test_refund_without_a_transaction_is_harmless(ledger: Ledger, clock: FakeClock) -> None:
    _, ctl = make(ledger, clock)
    assert ctl.refund_all().phase is Phase.IDLE
    assert ledger.entries() == []


def test_jam_after_partial_insertion_refunds(ledger: Ledger, clock: FakeClock) -> None:
    """reliability.md test case 16."""
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 400)
    sim.insert(100)
    sim.jam()
    p = ctl.pump()
    assert (p.phase, p.fault, p.inserted) == (Phase.HELD, "jam", 100)
    s = ctl.refund_all().settlement
    assert s is not None and s.refunded == 100 and "jam" in s.flags
    assert [e["code"] for e in ledger.entries() if e["kind"] == "fault"] == ["jam"]
    assert_conserved(ledger, sim)


def test_a_possible_fraud_is_flagged_and_the_payment_goes_on(ledger: Ledger,
                                                              clock: FakeClock) -> None:
    """The acceptor reports a coin on a string (no credit; the device may have kept the
    coin): the customer pays on, and staff see the attempt in the settlement."""
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 200)
    sim.insert(100)
    sim.script([Rejected("fraud")])
    sim.insert(100)
    p = pump_until_complete(ctl)
    assert p.inserted == 200 and p.fault is None
    s = ctl.charge_and_give_change().settlement
    assert s is not None and s.charged == 200 and "possible_fraud" in s.flags
    assert_conserved(ledger, sim)


def test_print_failure_after_payment_refunds(ledger: Ledger, clock: FakeClock) -> None:
    """reliability.md test case 17: paid, the print fails, everything comes back."""
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 300)
    sim.insert(1000)
    assert pump_n(ctl).complete
    s = ctl.refund_all().settlement
    assert s is not None and (s.refunded, s.charged) == (1000, 0)
    assert_conserved(ledger, sim)


def test_lost_events_are_reconciled_from_the_final_count(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 500)
    sim.lose_events(2)
    sim.insert(100)
    sim.insert(100)
    p = ctl.pump()
    assert p.fault == "lost_events" and p.phase is Phase.HELD
    assert p.inserted == 200  # the device's final count, not the events
    s = ctl.refund_all().settlement
    assert s is not None and s.refunded == 200
    assert {"lost_events", "reconciled"} <= set(s.flags)
    assert_conserved(ledger, sim)


def test_lost_events_after_full_payment_still_print(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 100)
    sim.lose_events(1)
    sim.insert(100)
    p = ctl.pump()
    assert p.complete and p.fault == "lost_events"
    assert ctl.charge_and_give_change().settlement.charged == 100
    assert_conserved(ledger, sim)


def test_reset_mid_payment_returns_the_escrowed_note(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 1500)
    sim.insert(500)
    sim.insert(1000)
    sim.reset_mid_payment()
    sim.stack_escrow = lambda: None  # the device resets before the stack command lands
    p = ctl.pump()
    assert p.fault == "device_reset" and p.inserted == 500
    s = pump_until_settled(ctl, ctl.refund_all()).settlement
    assert s is not None and s.refunded == 500
    kinds = [e["kind"] for e in ledger.entries()]
    assert kinds.count("escrow") == 1 and kinds.count("return") == 1
    assert ledger.balance("T1").escrow_open == 0
    assert_conserved(ledger, sim)


def test_payout_shortfall_becomes_a_voucher(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 300)
    sim.insert(1000)
    pump_n(ctl)
    sim.payout_shortfall(200)
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.change, s.vouchered) == (500, 200)
    assert s.voucher is not None and s.voucher.id.startswith("V")
    assert ledger.entries()[-2]["voucher"] == s.voucher.id
    assert s.conserved
    assert_conserved(ledger, sim)


def test_refund_of_a_note_with_empty_tubes_is_vouchered(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock, levels={500: 0, 100: 0, 50: 0, 10: 0})
    q = ctl.quote(1000)
    assert q.exact_change_only and q.max_total == 1000
    ctl.begin("T1", 1000)
    sim.insert(1000)
    assert pump_n(ctl).complete
    s = ctl.refund_all().settlement
    assert s is not None and (s.refunded, s.vouchered) == (0, 1000)
    assert_conserved(ledger, sim)


def test_exact_change_only_inhibits_overpayment(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock, levels={500: 0, 100: 0, 50: 0, 10: 0})
    assert ctl.quote(300).exact_change_only
    ctl.begin("T1", 300)
    assert sim.insert(500).reason == "inhibited"
    assert sim.insert(1000).reason == "inhibited"
    for _ in range(3):
        sim.insert(100)
    assert ctl.pump().complete


def test_a_second_note_beyond_the_due_is_not_taken(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 1100)
    sim.insert(1000)
    pump_n(ctl)
    for coin in (100,):
        sim.insert(coin)
    assert ctl.pump().complete
    assert sim.insert(1000).reason == "not_accepting"


def test_coin_in_the_chute_is_counted(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 100)
    sim.insert(100)
    sim.coin_in_chute(50)
    p = ctl.pump()
    assert p.phase is Phase.STOPPING
    p = ctl.pump()
    assert p.complete and p.inserted == 150 and p.change_due == 50
    assert ctl.charge_and_give_change().settlement.change == 50
    assert_conserved(ledger, sim)


class StuckDevice(VirtualCoinDevice):
    def stop(self) -> StopResult:
        super().stop()
        return Pending()


def test_device_that_never_settles_times_out_on_the_clock(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock, sim=StuckDevice(FULL))
    ctl.begin("T1", 200)
    sim.insert(100)
    p = ctl.refund_all()
    assert p.phase is Phase.STOPPING and p.settlement is None
    clock.advance(4.9)
    assert ctl.pump().phase is Phase.STOPPING
    clock.advance(0.2)
    p = ctl.pump()
    assert p.fault == "stop_timeout" and p.settlement is not None
    assert p.settlement.refunded == 100
    assert_conserved(ledger, sim)


def test_jammed_device_refuses_before_money_is_taken(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    sim.jam()
    with pytest.raises(PaymentFault) as err:
        ctl.begin("T1", 300)
    assert err.value.code == "jammed"
    assert ctl.progress.settlement.paid_in == 0
    assert_conserved(ledger, sim)
    sim.clear_jam()
    ctl.begin("T2", 300)  # the controller is free for the next customer


def test_wrong_phase_and_bad_input(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    with pytest.raises(DeviceBusy):
        ctl.charge_and_give_change()
    with pytest.raises(InvalidAmount):
        ctl.begin("T1", 355)
    ctl.begin("T1", 300)
    with pytest.raises(DeviceBusy):
        ctl.begin("T2", 300)
    with pytest.raises(DeviceBusy):
        ctl.charge_and_give_change()
    with pytest.raises(DeviceBusy):
        ctl.settle_after_crash("T1", printed=False)


# --- recovery -------------------------------------------------------------------------------


def test_crash_while_accepting_refunds_on_recovery(ledger: Ledger, clock: FakeClock) -> None:
    sim, dead = make(ledger, clock)
    dead.begin("T1", 500)
    sim.insert(100)
    dead.pump()
    sim.insert(50)  # taken by the device after the worker died: never polled
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=False)
    assert (s.paid_in, s.refunded, s.charged) == (150, 150, 0)
    assert "recovered" in s.flags
    assert_conserved(ledger, sim)


def test_crash_after_print_charges_and_gives_change(ledger: Ledger, clock: FakeClock) -> None:
    sim, dead = make(ledger, clock)
    dead.begin("T1", 300)
    sim.insert(500)
    assert dead.pump().complete
    _, ctl = make(ledger, clock, sim=sim)
    (s,) = ctl.settle_open(printed={"T1"})
    assert (s.charged, s.change, s.refunded) == (300, 200, 0)
    assert_conserved(ledger, sim)


class Crash(BaseException):
    """The worker dies (kill -9) at this point."""


def test_crash_mid_payout_is_measured_from_the_levels(ledger: Ledger, clock: FakeClock) -> None:
    class DiesAfterPaying(VirtualCoinDevice):
        def dispense(self, amount: int) -> int:
            super().dispense(amount)
            raise Crash

    sim, dead = make(ledger, clock, sim=DiesAfterPaying(FULL))
    dead.begin("T1", 300)
    sim.insert(1000)
    pump_n(dead)
    sim.payout_shortfall(100)
    with pytest.raises(Crash):
        dead.charge_and_give_change()
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=True)
    assert (s.charged, s.change, s.vouchered) == (300, 600, 100)
    assert ledger.balance("T1").closed
    assert any(e.get("inferred") for e in ledger.entries())
    assert ctl.settle_after_crash("T1", printed=True) == type(s).of(ledger.balance("T1"))
    assert_conserved(ledger, sim)


def test_recovery_never_charges_without_a_print(ledger: Ledger, clock: FakeClock) -> None:
    sim, dead = make(ledger, clock)
    dead.begin("T1", 300)
    sim.insert(100)
    sim.insert(100)
    sim.insert(100)
    dead.pump()
    _, ctl = make(ledger, clock, sim=sim)
    (s,) = ctl.settle_open(printed=set())
    assert (s.charged, s.refunded) == (0, 300)
    assert ctl.settle_open(printed=set()) == []


def test_recovery_with_an_unanswering_device_vouchers(ledger: Ledger, clock: FakeClock) -> None:
    sim, dead = make(ledger, clock)
    dead.begin("T1", 300)
    sim.insert(100)
    dead.pump()

    class Gone(VirtualCoinDevice):
        def poll(self):
            raise PaymentFault("no_answer")

        def levels(self):
            raise PaymentFault("no_answer")

        def dispense(self, amount: int) -> int:
            raise PaymentFault("no_answer")

        def totals(self):
            raise PaymentFault("no_answer")

    _, ctl = make(ledger, clock, sim=Gone(FULL))
    s = ctl.settle_after_crash("T1", printed=False)
    assert (s.refunded, s.vouchered) == (0, 100)
    assert {"no_answer", "payout_unconfirmed", "totals_unavailable", "voucher"} <= set(s.flags)
    assert ledger.balance("T1").outstanding == 0


def test_refund_now_settles_at_once_or_gives_up_waiting(ledger: Ledger, clock: FakeClock) -> None:
    sim, ctl = make(ledger, clock)
    assert ctl.refund_now() is None
    ctl.begin("T1", 500)
    sim.insert(100)
    sim.insert(1000)  # escrowed, then handed back while stopping
    s = ctl.refund_now()
    assert s is not None and (s.paid_in, s.refunded) == (100, 100)
    assert_conserved(ledger, sim)

    stuck, ctl = make(ledger, clock, sim=StuckDevice(FULL))
    ctl.begin("T2", 500)
    stuck.insert(50)
    s = ctl.refund_now()
    assert s is not None and s.refunded == 50 and "stop_timeout" in s.flags
    assert ledger.balance("T2").closed


def test_recovery_charges_no_more_than_came_in(ledger: Ledger, clock: FakeClock) -> None:
    sim, dead = make(ledger, clock)
    dead.begin("T1", 300)
    sim.insert(100)
    dead.pump()
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=True)  # a journal that disagrees with the ledger
    assert (s.charged, s.refunded) == (100, 0) and "underpaid" in s.flags
    assert s.conserved


def test_quote_turns_a_silent_device_into_a_fault(ledger: Ledger, clock: FakeClock) -> None:
    class Silent(VirtualCoinDevice):
        def levels(self):
            raise DeviceBusy()

    _, ctl = make(ledger, clock, sim=Silent(FULL))
    with pytest.raises(PaymentFault):
        ctl.quote(100)


def test_a_driver_error_code_never_carries_text_into_the_ledger(ledger: Ledger, clock: FakeClock) -> None:
    class Chatty(VirtualCoinDevice):
        def start_accept(self, max_amount: int) -> None:
            raise PaymentFault("hopper 2: coin stuck at sensor")

    _, ctl = make(ledger, clock, sim=Chatty(FULL))
    with pytest.raises(PaymentFault) as err:
        ctl.begin("T1", 100)
    assert err.value.code == "device_error"
    assert [e.get("code") for e in ledger.entries() if e["kind"] == "fault"] == ["device_error"]


# --- money from facts: the ledger first, the device's own counters after a crash ----------


def previous_customer(ledger: Ledger, clock: FakeClock) -> VirtualCoinDevice:
    """A device whose last arming took 1,000 yen (its final count still says so)."""
    sim = VirtualCoinDevice(FULL)
    _, ctl = make(ledger, clock, sim=sim)
    ctl.begin("T0", 1000)
    sim.insert(500)
    sim.insert(500)
    assert pump_n(ctl).complete
    ctl.charge_and_give_change()
    assert sim.stop() == Final(1000)
    return sim


def test_a_payment_the_ledger_never_began_took_nothing(ledger: Ledger, clock: FakeClock) -> None:
    """The journal said payment_begun, the ledger append never happened: recovery pays
    nothing out, although the device's final count is the previous customer's 1,000."""
    sim = previous_customer(ledger, clock)
    paid_out = sim.paid_out_total
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=False)
    assert (s.paid_in, s.refunded, s.change, s.vouchered) == (0, 0, 0, 0)
    assert "never_armed" in s.flags
    assert sim.paid_out_total == paid_out
    assert_conserved(ledger, sim)


def test_a_crash_between_begin_and_arming_refunds_nothing(ledger: Ledger, clock: FakeClock) -> None:
    sim = previous_customer(ledger, clock)
    paid_out = sim.paid_out_total
    ledger.append("begin", "T1", due=200, amount=1000, taken_at=sim.totals().taken)
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=False)
    assert (s.paid_in, s.refunded) == (0, 0) and "reconciled" not in s.flags
    assert sim.paid_out_total == paid_out
    assert_conserved(ledger, sim)


def test_money_the_dead_worker_never_polled_is_settled_from_the_counters(
        ledger: Ledger, clock: FakeClock) -> None:
    sim, dead = make(ledger, clock)
    dead.begin("T1", 500)
    sim.insert(100)
    dead.pump()
    sim.lose_events(1)
    sim.insert(100)  # taken, its event lost on the way
    sim.insert(50)  # after the lost one: polled by nobody
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=False)
    assert (s.paid_in, s.refunded) == (250, 250) and "reconciled" in s.flags
    assert_conserved(ledger, sim)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_an_unwritable_ledger_takes_no_money(ledger: Ledger, clock: FakeClock,
                                             disk_faults: DiskFaults, code: int) -> None:
    sim, ctl = make(ledger, clock)
    disk_faults.fail(ledger.path.name, code)
    with pytest.raises(PaymentFault) as err:
        ctl.begin("T1", 300)
    assert err.value.code == "ledger_unwritable"
    assert not sim.snapshot()["accepting"]
    assert sim.insert(100) == Rejected("not_accepting")
    assert ctl.progress.phase is Phase.IDLE and ledger.entries() == []


@pytest.mark.parametrize("after", [0, 1, 2])  # the first credit, the second, the fault entry
def test_a_ledger_failing_mid_payment_holds_the_money_until_recovery(
        ledger: Ledger, clock: FakeClock, disk_faults: DiskFaults, after: int) -> None:
    """No coin is taken once the ledger cannot say so, no coin is paid out that the ledger
    cannot record; recovery, once the disk is writable, refunds exactly what went in."""
    sim, ctl = make(ledger, clock)
    ctl.begin("T1", 500)
    disk_faults.fail(ledger.path.name, errno.ENOSPC, after=after)
    with pytest.raises(PaymentFault) as err:
        for coin in (100, 100, 100):
            sim.insert(coin)
            ctl.pump()
    assert err.value.code == "ledger_unwritable"
    assert not sim.snapshot()["accepting"]  # inhibited at once
    for step in (ctl.pump, ctl.refund_all, ctl.refund_now):
        with pytest.raises(PaymentFault):
            step()
    assert sim.paid_out_total == 0  # nothing paid that the ledger could not record
    disk_faults.heal()
    _, recovery = make(ledger, clock, sim=sim)
    s = recovery.settle_after_crash("T1", printed=False)
    assert s.refunded == s.paid_in == sim.taken_total > 0
    assert_conserved(ledger, sim)


def test_a_crash_mid_payout_is_measured_by_the_payout_counter(
        ledger: Ledger, clock: FakeClock) -> None:
    """The tubes are refilled between the crash and recovery: the levels would say the
    payout never happened; the device's payout counter says what it paid."""
    class DiesAfterPaying(VirtualCoinDevice):
        def dispense(self, amount: int) -> int:
            super().dispense(amount)
            raise Crash

    sim, dead = make(ledger, clock, sim=DiesAfterPaying(FULL))
    dead.begin("T1", 300)
    sim.insert(500)
    pump_n(dead)
    with pytest.raises(Crash):
        dead.charge_and_give_change()
    sim.set_levels(FULL)  # staff refilled the tubes
    _, ctl = make(ledger, clock, sim=sim)
    s = ctl.settle_after_crash("T1", printed=True)
    assert (s.charged, s.change, s.vouchered) == (300, 200, 0)
    assert sim.paid_out_total == 200  # paid once, not again
    assert_conserved(ledger, sim)
