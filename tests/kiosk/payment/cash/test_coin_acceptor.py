"""The ccTalk coin acceptor driver over the emulated acceptor on a pty: credits, the
ceiling's inhibits, two-phase stop, and every way the device can misbehave."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from kiosk.payment import cctalk_link
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.cctalk_frame import Checksum, Header
from kiosk.payment.port import (
    Credited,
    DeviceBusy,
    DeviceReset,
    Event,
    Jam,
    LostEvents,
    PaymentFault,
    Rejected,
)
from tests.fixtures.cash import events_until, stop_final
from tests.fixtures.waiting import wait_for

Open = Callable[..., CashDevice]


def credits(events: list[Event]) -> list[int]:
    return [e.denomination for e in events if isinstance(e, Credited)]


def fault_of(device: CashDevice) -> str:
    def raised() -> str | None:
        try:
            device.poll()
        except PaymentFault as exc:
            return exc.code
        return None

    code = wait_for(raised, what="a fault")
    assert code is not None
    return code


def test_coins_are_credited_under_the_ceiling(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    assert cash_rig.acceptor.insert(100) == "refused"  # between customers: master inhibit
    dev.start_accept(160)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    assert cash_rig.acceptor.insert(500) == "refused"  # over the ceiling: inhibited
    assert cash_rig.acceptor.insert(100) == "credited"
    events_until(dev, lambda ev: credits(ev) == [100])
    # 60 left: the mask now refuses a second 100 (position 3)
    wait_for(lambda: not cash_rig.acceptor.inhibit_mask & 0b100, what="100 inhibited")
    assert cash_rig.acceptor.insert(100) == "refused"
    assert cash_rig.acceptor.insert(50) == "credited"
    assert cash_rig.acceptor.insert(10) == "credited"
    events_until(dev, lambda ev: credits(ev) == [50, 10])
    assert stop_final(dev) == 160
    assert not cash_rig.acceptor.master_enabled
    assert cash_rig.acceptor.insert(10) == "refused"
    assert dev.counters().coins_in == {100: 1, 50: 1, 10: 1}


def test_wrong_phase_is_refused(cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(100)
    for call in (lambda: dev.start_accept(100), lambda: dev.dispense(10), dev.stack_escrow):
        with pytest.raises(DeviceBusy):
            call()


def test_a_coin_taken_while_stopping_is_in_the_final_amount(cash_rig: CashRig,
                                                            cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    assert cash_rig.acceptor.insert(500) == "credited"
    assert stop_final(dev) == 500  # stop blocks first, then reads the buffer once more


def test_crc16_on_a_single_wire_bus_with_echo(tmp_path: Path, cash_device: Open) -> None:
    with CashRig(checksum=Checksum.CRC16, echo=True) as rig:
        dev = cash_device(rig)
        dev.start_accept(100)
        wait_for(lambda: rig.acceptor.master_enabled, what="acceptor enabled")
        assert rig.acceptor.insert(100) == "credited"
        events_until(dev, lambda ev: credits(ev) == [100])
        assert stop_final(dev) == 100
        assert dev.dispense(60) == 60


def test_lost_events_are_reported_not_guessed(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(5000)
    cash_rig.acceptor.burst([10] * 7)  # faster than two polls: the buffer holds five
    seen = events_until(dev, lambda ev: any(isinstance(e, LostEvents) for e in ev))
    assert LostEvents(2) in seen and credits(seen) == [10] * 5
    assert dev.counters().coins_in == {10: 5}  # what the host knows, never more


def test_repeated_replies_credit_nothing_twice(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    cash_rig.acceptor.insert(100)
    events_until(dev, lambda ev: credits(ev) == [100])
    cash_rig.acceptor.repeat_replies(5)  # the same counter and events, five times
    cash_rig.acceptor.insert(50)
    seen = events_until(dev, lambda ev: 50 in credits(ev))
    assert credits(seen) == [50]
    assert dev.counters().coins_in == {100: 1, 50: 1}


def test_unknown_coin_code_is_a_fault(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    cash_rig.acceptor.credit_position(6, value=0)  # a foreign coin the table does not value
    assert fault_of(dev) == "unknown_coin"


def test_event_flood_is_a_fault_and_blocks_the_acceptor(cash_rig: CashRig,
                                                         cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    cash_rig.acceptor.flood(20)
    assert fault_of(dev) == "event_flood"
    wait_for(lambda: not cash_rig.acceptor.master_enabled, what="acceptor blocked")


@pytest.mark.parametrize(("fault", "code"), [("silent", "no_answer"), ("garbage", "garbage"),
                                             ("corrupt", "bad_checksum"),
                                             ("wrong_address", "wrong_address")])
def test_a_misbehaving_line_is_a_typed_fault(cash_rig: CashRig, cash_device: Open, fault: str,
                                             code: str) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    emu = cash_rig.acceptor
    if fault == "silent":
        emu.go_silent()
    else:
        getattr(emu, fault)(10_000)  # every reply from now on
    assert fault_of(dev) == code
    with pytest.raises(PaymentFault) as refused:
        stop_final(dev)
        dev.start_accept(100)
    assert refused.value.code == code
    # the line comes back: the driver initialises the acceptor again and serves
    emu.go_silent(False)
    with emu.lock:
        emu._garbage = emu._corrupt = emu._wrong_address = 0
    wait_for(lambda: dev.acceptor is not None and dev.acceptor.healthy, what="recovery")
    dev.start_accept(100)
    wait_for(lambda: emu.master_enabled, what="acceptor enabled")


def test_one_corrupted_reply_is_retried_silently(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    cash_rig.acceptor.corrupt(1)
    cash_rig.acceptor.insert(100)
    events_until(dev, lambda ev: credits(ev) == [100])
    assert dev.acceptor is not None and dev.acceptor.healthy


def test_a_jam_refuses_payment_until_cleared(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    cash_rig.acceptor.jam()
    events_until(dev, lambda ev: Jam("acceptor") in ev)
    stop_final(dev)
    with pytest.raises(PaymentFault) as refused:
        dev.start_accept(100)
    assert refused.value.code == "jam"
    cash_rig.acceptor.clear_jam()
    dev.start_accept(100)  # a clean self-check clears it


def test_fraud_is_a_rejected_coin(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    cash_rig.acceptor.string()
    assert Rejected("fraud") in events_until(dev, lambda ev: bool(ev))


def test_a_reset_acceptor_gets_its_settings_again(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    dev.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    cash_rig.acceptor.insert(10)  # the counter leaves 0: a reset brings it back there
    events_until(dev, lambda ev: credits(ev) == [10])
    cash_rig.acceptor.power_cycle()
    events_until(dev, lambda ev: DeviceReset() in ev)
    assert stop_final(dev) == 10
    headers = cash_rig.acceptor.headers
    last_reset_poll = len(headers) - 1 - headers[::-1].index(Header.READ_BUFFERED_CREDIT)
    assert Header.MODIFY_INHIBIT_STATUS in headers[-40:] and last_reset_poll > 0
    dev.start_accept(100)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="enabled after the reset")


def test_an_acceptor_that_steps_on_from_its_reset_by_itself_is_reset_not_wrapped(
        cash_rig: CashRig, cash_device: Open) -> None:
    """It reset and counted its own dummy event before the next poll: no hundreds of lost
    events, and its settings are sent again as after any reset."""
    dev = cash_device()
    dev.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    for _ in range(3):
        cash_rig.acceptor.insert(100)
    events_until(dev, lambda ev: credits(ev) == [100] * 3)
    cash_rig.acceptor.power_cycle(self_step=True)
    seen = events_until(dev, lambda ev: DeviceReset() in ev)
    assert not any(isinstance(ev, LostEvents) for ev in seen)
    assert stop_final(dev) == 300
    dev.start_accept(100)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="enabled after the reset")
    cash_rig.acceptor.insert(100)
    assert credits(events_until(dev, lambda ev: credits(ev) == [100])) == [100]


def test_coins_taken_while_no_process_polled_are_credited_by_the_next(
        cash_rig: CashRig, cash_device: Open) -> None:
    """A worker killed mid-payment leaves the acceptor enabled: coins still go in. The next
    process resumes from the counter in the state file and credits them, once."""
    first = cash_device()
    first.start_accept(1000)
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    cash_rig.acceptor.insert(100)
    events_until(first, lambda ev: credits(ev) == [100])
    first.close()  # the process is gone; the acceptor stays as it was
    cash_rig.acceptor.insert(500)
    second = cash_device(load=False)
    seen = events_until(second, lambda ev: bool(credits(ev)))
    assert credits(seen) == [500]
    assert second.counters().coins_in == {100: 1, 500: 1}


def test_a_busy_acceptor_is_asked_again_after_a_pause(cash_rig: CashRig, cash_device: Open,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """BUSY: the command was not carried out; asked again after a pause (part 1, §12), it is."""
    dev = cash_device()
    pauses: list[float] = []
    sleep = time.sleep

    def watched(seconds: float) -> None:
        if threading.current_thread().name == "cash-coin_acceptor":
            pauses.append(seconds)
        sleep(seconds)

    monkeypatch.setattr(time, "sleep", watched)  # the module cctalk_link calls
    before = cash_rig.acceptor.headers.count(Header.PERFORM_SELF_CHECK)
    cash_rig.acceptor.busy(Header.PERFORM_SELF_CHECK, 2)
    assert dev.self_check()["coin_acceptor"] == "ok"
    assert cash_rig.acceptor.headers.count(Header.PERFORM_SELF_CHECK) - before == 3
    assert pauses.count(cctalk_link.BUSY_PAUSE) == 2


def test_a_self_check_that_takes_its_time_is_waited_for(cash_rig: CashRig, cash_device: Open) -> None:
    """A self-check may take the device longer than a plain command to answer: 0.7 s is
    not a dead device."""
    dev = cash_device()
    cash_rig.acceptor.slow(Header.PERFORM_SELF_CHECK, 0.7)  # longer than three plain tries
    assert dev.self_check()["coin_acceptor"] == "ok"
