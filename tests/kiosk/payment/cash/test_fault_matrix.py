"""The session engine's fault matrix where money is at stake, over the real cash drivers
and the emulated devices: each state from the confirmation to the papers' collection ×
each fault (the customer's, the printer's, the relay's, the cash devices', and the worker
killed with recovery on fresh drivers). The customer pays with a 1,000-yen note, so escrow
and change are in every run.

For every run: every ledger transaction is closed and conserved (paid in = charged +
change + refunded + vouchered), the devices' physical truth agrees (what the emulators
took is what the ledger took in; what they paid out is the ledger's change and refunds:
never twice), the journal has no open session, at most one print and only when charged."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware_mocks.cash.rig import CashRig
from hardware_mocks.session.fakes import FakePrinter
from hardware_mocks.world import CANARY_PIN
from kiosk.payment.cash_device import CashDevice
from kiosk.payment.controller import PaymentController
from kiosk.payment.ledger import Ledger
from kiosk.session.adapters import PaymentAdapter
from kiosk.session.ports import Devices
from kiosk.session.recovery import recover
from kiosk.session.viewmodel import Intent, IntentKind
from tests.fixtures.session import CONTROLS, Harness, step
from tests.fixtures.waiting import WAIT

STATES = ("confirm", "preparing", "payment", "printing", "take_papers")
FAULTS = ("cancel", "timeout", "printer_fault", "relay_down", "coin_jam", "acceptor_silent",
          "hoppers_empty", "kill")
PIN = CANARY_PIN.encode()
NOTE = 1000


class CashRun:
    def __init__(self, harness: Callable[..., Harness], make_devices: Callable[..., Devices],
                 rig: CashRig, open_device: Callable[..., CashDevice], state_dir: Path) -> None:
        self.rig = rig
        self.open_device = open_device
        self.make_devices = make_devices
        self.ledger = Ledger.in_state_dir(state_dir)
        self.h = harness("fake")
        self.device = open_device()
        self._cash(self.h.devices, self.device)
        self.printers = [self.h.devices.printer]

    def _cash(self, devices: Devices, device: CashDevice) -> None:
        devices.payment = PaymentAdapter(PaymentController(device, self.ledger, self.h.clock))
        CONTROLS[id(devices)].cash_rig = self.rig

    def advance(self, target: str | None = None) -> None:
        """Play the customer (paying with a note) until ``target``, or to the end."""
        h = self.h
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if h.engine.finished or (target is not None and h.state == target):
                return
            step(h, "canary", PIN, pay=NOTE)
            if h.state == "payment":
                time.sleep(0.005)  # the drivers' threads are at work
        raise AssertionError(f"stuck in {h.state} (wanted {target})")

    def kill(self) -> list[object]:
        """The worker dies: its drivers' threads and ports go with it; the next worker's
        fresh drivers recover the journal and the ledger from the devices."""
        del self.h.engine
        self.device.close()
        fresh = self.make_devices("fake", clock=self.h.clock)
        self._cash(fresh, self.open_device(load=False))
        self.printers.append(fresh.printer)
        return list(recover(self.h.journal, fresh, self.h.runtime))

    def printed(self) -> int:
        return sum(len(p.printed) for p in self.printers if isinstance(p, FakePrinter))


@pytest.fixture
def cash_run(harness: Callable[..., Harness], make_devices: Callable[..., Devices],
             cash_rig: CashRig, cash_device: Callable[..., CashDevice],
             sim_dirs: tuple[Path, Path]) -> CashRun:
    return CashRun(harness, make_devices, cash_rig, cash_device, sim_dirs[0])


def inject(run: CashRun, fault: str) -> None:
    h, rig = run.h, run.rig
    if fault == "cancel":
        h.engine.intent(Intent(IntentKind.CANCEL))
    elif fault == "timeout":
        h.clock.advance(10_000)
        if not h.engine.busy:
            h.engine.tick()
    elif fault == "printer_fault":
        h.device("printer_fault", value="jam")
    elif fault == "relay_down":
        h.device("relay_fault", value="down")
    elif fault == "coin_jam":
        if h.state == "payment":
            h.device("coin", value=100)  # a partial payment, then the jam
            h.inserted += 100
        rig.acceptor.jam()
    elif fault == "acceptor_silent":
        rig.acceptor.go_silent()
    elif fault == "hoppers_empty":
        for hopper in rig.hoppers.values():
            hopper.set_coins(0)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("state", STATES)
def test_cash_fault_matrix(cash_run: CashRun, state: str, fault: str) -> None:
    run, rig = cash_run, cash_run.rig
    run.advance(state)
    if fault == "kill":
        run.kill()
    else:
        inject(run, fault)
        run.advance()
    assert run.h.journal.open_sessions() == []
    balances = run.ledger.balances().values()
    for b in balances:
        assert b.closed and b.paid_in == b.charged + b.change + b.refunded + b.vouchered, b
    assert rig.taken == sum(b.paid_in for b in balances)
    assert rig.paid_out == sum(b.change + b.refunded for b in balances)  # never twice
    if state in ("printing", "take_papers"):
        assert rig.taken == NOTE  # the note was in before the fault: every run moves money
    charged = sum(b.charged for b in balances)
    printed = run.printed()
    assert printed in (0, 1)
    assert (printed == 1) == (charged > 0)
