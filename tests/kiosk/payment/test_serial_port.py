"""The line settings the drivers open their ttys with: ID-003 is 9600 baud, 8 data bits,
even parity, 1 stop bit; ccTalk 9600 8N1 (docs/payment.md). Read from the termios
attributes pyserial sets on the tty (a pty keeps the speed and the frame size but drops
the parity bit, so the parity is read from what was asked of it)."""

from __future__ import annotations

import os
import termios
from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cash_device import open_cash_device
from kiosk.payment.serial_port import open_tty
from tests.fixtures.waiting import WAIT

#: termios attributes by tty path, as each ``tcsetattr`` asked them.
Asked = dict[str, list[int]]


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> Asked:
    seen: Asked = {}
    real: Callable[..., None] = termios.tcsetattr

    def tcsetattr(fd: int, when: int, attrs: list[int]) -> None:
        seen[os.ttyname(fd)] = list(attrs)
        real(fd, when, attrs)

    monkeypatch.setattr(termios, "tcsetattr", tcsetattr)
    return seen


def line(attrs: list[int]) -> tuple[int, int, str, int]:
    """(input speed, output speed, parity, stop bits) of termios attributes, 8 bits checked."""
    cflag = attrs[2]
    assert cflag & termios.CSIZE == termios.CS8
    parity = "N" if not cflag & termios.PARENB else "O" if cflag & termios.PARODD else "E"
    return attrs[4], attrs[5], parity, 2 if cflag & termios.CSTOPB else 1


@pytest.mark.parametrize("parity", [serial.PARITY_EVEN, serial.PARITY_NONE])
def test_open_tty_asks_for_9600_8_data_bits_the_parity_and_1_stop_bit(
        cash_rig: CashRig, asked: Asked, parity: str) -> None:
    path = cash_rig.acceptor.path
    port = open_tty(path, parity=parity)
    try:
        assert line(asked[path]) == (termios.B9600, termios.B9600, parity, 1)
        got = termios.tcgetattr(port.fileno())  # what the tty holds
        assert (got[4], got[5], got[2] & termios.CSIZE, got[2] & termios.CSTOPB) == (
            termios.B9600, termios.B9600, termios.CS8, 0)
    finally:
        port.close()


def test_the_validator_s_tty_is_opened_8e1_and_the_cctalk_ttys_8n1(
        cash_rig: CashRig, asked: Asked, tmp_path: Path) -> None:
    """The drivers as the composition root builds them (``validator_parity`` left at its
    production value, as ``note_validator_parity = "even"`` gives it)."""
    v = cash_rig.validator
    assert v is not None
    device = open_cash_device(tmp_path, coin_acceptor=cash_rig.acceptor.path,
                              hoppers={c: h.path for c, h in cash_rig.hoppers.items()},
                              note_validator=v.path, notes={0x61: 1000})
    try:
        assert all(driver.wait_ready(WAIT) for driver in device.devices)
    finally:
        device.close()
    cctalk = [cash_rig.acceptor.path, *(h.path for h in cash_rig.hoppers.values())]
    assert line(asked[v.path]) == (termios.B9600, termios.B9600, "E", 1)
    for path in cctalk:
        assert line(asked[path]) == (termios.B9600, termios.B9600, "N", 1)
