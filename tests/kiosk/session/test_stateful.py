"""Hypothesis interleaves intents, device events, faults and time, then checks what must
always hold: money conserved at the coin device and in the outcome, nothing printed
unpaid, at most one print job set per session, every PIN buffer zeroed, the journal
closed and free of personal data once the session ended."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from hardware_mocks.relay.virtual import VirtualRelayBackend
from hardware_mocks.session.fakes import FakePayment
from hardware_mocks.session.specs import StandIn, in_process
from hardware_mocks.world import CANARY_ADDRESS_MARK, CANARY_FAMILY, CANARY_GIVEN
from kiosk.session.engine import Engine
from kiosk.session.journal import Journal
from kiosk.session.machine import SessionChart
from kiosk.session.viewmodel import Intent, IntentKind, ViewModel
from protocol.clock import FakeClock

STATES = {s.id for s in SessionChart.states}
TYPES = ("juminhyo", "inkan", "koseki_zenbu", "bogus")
REACHED: list[str] = []  # where each example got to: the walk must go deep


def make_machine(world: Path, tmp: Path, kind: StandIn = "fake",
                 backend: VirtualRelayBackend | None = None) -> type[RuleBasedStateMachine]:
    card = world / "cards" / "canary.json"
    original = card.read_bytes()

    class Session(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            card.write_bytes(original)  # a fresh card for every example
            state = tmp / "state"
            shutil.rmtree(state, ignore_errors=True)
            self.clock = FakeClock()
            self.dev, self.control = in_process(world, state, kind, self.clock, backend)
            self.journal = Journal(state / "journal.jsonl")
            self.views: list[ViewModel] = []
            self.pins: list[bytearray] = []
            self.accepted = 0
            self.engine = Engine(self.dev, clock=self.clock, journal=self.journal,
                                 publish=self.views.append)

        @rule(kind=st.sampled_from(list(IntentKind)), value=st.sampled_from(
            [None, "1", "2", "11", *TYPES]), key=st.sampled_from([None, "scope", "honseki"]))
        def intent(self, kind: IntentKind, value: str | None, key: str | None) -> None:
            if kind == IntentKind.PIN_SUBMITTED:
                return  # the PIN has its own rule
            self.engine.intent(Intent(kind, value, key))

        @rule(pin=st.sampled_from([b"7391", b"0000", b"73", b"7391\x00"]))
        def pin(self, pin: bytes) -> None:
            buf = bytearray(pin)
            self.pins.append(buf)
            self.engine.intent(Intent(IntentKind.PIN_SUBMITTED), pin=buf)

        def device(self, what: str, **fields: object) -> None:
            self.control.control({"kind": what, **fields})

        @rule()
        def card_in(self) -> None:
            self.device("card_insert", persona="canary")

        @rule()
        def card_out(self) -> None:
            self.device("card_remove")

        @rule(coin=st.sampled_from([10, 50, 100, 500, 1000, 5]))
        def coin(self, coin: int) -> None:
            if kind == "virtual":
                self.device("coin", value=coin)  # the ledger keeps the count
                return
            assert isinstance(self.dev.payment, FakePayment)
            if self.dev.payment.insert(coin):
                self.accepted += coin

        @rule(seconds=st.sampled_from([1, 20, 75, 200]))
        def time_passes(self, seconds: int) -> None:
            self.clock.advance(seconds)

        @rule(n=st.integers(1, 4))
        def tick(self, n: int) -> None:
            for _ in range(n):
                self.engine.tick()

        @rule(fault=st.sampled_from([
            ("relay_fault", None), ("relay_fault", "down"), ("relay_fault", "bad"),
            ("relay_fault", "integrity"), ("printer_fault", None), ("printer_fault", "jam"),
            ("printer_fault", "media-empty"), ("coin_jam", None)]))
        def fault(self, fault: tuple[str, str | None]) -> None:
            what, value = fault
            self.device(what, value=value)

        @rule()
        def customer_acts(self) -> None:
            """What a customer does on the current screen: keeps the walk going deep."""
            e, state = self.engine, self.engine.state
            if state == "start":
                e.intent(Intent(IntentKind.START))
            elif state == "place_card":
                self.card_in()
            elif state == "pin":
                self.pin(b"7391")
            elif state == "remove_card":
                self.card_out()
            elif state == "choose_type":
                e.intent(Intent(IntentKind.CHOOSE_TYPE, "juminhyo"))
            elif state == "options":
                e.intent(Intent(IntentKind.OPTIONS_DONE))
            elif state == "copies":
                e.intent(Intent(IntentKind.SET_COPIES, "2"))
            elif state == "confirm":
                e.intent(Intent(IntentKind.CONFIRM))
            elif state == "payment" and self.views[-1].state == "payment":
                from hardware_mocks.session.customer import coins_for

                vm = self.views[-1]
                for c in coins_for(max(0, vm.total - vm.inserted))[:2]:
                    self.coin(c)
            elif state == "take_papers":
                e.intent(Intent(IntentKind.ACKNOWLEDGE))
            e.tick()

        # The customer acts far more often than anything else happens, or the walk would
        # rarely get past the PIN screen.
        @rule()
        def customer_acts_again(self) -> None:
            self.customer_acts()

        @rule()
        def customer_acts_once_more(self) -> None:
            self.customer_acts()

        @rule()
        def customer_keeps_going(self) -> None:
            self.customer_acts()

        @rule()
        def customer_does_not_stop(self) -> None:
            self.customer_acts()

        @rule()
        def customer_goes_on(self) -> None:
            self.customer_acts()

        @precondition(lambda self: not self.engine.finished)
        @rule()
        def stop(self) -> None:
            self.engine.stop()
            self.engine.run_until_idle()

        @invariant()
        def valid_state(self) -> None:
            assert self.engine.state in STATES

        @invariant()
        def money_at_the_device(self) -> None:
            if kind == "virtual":
                from kiosk.payment.ledger import Ledger

                for b in Ledger.in_state_dir(self.journal.path.parent).balances().values():
                    if b.closed:
                        assert b.paid_in == b.charged + b.change + b.refunded + b.vouchered
                return
            assert isinstance(self.dev.payment, FakePayment)
            c = self.dev.payment.totals()
            assert self.accepted == c.cash_box + c.paid_out + c.escrow + c.vouchered

        @invariant()
        def nothing_printed_unpaid(self) -> None:
            tray = self.journal.path.parent / "tray.jsonl"
            printed = len(tray.read_text().splitlines()) if tray.exists() else 0
            o = self.engine.outcome
            if printed:
                assert o.paid >= o.charged > 0 or not self.engine.finished
                assert printed <= 10 and printed == o.copies_printed or not self.engine.finished

        @invariant()
        def when_ended(self) -> None:
            if not self.engine.finished:
                return
            o = self.engine.outcome
            assert o.paid == o.charged + o.change + o.refunded
            assert all(p == bytearray(len(p)) for p in self.pins)
            assert self.journal.open_sessions() == []
            text = self.journal.path.read_text(encoding="utf-8") if self.journal.path.exists() else ""
            for canary in (CANARY_FAMILY, CANARY_GIVEN, CANARY_ADDRESS_MARK):
                assert canary not in text
            final = self.views[-1]
            assert final.final and json.loads(json.dumps(final.to_dict()))["final"]

        def teardown(self) -> None:
            REACHED.append(self.engine.outcome.last_state if self.engine.finished
                           else self.engine.state)
            self.dev.close()
            if not self.engine.finished:
                self.engine.stop()
                self.engine.run_until_idle()
            self.when_ended()

    return Session


def test_interleavings(world_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(world_dir, tmp_path / "world")
    machine = make_machine(tmp_path / "world", tmp_path)
    REACHED.clear()
    run_state_machine_as_test(machine, settings=settings(
        max_examples=60, stateful_step_count=40, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert {"printing", "take_papers"} & set(REACHED), sorted(set(REACHED))


def test_interleavings_over_the_areas_fakes(world_dir: Path, tmp_path: Path,
                                           relay_backend: VirtualRelayBackend) -> None:
    shutil.copytree(world_dir, tmp_path / "world")
    machine = make_machine(tmp_path / "world", tmp_path, "virtual", relay_backend)
    REACHED.clear()
    run_state_machine_as_test(machine, settings=settings(
        max_examples=25, stateful_step_count=40, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert {"printing", "take_papers"} & set(REACHED), sorted(set(REACHED))


@pytest.mark.slow
def test_interleavings_long(world_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(world_dir, tmp_path / "world")
    machine = make_machine(tmp_path / "world", tmp_path)
    run_state_machine_as_test(machine, settings=settings(
        max_examples=200, stateful_step_count=80, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
