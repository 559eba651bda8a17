"""The ID-003 note validator driver over the emulated validator: escrow, stack, return,
VEND VALID credited once, and the validator's faults."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.cash_state import CashState
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
from tests.fixtures.waiting import WAIT, wait_for

Open = Callable[..., CashDevice]


def accepting(rig: CashRig, device: CashDevice, ceiling: int = 5000) -> None:
    device.start_accept(ceiling)
    assert rig.validator is not None
    wait_for(lambda: rig.validator is not None and not rig.validator.inhibited, what="validator open")


def in_escrow(rig: CashRig, device: CashDevice, value: int) -> None:
    """The validator open and a note of ``value`` held in its escrow, the driver told."""
    accepting(rig, device)
    assert rig.validator is not None
    rig.validator.insert(value)
    events_until(device, lambda ev: Escrow(value) in ev)


def fault_of(device: CashDevice, codes: list[str] | None = None) -> str | None:
    try:
        device.poll()
    except PaymentFault as exc:
        if codes is not None:
            codes.append(exc.code)
        return exc.code
    return None


def events_or_fault(device: CashDevice, codes: list[str]) -> list[Event]:
    """One poll: its events, or none and the fault it raised added to ``codes``."""
    try:
        return device.poll()
    except PaymentFault as exc:
        codes.append(exc.code)
        return []


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
    in_escrow(cash_rig, dev, 1000)
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


def test_a_note_credited_by_a_worker_that_died_before_its_ack_is_not_credited_again(
        cash_rig: CashRig, cash_device: Open) -> None:
    """The validator repeats VEND VALID until an ACK reaches it, to the next process too:
    that one finds the note credited in the state file, ACKs it and credits nothing."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    in_escrow(cash_rig, dev, 1000)
    v.lose_acks(10**6)  # no ACK reaches the validator before the worker dies
    dev.stack_escrow()
    events_until(dev, lambda ev: Stacked(1000) in ev)
    assert v.status == Status.VEND_VALID
    dev.close()
    v.lose_acks(0)
    again = cash_device()
    wait_for(lambda: v.status in (Status.IDLING, Status.DISABLED), what="the validator took the ACK")
    assert Stacked(1000) not in again.poll()
    assert again.counters().notes_in == {1000: 1} and v.stacked == 1000
    # dropped as the driver reads the status after VEND VALID, just after the emulator moved on
    wait_for(lambda: again.state.read().note_vended is None, what="the credited mark dropped")


def test_a_vend_valid_no_stack_asked_for_is_reported_not_credited(tmp_path: Path) -> None:
    """A note the validator vends with no STACK on record (the state file was replaced):
    staff are told; the validator's escrow code alone never becomes money."""
    with CashRig() as rig:
        v = rig.validator
        assert v is not None
        first = rig.open_device(tmp_path / "one")
        assert first.validator is not None and first.validator.wait_ready(WAIT)  # or it stays shut
        first.start_accept(5000)
        wait_for(lambda: not v.inhibited, what="validator open")
        v.insert(1000)
        events_until(first, lambda ev: Escrow(1000) in ev)
        v.lose_acks(10**6)
        first.stack_escrow()
        events_until(first, lambda ev: Stacked(1000) in ev)
        first.close()
        v.lose_acks(0)
        other = rig.open_device(tmp_path / "two")  # a state file with no record of the note
        try:
            codes: list[str] = []
            wait_for(lambda: fault_of(other, codes) == "note_unresolved", what="note_unresolved")
            assert other.counters().notes_in == {}
        finally:
            other.close()


