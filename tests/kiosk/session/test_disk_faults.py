"""The journal or the money ledger failing (full disk, read-only file system) at every
state of a session over the virtual devices (the real payment controller and ledger over
the coin simulator): money is never paid out that was not taken, nothing is charged
without a print, and once the disk is writable again recovery settles every yen.

The check reads three independent records after recovery: the ledger's balances, the
coin device's own lifetime counters, and the printer's output tray.
"""

import errno
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.coins import VirtualCoinDevice
from kiosk.payment.ledger import FILENAME as LEDGER_FILE
from kiosk.payment.ledger import Ledger
from kiosk.session.recovery import recover
from tests.fixtures.disk import DiskFaults
from tests.fixtures.session import FLOW, Harness, drive_to, step

JOURNAL_FILE = "journal.jsonl"
FEE = 200  # juminhyo, one copy, in the test world


def run_to_the_end(h: Harness) -> None:
    """The customer keeps doing what the screen asks until the session is over."""
    for _ in range(200):
        if h.engine.finished:
            return
        step(h, "canary", b"7391", pay=500)
    raise AssertionError(f"never ended; in {h.state}")


def check_money(state_dir: Path, printed: int) -> None:
    ledger = Ledger.in_state_dir(state_dir)
    coins = VirtualCoinDevice(state_path=state_dir / "coins.json")
    balances = ledger.balances().values()
    for bal in balances:
        assert bal.closed and bal.outstanding == 0, bal
    taken = sum(b.paid_in for b in balances)
    given = sum(b.change + b.refunded for b in balances)
    assert coins.totals().taken == taken  # every yen the device took is in the ledger
    assert coins.totals().paid_out == given  # and every yen it paid out
    assert given <= taken  # never a payout of money not taken
    assert sum(b.charged for b in balances) == FEE * printed  # charged only what printed


@pytest.mark.parametrize("state", FLOW)
@pytest.mark.parametrize("name", [JOURNAL_FILE, LEDGER_FILE])
@pytest.mark.parametrize("code,after", [(errno.ENOSPC, 0), (errno.EROFS, 1), (errno.ENOSPC, 2)])
def test_a_disk_failing_at_any_state_loses_no_money(
        harness: Callable[..., Harness], disk_faults: DiskFaults, sim_dirs: tuple[Path, Path],
        state: str, name: str, code: int, after: int) -> None:
    """``after``: how many more appends succeed first (in payment, 1 lets the ledger's
    begin through and fails the coin's credit: money is in, the ledger cannot say so)."""
    h = harness("virtual")
    drive_to(h, state, pay=500)
    disk_faults.fail(name, code, after=after)
    run_to_the_end(h)
    o = h.engine.outcome
    assert o.charged + o.change + o.refunded <= o.paid  # what the customer was told
    disk_faults.heal()
    # the next worker: new devices over the same state, recovery first
    recover(h.journal, h.make("virtual"), sim_dirs[1])
    assert h.journal.open_sessions() == []
    check_money(sim_dirs[0], h.printed())
    if h.printed():
        assert o.result == "printed"
    check_reported(h)


def check_reported(h: Harness) -> None:
    """Every request the relay answered has its outcome acknowledged, and it says what
    the printer did."""
    records = h.journal.records()
    requests = {r["request"] for r in records if r.get("rec") == "request_sent"}
    owed = {r["request"]: r for r in records if r.get("rec") == "outcome_due"}
    sent = {r["request"] for r in records if r.get("rec") == "outcome_sent"}
    assert h.journal.outbox() == []
    assert requests <= sent
    for request in requests:
        assert (owed[request]["code"] == "printed") == bool(h.printed()), owed[request]


def test_a_journal_that_cannot_be_written_opens_no_session(
        harness: Callable[..., Harness], disk_faults: DiskFaults) -> None:
    h = harness("virtual")
    disk_faults.fail(JOURNAL_FILE, errno.EROFS)
    step(h, "canary", b"7391")
    h.settle()
    assert h.engine.finished and h.engine.outcome.code == "state_unwritable"
    assert h.engine.final_view is not None and h.engine.final_view.error is not None
    assert h.engine.final_view.error.next_step == "call_staff"


def test_a_ledger_that_cannot_be_written_takes_no_money(
        harness: Callable[..., Harness], disk_faults: DiskFaults, sim_dirs: tuple[Path, Path]) -> None:
    h = harness("virtual")
    drive_to(h, "payment")
    disk_faults.fail(LEDGER_FILE, errno.ENOSPC)
    h.engine.tick()  # arming the device: refused before it takes anything
    h.settle()
    assert h.engine.finished and h.engine.outcome.code == "ledger_unwritable"
    coins = VirtualCoinDevice(state_path=sim_dirs[0] / "coins.json")
    assert coins.snapshot()["accepting"] is False and coins.totals().taken == 0
