"""The simulator as a device shared through its state file: several handles, one
process killed with -9, and the recovery in another process settling from the ledger."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hardware_mocks.coins import Step, VirtualCoinDevice, main, pay_script
from kiosk.payment.controller import PaymentController, Phase
from kiosk.payment.ledger import Ledger
from kiosk.payment.port import (
    Credited,
    DeviceReset,
    Escrow,
    Final,
    LostEvents,
    PayoutShortfall,
    Rejected,
)
from protocol.clock import FakeClock


def test_two_handles_share_the_coins(tmp_path: Path) -> None:
    state = tmp_path / "coins.json"
    worker = VirtualCoinDevice({100: 2}, state_path=state)
    panel = VirtualCoinDevice(state_path=state)  # the tester panel, elsewhere
    worker.start_accept(1500)
    panel.insert(100)
    panel.insert(1000)
    assert worker.poll() == [Credited(100), Escrow(1000)]
    worker.stack_escrow()
    assert panel.snapshot()["cashbox"] == {1000: 1}
    assert panel.levels()[100] == 3
    worker.poll()
    assert worker.stop() == Final(1100)
    assert panel.taken_total == 1100


def test_every_event_kind_survives_the_file(tmp_path: Path) -> None:
    state = tmp_path / "coins.json"
    a = VirtualCoinDevice({10: 0}, state_path=state)
    events: list[Step] = [Rejected("unknown"), DeviceReset(), LostEvents(3), PayoutShortfall(100, 50)]
    a.script([*events, ("insert", 10)])
    b = VirtualCoinDevice(state_path=state)
    assert [b.poll()[0] for _ in events] == events
    assert b.snapshot()["script_steps"] == 1


def test_pay_script() -> None:
    assert pay_script(1660) == [("insert", 1000), ("insert", 500), ("insert", 100),
                                ("insert", 50), ("insert", 10)]
    sim = VirtualCoinDevice()
    sim.start_accept(600)
    sim.script(pay_script(600))
    assert sim.poll() == [Credited(500)]
    assert sim.poll() == [Credited(100)]


WORKER = textwrap.dedent(
    """
    import os, signal, sys
    from hardware_mocks.coins import VirtualCoinDevice
    from protocol.clock import FakeClock
    from kiosk.payment.controller import PaymentController
    from kiosk.payment.ledger import Ledger

    state, ledger_dir, stage = sys.argv[1:4]
    clock = FakeClock()
    sim = VirtualCoinDevice(state_path=state)
    ctl = PaymentController(sim, Ledger.in_state_dir(ledger_dir, clock), clock)
    ctl.begin("T1", 300, session="S1")
    sim.insert(100)
    ctl.pump()
    sim.insert(1000)
    if stage == "accepting":
        os.kill(os.getpid(), signal.SIGKILL)  # the note sits in escrow, unpolled
    for _ in range(3):
        ctl.pump()
    assert ctl.progress.complete
    os.kill(os.getpid(), signal.SIGKILL)  # paid; the journal may say printed
    """
)


def run_worker(tmp_path: Path, stage: str) -> tuple[VirtualCoinDevice, Ledger]:
    state = tmp_path / "coins.json"
    VirtualCoinDevice({500: 2, 100: 5, 50: 2, 10: 5}, state_path=state)
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, str(state), str(tmp_path), stage],
        cwd=os.getcwd(), capture_output=True, timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return VirtualCoinDevice(state_path=state), Ledger.in_state_dir(tmp_path, FakeClock())


def test_worker_killed_while_accepting_is_refunded(tmp_path: Path) -> None:
    sim, ledger = run_worker(tmp_path, "accepting")
    clock = FakeClock()
    ctl = PaymentController(sim, ledger, clock)
    (s,) = ctl.settle_open(printed=set())
    assert (s.paid_in, s.refunded, s.charged) == (100, 100, 0)
    assert sim.snapshot()["escrow"] is None  # the note went back to the customer
    assert sim.taken_total == 100 and sim.paid_out_total == 100
    assert ctl.progress.phase is Phase.SETTLED


def test_worker_killed_after_print_charges_once(tmp_path: Path) -> None:
    sim, ledger = run_worker(tmp_path, "paid")
    ctl = PaymentController(sim, ledger, FakeClock())
    (s,) = ctl.settle_open(printed={"T1"})
    assert (s.paid_in, s.charged, s.change, s.vouchered) == (1100, 300, 800, 0)
    assert sim.paid_out_total == 800
    assert ctl.settle_open(printed={"T1"}) == []


def test_tester_cli_drives_the_shared_device(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "coins.json"
    kiosk = VirtualCoinDevice({100: 0}, state_path=state)
    kiosk.start_accept(500)
    assert main([str(state), "insert", "100"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["result"] == {"type": "Credited", "denomination": 100}
    assert kiosk.poll() == [Credited(100)]
    main([str(state), "levels", "500=1,10=3"])
    assert kiosk.levels() == {500: 1, 100: 0, 50: 0, 10: 3}
    main([str(state), "jam"])
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["jammed"] is True
    with pytest.raises(SystemExit):
        main([str(state), "levels", "20=1"])
