"""kiosk.notify speaks sd_notify to a real datagram socket, and is silent outside systemd."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.notify import Notifier


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        yield sock, path


def test_no_op_outside_systemd() -> None:
    notifier = Notifier(environ={})
    assert not notifier.enabled
    assert notifier.ready() is False and notifier.watchdog() is False
    assert notifier.watchdog_interval_ms() is None


def test_messages(listener: tuple[socket.socket, str]) -> None:
    sock, path = listener
    notifier = Notifier(environ={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"})
    assert notifier.enabled and notifier.watchdog_interval_ms() == 15000
    assert notifier.ready("in service")
    assert sock.recv(512) == b"READY=1\nSTATUS=in service"
    assert notifier.watchdog()
    assert sock.recv(512) == b"WATCHDOG=1"
    assert notifier.status("diagnostic\nREADY=1")  # cannot inject a second line
    assert sock.recv(512) == b"STATUS=diagnostic_READY_1"
    assert notifier.stopping()
    assert sock.recv(512) == b"STOPPING=1"


def test_watchdog_pid_of_cage_does_not_disable_pings(listener: tuple[socket.socket, str]) -> None:
    _, path = listener
    notifier = Notifier(environ={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000",
                                 "WATCHDOG_PID": "1"})
    assert notifier.watchdog_interval_ms() == 2


def test_a_vanished_manager_is_not_an_error(tmp_path: Path) -> None:
    notifier = Notifier(environ={"NOTIFY_SOCKET": str(tmp_path / "gone.sock")})
    assert notifier.enabled and notifier.ready() is False
