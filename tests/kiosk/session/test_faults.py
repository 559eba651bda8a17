"""The fault matrix: every state × every fault, with the canary persona.

For each run: money is conserved (paid = charged + change + refunded, and the coin
device agrees), at most one print (all copies, or none) and only if paid, the journal
ends with the intent closed, and no canary string is left in the logs, the journal, the
ledger, the runtime or the state directories. ``kill`` abandons the engine without its
wipe (as a kill -9 would) and runs recovery over fresh devices; the same run with a
real ``kill -9`` of worker processes is in ``test_worker_kill.py``.

The full grid runs over the session's port fakes; the grid of fault kinds at the
states where they bite runs again over the areas' own fakes (virtual card, VirtualRelay
with the relay's rules, VirtualPrinter, PaymentController over the VirtualCoinDevice).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.world import CANARY_PIN, World
from kiosk.session.recovery import recover
from kiosk.session.viewmodel import Intent, IntentKind
from protocol.log import JsonEventFormatter
from tests.fixtures.canary import canary_patterns, scan_tree
from tests.fixtures.session import FLOW, Harness, drive_to, step

FAULTS = ("card_removed", "cancel", "timeout", "relay_down", "relay_slow", "relay_bad",
          "printer_fault", "coin_jam", "kill")


def inject(h: Harness, fault: str) -> None:
    e = h.engine
    if fault == "card_removed":
        h.device("card_remove")
        e.card_event(False)
    elif fault == "cancel":
        e.intent(Intent(IntentKind.CANCEL))
    elif fault == "timeout":
        h.clock.advance(10_000)
        if not e.busy:
            e.tick()
    elif fault.startswith("relay_"):
        h.device("relay_fault", value=fault.removeprefix("relay_"))
    elif fault == "printer_fault":
        h.device("printer_fault", value="jam")
    elif fault == "coin_jam":
        if h.state == "payment" and h.vm.state == "payment":
            h.device("coin", value=100)  # a partial payment, then the jam
            h.inserted += 100
            e.tick()
        h.device("coin_jam")


def play(h: Harness, state: str, fault: str) -> list[object] | None:
    """Drive to ``state``, inject ``fault``, let the customer carry on; returns the
    recovery results when the fault is a crash (else None)."""
    drive_to(h, state)
    if h.state == "payment":
        e = h.engine
        e.tick()  # the device is armed: the payment screen is up
    if fault == "kill":
        # the worker dies: its devices and memory are gone, the journal and the coins stay
        del h.engine
        fresh = h.make(h.kind, clock=h.clock)
        return list(recover(h.journal, fresh, h.runtime))
    inject(h, fault)
    for _ in range(200):
        if h.engine.finished:
            return None
        step(h, "canary", CANARY_PIN.encode())
    raise AssertionError(f"session did not end; in {h.state}")


def check(h: Harness, settled: list[object] | None, world: World, caplog: pytest.LogCaptureFixture,
          tmp_path: Path) -> None:
    # the intent is closed, whatever happened
    assert h.journal.open_sessions() == []
    printed = h.printed()
    # the money as the journal records it (the engine's outcome is gone after a crash)
    recs = h.journal.records()
    charged = sum(r.get("amount", 0) for r in recs if r["rec"] == "charged")
    change = sum(r.get("change", 0) for r in recs if r["rec"] == "charged")
    refunded = sum(r.get("amount", 0) for r in recs if r["rec"] == "refunded")
    paid = h.inserted
    if settled is None:
        o = h.engine.outcome
        assert (o.paid, o.charged, o.change, o.refunded) == (paid, charged, change, refunded)
        assert printed == o.copies_printed
    assert paid == charged + change + refunded
    assert printed in (0, 1)  # one copy asked for: at most one print
    if printed:
        assert charged > 0
    else:
        assert charged == 0
    # no canary anywhere but the world (the card) itself
    pats = canary_patterns(world)
    logs = "\n".join(JsonEventFormatter().format(r) for r in caplog.records).encode()
    assert [p.pattern for p in pats if p.search(logs)] == []
    assert scan_tree(h.journal.path.parent, pats) == []
    assert scan_tree(h.runtime, pats) == []
    assert not any(h.runtime.iterdir()) if h.runtime.exists() else True


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("state", FLOW)
def test_fault_matrix(harness: Callable[..., Harness], fresh_world: World, state: str, fault: str,
                      caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.INFO)
    h = harness()
    settled = play(h, state, fault)
    check(h, settled, fresh_world, caplog, tmp_path)


BITING = ("pin", "authenticating", "confirm", "preparing", "payment", "printing", "take_papers")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("state", BITING)
def test_fault_matrix_on_the_areas_fakes(harness: Callable[..., Harness], fresh_world: World,
                                         state: str, fault: str,
                                         caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.INFO)
    h = harness("virtual")
    settled = play(h, state, fault)
    check(h, settled, fresh_world, caplog, tmp_path)
    # the ledger agrees: every transaction settled and conserved, and with the coin
    # device's own lifetime counters
    from hardware_mocks.coins import VirtualCoinDevice
    from kiosk.payment.ledger import Ledger

    state_dir = h.journal.path.parent
    balances = Ledger.in_state_dir(state_dir).balances().values()
    assert all(b.closed for b in balances)
    for b in balances:
        assert b.paid_in == b.charged + b.change + b.refunded + b.vouchered
    totals = VirtualCoinDevice(state_path=state_dir / "coins.json").totals()
    assert totals.taken == sum(b.paid_in for b in balances)
    assert totals.paid_out == sum(b.change + b.refunded for b in balances)


def test_integrity_error_takes_the_terminal_out_of_service(harness: Callable[..., Harness]) -> None:
    h = harness("virtual", relay_fault="integrity")
    drive_to(h, "preparing")
    for _ in range(20):
        if h.engine.finished:
            break
        h.engine.tick()
    assert h.engine.outcome.alarm and h.printed() == 0
    assert h.journal.alarm_raised() == "integrity"
    assert json.loads(json.dumps(h.vm.to_dict()))["screen"] == "out_of_service"