def test_a_garbled_reply_to_stack_is_not_answered_by_a_second_stack(
        cash_rig: CashRig, cash_device: Open) -> None:
    """The validator took the STACK and the note is moving: it would refuse another. The
    driver asks the status instead, and the payment goes on."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    in_escrow(cash_rig, dev, 1000)
    v.corrupt(1)
    dev.stack_escrow()
    events_until(dev, lambda ev: Stacked(1000) in ev)
    wait_for(lambda: v.status == Status.IDLING, what="the validator idle again")
    assert fault_of(dev) is None
    assert v.commands.count(Command.STACK_1) == 1 and v.stacked == 1000
    assert stop_final(dev) == 1000


def test_power_lost_as_stack_arrives_hands_the_note_back_and_tells_staff(
        cash_rig: CashRig, cash_device: Open) -> None:
    """POWER UP with a bill in the acceptor after a STACK: the validator may hand the note
    back or stack it after RESET, so it is not credited, and staff count it."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    in_escrow(cash_rig, dev, 1000)
    v.cut_power_at_next_command()
    dev.stack_escrow()
    seen: list[Event] = []
    codes: list[str] = []

    def check() -> bool:
        seen.extend(events_or_fault(dev, codes))
        return DeviceReset() in seen and "note_unresolved" in codes

    wait_for(check, what="reset and report")
    wait_for(lambda: v.returned == 1000, what="the note handed back")
    assert Stacked(1000) not in seen and dev.counters().notes_in == {} and v.stacked == 0


