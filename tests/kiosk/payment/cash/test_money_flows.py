"""The payment controller's money flows over the real drivers and the emulated devices:
paid in = charged + change + refunded + vouchered in the ledger, and the devices' physical
truth (what the emulators took and paid) agrees."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.controller import PaymentController, Phase, Progress
from kiosk.payment.ledger import Ledger
from protocol.clock import SystemClock
from tests.fixtures.waiting import wait_for

Open = Callable[..., CashDevice]


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.in_state_dir(tmp_path / "state")


def controller(device: CashDevice, ledger: Ledger) -> PaymentController:
    return PaymentController(device, ledger, SystemClock(), stop_timeout=10.0)


def pump_until(ctl: PaymentController, done: Callable[[Progress], bool]) -> Progress:
    last: list[Progress] = []

    def check() -> bool:
        last.append(ctl.pump())
        return done(last[-1])

    wait_for(check, what="the payment to move on")
    return last[-1]


def settle(ctl: PaymentController) -> Progress:
    return pump_until(ctl, lambda p: p.settlement is not None)


def assert_conserved(ledger: Ledger, rig: CashRig) -> None:
    balances = ledger.balances().values()
    for bal in balances:
        assert bal.closed and bal.outstanding == 0
    assert rig.taken == sum(b.paid_in for b in balances)
    assert rig.paid_out == sum(b.change + b.refunded for b in balances)


def open_payment(rig: CashRig, ctl: PaymentController, txn: str, due: int) -> Progress:
    p = ctl.begin(txn, due)
    wait_for(lambda: rig.acceptor.master_enabled, what="acceptor enabled")
    return p


def test_coins_exact(cash_rig: CashRig, cash_device: Open, ledger: Ledger) -> None:
    ctl = controller(cash_device(), ledger)
    open_payment(cash_rig, ctl, "T1", 350)
    for coin in (100, 100, 100, 50):
        assert cash_rig.acceptor.insert(coin) == "credited"
    p = pump_until(ctl, lambda p: p.complete)
    assert p.inserted == 350
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.charged, s.change) == (350, 0)
    assert_conserved(ledger, cash_rig)


def test_a_note_pays_and_the_hoppers_give_change(cash_rig: CashRig, cash_device: Open,
                                                 ledger: Ledger) -> None:
    ctl = controller(cash_device(), ledger)
    open_payment(cash_rig, ctl, "T1", 350)
    assert cash_rig.validator is not None
    wait_for(lambda: cash_rig.validator is not None and not cash_rig.validator.inhibited,
             what="validator open")
    assert cash_rig.validator.insert(1000) == "escrow"
    pump_until(ctl, lambda p: p.complete)
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.paid_in, s.charged, s.change, s.vouchered) == (1000, 350, 650, 0)
    assert {v: h.paid_out for v, h in cash_rig.hoppers.items()} == {500: 1, 100: 1, 50: 1, 10: 0}
    assert_conserved(ledger, cash_rig)


def test_a_note_the_validator_returned_before_the_controller_decided_goes_on_paying(
        cash_rig: CashRig, cash_device: Open, ledger: Ledger) -> None:
    """The controller was not pumped within the validator's escrow timeout: by the time it
    decides, the note is back with the customer. Not a fault: nothing credited for it, and
    the payment goes on with coins."""
    dev = cash_device()
    ctl = controller(dev, ledger)
    v = cash_rig.validator
    assert v is not None and dev.validator is not None
    v.escrow_timeout = 0.2
    open_payment(cash_rig, ctl, "T1", 1000)
    wait_for(lambda: not v.inhibited, what="validator open")
    assert v.insert(1000) == "escrow"
    wait_for(lambda: v.returned == 1000, what="the validator's own return")
    wait_for(lambda: dev.validator is not None and not dev.validator.busy, what="the driver saw it")
    assert ctl.pump().fault is None  # Escrow, then Returned: the decision comes too late
    for coin in (500, 500):
        assert cash_rig.acceptor.insert(coin) == "credited"
    p = pump_until(ctl, lambda p: p.complete)
    assert p.fault is None and p.inserted == 1000
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.paid_in, s.charged, s.change) == (1000, 1000, 0)
    assert v.stacked == 0 and dev.counters().notes_in == {}
    assert_conserved(ledger, cash_rig)


def test_cancel_refunds_what_went_in(cash_rig: CashRig, cash_device: Open, ledger: Ledger) -> None:
    ctl = controller(cash_device(), ledger)
    open_payment(cash_rig, ctl, "T1", 350)
    cash_rig.acceptor.insert(100)
    cash_rig.acceptor.insert(50)
    pump_until(ctl, lambda p: p.inserted == 150)
    ctl.refund_all()
    s = settle(ctl).settlement
    assert s is not None and (s.paid_in, s.refunded, s.charged) == (150, 150, 0)
    assert not cash_rig.acceptor.master_enabled
    assert_conserved(ledger, cash_rig)


def test_a_coin_jam_mid_payment_refunds(cash_rig: CashRig, cash_device: Open,
                                        ledger: Ledger) -> None:
    ctl = controller(cash_device(), ledger)
    open_payment(cash_rig, ctl, "T1", 350)
    cash_rig.acceptor.insert(100)
    cash_rig.acceptor.jam()
    p = pump_until(ctl, lambda p: p.fault is not None)
    assert p.fault == "jam"
    pump_until(ctl, lambda p: p.phase is Phase.HELD)
    s = ctl.refund_all().settlement
    assert s is not None and (s.paid_in, s.refunded) == (100, 100)
    assert_conserved(ledger, cash_rig)
    with pytest.raises(Exception, match="jam"):
        ctl.begin("T2", 350)  # out of service until the jam is cleared


def test_empty_hoppers_mean_a_voucher_for_the_change(cash_rig: CashRig, cash_device: Open,
                                                     ledger: Ledger) -> None:
    ctl = controller(cash_device(), ledger)
    open_payment(cash_rig, ctl, "T1", 350)  # the counts promise change...
    for hopper in cash_rig.hoppers.values():
        hopper.set_coins(0)  # ...and the hoppers are empty (miscounted at the last refill)
    assert cash_rig.validator is not None
    wait_for(lambda: cash_rig.validator is not None and not cash_rig.validator.inhibited,
             what="validator open")
    cash_rig.validator.insert(1000)
    pump_until(ctl, lambda p: p.complete)
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.charged, s.change, s.vouchered) == (350, 0, 650)
    assert s.voucher is not None and s.voucher.amount == 650
    assert_conserved(ledger, cash_rig)


def test_a_note_the_change_could_not_cover_is_handed_back(cash_rig: CashRig, cash_device: Open,
                                                          ledger: Ledger) -> None:
    """Exact change only (no coins for change): a note over the amount due goes back from
    escrow; the validator's own mask already refuses it, this validator ignores its mask."""
    dev = cash_device(load=False)
    dev.set_levels(dict.fromkeys(cash_rig.hoppers, 0))
    ctl = controller(dev, ledger)
    assert ctl.quote(350).exact_change_only
    open_payment(cash_rig, ctl, "T1", 350)
    v = cash_rig.validator
    assert v is not None
    wait_for(lambda: not v.inhibited or v.enabled == frozenset(), what="validator settings")
    with v.lock:
        v.inhibited, v.enabled = False, frozenset({0x61})
        v._idle()
    assert v.insert(1000) == "escrow"
    pump_until(ctl, lambda p: v.returned == 1000)
    for coin in (100, 100, 100, 50):
        cash_rig.acceptor.insert(coin)
    pump_until(ctl, lambda p: p.complete)
    s = ctl.charge_and_give_change().settlement
    assert s is not None and (s.paid_in, s.charged) == (350, 350)
    assert v.stacked == 0
    assert_conserved(ledger, cash_rig)


