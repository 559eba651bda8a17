"""The ccTalk hopper drivers over emulated hoppers: payouts settled from the hoppers' own
counters, whatever happens mid-payout (a hopper running dry, a lost reply, a power cycle,
a process killed with -9)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from kiosk.payment import cash_device as cash_device_module
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.cash_state import PendingPayout
from kiosk.payment.cctalk_frame import Header
from kiosk.payment.hopper import Hopper
from kiosk.payment.port import InvalidAmount, PaymentFault
from tests.fixtures.cash import stop_final
from tests.fixtures.waiting import WAIT, wait_for

Open = Callable[..., CashDevice]


def test_change_is_paid_largest_coins_first(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    before = dev.levels()
    assert dev.dispense(1780) == 1780
    assert cash_rig.paid_out == 1780
    assert {v: h.paid_out for v, h in cash_rig.hoppers.items()} == {500: 3, 100: 2, 50: 1, 10: 3}
    after = dev.levels()
    assert {d: before[d] - after[d] for d in before} == {500: 3, 100: 2, 50: 1, 10: 3}
    assert dev.counters().coins_out == {500: 3, 100: 2, 50: 1, 10: 3}
    assert dev.counters().unresolved_payouts == ()


def test_a_hopper_that_runs_dry_pays_short_and_the_rest_comes_from_smaller_coins(
        cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    cash_rig.hoppers[500].set_coins(1)  # the count says 10; the hopper holds one
    assert dev.dispense(1000) == 1000  # one 500, then five 100s
    assert {v: h.paid_out for v, h in cash_rig.hoppers.items()}[500] == 1
    assert dev.counters().coins_out[500] == 1
    assert dev.levels()[500] == 9  # the count moves with money only, while a payout is measured
    dev.start_accept(10)  # between payments: it ran dry, no change is promised from it
    assert dev.levels()[500] == 0


def test_nothing_left_to_pay_with_is_a_short_payout(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    for hopper in cash_rig.hoppers.values():
        hopper.set_coins(0)
    assert dev.dispense(160) == 0
    assert cash_rig.paid_out == 0
    # the hoppers asked ran dry; the one not asked is seen empty by its level sensor
    assert dev.self_check()["hopper_500"] == "hopper_empty"  # reads the sensors now
    dev.start_accept(10)
    assert dev.levels() == {10: 0, 50: 0, 100: 0, 500: 0}


def test_the_low_level_sensor_takes_a_hopper_out_of_the_change_promised(
        cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    cash_rig.hoppers[100].set_coins(3)  # below the low mark of 5
    assert dev.self_check()["hopper_100"] == "hopper_empty"  # reads the sensors now
    dev.start_accept(10)
    assert dev.levels()[100] == 0
    assert stop_final(dev) == 0
    assert dev.dispense(300) == 300  # it still pays what it has when asked
    assert cash_rig.hoppers[100].paid_out == 3


def test_a_lost_dispense_reply_is_not_sent_again(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    hopper = cash_rig.hoppers[100]
    hopper.lose_next_dispense_reply()
    assert dev.dispense(300) == 300
    assert hopper.paid_out == 3  # the counter showed the command arrived: not repeated
    assert hopper.headers.count(Header.DISPENSE_HOPPER_COINS) == 1


def test_a_hopper_power_cycled_mid_payout_is_settled_from_its_dispense_count(
        cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    hopper = cash_rig.hoppers[10]
    hopper.coin_interval = 0.05
    for bigger in (50, 100):
        cash_rig.hoppers[bigger].set_coins(0)  # the change comes in 10-yen coins
    hopper.stall()  # it takes the command and pays nothing until told

    result: list[int] = []
    payer = threading.Thread(target=lambda: result.append(dev.dispense(200)))
    payer.start()
    wait_for(lambda: hopper.paying, what="the payout to start")
    hopper.stall(False)
    wait_for(lambda: hopper.paid_out >= 4, what="a few coins")
    hopper.power_cycle()
    payer.join(30)
    paid = hopper.paid_out
    assert 4 <= paid < 20
    assert result == [paid * 10]  # exactly what left the hopper: not more, not less
    assert dev.counters().coins_out[10] == paid
    assert dev.dispense(10) == 10  # the hopper is reset and enabled again for the next


def test_a_payout_job_still_running_after_its_time_stops_the_change_there(
        cash_rig: CashRig, cash_device: Open, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 100-yen hopper paid and settled, then its job hangs on a bad line in its last
    step, past the time the payout may take. Another hopper paying the same yen would pay
    twice: nothing more is paid, the caller hears the payout is unconfirmed (it measures
    the counters and flags it), and the counters hold what left the hopper."""
    monkeypatch.setattr(cash_device_module, "PAYOUT_STEPS", 0.0)
    dev = cash_device(coin_time=0.05)
    hundred = dev.hoppers[100]
    line = threading.Event()
    disable = Hopper._disable

    def hanging(self: Hopper) -> None:
        if self is hundred and not line.is_set():
            line.wait(WAIT)
        disable(self)

    monkeypatch.setattr(Hopper, "_disable", hanging)
    with pytest.raises(PaymentFault) as exc:
        dev.dispense(300)
    line.set()
    assert exc.value.code == "payout_unconfirmed"
    assert {v: h.paid_out for v, h in cash_rig.hoppers.items()} == {500: 0, 100: 3, 50: 0, 10: 0}
    wait_for(lambda: dev.counters().coins_out[100] == 3, what="the payout settled")
    assert dev.dispense(100) == 100  # the hopper serves the next payout


