"""Frames from the host that reach a device corrupted (a bad CRC or checksum on the way
in): the device stays silent, the driver sends again within its bounds, and a command
that never gets through is a typed fault (``PaymentFault("no_answer")``), not a hang."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from hardware_mocks.cash.rig import CashRig
from kiosk.payment import cctalk_link, note_validator
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.cctalk_frame import Header
from kiosk.payment.cctalk_link import CcTalkLink
from kiosk.payment.id003 import Command, Status
from kiosk.payment.note_validator import Id003Link
from kiosk.payment.port import PaymentFault
from kiosk.payment.serial_port import Port, open_tty
from tests.fixtures.waiting import wait_for


@pytest.fixture
def port_on(cash_rig: CashRig) -> Iterator[Callable[[str], Port]]:
    opened: list[Port] = []

    def open_port(path: str) -> Port:
        opened.append(open_tty(path))
        return opened[-1]

    yield open_port
    for port in opened:
        port.close()


def test_the_validator_ignores_a_corrupted_command_and_the_driver_sends_it_again(
        cash_rig: CashRig, port_on: Callable[[str], Port]) -> None:
    v = cash_rig.validator
    assert v is not None
    link = Id003Link(port_on(v.path))
    v.corrupt_inbound(note_validator.TRIES - 1)
    assert link.transact(Command.STATUS_REQUEST).code == Status.POWER_UP
    assert v.commands == [Command.STATUS_REQUEST]  # the corrupted ones were never taken


def test_a_validator_command_that_never_gets_through_is_no_answer(
        cash_rig: CashRig, port_on: Callable[[str], Port]) -> None:
    v = cash_rig.validator
    assert v is not None
    link = Id003Link(port_on(v.path))
    v.corrupt_inbound(note_validator.TRIES)
    with pytest.raises(PaymentFault) as err:
        link.transact(Command.STATUS_REQUEST)
    assert err.value.code == "no_answer" and v.commands == []
    link.transact(Command.STATUS_REQUEST, tries=1)  # every try was spent on the corrupted ones
    assert v.commands == [Command.STATUS_REQUEST]


def test_a_cctalk_device_ignores_a_corrupted_command_and_the_driver_sends_it_again(
        cash_rig: CashRig, port_on: Callable[[str], Port]) -> None:
    a = cash_rig.acceptor
    link = CcTalkLink(port_on(a.path), a.address, a.checksum)
    a.corrupt_inbound(cctalk_link.TRIES - 1)
    assert link.transact(Header.SIMPLE_POLL) == b""
    assert a.headers == [Header.SIMPLE_POLL]


def test_a_cctalk_command_that_never_gets_through_is_no_answer(
        cash_rig: CashRig, port_on: Callable[[str], Port]) -> None:
    a = cash_rig.acceptor
    link = CcTalkLink(port_on(a.path), a.address, a.checksum)
    a.corrupt_inbound(cctalk_link.TRIES)
    with pytest.raises(PaymentFault) as err:
        link.transact(Header.SIMPLE_POLL)
    assert err.value.code == "no_answer" and a.headers == []
    assert link.transact(Header.SIMPLE_POLL, once=True) == b""
    assert a.headers == [Header.SIMPLE_POLL]


def test_a_validator_that_gets_only_corrupted_commands_is_out_of_order_until_they_get_through(
        cash_rig: CashRig, cash_device: Callable[..., CashDevice]) -> None:
    dev = cash_device()
    v = cash_rig.validator
    assert v is not None and dev.validator is not None
    v.corrupt_inbound(10**6)
    wait_for(lambda: dev.validator is not None and dev.validator.fault == "no_answer",
             what="no_answer")
    with v.lock:
        v._corrupt_inbound = 0  # the line mends
    wait_for(lambda: dev.validator is not None and dev.validator.healthy, what="the validator back")
