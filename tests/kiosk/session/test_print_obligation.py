"""A print job is an obligation until CUPS confirms it gone (issue 12, finding 1).

A canary session over ``relay serve`` and a private cupsd with the fault printer behind
the print gate; cupsd is stopped at each printing step (before the job is submitted,
while it waits pending, while the printer has it, after it completed but before the kiosk
read so) and restarted once the session has ended. Each time: the session ends (money
settled as the printer's word says), the terminal goes out of service (``print_unpurged``)
and stays so while cupsd is down, the host's sweep purges once cupsd is back, the
terminal serves again; the printer put out only what the customer paid for, nothing of
the customer is left in the spool, the gate directory, the state or runtime folders, and
the relay heard the outcome the printer's word supports.

Then the whole kiosk is killed (``kill -9`` of host and workers) while the printer has
the job (finding 7): a job that completes while the kiosk is down is reported printed and
charged; one whose printer went down with it is reported ``unknown`` and refunded.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cups
import pytest

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.session.customer import Customer, HostTerminal, Result, Script
from hardware_mocks.session.specs import services_config
from hardware_mocks.world import CANARY_PIN, World
from kiosk.diag.adapters import diagnostic_page_pdf
from kiosk.payment.ledger import Ledger
from kiosk.printing.cups_printer import CupsPrinter
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.engine import OutcomeRecord
from kiosk.session.journal import Journal
from kiosk.session.recovery import SettledRecord
from kiosk.session.viewmodel import Screen, ViewModel
from tests.fixtures.canary import canary_patterns, scan_tree
from tests.fixtures.waiting import wait_for

pytestmark = [pytest.mark.relay, pytest.mark.cupsd]
SWEEP_S = 0.3  # the host's sweep interval while a job is owed a purge


@dataclass
class Kiosk:
    root: Path
    world: World
    cupsd: Cupsd
    relay: RelayServer
    spec: WorkerSpec

    @property
    def journal(self) -> Journal:
        return Journal(self.root / "state" / "journal.jsonl")

    def outcomes_at_relay(self) -> list[tuple[str, int, int]]:
        """What the relay recorded for each request this kiosk sent: outcome, copies, amount."""
        requests = [r["request"] for r in self.journal.records() if r.get("rec") == "request_sent"]
        db = sqlite3.connect(self.relay.db)
        try:
            rows = [db.execute("SELECT outcome, outcome_copies, outcome_amount FROM requests "
                               "WHERE request_id = ?", (rid,)).fetchone() for rid in requests]
        finally:
            db.close()
        return [tuple(row) if row else ("?", 0, 0) for row in rows]

    def check_money(self, charged: int) -> None:
        """Every transaction closed and balanced in the ledger, ``charged`` kept in all."""
        balances = Ledger.in_state_dir(self.root / "state").balances().values()
        for bal in balances:
            assert bal.closed
            assert bal.paid_in == bal.charged + bal.change + bal.refunded + bal.vouchered
        assert sum(bal.charged for bal in balances) == charged

    def check_nothing_left(self) -> None:
        pats = canary_patterns(self.world)
        assert self.cupsd.spool_files() == []
        for folder in (self.cupsd.spool_dir, self.cupsd.gate_dir, self.root / "state", self.root / "run"):
            assert scan_tree(folder, pats) == [], folder
        assert list(self.cupsd.gate_dir.iterdir()) == []  # every fate read and dropped
        assert self.journal.print_obligations() == {}


@pytest.fixture
def kiosk(world: World, relay_server: RelayServer, restartable_cupsd: Cupsd,
          tmp_path: Path) -> Kiosk:
    shutil.copytree(world.root, tmp_path / "world")
    cfg = services_config(tmp_path, tmp_path / "world", relay_server, restartable_cupsd,
                          sweep_interval=SWEEP_S)
    return Kiosk(tmp_path, World(tmp_path / "world"), restartable_cupsd, relay_server,
                 WorkerSpec(config_path=str(cfg)))


@pytest.fixture
def host(kiosk: Kiosk) -> Iterator[SessionHost]:
    with SessionHost(kiosk.spec) as running:
        running.wait_for(lambda v: v.screen == Screen.START, 60)
        yield running


class Interrupted(Customer):
    """A canary customer; ``hook`` runs once when the session reaches ``state``."""

    def __init__(self, host: SessionHost, state: str, hook: Callable[[], None]) -> None:
        super().__init__(HostTerminal(host), Script("canary", CANARY_PIN, pay=1000))
        self.at = state
        self.hook: Callable[[], None] | None = hook

    def _act(self, vm: ViewModel, res: Result) -> None:
        if vm.state == self.at and self.hook is not None:
            hook, self.hook = self.hook, None
            hook()
        super()._act(vm, res)


def _out_of_service(v: ViewModel) -> bool:
    return v.screen == Screen.OUT_OF_SERVICE and v.error is not None and v.error.code == "print_unpurged"


def _session(host: SessionHost, state: str, hook: Callable[[], None]) -> OutcomeRecord:
    res = Interrupted(host, state, hook).run(180)
    assert res.final is not None, res.states
    return host.wait_outcome(res.final.session, 60)


def _swept_after_restart(host: SessionHost, kiosk: Kiosk) -> None:
    """Out of service while cupsd is down (the sweep tried more than once), then cupsd
    comes back: the sweep purges and the terminal serves again."""
    host.wait_for(_out_of_service, 60)
    retried = len(host.views)
    host.wait_for(lambda v: _out_of_service(v) and len(host.views) > retried, 60)
    assert host.out_of_service == "print_unpurged"
    assert kiosk.journal.print_obligations()  # owed, in the journal, across the retries
    kiosk.cupsd.start(clear_fault=False)
    host.wait_for(lambda v: v.screen == Screen.START, 60)
    assert host.out_of_service is None


def _printer_has_a_job(kiosk: Kiosk) -> bool:
    return any(p.suffix == ".started" for p in kiosk.cupsd.gate_dir.iterdir())


def test_cupsd_stopped_before_the_job_is_submitted(kiosk: Kiosk, host: SessionHost) -> None:
    outcome = _session(host, "payment", kiosk.cupsd.stop)  # after the printer check, before money
    assert (outcome["result"], outcome["paid"], outcome["refunded"]) == ("failed", 1000, 1000)
    _swept_after_restart(host, kiosk)
    assert kiosk.cupsd.printed() == []
    assert kiosk.outcomes_at_relay() == [("failed", 0, 0)]
    kiosk.check_money(charged=0)
    kiosk.check_nothing_left()


def test_cupsd_stopped_while_the_job_waits(kiosk: Kiosk, host: SessionHost) -> None:
    # another job holds the printer, so the kiosk's waits, pending
    kiosk.cupsd.switch.set("slow", delay=120)
    other = CupsPrinter(kiosk.cupsd.queue, kiosk.cupsd.server, gate_dir=kiosk.cupsd.gate_dir)
    other.submit(bytearray(diagnostic_page_pdf()), 1, False)
    cups.setServer(kiosk.cupsd.server)

    def stop_when_pending() -> None:
        wait_for(lambda: len(cups.Connection().getJobs()) == 2, 60, "the kiosk's job waits behind the other")
        kiosk.cupsd.stop()

    outcome = _session(host, "printing", stop_when_pending)
    assert (outcome["result"], outcome["charged"], outcome["refunded"]) == ("failed", 0, 1000)
    _swept_after_restart(host, kiosk)
    assert kiosk.cupsd.printed() == []  # neither job printed after the restart
    assert kiosk.outcomes_at_relay() == [("failed", 0, 0)]  # it never reached the printer
    kiosk.check_money(charged=0)
    kiosk.check_nothing_left()
    # the terminal serves the next customer as before
    kiosk.cupsd.switch.clear()
    res = Customer(HostTerminal(host), Script("shiken-ichiro", "1234", pay=500)).run(180)
    assert res.final is not None and res.final.screen == Screen.THANK_YOU, res.states
    assert len(kiosk.cupsd.printed()) == 1


def test_cupsd_stopped_while_the_printer_has_the_job(kiosk: Kiosk, host: SessionHost) -> None:
    """The printer had the job when cupsd went down and never confirmed: the customer is
    refunded and the relay is told ``unknown`` (possibly issued)."""
    kiosk.cupsd.switch.set("slow", delay=120)

    def stop_at_the_printer() -> None:
        wait_for(lambda: _printer_has_a_job(kiosk), 60, "the printer has the job")
        kiosk.cupsd.stop()

    outcome = _session(host, "printing", stop_at_the_printer)
    assert (outcome["result"], outcome["charged"], outcome["refunded"]) == ("failed", 0, 1000)
    _swept_after_restart(host, kiosk)
    assert kiosk.cupsd.printed() == []  # the restarted job was refused, then purged
    assert kiosk.outcomes_at_relay() == [("unknown", 1, 200)]
    kiosk.check_money(charged=0)
    kiosk.check_nothing_left()


def test_cupsd_stopped_after_the_job_completed_before_the_kiosk_read_it(kiosk: Kiosk,
                                                                       host: SessionHost) -> None:
    """The certificate came out; cupsd went down before the kiosk read the job's end (the
    worker is held still meanwhile): the print gate's record says printed, so it is charged."""
    kiosk.cupsd.switch.set("slow", delay=5)
    pid = host.worker_pid
    assert pid is not None

    def stop_after_completion() -> None:
        wait_for(lambda: _printer_has_a_job(kiosk), 60, "the printer has the job")
        os.kill(pid, signal.SIGSTOP)
        try:
            # completed: the printer's output, and the gate's record of the backend's success
            # (written just after; stopping cupsd between the two would cut the gate off)
            wait_for(lambda: kiosk.cupsd.printed()
                  and any(p.suffix == ".printed" for p in kiosk.cupsd.gate_dir.iterdir()),
                  60, "the job completed")
            kiosk.cupsd.stop()
        finally:
            os.kill(pid, signal.SIGCONT)

    outcome = _session(host, "printing", stop_after_completion)
    assert (outcome["result"], outcome["charged"], outcome["change"], outcome["copies_printed"]) == (
        "printed", 200, 800, 1)
    _swept_after_restart(host, kiosk)
    assert len(kiosk.cupsd.printed()) == 1  # once, and never again
    assert kiosk.outcomes_at_relay() == [("printed", 1, 200)]
    kiosk.check_money(charged=200)
    kiosk.check_nothing_left()


