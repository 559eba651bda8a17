"""The session engine's money flows over the real cash drivers and the emulated devices
(the other devices are the session's port fakes): pay, change, cancel, a coin jam mid-
payment, empty hoppers. Money is conserved in the ledger and against what the devices
physically took and paid; a certificate prints at most once, and only when paid."""

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
from tests.fixtures.waiting import wait_for


@pytest.fixture
def cash_harness(harness: Callable[..., Harness], cash_rig: CashRig,
                 cash_device: Callable[..., CashDevice],
                 sim_dirs: tuple[Path, Path]) -> Iterator[Harness]:
    h = harness("fake")
    ledger = Ledger.in_state_dir(sim_dirs[0])
    h.devices.payment = PaymentAdapter(PaymentController(cash_device(), ledger, h.clock))
    CONTROLS[id(h.devices)].cash_rig = cash_rig
    yield h


def at_payment(h: Harness) -> int:
    drive_to(h, "payment", pin=CANARY_PIN.encode())
    h.engine.tick()  # the device is armed
    assert h.vm.state == "payment"
    total: int = h.vm.total
    return total


def insert(h: Harness, rig: CashRig, *values: int) -> None:
    for value in values:
        if value >= 1000:
            assert rig.validator is not None
            wait_for(lambda: rig.validator is not None and rig.validator.status in (0x11,),
                     what="validator ready")
        else:
            wait_for(lambda: rig.acceptor.master_enabled, what="acceptor enabled")
        h.device("coin", value=value)
        h.inserted += value


def counted(h: Harness, amount: int) -> bool:
    h.engine.tick()
    return bool(h.vm.inserted == amount)


def until_left_payment(h: Harness) -> None:
    def moved() -> bool:
        h.engine.tick()
        return h.state != "payment"

    wait_for(moved, what="the payment to end")


def to_the_end(h: Harness) -> None:
    for _ in range(300):
        if h.engine.finished:
            return
        step(h, "canary", CANARY_PIN.encode())
    raise AssertionError(f"did not finish; in {h.state}")


def check(h: Harness, rig: CashRig) -> None:
    balances = Ledger.in_state_dir(h.journal.path.parent).balances().values()
    for bal in balances:
        assert bal.closed and bal.outstanding == 0
    assert rig.taken == sum(b.paid_in for b in balances)
    assert rig.paid_out == sum(b.change + b.refunded for b in balances)
    o = h.engine.outcome
    assert o.paid == rig.taken
    printer = h.devices.printer
    assert isinstance(printer, FakePrinter)
    assert len(printer.printed) == (1 if o.result == "printed" else 0)
    if o.result == "printed":
        assert o.charged == o.paid - o.change  # change: coins paid plus the voucher


def test_coins_pay_and_print(cash_harness: Harness, cash_rig: CashRig) -> None:
    h = cash_harness
    total = at_payment(h)
    coins = [500] * (total // 500) + [100] * (total % 500 // 100) + [50] * (total % 100 // 50) \
        + [10] * (total % 50 // 10)
    insert(h, cash_rig, *coins)
    until_left_payment(h)
    to_the_end(h)
    assert h.engine.outcome.result == "printed" and h.engine.outcome.charged == total
    check(h, cash_rig)


def test_a_note_pays_and_the_change_comes_from_the_hoppers(cash_harness: Harness,
                                                           cash_rig: CashRig) -> None:
    h = cash_harness
    total = at_payment(h)
    assert total < 1000
    insert(h, cash_rig, 1000)
    until_left_payment(h)
    to_the_end(h)
    o = h.engine.outcome
    assert (o.result, o.paid, o.charged, o.change, o.voucher) == ("printed", 1000, total,
                                                                   1000 - total, None)
    assert cash_rig.paid_out == 1000 - total
    check(h, cash_rig)


def test_cancel_mid_payment_refunds(cash_harness: Harness, cash_rig: CashRig) -> None:
    h = cash_harness
    at_payment(h)
    insert(h, cash_rig, 100)
    wait_for(lambda: counted(h, 100), what="the coin counted")
    h.engine.intent(Intent(IntentKind.CANCEL))
    to_the_end(h)
    o = h.engine.outcome
    assert (o.result, o.paid, o.refunded, o.charged) == ("cancelled", 100, 100, 0)
    check(h, cash_rig)


def test_a_coin_jam_mid_payment_refunds(cash_harness: Harness, cash_rig: CashRig) -> None:
    h = cash_harness
    at_payment(h)
    insert(h, cash_rig, 100)
    wait_for(lambda: counted(h, 100), what="the coin counted")
    h.device("coin_jam")
    until_left_payment(h)
    to_the_end(h)
    o = h.engine.outcome
    assert o.result != "printed" and (o.paid, o.refunded) == (100, 100)
    check(h, cash_rig)


def test_empty_hoppers_give_a_voucher_for_the_change(cash_harness: Harness,
                                                     cash_rig: CashRig) -> None:
    h = cash_harness
    total = at_payment(h)
    for hopper in cash_rig.hoppers.values():
        hopper.set_coins(0)  # the counts said full: the hoppers are empty
    insert(h, cash_rig, 1000)
    until_left_payment(h)
    to_the_end(h)
    o = h.engine.outcome
    assert (o.result, o.paid, o.charged, o.change) == ("printed", 1000, total, 1000 - total)
    assert o.voucher is not None and cash_rig.paid_out == 0
    bal = Ledger.in_state_dir(h.journal.path.parent).balances()
    assert sum(b.vouchered for b in bal.values()) == 1000 - total
    check(h, cash_rig)
