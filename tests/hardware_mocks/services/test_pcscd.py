"""The pcscd harness's decisions about what it finds on the machine (no real pcscd here):
stale sockets, orphans of killed runs, foreign daemons, and other harnesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.services import pcscd as svc
from hardware_mocks.services.pcscd import Pcscd, PcscdBusy


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the harness at a private /run/pcscd and lock directory."""
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.setattr(svc, "SOCKET", run / "pcscd.comm")
    monkeypatch.setattr(svc, "PIDFILE", run / "pcscd.pid")
    monkeypatch.setattr(svc, "_lock_dir", lambda: tmp_path)
    monkeypatch.delenv("KIOSK_PCSCD_REUSE", raising=False)
    yield run


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def stale_socket(path: Path) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()  # the file stays, nobody listens


def test_stale_socket_is_removed(machine: Path) -> None:
    stale_socket(svc.SOCKET)
    svc.PIDFILE.write_text(f"{dead_pid()}\n")
    assert Pcscd()._clear_leftovers() is False
    assert not svc.SOCKET.exists() and not svc.PIDFILE.exists()


def test_foreign_pcscd_is_left_alone(machine: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as live:
        live.bind(str(svc.SOCKET))
        live.listen(1)
        svc.PIDFILE.write_text(f"{os.getpid()}\n")
        with pytest.raises(PcscdBusy, match="not started by this harness"):
            Pcscd()._clear_leftovers()
        assert svc.SOCKET.exists()


def test_foreign_pcscd_reused_on_request(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_PCSCD_REUSE", "1")
    monkeypatch.setattr("kiosk.card.reader.list_pcsc_readers", lambda: ["Virtual PCD 00 00"])
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as live:
        live.bind(str(svc.SOCKET))
        live.listen(1)
        service = Pcscd()
        assert service._clear_leftovers() is True
        assert service.reused and service.port == svc.DEBIAN_VPCD_PORT
        service.stop()  # never stops a foreign daemon
        assert svc.SOCKET.exists()


def test_orphan_of_killed_run_is_stopped(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    orphan = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])  # until killed
    monkeypatch.setattr(svc, "_comm", lambda pid: "pcscd" if pid == orphan.pid else "")
    service = Pcscd()
    service.record_path.write_text(f'{{"pid": {orphan.pid}, "port": 1}}')
    service._clear_leftovers()
    assert orphan.wait(timeout=10) is not None
    assert not service.record_path.exists()


def test_second_harness_waits_then_gives_up(machine: Path) -> None:
    first = Pcscd()
    first._take_lock()
    try:
        with pytest.raises(PcscdBusy, match="another test harness"):
            Pcscd(wait=0.3)._take_lock()
    finally:
        first.stop()
    second = Pcscd(wait=0.3)
    second._take_lock()  # free again once the first let go
    second.stop()


def test_free_port_pair() -> None:
    port = svc.free_port_pair()
    assert 20000 <= port < 30000 and svc._port_free(port + 1)


def test_systemd_socket_activation_is_paused_and_rearmed(machine: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, ...]] = []
    live = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    live.bind(str(svc.SOCKET))
    live.listen(1)

    def systemctl(*args: str) -> None:
        calls.append(args)
        if args[0] == "stop":
            live.close()
            svc.SOCKET.unlink()

    monkeypatch.setattr(svc, "_systemd_pcscd_active", lambda: True)
    monkeypatch.setattr(svc, "_systemctl", systemctl)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    service = Pcscd()
    assert service._clear_leftovers() is False and service.paused_systemd
    service.stop()
    assert calls == [("stop", "pcscd.socket", "pcscd.service"), ("start", "pcscd.socket")]


def test_systemd_pause_can_be_refused(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_PCSCD_SYSTEMD", "fail")
    monkeypatch.setattr(svc, "_systemd_pcscd_active", lambda: True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as live:
        live.bind(str(svc.SOCKET))
        live.listen(1)
        with pytest.raises(PcscdBusy):
            Pcscd()._clear_leftovers()
