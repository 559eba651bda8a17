"""The payment controller: what the session engine uses to take and give back money.

One controller serves one device and one ledger, one transaction at a time. The engine
drives it from its own loop and never waits inside it: every call polls the device at
most once, writes what happened to the ledger (fsynced) before acting on it, and returns
a :class:`Progress`. Timeouts (a device that never settles after ``stop``) are measured
on the injectable clock.

Life of a transaction::

    quote(due)                  before any money: exact change only? ceiling?
    begin(txn, due)             ACCEPTING
    pump() ... pump()           credits counted; at the due amount, or on a fault or a
                                cancel, the device is stopped in two phases (STOPPING)
    -> PAID                     print now, then charge_and_give_change() -> SETTLED
    -> HELD (fault)             refund_all() -> SETTLED
    refund_all()                on every path that does not print, from any phase;
                                safe to call twice or without a transaction

Money is conserved and checked: for every settled transaction, paid in = charged +
change + refunded + vouchered. Whatever the device cannot pay out becomes a refund
voucher recorded in the ledger. After a crash, :meth:`PaymentController.settle_after_crash`
finishes an open transaction from the ledger and the device's lifetime counters: it
charges only if the engine's journal says the certificate printed, and refunds otherwise.

The ledger comes first, always: the ``begin`` entry (with the device's intake counter) is
written and fsynced before the device is armed, a payout's intent (with the payout
counter) before the coins move. When the ledger cannot be written the controller stops
the device and refuses every further move of money (:data:`UNWRITABLE`): money that is
in stays held, visibly, until recovery can record what it does with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Container, Mapping
from dataclasses import dataclass
from enum import StrEnum

from kiosk.payment.change import Acceptance, acceptance
from kiosk.payment.ledger import Ledger, LedgerError, LedgerUnwritable, TxnBalance, check_id
from kiosk.payment.port import (
    Credited,
    DeviceBusy,
    DeviceReset,
    Escrow,
    Event,
    Final,
    Jam,
    LostEvents,
    PaymentDevice,
    PaymentError,
    PaymentFault,
    Rejected,
    Returned,
    Stacked,
    Totals,
)
from kiosk.payment.voucher import Voucher, new_voucher_id
from protocol.clock import Clock
from protocol.log import event

log = logging.getLogger("kiosk.payment")

#: How many poll/stop rounds recovery tries at least before it stops waiting for the device.
RECOVERY_ROUNDS = 16
#: Between two of them while the device is not quiet yet (recovery and the wipe's refund
#: only: the engine's loop never waits).
RECOVERY_PAUSE = 0.01
#: How long recovery waits for a device to settle a payout still running when it starts
#: (a full hopper payout of 255 coins at the drivers' default coin time, and slack).
PAYOUT_SETTLE_WAIT = 300.0
#: The fault code when the ledger cannot be written: no money moves until it can.
UNWRITABLE = "ledger_unwritable"


class Phase(StrEnum):
    IDLE = "idle"
    ACCEPTING = "accepting"
    STOPPING = "stopping"
    PAID = "paid"  # the full amount is in and the device is quiet: print now
    HELD = "held"  # money held after a fault: refund_all() next
    SETTLED = "settled"


@dataclass(frozen=True)
class Settlement:
    """How a transaction ended. ``flags`` are codes for staff (``lost_events``,
    ``stop_timeout``, ``payout_unconfirmed``, ``recovered`` ...)."""

    txn: str
    paid_in: int
    charged: int
    change: int
    refunded: int
    vouchers: tuple[Voucher, ...]
    flags: tuple[str, ...] = ()

    @property
    def vouchered(self) -> int:
        return sum(v.amount for v in self.vouchers)

    @property
    def voucher(self) -> Voucher | None:
        """The voucher to show (there is more than one only after a crash mid-payout)."""
        return self.vouchers[-1] if self.vouchers else None

    @property
    def conserved(self) -> bool:
        return self.paid_in == self.charged + self.change + self.refunded + self.vouchered

    @classmethod
    def of(cls, bal: TxnBalance, flags: tuple[str, ...] = ()) -> Settlement:
        return cls(
            txn=bal.txn,
            paid_in=bal.paid_in,
            charged=bal.charged,
            change=bal.change,
            refunded=bal.refunded,
            vouchers=tuple(Voucher(i, a) for i, a in bal.vouchers),
            flags=flags,
        )


@dataclass(frozen=True)
class Progress:
    """What the engine shows and decides on."""

    phase: Phase
    txn: str | None = None
    due: int = 0
    inserted: int = 0
    max_total: int = 0
    max_change: int = 0
    exact_change_only: bool = False
    fault: str | None = None  # jam | lost_events | device_reset | stop_timeout | ...
    settlement: Settlement | None = None

    @property
    def remaining(self) -> int:
        return max(0, self.due - self.inserted)

    @property
    def change_due(self) -> int:
        return max(0, self.inserted - self.due)

    @property
    def complete(self) -> bool:
        """Paid in full and the device is quiet: the certificate may print."""
        return self.phase is Phase.PAID


def _safe_code(code: str) -> str:
    """A driver's error code goes to the ledger and the log only if it is a plain keyword."""
    try:
        return check_id(code)
    except LedgerError:
        return "device_error"