def test_power_up_with_a_note_in_escrow_gives_it_back(cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    in_escrow(cash_rig, dev, 1000)
    v.power_cycle()
    events_until(dev, lambda ev: DeviceReset() in ev)
    wait_for(lambda: v.returned == 1000, what="the note handed back at the RESET")
    assert fault_of(dev) is None and dev.counters().notes_in == {}


def test_a_validator_programmed_with_other_values_takes_no_note(tmp_path: Path) -> None:
    """The configuration says escrow code 0x61 is 1,000 yen; this validator's 8A table
    says 10,000: it is inhibited and out of order, and coins are still taken."""
    with CashRig() as rig:
        v = rig.validator
        assert v is not None
        v.notes = {10000: 0x61, 1000: 0x63, 5000: 0x64}
        dev = rig.open_device(tmp_path)
        try:
            assert dev.validator is not None
            wait_for(lambda: dev.validator is not None and dev.validator.fault == "note_table_mismatch",
                     what="note_table_mismatch")
            assert v.inhibited
            dev.start_accept(500)
            wait_for(lambda: rig.acceptor.master_enabled, what="acceptor enabled")
            assert rig.acceptor.insert(100) == "credited"
        finally:
            dev.close()


def test_a_validator_that_does_not_know_8a_is_taken_at_the_configuration_s_word(
        cash_rig: CashRig, cash_device: Open, caplog: pytest.LogCaptureFixture) -> None:
    v = cash_rig.validator
    assert v is not None
    v.knows_currency_table = False
    caplog.set_level(logging.WARNING, logger="kiosk.payment.cash")
    dev = cash_device()
    in_escrow(cash_rig, dev, 1000)
    assert "payment.note_table_unread" in [r.getMessage() for r in caplog.records]


def test_a_stack_the_last_worker_recorded_is_forgotten_when_the_validator_is_empty(
        cash_rig: CashRig, cash_device: Open, tmp_path: Path) -> None:
    """The worker died after recording a STACK it never sent: the validator handed the
    note back on its own (an unanswered escrow) and is idle. The record goes, with no credit."""
    cash_device().close()  # the validator is past its power-up, idle
    state = CashState.in_state_dir(tmp_path / "state")  # the cash_device fixture's
    with state.change() as r:
        r.note_stacking = 1000
    dev = cash_device()
    assert dev.state.read().note_stacking is None and dev.counters().notes_in == {}


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
    in_escrow(cash_rig, dev, 1000)
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


def test_a_note_left_in_escrow_goes_back_by_itself_and_is_not_counted(
        cash_rig: CashRig, cash_device: Open) -> None:
    """No STACK or RETURN within the validator's escrow timeout: it hands the note back
    on its own (RETURNING, then IDLING); the driver reports it returned, never credited."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    v.escrow_timeout = 0.2
    accepting(cash_rig, dev)
    v.insert(1000)
    seen = events_until(dev, lambda ev: Returned(1000) in ev)
    assert Escrow(1000) in seen and Stacked(1000) not in seen
    assert Status.RETURNING in v.reported
    assert (v.stacked, v.returned) == (0, 1000) and dev.counters().notes_in == {}
    assert stop_final(dev) == 0


def test_a_stack_that_comes_after_the_escrow_timeout_credits_nothing(
        cash_rig: CashRig, cash_device: Open) -> None:
    """The host decides too late (its thread was held): the validator already hands the
    note back and refuses the STACK. That is no fault, the note is returned, the STACK's
    record is dropped, and nothing is credited."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None and dev.validator is not None
    v.escrow_timeout = 0.2
    in_escrow(cash_rig, dev, 1000)
    held = threading.Event()
    dev.validator.submit(lambda: held.wait(WAIT))  # the driver's thread is busy elsewhere
    dev.stack_escrow()  # queued behind it
    wait_for(lambda: v.returned == 1000, what="the validator's own return")
    held.set()
    codes: list[str] = []
    seen: list[Event] = []

    def returned() -> bool:
        seen.extend(events_or_fault(dev, codes))
        return Returned(1000) in seen

    wait_for(returned, what="the note reported returned")
    assert Command.STACK_1 in v.commands and v.stacked == 0
    assert Stacked(1000) not in seen and codes == []
    assert dev.counters().notes_in == {} and dev.state.read().note_stacking is None
    assert stop_final(dev) == 0


def test_a_vend_valid_whose_ack_is_corrupted_is_repeated_and_credited_once(
        cash_rig: CashRig, cash_device: Open) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    in_escrow(cash_rig, dev, 1000)
    v.corrupt_inbound(1)  # the STACK: no answer, the driver finds the note still in escrow
    dev.stack_escrow()
    wait_for(lambda: v.status == Status.VEND_VALID, what="VEND VALID")
    v.corrupt_inbound(2)  # the next ACKs arrive garbled: VEND VALID comes again
    seen = events_until(dev, lambda ev: Stacked(1000) in ev)
    wait_for(lambda: v.status == Status.IDLING, what="the validator idle again")
    seen += dev.poll()
    assert seen.count(Stacked(1000)) == 1 and v.commands.count(Command.STACK_1) == 1
    assert v.stacked == 1000 and dev.counters().notes_in == {1000: 1}
    assert stop_final(dev) == 1000


def test_a_validator_hung_on_an_unacked_vend_valid_is_reset_and_the_note_counted_once(
        cash_rig: CashRig, cash_device: Open) -> None:
    """Every ACK is lost: the validator repeats VEND VALID, then stops answering. The
    driver, which credited the note at the first VEND VALID, resets it and credits
    nothing more."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    v.vend_valid_timeout = 0.3
    in_escrow(cash_rig, dev, 1000)
    v.lose_acks(10**6)
    dev.stack_escrow()
    seen = events_until(dev, lambda ev: Stacked(1000) in ev)
    wait_for(lambda: v.hung, what="the validator hung")
    codes: list[str] = []

    def back() -> bool:
        seen.extend(events_or_fault(dev, codes))
        return dev.validator is not None and dev.validator.healthy \
            and v.status in (Status.IDLING, Status.DISABLED)

    wait_for(back, what="the validator reset and back")
    seen += dev.poll()
    assert Command.RESET in v.commands[v.commands.index(Command.STACK_1):]
    assert "no_answer" in codes and "note_unresolved" not in codes
    assert seen.count(Stacked(1000)) == 1 and not v.hung
    assert v.stacked == 1000 and dev.counters().notes_in == {1000: 1}
    assert dev.state.read().note_vended is None


def test_a_validator_hung_on_a_vend_valid_the_host_never_saw_credits_it_once(
        cash_rig: CashRig, cash_device: Open) -> None:
    """Every reply is garbled from the STACK on: the host never sees VEND VALID, and the
    validator hangs on it. Once it answers the RESET the note (past the stacker: it hangs
    only after VEND VALID) is credited once and staff are told."""
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None
    v.vend_valid_timeout = 0.3
    in_escrow(cash_rig, dev, 1000)
    v.corrupt(10**6)
    dev.stack_escrow()
    wait_for(lambda: v.hung, what="the validator hung on a VEND VALID nobody saw")
    v.mend()  # the line mends; the validator answers only RESET
    seen: list[Event] = []
    codes: list[str] = []

    def check() -> bool:
        seen.extend(events_or_fault(dev, codes))
        return Stacked(1000) in seen and "note_unresolved" in codes

    wait_for(check, what="credit and report")
    wait_for(lambda: v.status in (Status.IDLING, Status.DISABLED), what="the validator back")
    seen += dev.poll()
    assert seen.count(Stacked(1000)) == 1 and v.stacked == 1000
    assert dev.counters().notes_in == {1000: 1} and dev.state.read().note_stacking is None
