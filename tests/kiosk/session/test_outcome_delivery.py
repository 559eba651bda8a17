"""Finding 3 of the session-faults review, on the real services: ``relay serve`` stops
after the documents arrived; the certificate prints and is charged; the outcome is owed
in the journal, not dropped, and reaches the relay once it is back, after a restart of
the kiosk — recorded once, as printed."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.relay import RelayServer
from hardware_mocks.session.customer import Customer, HostTerminal, Script
from hardware_mocks.session.specs import services_config
from hardware_mocks.world import World
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.journal import Journal
from kiosk.session.viewmodel import Screen

pytestmark = [pytest.mark.relay, pytest.mark.cupsd]


class RelayStopsAtPayment(HostTerminal):
    """The customer's terminal; the relay goes down as the first coin goes in (the
    documents have arrived: payment comes after them)."""

    def __init__(self, host: SessionHost, relay: RelayServer) -> None:
        super().__init__(host)
        self.relay = relay

    def device(self, kind: str, **fields: Any) -> None:
        if kind == "coin" and self.relay.process.poll() is None:
            self.relay.stop()
        super().device(kind, **fields)


def recorded(db: Path | str) -> list[tuple[str, str | None, int | None, int | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT request_id, outcome, outcome_copies, outcome_amount "
                            "FROM requests").fetchall()


def test_an_outcome_owed_while_the_relay_was_down_reaches_it_after_a_restart(
        cupsd_clean: Cupsd, fresh_world: World, tmp_path: Path) -> None:
    relay = RelayServer.start(fresh_world.root, tmp_path / "relay")
    try:
        cfg = services_config(tmp_path, fresh_world.root, relay, cupsd_clean)
        with SessionHost(WorkerSpec(config_path=str(cfg))) as host:
            host.wait_for(lambda v: v.screen == Screen.START, 30)
            res = Customer(RelayStopsAtPayment(host, relay),
                           Script("shiken-ichiro", "1234", pay=500)).run(120)
            assert res.final is not None and res.final.screen == Screen.THANK_YOU, res.states
            outcome = host.wait_outcome(res.final.session, 30)
        assert (outcome["result"], outcome["charged"], outcome["copies_printed"]) == (
            "printed", 200, 1)
        journal = Journal(tmp_path / "state" / "journal.jsonl")
        [owed] = journal.outbox()
        assert (owed.result, owed.copies, owed.amount, owed.attempts) == ("printed", 1, 200, 1)
        [(request, before, _, _)] = recorded(relay.db)
        assert request == owed.request and before is None  # the relay never heard it

        relay = RelayServer.start(fresh_world.root, tmp_path / "relay",
                                  extra_args=("--port", str(relay.port)))
        with SessionHost(WorkerSpec(config_path=str(cfg))) as host:  # the kiosk restarts
            host.wait_for(lambda v: v.screen == Screen.START, 30)
        assert journal.outbox() == []
        assert recorded(relay.db) == [(owed.request, "printed", 1, 200)]
        sent = [r for r in journal.records() if r.get("rec") == "outcome_sent"]
        assert len(sent) == 1
    finally:
        relay.stop()
