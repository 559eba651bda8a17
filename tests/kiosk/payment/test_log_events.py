"""Payment events are logged through the allow-list without losing a field."""

import logging
from pathlib import Path

import pytest

from hardware_mocks.coins import VirtualCoinDevice
from kiosk.payment.controller import PaymentController
from kiosk.payment.ledger import Ledger
from protocol.clock import FakeClock
from protocol.log import EVENT_ATTR


def test_every_payment_event_is_allow_listed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.payment")
    clock = FakeClock()
    sim = VirtualCoinDevice({500: 0, 100: 1, 50: 0, 10: 0})
    ctl = PaymentController(sim, Ledger.in_state_dir(tmp_path, clock), clock)
    ctl.begin("T1", 100, session="S1")
    sim.insert(5)
    sim.insert(1000)  # over the ceiling: refused
    sim.insert(100)
    ctl.pump()
    ctl.refund_now()
    sim.set_levels({10: 10})
    ctl.begin("T2", 100)
    sim.insert(100)
    sim.lose_events(1)
    sim.insert(10)
    ctl.pump()
    sim.payout_shortfall(100)
    ctl.charge_and_give_change()
    names = {r.msg for r in caplog.records}
    assert {"payment.begin", "payment.credit", "payment.rejected", "payment.refund",
            "payment.voucher", "payment.settled", "payment.fault"} <= names
    for record in caplog.records:
        fields = getattr(record, EVENT_ATTR)
        assert "dropped" not in fields
        assert "<dropped>" not in fields.values()