def test_kill_9_mid_payout_settles_from_the_hopper_at_the_next_start(
        cash_rig: CashRig, cash_device: Open, tmp_path: Path) -> None:
    """A process paying change is killed; the next one settles the payout in flight from
    the hopper's dispense count: the coins paid are counted once, none is paid again."""
    hopper = cash_rig.hoppers[10]
    hopper.coin_interval = 0.05
    state = tmp_path / "state"
    code = (
        "import sys\n"
        "from kiosk.payment.cash_device import open_cash_device\n"
        f"d = open_cash_device({str(state)!r}, coin_acceptor=None, "
        f"hoppers={{10: {hopper.path!r}}})\n"
        "assert d.hoppers[10].wait_ready(10)\n"
        "d.set_levels({10: 50})\n"
        "print('ready', flush=True)\n"
        "d.dispense(300)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        wait_for(lambda: hopper.paid_out >= 5, what="a few coins")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    dev = cash_device(load=False)  # the next worker: settles the payout in flight first
    wait_for(lambda: not hopper.paying, what="the hopper to finish")
    counters = dev.counters()
    assert counters.unresolved_payouts == ()
    assert counters.coins_out == {500: 0, 100: 0, 50: 0, 10: hopper.paid_out}
    assert dev.levels()[10] == 50 - hopper.paid_out


def test_a_stalled_payout_is_halted_and_settled_from_the_count(cash_rig: CashRig,
                                                               cash_device: Open) -> None:
    dev = cash_device(coin_time=0.05)
    hopper = cash_rig.hoppers[100]
    for other in (10, 50, 500):
        cash_rig.hoppers[other].set_coins(0)
    hopper.coin_interval = 0.05
    result: list[int] = []
    payer = threading.Thread(target=lambda: result.append(dev.dispense(1500)))
    payer.start()
    wait_for(lambda: hopper.paid_out >= 2, what="two coins")
    hopper.stall()  # a coin jam: it stops paying and never finishes
    payer.join(30)
    assert Header.EMERGENCY_STOP in hopper.headers  # halted: it cannot pay later, uncounted
    hopper.stall(False)
    assert not hopper.paying
    assert result == [hopper.paid_out * 100]
    assert dev.counters().coins_out[100] == hopper.paid_out


def test_a_count_the_hopper_no_longer_vouches_for_is_not_taken(cash_rig: CashRig,
                                                              cash_device: Open) -> None:
    """The hopper's memory fails its checksum mid-payout and its lifetime count reads less
    than before: taken at its word, the three coins paid would count as none and the
    change would be paid again in smaller coins. Its status of the payout says three; the
    hopper is then out of order."""
    dev = cash_device()
    hopper = cash_rig.hoppers[100]
    hopper.lifetime = 1000  # a hopper in service for a while
    hopper.stall()
    result: list[int] = []
    payer = threading.Thread(target=lambda: result.append(dev.dispense(300)))
    payer.start()
    wait_for(lambda: hopper.paying, what="the payout to start")
    hopper.corrupt_counters(lifetime=0)
    hopper.stall(False)
    payer.join(30)
    assert result == [300]
    assert {v: h.paid_out for v, h in cash_rig.hoppers.items()} == {500: 0, 100: 3, 50: 0, 10: 0}
    assert dev.counters().coins_out[100] == 3
    assert dev.self_check()["hopper_100"] == "hopper_fault"


@pytest.mark.parametrize("after_the_kill", ["memory_fails", "hopper_swapped"])
def test_a_payout_cut_short_is_not_settled_from_a_count_that_cannot_say(
        cash_rig: CashRig, cash_device: Open, tmp_path: Path, after_the_kill: str) -> None:
    """A process paying change is killed; then the hopper's memory fails its checksum, or
    a technician puts another hopper in (its own count, in the range the payout could
    have moved the old one's): the next process cannot tell what was paid, so the payout
    stays in flight for staff (never counted as paid, nor as unpaid, on a guess)."""
    hopper = cash_rig.hoppers[10]
    hopper.coin_interval = 0.05
    state = tmp_path / "state"
    code = (
        "from kiosk.payment.cash_device import open_cash_device\n"
        f"d = open_cash_device({str(state)!r}, coin_acceptor=None, "
        f"hoppers={{10: {hopper.path!r}}})\n"
        "assert d.hoppers[10].wait_ready(10)\n"
        "d.set_levels({10: 50})\n"
        "print('ready', flush=True)\n"
        "d.dispense(300)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        wait_for(lambda: hopper.paid_out >= 5, what="a few coins")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    wait_for(lambda: not hopper.paying, what="the hopper to finish")
    if after_the_kill == "memory_fails":
        hopper.corrupt_counters(lifetime=2)
    else:
        hopper.serial, hopper.lifetime = b"\x09\x09\x09", 2
    dev = cash_rig.open_device(state)  # the next worker
    try:
        wait_for(lambda: dev.hoppers[10].fault not in (None, "starting"), what="the hopper's start")
        assert dev.hoppers[10].fault == "payout_unconfirmed"
        assert dev.counters().unresolved_payouts == (10,)
        with pytest.raises(PaymentFault) as exc:
            dev.totals()
        assert exc.value.code == "payout_unresolved"
        # staff count what it paid (here the emulator knows: all 30) and settle it
        assert dev.payouts_in_flight() == {10: 30}
        with pytest.raises(InvalidAmount) as refused:
            dev.resolve_payout(10, 31)  # more than the payout asked
        assert refused.value.code == "bad_count"
        with pytest.raises(InvalidAmount) as refused:
            dev.resolve_payout(100, 0)  # a hopper with nothing in flight
        assert refused.value.code == "no_payout_in_flight"
        with pytest.raises(InvalidAmount) as refused:
            dev.resolve_payout(5, 0)  # no hopper of that coin
        assert refused.value.code == "unknown_denomination"
        dev.resolve_payout(10, hopper.paid_out)
        assert dev.payouts_in_flight() == {}
        assert dev.counters().coins_out[10] == hopper.paid_out == 30
        assert dev.totals().paid_out == 300
        with pytest.raises(InvalidAmount) as refused:
            dev.resolve_payout(10, 0)  # settled once: nothing in flight now
        assert refused.value.code == "no_payout_in_flight"
        # the swapped-in hopper starts; the one whose memory failed stays out of order
        expected = "hopper_fault" if after_the_kill == "memory_fails" else None
        wait_for(lambda: dev.hoppers[10].fault == expected, what=f"the hopper's state {expected}")
    finally:
        dev.close()


def test_a_payout_in_flight_is_never_overwritten_by_the_next(cash_rig: CashRig, cash_device: Open) -> None:
    """A payout still in flight on a hopper that answers (its count from another hopper,
    so it cannot be settled): the next payout is refused rather than written over it,
    which would lose what the first one paid."""
    dev = cash_device()
    hopper = cash_rig.hoppers[100]
    with dev.state.change() as r:
        h = r.hopper(100)
        h.pending, h.serial = PendingPayout(coins=3, count_before=0), "ffffff"
    with pytest.raises(PaymentFault) as exc:
        dev.hoppers[100].submit(lambda: dev.hoppers[100].pay(1)).result(WAIT)
    assert exc.value.code == "payout_unconfirmed"
    assert dev.state.read().hopper(100).pending == PendingPayout(coins=3, count_before=0)
    assert hopper.paid_out == 0