CHANGE_WORKER = """
import sys
from kiosk.payment.cash_device import open_cash_device
from kiosk.payment.controller import PaymentController
from kiosk.payment.ledger import Ledger
from protocol.clock import SystemClock
state, acceptor, h500, h100, h50, h10 = sys.argv[1:7]
dev = open_cash_device(state, coin_acceptor=acceptor,
                       hoppers={500: h500, 100: h100, 50: h50, 10: h10})
for d in dev.devices:
    assert d.wait_ready(10), d.name
dev.set_levels({500: 10, 100: 30, 50: 20, 10: 50})
ctl = PaymentController(dev, Ledger.in_state_dir(state), SystemClock())
ctl.begin("T1", 10)
print("accepting", flush=True)
while not ctl.pump().complete:
    pass
print("printed", flush=True)
ctl.charge_and_give_change()
"""


@pytest.mark.parametrize("then", ["hopper_finishes", "hopper_jams"])
def test_kill_9_mid_change_pays_the_change_once(cash_rig: CashRig, cash_device: Open,
                                                ledger: Ledger, tmp_path: Path, then: str) -> None:
    """The worker paying change dies (kill -9) after the print. The hopper goes on paying
    (or jams); recovery settles the payout from what the hopper paid, pays only the rest
    and vouchers what it cannot: every coin counted once, none paid twice, none lost."""
    hopper = cash_rig.hoppers[10]
    hopper.coin_interval = 0.05
    for bigger in (50, 100, 500):
        cash_rig.hoppers[bigger].set_coins(0)
    args = [str(tmp_path / "state"), cash_rig.acceptor.path,
            *(cash_rig.hoppers[v].path for v in (500, 100, 50, 10))]
    proc = subprocess.Popen([sys.executable, "-c", CHANGE_WORKER, *args], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "accepting"
        wait_for(lambda: cash_rig.acceptor.master_enabled, what="acceptor enabled")
        cash_rig.acceptor.insert(500)  # 490 change: the empty hoppers leave it to the 10s
        assert proc.stdout.readline().strip() == "printed"
        wait_for(lambda: hopper.paid_out >= 5, what="some change")
        os.kill(proc.pid, signal.SIGKILL)
        if then == "hopper_jams":
            hopper.stall()
    finally:
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    ctl = controller(cash_device(load=False, coin_time=0.05), ledger)
    s = ctl.settle_after_crash("T1", printed=True)
    assert (s.paid_in, s.charged) == (500, 10)
    assert s.change + s.vouchered == 490
    assert hopper.paid_out * 10 == s.change  # every coin paid counted once, none again
    if then == "hopper_jams":
        assert s.vouchered > 0 and s.voucher is not None
    assert_conserved(ledger, cash_rig)
