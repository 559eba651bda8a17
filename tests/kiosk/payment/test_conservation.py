"""Money conservation under random customers, faults, cancels, crashes and shortfalls.

Hypothesis drives the simulator and the controller as a customer, a tester and a dying
worker would, and checks after every step that the ledger accounts for every yen the
device physically took and gave: paid in = charged + change + refunded + vouchered for
every settled transaction, and nothing is charged without a print.
"""

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hardware_mocks.coins import VirtualCoinDevice
from kiosk.payment.controller import PaymentController, Phase
from kiosk.payment.ledger import Ledger
from kiosk.payment.port import COINS, DENOMINATIONS, PaymentFault
from protocol.clock import FakeClock

# thousands of fsyncs: on tmpfs they cost nothing, on a busy disk they cost the suite's time
FAST_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
QUIET = (Phase.IDLE, Phase.SETTLED, Phase.PAID, Phase.HELD)


class Crash(BaseException):
    """The worker is killed at this point."""


class CrashingSimulator(VirtualCoinDevice):
    """Can be armed to die right after paying out, before the ledger hears of it."""

    crash_next_dispense = False

    def dispense(self, amount: int) -> int:
        paid = super().dispense(amount)
        if self.crash_next_dispense:
            self.crash_next_dispense = False
            raise Crash
        return paid


levels = st.fixed_dictionaries({c: st.integers(0, 6) for c in COINS})


class Conservation(RuleBasedStateMachine):
    shared = False  # the simulator kept in a state file, as across processes

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ledger-", dir=FAST_DIR))
        self.clock = FakeClock()
        self.ledger = Ledger.in_state_dir(self.dir, self.clock)
        self.sim = CrashingSimulator(state_path=self.dir / "coins.json" if self.shared else None)
        self.ctl = self._controller()
        self.printed: set[str] = set()
        self.n = 0

    def _controller(self) -> PaymentController:
        return PaymentController(self.sim, self.ledger, self.clock, stop_timeout=3.0)

    def _recover(self, printed: bool) -> None:
        txn = self.ctl.progress.txn
        assert txn is not None
        if printed:
            self.printed.add(txn)
        while True:  # recovery itself may be killed mid-payout, then runs again
            if self.shared:  # another process opens the same device
                self.sim = CrashingSimulator(state_path=self.dir / "coins.json")
            self.ctl = self._controller()
            try:
                s = self.ctl.settle_after_crash(txn, printed=printed)
            except Crash:
                continue
            break
        assert s.conserved

    # --- the customer and the engine ---------------------------------------------------------

    @precondition(lambda self: self.ctl.progress.phase in (Phase.IDLE, Phase.SETTLED))
    @rule(due=st.integers(1, 150).map(lambda u: u * 10))
    def begin(self, due: int) -> None:
        self.n += 1
        try:
            self.ctl.begin(f"T{self.n}", due)
        except PaymentFault:
            self.sim.clear_jam()

    @rule(denomination=st.sampled_from(DENOMINATIONS + (5,)))
    def insert(self, denomination: int) -> None:
        self.sim.insert(denomination)

    @rule()
    def pump(self) -> None:
        try:
            self.ctl.pump()  # may refund after a cancel
        except Crash:
            self._recover(printed=False)

    @rule(seconds=st.sampled_from([0.5, 4.0]))
    def time_passes(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @rule()
    def cancel(self) -> None:
        try:
            self.ctl.refund_all()
        except Crash:
            self._recover(printed=False)

    @precondition(lambda self: self.ctl.progress.phase is Phase.PAID)
    @rule()
    def print_succeeds(self) -> None:
        txn = self.ctl.progress.txn
        assert txn is not None
        self.printed.add(txn)
        try:
            self.ctl.charge_and_give_change()
        except Crash:
            self._recover(printed=True)

    @precondition(lambda self: self.ctl.progress.phase not in (Phase.IDLE, Phase.SETTLED))
    @rule(printed=st.booleans())
    def worker_killed(self, printed: bool) -> None:
        self._recover(printed=printed and self.ctl.progress.phase is Phase.PAID)

    # --- the tester's faults -------------------------------------------------------------------

    @rule()
    def jam(self) -> None:
        self.sim.jam()

    @rule(n=st.integers(1, 3))
    def lose_events(self, n: int) -> None:
        self.sim.lose_events(n)

    @rule()
    def reset(self) -> None:
        self.sim.reset_mid_payment()

    @rule(coin=st.sampled_from(COINS))
    def coin_in_chute(self, coin: int) -> None:
        self.sim.coin_in_chute(coin)

    @rule(short_by=st.integers(1, 50).map(lambda u: u * 10))
    def shortfall(self, short_by: int) -> None:
        self.sim.payout_shortfall(short_by)

    @rule()
    def crash_in_next_payout(self) -> None:
        self.sim.crash_next_dispense = True

    @precondition(lambda self: self.ctl.progress.phase in (Phase.IDLE, Phase.SETTLED))
    @rule(new=levels)
    def service_refills(self, new: dict[int, int]) -> None:
        self.sim.set_levels(new)
        self.sim.clear_jam()

    # --- what must always hold -----------------------------------------------------------------

    @invariant()
    def ledger_matches_the_physical_money(self) -> None:
        balances = self.ledger.balances().values()
        for bal in balances:
            if bal.closed:
                assert bal.outstanding == 0
                assert bal.charged <= bal.due
                assert bal.charged == 0 or bal.txn in self.printed
        if self.ctl.progress.phase in QUIET:
            assert self.sim.taken_total == sum(b.paid_in for b in balances)
        assert self.sim.paid_out_total == sum(b.change + b.refunded for b in balances)

    def teardown(self) -> None:
        try:
            self.sim.crash_next_dispense = False
            p = self.ctl.refund_all()
            for _ in range(50):
                if p.settlement is not None or p.phase in (Phase.IDLE, Phase.SETTLED):
                    break
                self.clock.advance(1.0)
                p = self.ctl.pump()
            balances = self.ledger.balances().values()
            assert all(b.closed and b.outstanding == 0 for b in balances)
            assert self.sim.taken_total == sum(b.paid_in for b in balances)
        finally:
            shutil.rmtree(self.dir)


class SharedConservation(Conservation):
    shared = True


Conservation.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
SharedConservation.TestCase.settings = settings(max_examples=25, stateful_step_count=40,
                                                deadline=None)
TestConservation = Conservation.TestCase
TestSharedConservation = SharedConservation.TestCase
