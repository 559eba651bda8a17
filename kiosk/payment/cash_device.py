"""The terminal's real cash devices composed into one :class:`~kiosk.payment.port.PaymentDevice`:
a ccTalk coin acceptor, ccTalk hoppers (one per payout denomination) and an optional
JCM ID-003 note validator, each driven by its own thread on its own tty.

What the port asks, and how it is done here:

- ``start_accept(max)``: refused (``PaymentFault``) while the acceptor is out of order or
  jammed (a jam is cleared by a clean self-check); then only the coins and notes that fit
  under the ceiling are enabled, and the masks shrink with every coin taken. A note
  validator that is out of order only means no notes.
- ``poll``: the drivers' events, oldest first; a device fault (``no_answer``,
  ``bad_checksum``, ``garbage``, ``wrong_address``, ``unknown_coin``, ``event_flood``,
  ``unknown_note``, ...) is raised as :class:`PaymentFault` once its events are out.
- ``stop``: two phases. The first call blocks the acceptor and the validator; the answer
  stays :class:`Pending` until both confirmed it, the acceptor's buffer was read after the
  block, no note is between slot and cashbox, and every event has been polled. Then
  :class:`Final` with everything credited since ``start_accept``.
- ``dispense``: the largest denominations first, each hopper paying what it can; what a
  hopper reports paid (its own dispense count) is the answer, so a hopper that runs dry
  or is power-cycled mid-payout makes the payout short, never double. It waits for the
  hoppers (bounded by the coins' time), the one call of the port that does.
- ``levels``: each hopper's coin count: what a technician recorded as loaded, plus the
  coins routed to it, less what it paid by its own count. The count moves only with
  money, so the controller can measure a payout by it. What the hoppers say about
  themselves is applied to the counts between payments, at ``start_accept`` and at the
  Final answer of ``stop``, never while a payout may be being measured: a hopper that
  ran dry, or whose low-level sensor says it may be close to empty, counts 0 from then
  on (until a technician records a refill), so the change promised before a payment
  counts only on coins that are there.

:meth:`CashDevice.counters` returns the devices' monotonic totals (coins and notes in,
coins paid per hopper, payouts still in flight), the record from which a transaction cut
by a crash can be settled.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from kiosk.payment.cash_state import CashState
from kiosk.payment.cctalk_frame import Checksum
from kiosk.payment.cctalk_payout import HARD_FAULTS, MAX_COINS
from kiosk.payment.change import can_pay
from kiosk.payment.coin_acceptor import CoinAcceptor
from kiosk.payment.hopper import PAYOUT_SLACK, Hopper
from kiosk.payment.note_validator import NoteValidator
from kiosk.payment.port import (
    COINS,
    Credited,
    DeviceBusy,
    DeviceReset,
    Dispensed,
    Escrow,
    Event,
    Final,
    InvalidAmount,
    PaymentError,
    PaymentFault,
    PayoutShortfall,
    Pending,
    Returned,
    Stacked,
    StopResult,
    Totals,
    check_amount,
)
from kiosk.payment.serial_port import DeviceThread, Port, open_tty
from protocol.log import event

log = logging.getLogger("kiosk.payment.cash")

T_ = TypeVar("T_")

#: How long a call waits for a device still starting (first use after the process began).
READY_TIMEOUT = 3.0
#: How long a self-check or a settings job may take.
JOB_TIMEOUT = 2.0
#: How long a payout job may take beyond its coins' own time: the driver's steps around the
#: payout (enable, counters, a reset, the emergency stop, settling, flags), each bounded by
#: its reply timeouts and tries, on a line that times out on every one of them.
PAYOUT_STEPS = 20.0
#: The acceptor's and the validator's poll interval between customers (inhibited).
IDLE_POLL = 0.25


@dataclass(frozen=True)
class CashCounters:
    """Monotonic totals kept by the drivers in the state file (they only ever grow, across
    crashes and restarts), and the payouts whose result is not known yet."""

    coins_in: Mapping[int, int]  # coins credited, by yen value
    notes_in: Mapping[int, int]  # notes stacked, by yen value
    coins_out: Mapping[int, int]  # coins paid out, by hopper denomination
    unresolved_payouts: tuple[int, ...] = ()  # hoppers with a payout in flight

    @property
    def taken(self) -> int:
        return sum(d * n for d, n in self.coins_in.items()) + sum(
            d * n for d, n in self.notes_in.items())

    @property
    def paid_out(self) -> int:
        return sum(d * n for d, n in self.coins_out.items())


class CashDevice:
    def __init__(self, state: CashState, *, acceptor: CoinAcceptor | None = None,
                 hoppers: Mapping[int, Hopper] | None = None,
                 validator: NoteValidator | None = None,
                 ready_timeout: float = READY_TIMEOUT) -> None:
        self.state = state
        self.acceptor = acceptor
        self.hoppers = dict(hoppers or {})
        self.validator = validator
        self.ready_timeout = ready_timeout
        self._lock = threading.RLock()
        self._events: deque[Event] = deque()
        self._faults: deque[str] = deque()
        self._open = False  # between start_accept and the Final answer of stop
        self._accepting = False
        self._max = 0
        self._accepted = 0
        self._escrow: int | None = None
        #: ``stop``'s blocking jobs; ``None`` until the first ``stop`` of a payment.
        self._stop_jobs: list[tuple[CoinAcceptor | NoteValidator, Future[bool]]] | None = None

    # --- building -------------------------------------------------------------------------

    @property
    def devices(self) -> list[DeviceThread]:
        found: list[DeviceThread | None] = [self.acceptor, *self.hoppers.values(), self.validator]
        return [d for d in found if d is not None]

    def start(self) -> CashDevice:
        for device in self.devices:
            device.start()
        return self

    def close(self) -> None:
        for device in self.devices:
            device.close()

    # --- what the drivers report (their threads) ---------------------------------------------

    def emit(self, ev: Event) -> None:
        with self._lock:
            if isinstance(ev, Escrow):
                self._escrow = ev.note
            elif isinstance(ev, Stacked | Returned | DeviceReset):
                self._escrow = None
            if isinstance(ev, Credited | Stacked) and self._open:
                self._accepted += ev.denomination if isinstance(ev, Credited) else ev.note
                if self._accepting:
                    self._apply_ceiling()
            self._events.append(ev)

    def report(self, code: str) -> None:
        with self._lock:
            self._faults.append(code)

    def device_fault(self, device: str, code: str) -> None:
        if not device.startswith("hopper_"):  # a hopper's state shows in levels()
            self.report(code)

    def device_recovered(self, device: str) -> None:
        """Nothing to do: the device's health is read when it matters."""

    # --- the port ---------------------------------------------------------------------------

    def start_accept(self, max_amount: int) -> None:
        check_amount(max_amount)
        acceptor = self._acceptor()
        with self._lock:
            if self._open or self._escrow is not None:
                raise DeviceBusy()
        if acceptor.jammed:
            fault = self._wait(acceptor.submit(acceptor.self_check), JOB_TIMEOUT)
            if fault is not None or acceptor.jammed:
                raise PaymentFault("jam")
        if not acceptor.healthy:
            raise PaymentFault(acceptor.fault or "not_ready")
        self._apply_hopper_states()
        with self._lock:
            stale = list(self._events)
            self._events.clear()
            self._faults.clear()
            self._open = self._accepting = True
            self._max, self._accepted = max_amount, 0
            for device in self._blockers():
                device.set_busy(True)
            self._stop_jobs = None
            self._apply_ceiling()
        for ev in stale:  # refused coins between customers, a recovery's leftovers
            event(log, "payment.stale_event", kind=type(ev).__name__)

    def poll(self) -> list[Event]:
        with self._lock:
            out = list(self._events)
            self._events.clear()
            if not out and self._faults:
                raise PaymentFault(self._faults.popleft())
            return out

    def stack_escrow(self) -> None:
        self._note_job(lambda v: v.stack)

    def return_escrow(self) -> None:
        self._note_job(lambda v: v.return_note)

    def stop(self) -> StopResult:
        with self._lock:
            self._accepting = False
            if self._stop_jobs is None:
                self._stop_jobs = [(d, d.submit(d.quiesce)) for d in self._blockers()]
                return Pending()
            for i, (device, job) in enumerate(self._stop_jobs):
                if not job.done():
                    return Pending()
                if job.exception() is not None and device.healthy:
                    self._stop_jobs[i] = (device, device.submit(device.quiesce))
                    return Pending()
            if self._escrow is not None or self._events or (
                    self.validator is not None and self.validator.healthy and self.validator.busy):
                return Pending()
            self._open = False
            self._stop_jobs = None
            final = Final(self._accepted)
            for device in self._blockers():
                device.set_busy(False)
        self._apply_hopper_states()
        return final

    def dispense(self, amount: int) -> int:
        check_amount(amount)
        with self._lock:
            if self._open:
                raise DeviceBusy()
        remaining = amount
        overran = False
        for denomination in sorted(self.hoppers, reverse=True):
            hopper = self.hoppers[denomination]
            while remaining >= denomination and hopper.wait_ready(self.ready_timeout) \
                    and hopper.healthy:
                coins = min(remaining // denomination, MAX_COINS)
                paid = self._pay(hopper, coins)
                overran = paid is None
                remaining -= (paid or 0) * denomination
                if paid is None or paid < coins:
                    break
            if overran or self.state.read().hopper(denomination).pending is not None:
                # the hopper stopped answering mid-payout, or its job is still running: it
                # may still be paying, and what it paid is unknown until it is done, so
                # nothing more is paid from the others (that could pay the same yen twice);
                # the rest is the caller's shortfall, a voucher for staff to check against
                # the hopper's count
                break
        paid_total = amount - remaining
        with self._lock:
            if paid_total:
                self._events.append(Dispensed(paid_total))
            if remaining:
                self._events.append(PayoutShortfall(amount, paid_total))
        if overran:
            raise PaymentFault("payout_unconfirmed")  # the caller measures the counters and flags it
        return paid_total

    def levels(self) -> dict[int, int]:
        rec = self.state.read()
        out = dict.fromkeys(COINS, 0)
        for denomination in self.hoppers:
            out[denomination] = rec.hopper(denomination).inventory
        return out

    def can_payout(self, amount: int) -> bool:
        return can_pay(amount, self.levels())

    # --- beyond the port -------------------------------------------------------------------

    def counters(self) -> CashCounters:
        rec = self.state.read()
        return CashCounters(
            coins_in=dict(rec.coins_in), notes_in=dict(rec.notes_in),
            coins_out={d: rec.hopper(d).paid_total for d in self.hoppers},
            unresolved_payouts=tuple(d for d in sorted(self.hoppers)
                                     if rec.hopper(d).pending is not None))

    def totals(self) -> Totals:
        """The port's lifetime counters, from :meth:`counters`. While a hopper's payout is
        still unresolved its paid count is not known yet: say so rather than guess."""
        counters = self.counters()
        if counters.unresolved_payouts:
            # ``payout_settling`` while such a hopper is still being brought up (it lets a
            # payout it is still paying finish, then reads its count): ask again soon
            settling = any(self.hoppers[d].fault == "starting"
                           for d in counters.unresolved_payouts if d in self.hoppers)
            raise PaymentFault("payout_settling" if settling else "payout_unresolved")
        return Totals(counters.taken, counters.paid_out)

    def set_levels(self, levels: Mapping[int, int]) -> None:
        """A technician's count of the coins in each hopper (``kiosk diag`` refill)."""
        for denomination, count in levels.items():
            if denomination not in self.hoppers or count < 0:
                raise InvalidAmount("bad_level")
        with self.state.change() as r:
            for denomination, count in levels.items():
                r.hopper(denomination).inventory = int(count)
        for denomination in levels:
            self.hoppers[denomination].empty = False

    def payouts_in_flight(self) -> dict[int, int]:
        """The coins each hopper was asked to pay in a payout whose outcome is not known
        (what the kiosk diag shows staff before they settle it)."""
        rec = self.state.read()
        return {d: h.pending.coins for d, h in sorted(rec.hoppers.items())
                if d in self.hoppers and h.pending is not None}

    def resolve_payout(self, denomination: int, coins_paid: int) -> None:
        """Settle a payout in flight that the hopper cannot (its count failed its checksum,
        or another hopper was put in since) with what staff established it paid: counted
        from the coins left in the hopper, or from the customer's voucher. Recorded as
        paid by that hopper; the hopper then starts again at its next initialisation,
        unless a fault of its own keeps it out of order. Refused for a hopper without a
        payout in flight, and for more coins than the payout asked."""
        if denomination not in self.hoppers:
            raise InvalidAmount("unknown_denomination")
        with self.state.change() as r:
            h = r.hopper(denomination)
            if h.pending is None:
                raise InvalidAmount("no_payout_in_flight")
            if not 0 <= coins_paid <= h.pending.coins:
                raise InvalidAmount("bad_count")
            h.paid_total += coins_paid
            h.inventory = max(0, h.inventory - coins_paid)
            h.dispense_count = None  # the hopper's own count is read again at its next payout
            h.pending = None
        event(log, "payment.payout_resolved", logging.WARNING, device=self.hoppers[denomination].name,
              count=coins_paid)

    def self_check(self) -> dict[str, str]:
        """Each device's state for the diagnostic mode: ``ok`` or a fault code. The
        acceptor runs its self-check (232), each hopper its test (163) and level (217),
        the validator answers a status request."""
        out: dict[str, str] = {}
        if self.acceptor is not None:
            out[self.acceptor.name] = self._checked(self.acceptor, self.acceptor.self_check)
        for hopper in self.hoppers.values():
            out[hopper.name] = self._checked(hopper, hopper.read_status)
        if self.validator is not None:
            out[self.validator.name] = self._checked(self.validator, self.validator.read_status)
        return out

    def test_payout(self, denomination: int) -> int:
        """Pay one coin from one hopper (the diagnostic mode's test); returns coins paid."""
        hopper = self.hoppers.get(denomination)
        if hopper is None:
            raise InvalidAmount("unknown_denomination")
        with self._lock:
            if self._open:
                raise DeviceBusy()
        paid = self._pay(hopper, 1)
        if paid is None:
            raise PaymentFault("payout_unconfirmed")
        return paid

    # --- internals ---------------------------------------------------------------------------

    def _apply_hopper_states(self) -> None:
        """A hopper that ran dry or reads below its low mark counts 0 coins (between
        payments only: see ``levels``)."""
        doubtful = [d for d, h in self.hoppers.items()
                    if h.empty or (h.level is not None and h.level.low)]
        if not doubtful:
            return
        rec = self.state.read()
        if all(rec.hopper(d).inventory == 0 for d in doubtful):
            return
        with self.state.change() as r:
            for denomination in doubtful:
                r.hopper(denomination).inventory = 0

    def _blockers(self) -> list[CoinAcceptor | NoteValidator]:
        """The devices ``stop`` blocks: those that take money and answer, or are being
        brought up (a recovery right after the process started must not take the device
        as quiet before its driver took up the counters; if it fails to come up, its
        jobs fail and ``stop`` goes on without it)."""
        found: list[CoinAcceptor | NoteValidator | None] = [self.acceptor, self.validator]
        return [d for d in found if d is not None and (d.healthy or d.fault == "starting")]

    def _acceptor(self) -> CoinAcceptor:
        if self.acceptor is None:
            raise PaymentFault("no_coin_acceptor")
        if not self.acceptor.wait_ready(self.ready_timeout):
            raise PaymentFault(self.acceptor.fault or "not_ready")
        return self.acceptor

    def _apply_ceiling(self) -> None:
        """Enable what fits under the ceiling (called with the lock held)."""
        headroom = self._max - self._accepted
        if self.acceptor is not None:
            coins = frozenset(c for c in self.acceptor.values.values() if c <= headroom)
            acceptor = self.acceptor
            acceptor.submit(lambda: acceptor.set_allowed(coins, self._accepting))
        if self.validator is not None and self.validator.healthy:
            notes = frozenset(n for n in self.validator.notes.values() if n <= headroom)
            validator = self.validator
            validator.submit(lambda: validator.set_allowed(notes, self._accepting))

    def _note_job(self, pick: Callable[[NoteValidator], Callable[[], None]]) -> None:
        with self._lock:
            if self.validator is None or self._escrow is None:
                raise DeviceBusy()
        job = self.validator.submit(pick(self.validator))
        job.add_done_callback(self._report_failure)

    def _report_failure(self, job: Future[None]) -> None:
        exc = job.exception()
        if isinstance(exc, PaymentError) and not isinstance(exc, DeviceBusy):
            self.report(exc.code)

    def _pay(self, hopper: Hopper, coins: int) -> int | None:
        """Pay ``coins`` from ``hopper``: the coins it paid, by the state file's count
        (what the hopper settled, whatever the job answers), or None when the job is still
        running after its time: it may yet send the payout, so nothing more may be paid."""
        before = self.state.read().hopper(hopper.denomination).paid_total
        job = hopper.submit(lambda: hopper.pay(coins))
        try:
            job.result(coins * hopper.coin_time + PAYOUT_SLACK + PAYOUT_STEPS)
        except FutureTimeout:
            if not job.cancel():  # it started: it may be paying, or about to
                event(log, "payment.payout_overran", logging.ERROR, device=hopper.name)
                return None
        except PaymentError as exc:
            event(log, "payment.payout_failed", logging.WARNING, device=hopper.name,
                  code=exc.code)
        paid = self.state.read().hopper(hopper.denomination).paid_total - before
        return min(max(paid, 0), coins)

    @staticmethod
    def _wait(job: Future[T_], timeout: float) -> T_:
        try:
            return job.result(timeout)
        except FutureTimeout:
            raise PaymentFault("no_answer") from None

    @staticmethod
    def _checked(device: DeviceThread, check: Callable[[], object]) -> str:
        if not device.wait_ready(READY_TIMEOUT):
            return device.fault or "not_ready"
        try:
            result = CashDevice._wait(device.submit(check), JOB_TIMEOUT)
        except PaymentError as exc:
            return exc.code
        if isinstance(result, str):
            return result  # the acceptor's self-check fault
        if isinstance(device, Hopper):
            if device.flags & HARD_FAULTS:
                return "hopper_fault"  # found by this check: the next poll takes it out
            low = device.level is not None and device.level.low
            return "hopper_empty" if device.empty or low else "ok"
        if isinstance(device, NoteValidator):
            return device.out_of_order or "ok"
        return "ok"


def open_cash_device(state_dir: str | Path, *, coin_acceptor: str | None,
                     hoppers: Mapping[int, str], note_validator: str | None = None,
                     notes: Mapping[int, int] | None = None, poll_interval: float = 0.05,
                     checksum: Checksum = Checksum.SIMPLE, echo: bool = False,
                     acceptor_address: int = 2, hopper_address: int = 3,
                     coin_time: float = 1.0, validator_parity: str = "E",
                     opener: Callable[..., Port] = open_tty) -> CashDevice:
    """Build and start the drivers for the ttys named (the composition root's call).
    ``validator_parity``: ID-003 runs 8E1; ``N`` for a line that cannot carry parity (a
    pseudo-terminal)."""
    state = CashState.in_state_dir(state_dir)
    device = CashDevice(state)
    if coin_acceptor is not None:
        path = coin_acceptor
        device.acceptor = CoinAcceptor(lambda: opener(path), device, state, poll_interval,
                                       idle_interval=IDLE_POLL, address=acceptor_address, checksum=checksum, echo=echo,
                                       hopper_coins=hoppers)
    for denomination, hopper_path in hoppers.items():
        device.hoppers[denomination] = Hopper(
            denomination, _opener(opener, hopper_path), device, state, address=hopper_address,
            checksum=checksum, echo=echo, coin_time=coin_time)
    if note_validator is not None:
        validator_path = note_validator
        device.validator = NoteValidator(lambda: opener(validator_path, parity=validator_parity), device,
                                         state, poll_interval, notes or {0x61: 1000},
                                         idle_interval=IDLE_POLL)
    return device.start()


def _opener(opener: Callable[..., Port], path: str) -> Callable[[], Port]:
    return lambda: opener(path)