_FAULT_CODES: dict[type, str] = {Jam: "jam", LostEvents: "lost_events", DeviceReset: "device_reset"}


class PaymentController:
    _acc: Acceptance | None  # what the device may take; set by begin(), cleared by _reset()

    def __init__(
        self,
        device: PaymentDevice,
        ledger: Ledger,
        clock: Clock,
        *,
        stop_timeout: float = 10.0,
    ) -> None:
        self.device = device
        self.ledger = ledger
        self.clock = clock
        self.stop_timeout = stop_timeout
        self._phase = Phase.IDLE
        self._reset(None, 0)

    # --- the engine's calls -----------------------------------------------------------------

    def quote(self, due: int) -> Acceptance:
        """Before money is taken: the ceiling and whether only the exact amount will do."""
        try:
            levels = self.device.levels()
        except PaymentError as exc:
            raise PaymentFault(exc.code) from exc
        return acceptance(due, levels)

    def begin(self, txn: str, due: int, session: str | None = None) -> Progress:
        """Open a transaction and arm the device. Raises :class:`PaymentFault` (nothing was
        taken) if the device cannot accept."""
        if self._phase not in (Phase.IDLE, Phase.SETTLED):
            raise DeviceBusy()
        check_id(txn)
        acc = self.quote(due)
        taken_at = self._totals().taken
        self._reset(txn, due)
        self._acc = acc
        try:
            self._record("begin", due=due, amount=acc.max_total, session=session,
                         taken_at=taken_at)
        except PaymentFault:
            self._reset(None, 0)  # never armed: nothing was taken, nothing is open
            self._phase = Phase.IDLE
            raise
        try:
            self.device.start_accept(acc.max_total)
        except PaymentError as exc:
            self._on_fault(exc.code)
            self._close()
            raise PaymentFault(_safe_code(exc.code)) from exc
        self._phase = Phase.ACCEPTING
        return self.progress

    def pump(self) -> Progress:
        """Poll once, record, and move the payment on. Cheap; call it from the loop."""
        self._check_writable()
        if self._phase in (Phase.ACCEPTING, Phase.STOPPING):
            self._drain()
            if self._phase is Phase.ACCEPTING and (
                self._inserted >= self._due or self._fault or self._cancel
            ):
                self._phase = Phase.STOPPING
                self._stop_since = self.clock.monotonic()
            if self._phase is Phase.STOPPING:
                self._try_stop()
        return self.progress

    def charge_and_give_change(self) -> Progress:
        """After a successful print: charge the due amount and pay the change (a voucher
        for any shortfall)."""
        self._check_writable()
        if self._phase is not Phase.PAID:
            raise DeviceBusy("not_paid")
        self._record("charge", amount=self._due)
        if self._bal.outstanding:
            self._pay(self._bal.outstanding, "change")
        self._close()
        return self.progress

    def refund_all(self) -> Progress:
        """Give back everything taken, on every path that does not print. While the device
        is still settling this stops it and returns a progress without a settlement:
        keep calling :meth:`pump` until ``progress.settlement`` is set."""
        if self._phase in (Phase.IDLE, Phase.SETTLED):
            return self.progress
        self._check_writable()
        self._cancel = True
        if self._phase in (Phase.PAID, Phase.HELD):
            self._refund()
            return self.progress
        return self.pump()

    def refund_now(self, rounds: int = RECOVERY_ROUNDS) -> Settlement | None:
        """:meth:`refund_all` for a caller that cannot come back later (the wipe): pump
        until the device is quiet (bounded: :meth:`_pump_while_stopping`), else stop
        waiting for it and refund what the ledger knows (flagged ``stop_timeout``;
        anything the device still counts stays in its final count for staff). ``None``
        only when there was no transaction."""
        p = self._pump_while_stopping(self.refund_all(), rounds)
        if p.settlement is not None or p.phase is Phase.IDLE:
            return p.settlement
        if p.phase is Phase.STOPPING:
            self._on_fault("stop_timeout")
            self._finish_accepting(None)
        return self.progress.settlement

    def _pump_while_stopping(self, p: Progress, rounds: int) -> Progress:
        """Pump until the device is quiet: ``rounds`` times at once, then on for at most
        ``stop_timeout`` of real time (the injected clock may be a test's, standing
        still). Drivers on serial lines need a few polls to block their devices and read
        them once more; an event-level device is quiet at once."""
        waited_until = time.monotonic() + self.stop_timeout
        n = 0
        while p.phase is Phase.STOPPING and p.settlement is None:
            if n >= rounds:
                if time.monotonic() >= waited_until:
                    break
                time.sleep(RECOVERY_PAUSE)
            p = self.pump()
            n += 1
        return p

    def settle_after_crash(self, txn: str, printed: bool) -> Settlement:
        """Finish a transaction a dead worker left open, from the ledger and the device.

        ``printed`` comes from the session journal: only then is the due amount charged;
        otherwise everything is refunded. A payout that was asked for but never recorded
        is measured from the coin levels written with it."""
        if self._phase not in (Phase.IDLE, Phase.SETTLED):
            raise DeviceBusy()
        bal = self.ledger.balance(txn)
        if bal.closed:
            return Settlement.of(bal)
        self._reset(txn, bal.due)
        self._bal = bal
        self._inserted = bal.paid_in
        self._recovering = True
        self._flags.append("recovered")
        if not bal.began:
            # The journal saw the payment begin, the ledger never did: the device was not
            # armed for it (begin is written first), so it took nothing. Its final count
            # is the previous customer's and must not be paid out as this one's.
            self._flag("never_armed")
            self._close()
            assert self._settlement is not None
            return self._settlement
        if bal.escrow_open:
            self._flags.append("escrow_unresolved")
        if bal.pending is not None:
            self._resolve_pending(bal)
        self._phase = Phase.STOPPING
        self._stop_since = self.clock.monotonic()
        # the device may have just been opened (a worker starting after a crash): its
        # drivers first take up their counters (a coin that went in while no process
        # polled is counted then)
        self._pump_while_stopping(self.progress, RECOVERY_ROUNDS)
        if self._phase is Phase.STOPPING:
            self._flag("device_not_quiescent")
            self._finish_accepting(None)
        if printed and not self._bal.charged and self._due:
            if self._bal.paid_in < self._due:
                self._flag("underpaid")  # never charge more than the ledger saw come in
            self._record("charge", amount=min(self._due, self._bal.paid_in))
        owed = self._bal.outstanding
        if owed > 0:
            self._pay(owed, "change" if self._bal.charged else "refund")
        self._close()
        assert self._settlement is not None
        return self._settlement

    def settle_open(self, printed: Container[str]) -> list[Settlement]:
        """Recovery at start: settle every open transaction; ``printed`` holds the ids the
        journal records as printed."""
        return [self.settle_after_crash(t, t in printed) for t in self.ledger.open_txns()]

    @property
    def progress(self) -> Progress:
        return Progress(
            phase=self._phase,
            txn=self._txn,
            due=self._due,
            inserted=self._inserted,
            max_total=self._acc.max_total if self._acc else 0,
            max_change=self._acc.max_change if self._acc else 0,
            exact_change_only=self._acc.exact_change_only if self._acc else False,
            fault=self._fault,
            settlement=self._settlement,
        )

    # --- internals --------------------------------------------------------------------------

    def _reset(self, txn: str | None, due: int) -> None:
        self._txn = txn
        self._due = due
        self._acc = None
        self._bal = TxnBalance(txn or "none")
        self._inserted = 0
        self._fault: str | None = None
        self._flags: list[str] = []
        self._cancel = False
        self._recovering = False
        self._escrow: int | None = None
        self._recalled = False
        self._stop_since = 0.0
        self._settlement: Settlement | None = None
        self._unwritable = False

    def _record(self, kind: str, **fields: object) -> None:
        """Write one entry (fsynced) before acting on it. A ledger that cannot be written
        stops the device and every further move of money (:data:`UNWRITABLE`)."""
        assert self._txn is not None
        try:
            entry = self.ledger.append(kind, self._txn, **fields)
        except LedgerUnwritable as exc:
            self._unwritable = True
            event(log, "payment.ledger_unwritable", logging.ERROR, txn=self._txn,
                  kind=kind, code=_safe_code(exc.code))
            if self._phase in (Phase.ACCEPTING, Phase.STOPPING):
                self._inhibit()
            raise PaymentFault(UNWRITABLE) from None
        self._bal.apply(entry)
        event(
            log,
            f"payment.{kind}",
            txn=self._txn,
            amount=entry.get("amount"),
            denomination=entry.get("denomination"),
            code=entry.get("code"),
            voucher=entry.get("voucher"),
            session=entry.get("session"),
        )

    def _check_writable(self) -> None:
        if self._unwritable:
            raise PaymentFault(UNWRITABLE)

    def _inhibit(self) -> None:
        """Stop taking money now (the ledger can no longer say what comes in); what is in
        stays held for recovery."""
        self._phase = Phase.HELD
        try:
            self.device.stop()
        except PaymentError:
            pass  # a device that does not answer takes nothing either

    def _totals(self) -> Totals:
        try:
            return self.device.totals()
        except PaymentError as exc:
            raise PaymentFault(_safe_code(exc.code)) from exc

    def _flag(self, code: str) -> None:
        code = _safe_code(code)
        if code not in self._flags:
            self._flags.append(code)

    def _drain(self) -> None:
        try:
            events = self.device.poll()
        except PaymentError as exc:
            self._on_fault(exc.code)
            return
        for ev in events:
            self._handle(ev)

    def _handle(self, ev: Event) -> None:
        if isinstance(ev, Credited):
            self._inserted += ev.denomination  # in, whether or not the ledger can say so
            self._record("credit", denomination=ev.denomination)
        elif isinstance(ev, Escrow):
            self._record("escrow", denomination=ev.note)
            self._escrow = ev.note
            wanted = (
                self._inserted < self._due
                and self._inserted + ev.note <= self.progress.max_total
                and not (self._cancel or self._fault or self._recovering)
            )
            try:
                self.device.stack_escrow() if wanted else self.device.return_escrow()
            except DeviceBusy:
                pass  # the note left escrow before the decision (the validator's escrow
                # timeout, a reset): the Returned or DeviceReset event after it says so
            except PaymentError as exc:
                self._on_fault(exc.code)
        elif isinstance(ev, Stacked):
            self._inserted += ev.note
            self._record("stack", denomination=ev.note)
            self._escrow = None
        elif isinstance(ev, Returned):
            self._record("return", denomination=ev.note)
            self._escrow = None
        elif type(ev) in _FAULT_CODES:
            if isinstance(ev, DeviceReset) and self._escrow is not None:
                # the device hands an escrowed note back when it resets, without saying so
                self._record("return", denomination=self._escrow)
                self._escrow = None
            self._on_fault(_FAULT_CODES[type(ev)])
        elif isinstance(ev, Rejected):
            event(log, "payment.rejected", txn=self._txn, reason=ev.reason)
            if ev.reason == "fraud":
                # a coin on a string, pulled back, a light attack: the device may have
                # kept the coin (not credited either way); staff see it in the settlement
                self._flag("possible_fraud")
        else:  # Dispensed, PayoutShortfall: the dispense return value is the authority
            event(log, "payment.device_event", txn=self._txn, kind=type(ev).__name__)

    def _on_fault(self, code: str) -> None:
        code = _safe_code(code)
        self._record("fault", code=code)
        self._flag(code)
        self._fault = self._fault or code

    def _try_stop(self) -> None:
        try:
            result = self.device.stop()
        except PaymentError as exc:
            self._on_fault(exc.code)
            result = None
        if isinstance(result, Final):
            self._finish_accepting(result.amount)
            return
        if (self._fault or self._cancel or self._recovering) and self._escrow is None \
                and not self._recalled:
            # a note whose Escrow event was lost keeps the device pending: hand it back
            self._recalled = True
            try:
                self.device.return_escrow()
            except PaymentError:
                pass  # nothing was in escrow
        if self.clock.monotonic() - self._stop_since >= self.stop_timeout:
            self._on_fault("stop_timeout")
            self._finish_accepting(None)

    def _finish_accepting(self, final: int | None) -> None:
        """The device is quiet (or given up on). Its final count is the authority for money
        whose events were lost; a lower count than the ledger's is kept as a flag, never
        taken from the customer. Recovery uses the lifetime counters instead: the final
        count may belong to an arming this transaction never made."""
        if self._recovering:
            self._reconcile_from_totals()
            if self._escrow is not None:
                self._flag("escrow_unresolved")
            self._phase = Phase.HELD
            return
        if final is not None and final > self._inserted:
            self._record("credit", amount=final - self._inserted)
            self._flag("reconciled")
            self._inserted = final
        elif final is not None and final < self._inserted and not self._recovering:
            self._flag("count_mismatch")
        if self._escrow is not None:
            self._flag("escrow_unresolved")
        paid = self._inserted >= self._due
        self._phase = Phase.PAID if paid and not self._cancel else Phase.HELD
        if self._cancel:
            self._refund()

    def _reconcile_from_totals(self) -> None:
        """What this transaction took, from the device's intake counter now and when it
        was armed: money the ledger missed (events lost when the worker died) is credited;
        a lower count (a device whose counters were reset) is flagged, never taken."""
        taken_at = self._bal.taken_at
        if taken_at is None:
            self._flag("no_counter")  # a ledger from before the counters: its credits only
            return
        try:
            taken = self.device.totals().taken - taken_at
        except PaymentError:
            self._flag("totals_unavailable")
            return
        if taken > self._bal.paid_in:
            self._record("credit", amount=taken - self._bal.paid_in)
            self._flag("reconciled")
            self._inserted = taken
        elif taken < self._bal.paid_in:
            self._flag("count_mismatch")

    def _refund(self) -> None:
        if self._bal.outstanding > 0:
            self._pay(self._bal.outstanding, "refund")
        self._close()

    def _pay(self, amount: int, purpose: str) -> None:
        """Record the intent with the coin levels, pay, record what was paid, voucher the
        rest."""
        before = self._levels()
        paid_at = self._paid_counter()
        self._record("dispense", purpose=purpose, amount=amount, levels=before,
                     paid_at=paid_at)
        try:
            paid = self.device.dispense(amount)
        except PaymentError as exc:
            self._flag(exc.code)
            paid = self._paid_since(before, amount, paid_at)
        paid = min(max(paid, 0), amount)
        if paid < amount and self._paid_counter() is None:
            self._flag("payout_unconfirmed")  # a hopper's payout is unresolved: staff check
        self._record("payout" if purpose == "change" else "refund", amount=paid)
        if paid < amount:
            self._voucher(amount - paid)
        self._log_stale_events()

    def _voucher(self, amount: int) -> None:
        self._record("voucher", voucher=new_voucher_id(), amount=amount)
        self._flag("voucher")

    def _resolve_pending(self, bal: TxnBalance) -> None:
        pending = bal.pending
        assert pending is not None
        self._wait_payouts_settled()
        paid = self._paid_since(pending.levels, pending.amount, pending.paid_at)
        self._record("payout" if pending.purpose == "change" else "refund", amount=paid,
                     inferred=True)
        if paid < pending.amount:
            self._voucher(pending.amount - paid)

    def _levels(self) -> dict[int, int] | None:
        try:
            return dict(self.device.levels())
        except PaymentError:
            return None

    def _wait_payouts_settled(self) -> None:
        """Recovery: a payout the dead worker started may still be running, and the
        device settles it from its own count as it starts (``payout_settling``); wait for
        that, bounded, before measuring what the payout paid."""
        deadline = time.monotonic() + PAYOUT_SETTLE_WAIT
        while time.monotonic() < deadline:
            try:
                self.device.totals()
                return
            except PaymentError as exc:
                if exc.code != "payout_settling":
                    return
            time.sleep(RECOVERY_PAUSE)

    def _paid_counter(self) -> int | None:
        try:
            return self.device.totals().paid_out
        except PaymentError:
            return None

    def _payout_unresolved(self) -> bool:
        """The device says a payout's count is not known yet (its coin levels are not
        either, then)."""
        try:
            self.device.totals()
        except PaymentError as exc:
            return exc.code in ("payout_unresolved", "payout_settling")
        return False

    def _paid_since(self, before: Mapping[int, int] | None, asked: int,
                    paid_at: int | None = None) -> int:
        """What a payout paid: the device's payout counter since the intent was written,
        else the coins that left the tubes. Unknown counts as nothing paid (the customer
        is not the one to lose), flagged for staff."""
        if paid_at is not None:
            now_paid = self._paid_counter()
            if now_paid is not None:
                return min(max(now_paid - paid_at, 0), asked)
        now = None if self._payout_unresolved() else self._levels()
        if before is None or now is None:
            self._flag("payout_unconfirmed")
            return 0
        paid = sum(d * (before.get(d, 0) - now.get(d, 0)) for d in set(before) | set(now))
        return min(max(paid, 0), asked)

    def _close(self) -> None:
        self._record("close")
        self._settlement = Settlement.of(self._bal, tuple(self._flags))
        self._phase = Phase.SETTLED
        event(log, "payment.settled", txn=self._txn, paid=self._bal.paid_in,
              change=self._bal.change, refunded=self._bal.refunded, ok=self._settlement.conserved)

    def _log_stale_events(self) -> None:
        """After a payout only informational events come (the device refuses money while
        not accepting); log them so they do not carry over into the next transaction."""
        try:
            events = self.device.poll()
        except PaymentError:
            return
        for ev in events:
            event(log, "payment.device_event", txn=self._txn, kind=type(ev).__name__)
