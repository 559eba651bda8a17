"""The state × fault grid of ``test_state_fault_grid`` through the session engine: the same
payment states (``armed``, ``partial``, ``change`` after the print, ``refund`` after a
cancel) and the same device faults, with the engine deciding (out of service, refund,
voucher) and its journal recording the ending. For every run the journal has no open
session, the engine's outcome agrees with the ledger (what came in, what was charged,
what went back as coins or as a voucher), the ledger with the devices' physical truth,
and a certificate printed exactly when money was charged.

The hoppers hold 100-, 50- and 10-yen coins only and the customer asks for two copies,
so the change and the refund are several coins from the ¥100 hopper, which the payout
faults hit after its first coin."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from hardware_mocks.session.fakes import FakePrinter
from hardware_mocks.world import CANARY_PIN
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.controller import PaymentController
from kiosk.payment.ledger import Ledger
from kiosk.session.adapters import PaymentAdapter
from kiosk.session.viewmodel import Intent, IntentKind
from tests.fixtures.session import CONTROLS, Harness, drive_to, step
from tests.fixtures.waiting import WAIT, wait_for
from tests.kiosk.payment.cash.test_state_fault_grid import (
    FAULTS,
    STATES,
    MidPayout,
    fault_intake,
)

PIN = CANARY_PIN.encode()
COPIES = 2
#: Faults the acceptor reports: the engine ends the payment itself.
REPORTED = {"unplug", "jam", "garbage", "timeout"}


@pytest.fixture
def rig() -> Iterator[CashRig]:
    with CashRig(coins={100: 30, 50: 20, 10: 50}) as r:
        yield r


@pytest.fixture
def h(harness: Callable[..., Harness], rig: CashRig, cash_device: Callable[..., CashDevice],
      sim_dirs: tuple[Path, Path]) -> Harness:
    h = harness("fake")
    ledger = Ledger.in_state_dir(sim_dirs[0])
    h.devices.payment = PaymentAdapter(PaymentController(cash_device(rig), ledger, h.clock))
    CONTROLS[id(h.devices)].cash_rig = rig
    return h


def ticked_until(h: Harness, done: Callable[[], bool], what: str) -> None:
    def check() -> bool:
        h.engine.tick()
        return done()

    wait_for(check, 3 * WAIT, what)


def to_the_end(h: Harness) -> None:
    """Play on (never paying again: the note is in, or the fault or the cancel ended the
    payment); the drivers' threads work meanwhile."""
    def finished() -> bool:
        if h.state == "payment":
            h.engine.tick()
        else:
            step(h, "canary", PIN, copies=COPIES)
        return bool(h.engine.finished)

    wait_for(finished, 3 * WAIT, "the session to end")


def insert_coins(h: Harness, rig: CashRig, amount: int) -> None:
    for _ in range(amount // 100):
        assert rig.wait_accepting(100)
        assert rig.acceptor.insert(100) == "credited"
    ticked_until(h, lambda: h.vm.inserted == amount, "the coins counted")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("state", STATES)
def test_the_session_ends_with_nothing_lost(h: Harness, rig: CashRig, state: str,
                                            fault: str) -> None:
    drive_to(h, "payment", pin=PIN, copies=COPIES)
    h.engine.tick()  # the devices are armed
    total = int(h.vm.total)
    partial = (total - 1) // 100 * 100
    assert partial >= 200 and total < 1000
    cut = None
    assert rig.wait_accepting(100) and rig.wait_accepting(1000)  # the slots open
    if state in ("armed", "partial"):
        if state == "partial":
            insert_coins(h, rig, partial)
        fault_intake(rig, fault)
        if fault in REPORTED:
            ticked_until(h, lambda: h.state != "payment", "the engine to end the payment")
        else:
            h.engine.intent(Intent(IntentKind.CANCEL))
    elif state == "change":
        assert rig.wait_accepting(1000) and rig.validator is not None
        cut = MidPayout(rig, fault)  # armed before the note: the print comes first
        assert rig.validator.insert(1000) == "escrow"
    else:  # refund
        insert_coins(h, rig, partial)
        cut = MidPayout(rig, fault)
        h.engine.intent(Intent(IntentKind.CANCEL))
    try:
        to_the_end(h)
    finally:
        if cut is not None:
            cut.stop()
    if cut is not None:
        assert cut.injected

    assert h.journal.open_sessions() == []
    balances = list(Ledger.in_state_dir(h.journal.path.parent).balances().values())
    assert len(balances) == 1
    b = balances[0]
    assert b.closed and b.paid_in == b.charged + b.change + b.refunded + b.vouchered
    o = h.engine.outcome
    # the engine's ending (from its journal) and the ledger tell the same story
    assert (o.paid, o.charged) == (b.paid_in, b.charged)
    back = b.change + b.refunded + b.vouchered
    assert (o.change if o.charged else o.refunded) == back
    assert (o.voucher is not None) == (b.vouchered > 0)
    # the ledger and the devices: kept what it took in; coins out never beyond what was owed
    assert rig.taken == b.paid_in
    assert b.change + b.refunded <= rig.paid_out <= b.paid_in - b.charged
    if rig.paid_out != b.change + b.refunded:  # a hopper paid on unheard: a flagged voucher
        assert cut is not None and fault in ("unplug", "timeout", "garbage") and b.vouchered
    # money kept only for a printed certificate
    printer = h.devices.printer
    assert isinstance(printer, FakePrinter)
    printed = len(printer.printed)  # copies out of the one job
    assert printed in (0, COPIES) and (printed > 0) == (b.charged > 0) == (state == "change")
    assert (o.result == "printed") == (state == "change")
    if state == "partial" or state == "refund":
        assert b.paid_in == partial
    if state == "armed":
        assert b.paid_in == 0
    if state in ("armed", "partial") and fault != "hopper_empty":
        assert b.refunded == b.paid_in and b.vouchered == 0
    if state in ("armed", "partial") and fault == "hopper_empty":
        assert b.vouchered == b.paid_in
