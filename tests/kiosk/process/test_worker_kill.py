"""kill -9 of the real worker process at every state, then recovery before the next
customer (reliability.md #14): money conserved in the ledger, at most one print, the
journal intent closed, the runtime directory empty, and the next customer served."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.session.customer import Customer, HostTerminal, Script
from hardware_mocks.session.specs import virtual_spec
from hardware_mocks.world import CANARY_PIN, World
from kiosk.payment.ledger import Ledger
from kiosk.process.host import SessionHost
from kiosk.session.viewmodel import Screen
from tests.fixtures.session import FLOW


@pytest.fixture(scope="module")
def kiosk(world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SessionHost, Path]]:
    root = tmp_path_factory.mktemp("kill")
    shutil.copytree(world_dir, root / "world")
    # one relay database for every worker: recovery reports to the relay that issued
    host = SessionHost(virtual_spec(root / "world", root / "state", root / "run",
                                    relay_db=str(root / "relay.sqlite")))
    host.start()
    yield host, root
    host.close()


def _relay_requests(root: Path) -> dict[str, tuple[str | None, int | None, int | None, int]]:
    """What the relay recorded: request id → (outcome, copies, amount, fee)."""
    db = sqlite3.connect(root / "relay.sqlite")
    try:
        rows = db.execute("SELECT request_id, outcome, outcome_copies, outcome_amount, fee "
                          "FROM requests").fetchall()
    finally:
        db.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def _tray(root: Path) -> int:
    tray = root / "state" / "tray.jsonl"
    return len(tray.read_text().splitlines()) if tray.exists() else 0


@pytest.mark.parametrize("state", FLOW)
def test_kill_9_at_every_state(kiosk: tuple[SessionHost, Path], state: str) -> None:
    host, root = kiosk
    journal = host.journal
    assert journal is not None  # a host given a state directory keeps one
    host.wait_for(lambda v: v.screen == Screen.START)
    pid = host.worker_pid
    printed_before = _tray(root)
    deaths = host.worker_deaths
    journaled = len(journal.records())
    res = Customer(HostTerminal(host), Script("canary", CANARY_PIN, kill_worker_at=state)).run()
    assert res.killed
    host.wait_for(lambda v: v.state == "worker_died", 30)
    host.wait_for(lambda v: v.screen == Screen.START, 30)  # recovered, next customer served
    assert host.worker_deaths == deaths + 1 and host.worker_pid != pid
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    # the intent is closed; money conserved for every transaction; at most one print
    assert journal.open_sessions() == []
    for bal in Ledger.in_state_dir(root / "state").balances().values():
        assert bal.closed
        assert bal.paid_in == bal.charged + bal.change + bal.refunded + bal.vouchered
    printed = _tray(root) - printed_before
    assert printed in (0, 1)
    closed = [r for r in journal.records() if r["rec"] == "charged"]
    assert printed == 0 or closed, "a print is always charged"
    assert list((root / "run").iterdir()) == []
    # the relay heard of every request it issued, with the copies that came out
    requests = {r["request"] for r in journal.records()[journaled:]
                if r["rec"] == "request_sent"}
    relay = _relay_requests(root)
    for request in requests & relay.keys():
        outcome, copies, amount, fee = relay[request]
        assert (outcome, copies, amount) == (("printed", 1, fee) if printed else
                                             ("failed", 0, 0)), state
    if state in ("payment", "printing", "take_papers"):
        assert requests and requests <= relay.keys()


def test_a_normal_customer_after_the_crashes(kiosk: tuple[SessionHost, Path]) -> None:
    host, root = kiosk
    host.wait_for(lambda v: v.screen == Screen.START)
    res = Customer(HostTerminal(host), Script("shiken-ichiro", "1234", pay=1000)).run()
    assert res.final is not None and res.final.screen == Screen.THANK_YOU
    outcome = host.wait_outcome(res.final.session)
    assert (outcome["charged"], outcome["change"]) == (200, 800)
    assert json.loads(json.dumps(outcome))["result"] == "printed"
    assert isinstance(World(root / "world").persona("canary"), dict)
