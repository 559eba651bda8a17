"""The worker's PIN framing: the digits go from the socket straight into a bytearray."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import pytest

from kiosk.process.worker import recv_frame_into
from kiosk.session.viewmodel import Intent, IntentKind
from tests.fixtures.session import Harness, drive_to


def test_pin_frame_is_read_straight_into_the_bytearray(monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = socket.socketpair()
    host, worker = Connection(a.detach()), Connection(b.detach())

    def copies(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("recv_bytes_into reads through a BytesIO copy")

    monkeypatch.setattr(Connection, "recv_bytes_into", copies)
    try:
        frame = bytearray(b"\x00\x00\x00\x041234")  # what SessionHost.send_pin writes
        os.write(host.fileno(), frame)
        host.send_bytes(b"123456")  # malformed: dropped, the buffer left untouched
        host.send(("next",))
        pin = bytearray(4)
        assert recv_frame_into(worker, pin) == 4 and pin == bytearray(b"1234")
        other = bytearray(4)
        assert recv_frame_into(worker, other) == 6 and other == bytearray(4)
        assert worker.recv() == ("next",)  # the stream is still in step
        host.close()
        with pytest.raises(EOFError):
            recv_frame_into(worker, other)
    finally:
        worker.close()
        if not host.closed:
            host.close()


def test_pin_is_zeroed_when_authentication_fails_an_internal_check(
        harness: Callable[..., Harness]) -> None:
    h = harness()
    drive_to(h, "pin")
    h.engine._card = None  # an internal check fails before VERIFY
    pin = bytearray(b"7391")
    h.engine.intent(Intent(IntentKind.PIN_SUBMITTED), pin=pin)
    with pytest.raises(AssertionError):
        h.engine.tick()
    assert pin == bytearray(4)


def test_harden_leaves_the_worker_undumpable_and_without_core_files() -> None:
    """In a child, so the test process keeps its own settings: PR_GET_DUMPABLE reads 0 and
    RLIMIT_CORE is 0 after harden()."""
    code = ("import ctypes, resource\n"
            "from kiosk.process.worker import harden\n"
            "harden()\n"
            "libc = ctypes.CDLL(None)\n"
            "print(libc.prctl(3, 0, 0, 0, 0), resource.getrlimit(resource.RLIMIT_CORE))\n")  # 3: PR_GET_DUMPABLE
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.split("\n")[0] == "0 (0, 0)"
