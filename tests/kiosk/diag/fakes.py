"""Scripted stand-ins for the diagnostic ports: healthy by default, faulty on request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest

from kiosk.diag.audit import AuditSink
from kiosk.diag.export import LogSink
from kiosk.diag.ports import PrinterStatus, RelayStatus
from kiosk.diag.residue import ResiduePaths
from kiosk.diag.service import DiagDevices, DiagPaths, DiagService
from protocol.clock import JST, FakeClock

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OTHER_KIOSK_SECRET = "KRUGKIDROVUWG2ZAMJZG653OEBTG66BA"


class DeviceFault(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class FakeCard:
    names: list[tuple[str, bool]] = field(default_factory=lambda: [("ACS ACR39U 00 00", True)])
    fault: str | None = None
    tries: int = 3

    def readers(self) -> list[tuple[str, bool]]:
        if self.fault == "pcscd_down":
            raise DeviceFault("reader_gone")
        return self.names

    def test_read(self) -> int:
        if self.fault:
            raise DeviceFault(self.fault)
        return self.tries


@dataclass
class FakePrinter:
    state: str = "idle"
    reasons: tuple[str, ...] = ()
    supplies: dict[str, int] = field(default_factory=lambda: {"paper": 80, "toner": 60})
    pages: int = 0
    cleared: int = 0

    def status(self) -> PrinterStatus:
        return PrinterStatus(self.state, self.reasons, self.supplies, self.state != "stopped")

    def test_page(self) -> str:
        if any(r.endswith("-error") for r in self.reasons):
            raise DeviceFault("print_failed")
        self.pages += 1
        return f"job-{self.pages}"

    def clear_fault(self) -> None:
        self.cleared += 1
        self.state = "idle"
        self.reasons = tuple(r for r in self.reasons if r != "paused")


@dataclass
class FakePayment:
    coins: dict[int, int] = field(default_factory=lambda: {500: 10, 100: 30, 50: 20, 10: 50})
    fault: str | None = None

    def self_test(self) -> None:
        if self.fault:
            raise DeviceFault(self.fault)

    def levels(self) -> Mapping[int, int]:
        return dict(self.coins)

    def can_payout(self, amount: int) -> bool:
        for d in sorted(self.coins, reverse=True):
            amount -= d * min(self.coins[d], amount // d)
        return amount == 0

    def empty(self) -> int:
        total = sum(d * n for d, n in self.coins.items())
        self.coins = dict.fromkeys(self.coins, 0)
        return total

    def refill(self, levels: Mapping[int, int]) -> None:
        for d, n in levels.items():
            self.coins[d] = self.coins.get(d, 0) + n


@dataclass
class FakeRelay:
    status: RelayStatus = field(default_factory=lambda: RelayStatus(
        True, True, True, relay_version="1.0",
        server_not_after=dt.datetime(2027, 11, 1, tzinfo=JST),
        client_not_after=dt.datetime(2027, 6, 1, tzinfo=JST)))

    def probe(self) -> RelayStatus:
        return self.status


@dataclass
class FakeGate:
    open: bool = False
    wiped: int = 0
    alarms_cleared: int = 0

    def session_open(self) -> bool:
        return self.open

    def end_and_wipe(self) -> None:
        self.wiped += 1
        self.open = False

    def clear_alarm(self) -> None:
        self.alarms_cleared += 1


def residue_paths(tmp: Path) -> ResiduePaths:
    spool = tmp / "spool"
    run = tmp / "run"
    spool.mkdir(exist_ok=True)
    run.mkdir(exist_ok=True)
    conf = tmp / "cupsd.conf"
    if not conf.exists():
        conf.write_text("PreserveJobFiles No\nPreserveJobHistory No\n")
    return ResiduePaths(spool_dir=spool, cupsd_conf=conf, scratch_dirs=(run,),
                        require_tmpfs=False)


@dataclass
class Rig:
    service: DiagService
    clock: FakeClock
    card: FakeCard
    printer: FakePrinter
    payment: FakePayment
    relay: FakeRelay
    gate: FakeGate
    tmp: Path
    modes: list[str]

    def code(self, secret: str = SECRET, offset_s: float = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock.now() + dt.timedelta(seconds=offset_s))

    def enter(self) -> None:
        assert self.service.authenticate(self.code()).ok


def make_rig(tmp: Path, secret_file: Path | None = None, audit_sink: AuditSink | None = None,
             log_sink: LogSink | None = None) -> Rig:
    clock = FakeClock()
    card, printer, payment, relay, gate = FakeCard(), FakePrinter(), FakePayment(), FakeRelay(), FakeGate()
    modes: list[str] = []
    (tmp / "usb").mkdir(exist_ok=True)
    service = DiagService(
        kiosk_id="KIOSK-0042",
        clock=clock,
        paths=DiagPaths(state_dir=tmp / "state", residue=residue_paths(tmp),
                        log_files=(tmp / "kiosk.log",), usb_dir=tmp / "usb",
                        journal=tmp / "state" / "journal.jsonl"),
        devices=DiagDevices(card=card, printer=printer, payment=payment, relay=relay),
        gate=gate,
        secret_loader=lambda: SECRET,
        audit_sink=audit_sink,
        on_mode_change=modes.append,
        log_sink=log_sink,
    )
    return Rig(service, clock, card, printer, payment, relay, gate, tmp, modes)


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return make_rig(tmp_path)
