"""The ID-003 note validator driver over the emulated validator: escrow, stack, return,
VEND VALID credited once, and the validator's faults."""

from __future__ import annotations

from collections.abc import Callable

from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.id003 import Command, Status
from kiosk.payment.port import (
    DeviceReset,
    Escrow,
    Event,
    Jam,
    PaymentFault,
    Rejected,
    Returned,
    Stacked,
)
from tests.fixtures.cash import events_until, stop_final
from tests.fixtures.waiting import wait_for

Open = Callable[..., CashDevice]


def accepting(rig: CashRig, device: CashDevice, ceiling: int = 5000) -> None:
    device.start_accept(ceiling)
    assert rig.validator is not None
    wait_for(lambda: rig.validator is not None and not rig.validator.inhibited, what="validator open")


def fault_of(device: CashDevice) -> str | None:
    try:
        device.poll()
    except PaymentFault as exc:
        return exc.code
    return None


def test_a_note_waits_in_escrow_and_is_stacked_on_the_hosts_word(
        cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    accepting(cash_rig, dev)
    assert v.insert(1000) == "escrow"
    events_until(dev, lambda ev: Escrow(1000) in ev)
    assert v.stacked == 0
    dev.stack_escrow()
    seen = events_until(dev, lambda ev: Stacked(1000) in ev)
    assert seen.count(Stacked(1000)) == 1
    assert v.stacked == 1000 and dev.counters().notes_in == {1000: 1}
    assert stop_final(dev) == 1000


def test_a_returned_note_goes_back(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    accepting(cash_rig, dev)
    v.insert(1000)
    events_until(dev, lambda ev: Escrow(1000) in ev)
    dev.return_escrow()
    events_until(dev, lambda ev: Returned(1000) in ev)
    assert (v.stacked, v.returned) == (0, 1000)
    assert dev.counters().notes_in == {}


def test_notes_over_the_ceiling_are_inhibited(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    accepting(cash_rig, dev, ceiling=1500)
    wait_for(lambda: v.enabled == {0x61}, what="only the 1,000-yen note enabled")
    assert v.insert(5000) == "rejected"
    assert Rejected("inhibited") in events_until(dev, lambda ev: bool(ev))


def test_vend_valid_is_credited_once_however_often_it_repeats(
        cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    accepting(cash_rig, dev)
    v.lose_acks(3)  # the host's ACKs vanish: VEND VALID comes again and again
    v.insert(1000)
    events_until(dev, lambda ev: Escrow(1000) in ev)
    dev.stack_escrow()
    wait_for(lambda: v.status == Status.IDLING, what="the validator idle again")
    seen = dev.poll()
    assert seen.count(Stacked(1000)) == 1
    assert v.commands.count(Command.ACK) >= 4
    assert dev.counters().notes_in == {1000: 1}


def test_a_note_code_with_no_value_is_returned_and_reported(cash_rig: CashRig,
                                                             cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    v.notes[2000] = 0x62  # the validator takes a note the kiosk was not told about
    accepting(cash_rig, dev)
    with v.lock:
        v.enabled = frozenset({0x61, 0x62})
    assert v.insert(2000) == "escrow"
    wait_for(lambda: fault_of(dev) == "unknown_note", what="unknown_note")
    assert (v.stacked, v.returned) == (0, 2000)


def test_jam_and_fraud(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    accepting(cash_rig, dev)
    v.cheat()
    assert Rejected("fraud") in events_until(dev, lambda ev: Rejected("fraud") in ev)
    v.jam()
    events_until(dev, lambda ev: Jam("note_validator") in ev)
    assert dev.validator is not None and dev.validator.out_of_order == "note_jam"
    v.clear_jam()
    wait_for(lambda: dev.validator is not None and dev.validator.out_of_order is None,
             what="jam cleared")


def test_power_cut_while_stacking_credits_the_note_in_the_stacker(
        cash_rig: CashRig, cash_device: Open) -> None:
    """The validator restarts after STACK and before VEND VALID reached the host, with the
    note in the stacker: the customer is credited, staff are told."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    accepting(cash_rig, dev)
    v.insert(1000)
    events_until(dev, lambda ev: Escrow(1000) in ev)
    v.cut_power_after_stack()
    dev.stack_escrow()
    seen: list[Event] = []
    codes: list[str] = []

    def check() -> bool:
        try:
            seen.extend(dev.poll())
        except PaymentFault as exc:
            codes.append(exc.code)
        return Stacked(1000) in seen and "note_unresolved" in codes

    wait_for(check, what="credit and report")
    assert DeviceReset() in seen and seen.count(Stacked(1000)) == 1
    assert v.stacked == 1000 and dev.counters().notes_in == {1000: 1}


def test_a_validator_that_stops_answering_only_stops_notes(cash_rig: CashRig,
                                                             cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    v.go_silent()
    wait_for(lambda: fault_of(dev) == "no_answer", what="no_answer")
    dev.start_accept(500)  # coins are still taken
    wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
    assert cash_rig.acceptor.insert(100) == "credited"
