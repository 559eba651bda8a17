"""The coin simulator keeps the port's contract and the physical truth."""

import threading

import pytest

from hardware_mocks.coins import VirtualCoinDevice
from kiosk.payment.port import (
    Credited,
    DeviceBusy,
    DeviceReset,
    Dispensed,
    Escrow,
    Final,
    Jam,
    LostEvents,
    PaymentDevice,
    PaymentFault,
    PayoutShortfall,
    Pending,
    Rejected,
    Returned,
    Stacked,
)
from tests.fixtures.waiting import join_all


def test_implements_the_port() -> None:
    assert isinstance(VirtualCoinDevice(), PaymentDevice)


def test_coins_credit_at_once_and_fill_the_tubes() -> None:
    sim = VirtualCoinDevice({100: 0})
    sim.start_accept(300)
    sim.insert(100)
    sim.insert(50)
    assert sim.poll() == [Credited(100), Credited(50)]
    assert sim.levels()[100] == 1
    assert sim.stop() == Final(150)


def test_ceiling_inhibits_and_unknown_coins_are_rejected() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(150)
    assert sim.insert(500) == Rejected("inhibited")
    assert sim.insert(5) == Rejected("unknown")
    sim.insert(100)
    assert sim.insert(100) == Rejected("inhibited")
    assert sim.poll()[-1] == Rejected("inhibited")
    assert sim.stop() == Final(100)
    assert sim.insert(10) == Rejected("not_accepting")


def test_notes_wait_in_escrow_and_keep_stop_pending() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(2000)
    sim.insert(1000)
    assert sim.insert(1000) == Rejected("escrow_busy")
    assert sim.poll() == [Escrow(1000), Rejected("escrow_busy")]
    assert sim.stop() == Pending()
    sim.stack_escrow()
    assert sim.poll() == [Stacked(1000)]
    assert sim.stop() == Final(1000)
    assert sim.cashbox[1000] == 1


def test_returned_note_is_not_money() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(1000)
    sim.insert(1000)
    sim.return_escrow()
    assert sim.poll() == [Escrow(1000), Returned(1000)]
    assert sim.stop() == Final(0)
    assert sim.taken_total == 0
    with pytest.raises(DeviceBusy):
        sim.return_escrow()


def test_coin_in_the_chute_makes_stop_two_phase() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(500)
    sim.coin_in_chute(100)
    assert sim.stop() == Pending()
    assert sim.poll() == [Credited(100)]
    assert sim.stop() == Final(100)


def test_jam_stops_accepting_and_refuses_restart() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(500)
    sim.insert(100)
    sim.jam()
    assert sim.insert(100) == Rejected("jammed")
    assert sim.poll() == [Credited(100), Jam(), Rejected("jammed")]
    assert sim.stop() == Final(100)
    with pytest.raises(PaymentFault) as err:
        sim.start_accept(100)
    assert err.value.code == "jammed"
    sim.clear_jam()
    sim.start_accept(100)


def test_lost_events_still_counted_by_stop() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(1000)
    sim.lose_events(2)
    sim.insert(100)
    sim.insert(50)
    sim.insert(10)
    assert sim.poll() == [LostEvents(2), Credited(10)]
    assert sim.stop() == Final(160)


def test_reset_mid_payment_drops_escrow_silently() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(2000)
    sim.insert(500)
    sim.insert(1000)
    sim.reset_mid_payment()
    assert sim.poll() == [Credited(500), Escrow(1000), DeviceReset()]
    assert sim.stop() == Final(500)
    assert sim.cashbox[1000] == 0


def test_dispense_pays_what_it_can_and_reports_shortfall() -> None:
    sim = VirtualCoinDevice({500: 0, 100: 1, 50: 1, 10: 0})
    assert sim.can_payout(150)
    assert not sim.can_payout(200)
    assert sim.dispense(200) == 150
    assert sim.poll() == [Dispensed(150), PayoutShortfall(200, 150)]
    assert sim.levels() == {500: 0, 100: 0, 50: 0, 10: 0}
    assert sim.paid_out_total == 150


def test_scripted_shortfall_and_busy_while_accepting() -> None:
    sim = VirtualCoinDevice()
    sim.payout_shortfall(100)
    assert sim.dispense(300) == 200
    assert sim.dispense(300) == 300
    sim.start_accept(100)
    with pytest.raises(DeviceBusy):
        sim.dispense(10)
    with pytest.raises(DeviceBusy):
        sim.start_accept(100)


def test_script_plays_one_step_per_poll() -> None:
    sim = VirtualCoinDevice()
    sim.start_accept(1000)
    sim.script([("insert", 100), Rejected("unknown"), ("jam",)])
    assert sim.poll() == [Credited(100)]
    assert sim.poll() == [Rejected("unknown")]
    assert sim.stop() == Pending()  # a scripted step is still to come
    assert sim.poll() == [Jam()]
    assert sim.stop() == Final(100)
    with pytest.raises(ValueError):
        sim.script([("explode",)])


def test_bad_amounts_and_levels_are_refused() -> None:
    sim = VirtualCoinDevice()
    for bad in (-10, 15, True):
        with pytest.raises(Exception, match="invalid_amount|bad_level"):
            sim.dispense(bad)
    with pytest.raises(Exception, match="bad_level"):
        sim.set_levels({20: 1})


def test_thread_safe_under_concurrent_inserts() -> None:
    sim = VirtualCoinDevice({10: 0})
    sim.start_accept(100_000)
    def customer() -> None:
        for _ in range(200):
            sim.insert(10)

    threads = [threading.Thread(target=customer, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    join_all(threads, what="customers")
    assert len(sim.poll()) == 800
    assert sim.stop() == Final(8000)
    assert sim.snapshot()["levels"][10] == 800


def test_chute_coin_obeys_the_acceptor() -> None:
    sim = VirtualCoinDevice()
    assert sim.coin_in_chute(100) == Rejected("not_accepting")
    sim.start_accept(100)
    assert sim.coin_in_chute(100) is None
    assert sim.insert(10) == Rejected("inhibited")  # the rolling coin fills the ceiling
    sim.jam()  # the rolling coin falls back out
    assert sim.stop() == Pending()  # events still unpolled
    sim.poll()
    assert sim.stop() == Final(0)
