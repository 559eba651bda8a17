"""The cash device emulators remember what they heard and said (the tests read it) only
as far back as :data:`~hardware_mocks.cash.pty_device.REMEMBERED` items: polled for as
long as a ``make demo`` runs, they hold no more than after a test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hardware_mocks.cash.pty_device import REMEMBERED, Recent
from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cctalk_frame import Header
from kiosk.payment.cctalk_link import CcTalkLink
from kiosk.payment.id003 import Command, Status
from kiosk.payment.note_validator import Id003Link
from kiosk.payment.serial_port import Port, open_tty

#: More polls than the emulators remember: twice over, so the oldest are long gone.
POLLS = 2 * REMEMBERED + 7


@pytest.fixture
def rig() -> Iterator[CashRig]:
    with CashRig(coins={100: 5}) as rig:
        yield rig


@pytest.fixture
def ports() -> Iterator[list[Port]]:
    opened: list[Port] = []
    yield opened
    for port in opened:
        port.close()


def test_a_validator_polled_for_long_keeps_only_its_last_commands_and_statuses(
        rig: CashRig, ports: list[Port]) -> None:
    v = rig.validator
    assert v is not None
    ports.append(open_tty(v.path))
    link = Id003Link(ports[-1])
    link.transact(Command.RESET)
    for _ in range(POLLS):
        link.transact(Command.STATUS_REQUEST)
    assert len(v.commands) == REMEMBERED and len(v.reported) == REMEMBERED
    assert Command.RESET not in v.commands  # the oldest went first
    assert v.commands[-1] == Command.STATUS_REQUEST and v.reported[-1] == Status.INITIALIZE
    link.transact(Command.RESET)
    assert len(v.commands) == REMEMBERED and v.commands[-1] == Command.RESET  # the newest stays


@pytest.mark.parametrize("device", ["acceptor", "hopper"])
def test_a_cctalk_device_polled_for_long_keeps_only_its_last_headers(
        rig: CashRig, ports: list[Port], device: str) -> None:
    d = rig.acceptor if device == "acceptor" else rig.hoppers[100]
    ports.append(open_tty(d.path))
    link = CcTalkLink(ports[-1], d.address, d.checksum)
    link.transact(Header.REQUEST_SERIAL_NUMBER)
    for _ in range(POLLS):
        link.transact(Header.SIMPLE_POLL)
    assert len(d.headers) == REMEMBERED
    assert Header.REQUEST_SERIAL_NUMBER not in d.headers
    link.transact(Header.REQUEST_SERIAL_NUMBER)
    assert len(d.headers) == REMEMBERED and d.headers[-1] == Header.REQUEST_SERIAL_NUMBER


def test_recent_is_a_list_that_drops_its_oldest() -> None:
    log = Recent([1, 2, 3], maxlen=3)
    log.append(4)
    assert log == [2, 3, 4]  # compared with a list, as the tests compare what a device heard
    log.extend([5, 6])
    assert log == [4, 5, 6] and log[log.index(5):] == [5, 6]
    log += [7]
    assert log == [5, 6, 7] and isinstance(log, Recent)
    with pytest.raises(ValueError):
        Recent(maxlen=0)
