"""Every payment state × every cash-device fault, over the kiosk's real drivers and the
emulated devices on ptys: the customer loses nothing.

States: ``armed`` (the slots open, nothing in), ``partial`` (coins in, not enough),
``change`` (paid with a note, the certificate printed, the hoppers paying the change),
``refund`` (coins in, the customer cancelled, the hoppers paying them back). Faults hit
the device at work in that state: the coin acceptor and the note validator while money
comes in, the ¥100 hopper while it pays (after its first coin): ``unplug`` (the pty
closed: the tty hangs up and its path is gone), ``jam`` (coin jam; a hopper stalled),
``garbage`` (replies that make no frame, then corrupted checksums), ``timeout`` (the
device stops answering), ``hopper_empty`` (the hoppers hold no coin though the counts
say they do), ``note`` (a note refused, then the stacker full with a note in escrow).

For every run: the transaction is settled and conserved in the ledger (paid in = charged
+ change + refunded + vouchered); what the devices physically kept is what the ledger
took in and what they paid out is the ledger's change and refunds (never twice, never
lost); money is kept (charged) only in ``change``, where the certificate printed; every
yen not charged went back as coins or as a voucher, and a voucher only when the hoppers
could not pay."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hardware_mocks.cash.hopper import HopperEmulator
from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.controller import PaymentController, Phase, Progress, Settlement
from kiosk.payment.ledger import Ledger
from protocol.clock import SystemClock
from tests.fixtures.waiting import WAIT, wait_for

STATES = ("armed", "partial", "change", "refund")
FAULTS = ("unplug", "jam", "garbage", "timeout", "hopper_empty", "note")
#: Faults that leave every hopper able to pay in the states that take money.
HOPPERS_FINE = {"unplug", "jam", "garbage", "timeout", "note"}
DUE_TAKING, DUE_CHANGE, PARTIAL = 1000, 10, 300  # a 1,000-yen note pays 990 change


def fault_intake(rig: CashRig, fault: str) -> None:
    """A fault of the devices taking money (``armed``, ``partial``)."""
    a, v = rig.acceptor, rig.validator
    assert v is not None
    if fault == "unplug":
        a.unplug()
    elif fault == "jam":
        a.jam()
    elif fault == "garbage":
        a.garbage(12)
        a.corrupt(12)
    elif fault == "timeout":
        a.go_silent()
    elif fault == "hopper_empty":
        for hopper in rig.hoppers.values():
            hopper.set_coins(0)
    elif fault == "note":
        v.refuse_next()
        wait_for(lambda: v.insert(1000) == "rejected", what="the note refused")
        wait_for(lambda: v.status == 0x11, what="the validator idle again")
        assert v.insert(1000) == "escrow"
        wait_for(lambda: v.status == 0x13, what="the note in escrow")
        v.stacker_full()  # the cashbox fills: the note in escrow goes back


def fault_payout(hopper: HopperEmulator, rig: CashRig, fault: str) -> None:
    """A fault of the hopper paying (``change``, ``refund``)."""
    if fault == "unplug":
        hopper.unplug()
    elif fault == "jam":
        hopper.stall()
    elif fault == "garbage":
        hopper.garbage(4)
        hopper.corrupt(4)
    elif fault == "timeout":
        hopper.go_silent()
    elif fault == "hopper_empty":
        hopper.set_coins(0)
    elif fault == "note":
        assert rig.validator is not None
        rig.validator.stacker_full()  # the validator's trouble is not the payout's


class MidPayout:
    """Injects the fault into the hopper once it has paid its first coin (from a thread:
    the payout runs in the controller's call)."""

    def __init__(self, rig: CashRig, fault: str) -> None:
        self.hopper = rig.hoppers[100]
        self.hopper.coin_interval = 0.1  # the payout lasts long enough to be cut
        self.done = threading.Event()
        self.injected = False

        def run() -> None:
            while not self.done.wait(0.002):
                if self.hopper.paying and self.hopper.paid_out >= 1:
                    fault_payout(self.hopper, rig, fault)
                    self.injected = True
                    return

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.done.set()
        self.thread.join(WAIT)


def pump_until(ctl: PaymentController, done: Callable[[Progress], bool],
               what: str) -> Progress:
    last: list[Progress] = []

    def check() -> bool:
        last.append(ctl.pump())
        return done(last[-1])

    wait_for(check, timeout=3 * WAIT, what=what)
    return last[-1]


def settle_refund(ctl: PaymentController) -> Settlement:
    """The customer cancels (or the terminal gives up after the fault): refund."""
    p = ctl.refund_all()
    if p.settlement is None:
        p = pump_until(ctl, lambda p: p.settlement is not None, "the refund")
    assert p.settlement is not None
    return p.settlement


@pytest.fixture
def run(cash_rig: CashRig, cash_device: Callable[..., CashDevice],
        tmp_path: Path) -> Iterator[tuple[CashRig, PaymentController, Ledger]]:
    ledger = Ledger.in_state_dir(tmp_path / "state")
    yield cash_rig, PaymentController(cash_device(), ledger, SystemClock(), stop_timeout=5.0), ledger


def insert_partial(rig: CashRig, ctl: PaymentController) -> None:
    for _ in range(PARTIAL // 100):
        assert rig.wait_accepting(100)
        assert rig.acceptor.insert(100) == "credited"
    pump_until(ctl, lambda p: p.inserted == PARTIAL, "the coins counted")


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("state", STATES)
def test_the_customer_loses_nothing(run: tuple[CashRig, PaymentController, Ledger],
                                    state: str, fault: str) -> None:
    rig, ctl, ledger = run
    v = rig.validator
    assert v is not None
    if state in ("armed", "partial"):
        ctl.begin("T1", DUE_TAKING)
        assert rig.wait_accepting(100) and rig.wait_accepting(1000)
        if state == "partial":
            insert_partial(rig, ctl)
        fault_intake(rig, fault)
        if fault in ("unplug", "jam", "timeout", "garbage"):
            p = pump_until(ctl, lambda p: p.fault is not None, "the fault seen")
            assert p.phase in (Phase.STOPPING, Phase.HELD)
        s = settle_refund(ctl)
        assert s.charged == 0
    elif state == "change":
        ctl.begin("T1", DUE_CHANGE)
        assert rig.wait_accepting(1000)
        assert v.insert(1000) == "escrow"
        pump_until(ctl, lambda p: p.complete, "the note stacked")
        cut = MidPayout(rig, fault)  # the certificate printed: now the change
        try:
            p = ctl.charge_and_give_change()
        finally:
            cut.stop()
        assert cut.injected
        assert p.settlement is not None
        s = p.settlement
        assert (s.paid_in, s.charged) == (1000, DUE_CHANGE)
    else:  # refund
        ctl.begin("T1", DUE_TAKING)
        insert_partial(rig, ctl)
        cut = MidPayout(rig, fault)
        try:
            s = settle_refund(ctl)
        finally:
            cut.stop()
        assert cut.injected
        assert s.charged == 0

    # settled, conserved, and what the devices did agrees with the ledger
    assert s.conserved, s
    balances = list(ledger.balances().values())
    assert len(balances) == 1 and balances[0].closed and balances[0].outstanding == 0
    b = balances[0]
    assert (b.paid_in, b.charged, b.change, b.refunded, b.vouchered) == (
        s.paid_in, s.charged, s.change, s.refunded, s.vouchered)
    assert rig.taken == s.paid_in  # every yen the devices kept is in the ledger
    owed = s.paid_in - s.charged
    if "payout_unconfirmed" in s.flags:
        # a hopper stopped answering mid-payout and paid on unseen: nothing more was paid
        # from the others, the unconfirmed rest is a voucher for staff to check against
        # the hopper's own count; coins were never paid twice
        assert state in ("change", "refund") and fault in ("unplug", "timeout", "garbage")
        assert s.change + s.refunded <= rig.paid_out <= owed and s.vouchered > 0
    else:
        assert rig.paid_out == s.change + s.refunded  # every coin paid counted once
    if state == "partial" or state == "refund":
        assert s.paid_in == PARTIAL
    if state == "armed":
        assert s.paid_in == 0 and v.stacked == 0
    if state in ("armed", "partial") and fault in HOPPERS_FINE:
        assert s.refunded == s.paid_in and s.vouchered == 0  # all back, as coins
    if state in ("armed", "partial") and fault == "hopper_empty":
        assert s.refunded == 0 and s.vouchered == s.paid_in  # all back, as a voucher
    if fault == "note" and state in ("armed", "partial"):
        assert v.returned == 1000 and v.stacked == 0  # handed back from escrow
    if state in ("change", "refund") and fault in ("garbage", "hopper_empty", "note"):
        assert s.vouchered == 0  # retried, or paid from smaller coins
