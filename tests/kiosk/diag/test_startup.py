"""The start-up and daily self-tests tell systemd what they found."""

from __future__ import annotations

import socket
from pathlib import Path

from kiosk.diag.startup import daily_selftest, start_selftest
from kiosk.notify import Notifier
from tests.fixtures.diag import Rig


def listen(tmp: Path) -> tuple[socket.socket, Notifier]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp / "notify"))
    sock.settimeout(5)
    return sock, Notifier(environ={"NOTIFY_SOCKET": str(tmp / "notify")})


def test_ready_after_a_passing_self_test(rig: Rig, tmp_path: Path) -> None:
    sock, notifier = listen(tmp_path)
    with sock:
        assert start_selftest(rig.service, notifier).can_serve
        assert sock.recv(256) == b"READY=1\nSTATUS=in service"


def test_ready_even_when_it_cannot_serve(rig: Rig, tmp_path: Path) -> None:
    rig.printer.reasons = ("media-empty-error",)
    sock, notifier = listen(tmp_path)
    with sock:
        assert not start_selftest(rig.service, notifier).can_serve
        assert sock.recv(256) == b"READY=1\nSTATUS=out of service: printer.state:media-empty-error"


def test_daily_only_when_due(rig: Rig, tmp_path: Path) -> None:
    sock, notifier = listen(tmp_path)
    with sock:
        start_selftest(rig.service, notifier)
        sock.recv(256)
        assert daily_selftest(rig.service, notifier) is None
        rig.clock.advance(24 * 3600)
        assert daily_selftest(rig.service, notifier) is not None
        assert sock.recv(256) == b"STATUS=in service"
    kinds = [r.get("kind") for r in rig.service.audit.records() if r["event"] == "diag.selftest"]
    assert kinds == ["start", "daily"]
