"""``kill -9`` of the whole kiosk (host, worker and warm spare), or of its worker alone, while a customer's money
moves through the real cash drivers, then the kiosk starts again: recovery settles the
session from the journal and the transaction from the devices' own counters.

- ``mid_payment``: a coin is in, not enough, the kiosk dies with the acceptor still open,
  and a second coin goes in while no process polls it. The next kiosk credits that coin
  from the acceptor's event counter and refunds both: nothing printed, nothing kept.
- ``mid_change``: a note paid, the certificate printed, the hopper paying the change when
  the kiosk dies; the hopper pays on by itself. The next kiosk settles the payout from the
  hopper's dispense count: the change is paid exactly once, nothing is paid twice.

The physical truth (what the emulators took and paid out) agrees with the ledger, which
agrees with the journal's settlement."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from hardware_mocks.session import specs
from hardware_mocks.world import World
from kiosk.payment.ledger import Ledger
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Screen
from tests.fixtures.waiting import wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[4]
WAIT = 60.0  # a whole journey on two shared cores


class Kiosk:
    def __init__(self, rig: CashRig, spec: WorkerSpec, state: Path) -> None:
        self.rig, self.spec, self.state = rig, spec, state
        self.ledger = Ledger.in_state_dir(state)
        self.driver = subprocess.Popen(
            [sys.executable, "-m", "tests.kiosk.payment.cash.kiosk_kill_driver", spec.config_path],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, start_new_session=True,
            cwd=ROOT)

    def line(self) -> str:
        assert self.driver.stdout is not None
        return self.driver.stdout.readline().strip()

    def kill(self) -> None:
        """``kill -9`` of every process of the kiosk, and wait until all are gone."""
        if self.driver.poll() is None:
            os.killpg(self.driver.pid, signal.SIGKILL)
        self.driver.wait(30)
        for stream in (self.driver.stdin, self.driver.stdout):
            if stream is not None:
                stream.close()
        wait_for(lambda: not any(_in_group(p, self.driver.pid) for p in Path("/proc").iterdir()
                                 if p.name.isdigit()), WAIT, "every process of the kiosk gone")


def _in_group(proc: Path, pgid: int) -> bool:
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return False
    return int(stat[stat.rfind(")") + 2:].split()[2]) == pgid


StartKiosk = Callable[[CashRig], Kiosk]


@pytest.fixture
def kiosk_on(fresh_world: World, tmp_path: Path) -> Iterator[StartKiosk]:
    """The kiosk's configuration over the rig; the kiosk itself started by the test."""
    made: list[Kiosk] = []
    rigs: list[CashRig] = []

    def start(rig: CashRig) -> Kiosk:
        rigs.append(rig.start())
        state = tmp_path / "state"
        spec = specs.cash_spec(fresh_world.root, state, tmp_path / "run", rig)
        made.append(Kiosk(rig, spec, state))
        return made[-1]

    yield start  # a factory: the rig is the test's choice
    for k in made:
        k.kill()
    for rig in rigs:
        rig.close()


def recover(kiosk: Kiosk) -> list[dict[str, object]]:
    """The kiosk starts again; it serves once recovery settled what the dead one left."""
    with SessionHost(kiosk.spec) as again:
        again.wait_for(lambda v: v.screen == Screen.START, WAIT)
        return [dict(s) for s in again.recovered]


def check_books(kiosk: Kiosk, settled: dict[str, object]) -> None:
    balances = list(kiosk.ledger.balances().values())
    assert len(balances) == 1
    b = balances[0]
    assert b.closed and b.paid_in == b.charged + b.change + b.refunded + b.vouchered
    assert (b.charged, b.change, b.refunded) == (settled["charged"], settled["change"],
                                                 settled["refunded"])  # ledger = journal
    assert kiosk.rig.taken == b.paid_in  # what the devices kept is what the ledger took in
    assert kiosk.rig.paid_out == b.change + b.refunded  # paid once, never twice