# -- kill -9 of the whole kiosk while the printer has the job (finding 7) ----------------------


def _kill_the_kiosk_while_printing(kiosk: Kiosk) -> None:
    """Run the kiosk in a process group of its own until the printer has a customer's job,
    then ``kill -9`` all of it (host, current worker and warm spare)."""
    driver = subprocess.Popen(
        [sys.executable, "-m", "tests.kiosk.session.print_kill_driver", kiosk.spec.config_path,
         str(kiosk.cupsd.gate_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True,
        cwd=Path(__file__).resolve().parents[3])
    try:
        assert driver.stdout is not None
        assert driver.stdout.readline() == b"PRINTING\n"
    finally:
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait(30)
        for stream in (driver.stdin, driver.stdout):
            if stream is not None:
                stream.close()
    wait_for(lambda: not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _in_group(p, driver.pid)],
          30, "every process of the kiosk is gone")


def _in_group(proc: Path, pgid: int) -> bool:
    try:
        stat = (proc / "stat").read_text()
    except OSError:
        return False
    return int(stat[stat.rfind(")") + 2:].split()[2]) == pgid


def _recovered(kiosk: Kiosk) -> list[SettledRecord]:
    """Start the kiosk again: recovery settles what the killed one left, then it serves."""
    with SessionHost(kiosk.spec) as again:
        again.wait_for(lambda v: v.screen == Screen.START, 60)
        return list(again.recovered)


def test_a_job_that_completed_while_the_kiosk_was_down_is_reported_printed(kiosk: Kiosk) -> None:
    kiosk.cupsd.switch.set("slow", delay=5)
    _kill_the_kiosk_while_printing(kiosk)
    wait_for(lambda: kiosk.cupsd.printed(), 60, "the job completed while the kiosk was down")
    settled = _recovered(kiosk)
    assert [(s["printed"], s["charged"], s["change"], s["refunded"], s["copies"]) for s in settled] == [
        (True, 200, 800, 0, 1)]
    assert kiosk.outcomes_at_relay() == [("printed", 1, 200)]
    assert len(kiosk.cupsd.printed()) == 1
    kiosk.check_money(charged=200)
    kiosk.check_nothing_left()


def test_a_job_the_printer_had_when_kiosk_and_cupsd_went_down_is_reported_unknown(kiosk: Kiosk) -> None:
    """The kiosk is killed while the printer has the job, then cupsd stops (the printer's
    backend with it) and starts again: nobody can know whether the paper came out."""
    kiosk.cupsd.switch.set("slow", delay=120)
    _kill_the_kiosk_while_printing(kiosk)
    kiosk.cupsd.stop()
    kiosk.cupsd.start(clear_fault=False)
    settled = _recovered(kiosk)
    assert [(s["printed"], s["charged"], s["refunded"]) for s in settled] == [(False, 0, 1000)]
    assert kiosk.outcomes_at_relay() == [("unknown", 1, 200)]
    assert kiosk.cupsd.printed() == []
    kiosk.check_money(charged=0)
    kiosk.check_nothing_left()