def test_kill_9_of_the_kiosk_mid_payment(kiosk_on: StartKiosk) -> None:
    rig = CashRig()
    kiosk = kiosk_on(rig)
    line = kiosk.line()
    assert line.startswith("PAYMENT")
    total = int(line.split()[1])
    assert total > 100  # one coin leaves the payment open
    assert rig.wait_accepting(100, WAIT)
    assert rig.acceptor.insert(100) == "credited"
    wait_for(lambda: any(b.paid_in == 100 for b in kiosk.ledger.balances().values()), WAIT,
             "the kiosk to record the coin")
    kiosk.kill()
    assert rig.acceptor.master_enabled  # nobody closed the slot
    assert rig.acceptor.insert(100) == "credited"  # a coin nobody polls
    settled = recover(kiosk)
    assert len(settled) == 1
    s = settled[0]
    assert (s["printed"], s["charged"], s["refunded"], s["voucher"]) == (False, 0, 200, None)
    assert rig.taken == 200 and rig.paid_out == 200
    check_books(kiosk, s)


def test_kill_9_of_the_kiosk_mid_change(kiosk_on: StartKiosk) -> None:
    rig = CashRig(coins={500: 0, 100: 0, 50: 0, 10: 100})  # the change comes in 10-yen coins
    rig.hoppers[10].coin_interval = 0.05
    kiosk = kiosk_on(rig)
    line = kiosk.line()
    assert line.startswith("PAYMENT")
    total = int(line.split()[1])
    assert rig.validator is not None and rig.wait_accepting(1000, WAIT)
    assert rig.validator.insert(1000) == "escrow"
    hopper = rig.hoppers[10]
    wait_for(lambda: hopper.paying and hopper.paid_out >= 3, WAIT, "the change under way")
    kiosk.kill()
    assert hopper.paying  # the hopper pays on without the kiosk
    settled = recover(kiosk)
    assert len(settled) == 1
    s = settled[0]
    change = 1000 - total
    assert (s["printed"], s["charged"], s["change"], s["refunded"], s["voucher"]) == (
        True, total, change, 0, None)
    assert hopper.paid_out * 10 == change  # every coin once: none again, none lost
    check_books(kiosk, s)


def settled_by_the_host(kiosk: Kiosk) -> list[dict[str, object]]:
    """What the still-running host's recovery settled after its worker died."""
    line = kiosk.line()
    while line and not line.startswith("SETTLED "):
        line = kiosk.line()
    assert line.startswith("SETTLED "), "the kiosk ended without settling"
    settled: list[dict[str, object]] = json.loads(line.removeprefix("SETTLED "))
    return settled


def test_kill_9_of_the_worker_mid_payment(kiosk_on: StartKiosk) -> None:
    """The worker alone dies with a coin taken: the host, still running, recovers at once
    through fresh drivers and refunds it from what the devices say."""
    rig = CashRig()
    kiosk = kiosk_on(rig)
    _, total, pid = kiosk.line().split()
    assert int(total) > 100
    assert rig.wait_accepting(100, WAIT)
    assert rig.acceptor.insert(100) == "credited"
    wait_for(lambda: any(b.paid_in == 100 for b in kiosk.ledger.balances().values()), WAIT,
             "the kiosk to record the coin")
    os.kill(int(pid), signal.SIGKILL)
    [s] = settled_by_the_host(kiosk)
    assert (s["printed"], s["charged"], s["refunded"], s["voucher"]) == (False, 0, 100, None)
    assert rig.taken == 100 and rig.paid_out == 100
    check_books(kiosk, s)


def test_kill_9_of_the_worker_mid_change(kiosk_on: StartKiosk) -> None:
    """The worker alone dies while the hopper pays the change: the hopper pays on, the
    host's recovery settles the payout from the hopper's own count, never paying twice."""
    rig = CashRig(coins={500: 0, 100: 0, 50: 0, 10: 100})
    rig.hoppers[10].coin_interval = 0.05
    kiosk = kiosk_on(rig)
    _, total, pid = kiosk.line().split()
    assert rig.validator is not None and rig.wait_accepting(1000, WAIT)
    assert rig.validator.insert(1000) == "escrow"
    hopper = rig.hoppers[10]
    wait_for(lambda: hopper.paying and hopper.paid_out >= 3, WAIT, "the change under way")
    os.kill(int(pid), signal.SIGKILL)  # the worker that shows the payment pays the change
    [s] = settled_by_the_host(kiosk)
    change = 1000 - int(total)
    assert (s["printed"], s["charged"], s["change"], s["refunded"], s["voucher"]) == (
        True, int(total), change, 0, None)
    assert hopper.paid_out * 10 == change  # every coin once: none again, none lost
    check_books(kiosk, s)
