"""The headless session engine: one customer, from "place your card" to the wipe.

The engine owns the statechart (``kiosk.session.machine``), the devices of one session
(``kiosk.session.ports``), the intent journal and every buffer that holds a secret. It is
single-threaded: the worker loop feeds it intents, the PIN, device events and clock ticks
from one thread, and it publishes a :class:`~kiosk.session.viewmodel.ViewModel` after
every change. It imports nothing from Qt.

Work that blocks (the card, the relay, rendering, printing) runs in :meth:`tick`, after
the view model of the state that announces it has been published, so the customer sees
"reading card" before the card is read. Each piece of work ends by sending one event;
a :class:`~kiosk.session.faults.SessionFault` sends the interrupting event it names.
"""

from __future__ import annotations

import logging
import math
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypedDict

from kiosk.session import outbox
from kiosk.session.faults import (
    CardFault,
    IntegrityFault,
    PaymentFault,
    PrintFault,
    SessionFault,
    WrongPinFault,
)
from kiosk.session.journal import Journal, Rec
from kiosk.session.machine import HUMAN_STATES, SessionChart
from kiosk.session.ports import Card, Devices, IssuedDocument
from kiosk.session.viewmodel import ErrorInfo, Intent, IntentKind, Screen, ViewModel
from protocol.clock import Clock
from protocol.documents.catalogue import MAX_COPIES
from protocol.log import event
from protocol.menu import MenuItem
from protocol.sensitive import zero

log = logging.getLogger("kiosk.session")

PIN_LENGTH = 4
#: How often the start screen looks for a card left on the reader (seconds).
START_CARD_POLL_S = 0.5


@dataclass(frozen=True)
class Timeouts:
    """Seconds of inactivity per human state, and how long before it the warning shows."""

    place_card: float = 60
    pin: float = 30
    remove_card: float = 60
    choose_type: float = 90
    options: float = 90
    copies: float = 90
    confirm: float = 90
    payment: float = 120
    take_papers: float = 30
    warn_before: float = 20  # WCAG 2.2.1: at least 20 s to ask for more time
    print_deadline: float = 300

    def for_state(self, state: str) -> float:
        return float(getattr(self, state))


SCREENS: dict[str, Screen] = {
    "start": Screen.START,
    "place_card": Screen.PLACE_CARD,
    "reading_card": Screen.READING_CARD,
    "pin": Screen.PIN,
    "authenticating": Screen.AUTHENTICATING,
    "remove_card": Screen.REMOVE_CARD,
    "choose_type": Screen.CHOOSE_TYPE,
    "options": Screen.OPTIONS,
    "copies": Screen.COPIES,
    "confirm": Screen.CONFIRM,
    "preparing": Screen.PREPARING,
    "payment": Screen.PAYMENT,
    "printing": Screen.PRINTING,
    "take_papers": Screen.TAKE_PAPERS,
    "wiping": Screen.ENDING,
    "ended": Screen.ENDING,
}

_I = IntentKind
ALLOWED: dict[str, frozenset[IntentKind]] = {
    "start": frozenset({_I.START, _I.LANGUAGE}),
    "place_card": frozenset({_I.CANCEL, _I.MORE_TIME, _I.LANGUAGE}),
    "reading_card": frozenset({_I.CANCEL}),
    "pin": frozenset({_I.PIN_SUBMITTED, _I.CANCEL, _I.MORE_TIME}),
    "authenticating": frozenset({_I.CANCEL}),
    "remove_card": frozenset({_I.CANCEL, _I.MORE_TIME}),
    "choose_type": frozenset({_I.CHOOSE_TYPE, _I.CANCEL, _I.MORE_TIME}),
    "options": frozenset({_I.SET_OPTION, _I.OPTIONS_DONE, _I.BACK, _I.CANCEL, _I.MORE_TIME}),
    "copies": frozenset({_I.SET_COPIES, _I.BACK, _I.CANCEL, _I.MORE_TIME}),
    "confirm": frozenset({_I.CONFIRM, _I.BACK, _I.CANCEL, _I.MORE_TIME}),
    "preparing": frozenset({_I.CANCEL}),
    "payment": frozenset({_I.CANCEL, _I.MORE_TIME}),
    "printing": frozenset(),
    # CANCEL on take_papers acts as ACKNOWLEDGE: nothing is left to cancel.
    "take_papers": frozenset({_I.ACKNOWLEDGE, _I.CANCEL, _I.MORE_TIME}),
    "wiping": frozenset(),
    "ended": frozenset(),
}

#: What the customer reads after each interruption that is not a device's own fault.
_INTERRUPTION_INFO: dict[str, tuple[str, str, str]] = {
    # event: (code, kind, next_step)
    "cancel": ("cancelled", "cancelled", "none"),
    "timeout": ("timeout", "timeout", "none"),
    "card_removed": ("card_removed", "card", "retry"),
    "stop": ("stopped", "device", "none"),
    "device_fault": ("device_fault", "device", "call_staff"),
    "relay_fault": ("relay_unavailable", "relay", "retry"),
    "integrity_error": ("integrity", "integrity", "call_staff"),
}


#: Print faults that mean the kiosk lost contact with CUPS (not the printer's own word).
_CONTACT_LOST = frozenset({"unreachable", "lost"})


class OutcomeRecord(TypedDict):
    """A :class:`SessionOutcome` as the worker sends it to the host: plain values only."""

    session: str
    result: str
    reason: str
    code: str
    last_state: str
    paid: int
    charged: int
    change: int
    refunded: int
    voucher: str | None
    copies_printed: int
    partial_copies: int
    alarm: bool
    ms: dict[str, float]


@dataclass
class SessionOutcome:
    """How one session ended: what the relay, the ledger check and the tests need."""

    session: str
    result: str = "cancelled"  # printed | cancelled | failed | refused
    reason: str = "cancel"  # the event that ended the flow (acknowledged when printed)
    code: str = "cancelled"
    last_state: str = "start"
    paid: int = 0  # inserted by the customer
    charged: int = 0
    change: int = 0
    refunded: int = 0
    voucher: str | None = None
    copies_printed: int = 0
    partial_copies: int = 0  # printed before a later copy failed (refunded; staff told)
    alarm: bool = False
    ms: dict[str, float] = field(default_factory=dict)  # machine time per phase (benchmark)

    def to_dict(self) -> OutcomeRecord:
        return OutcomeRecord(
            session=self.session, result=self.result, reason=self.reason, code=self.code,
            last_state=self.last_state, paid=self.paid, charged=self.charged,
            change=self.change, refunded=self.refunded, voucher=self.voucher,
            copies_printed=self.copies_printed, partial_copies=self.partial_copies,
            alarm=self.alarm, ms=dict(self.ms),
        )


@dataclass
class _Order:
    """The customer's order and how far it got (PIN tries, menu and choices, money, print
    job): the state of one session that is not the chart's own."""

    tries_left: int | None = None
    menu: tuple[MenuItem, ...] = ()
    selected_type: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    copies: int = 1
    exact_change_only: bool = False
    inserted: int = 0
    txn: str | None = None
    request_id: str | None = None
    job: str | None = None
    printed: bool = False
    charged: bool = False
    pages_done: int = 0
    pages_total: int = 0
    progress: float | None = None
    copies_done: int = 0  # copies whose job completed (a failure later leaves them out)
    print_unknown: bool = False  # contact lost while the printer had a job: it may be out
    coins_back: int | None = None  # change paid out in coins, once charged


class Engine:
    """One customer session. Call :meth:`tick` often (every 20–50 ms) from one thread."""

    def __init__(
        self,
        devices: Devices,
        *,
        clock: Clock,
        journal: Journal,
        publish: Callable[[ViewModel], None],
        kiosk_id: str = "KIOSK-0001",
        timeouts: Timeouts | None = None,
        runtime_dir: Path | None = None,
        session_id: str | None = None,
    ) -> None:
        self.devices = devices
        self.clock = clock
        self.journal = journal
        self.kiosk_id = kiosk_id
        self.timeouts = timeouts or Timeouts()
        self.session_id = session_id or uuid.uuid4().hex
        self.runtime_dir = runtime_dir / self.session_id if runtime_dir else None
        self._publish = publish
        self._order = _Order()
        self._card: Card | None = None
        self._cert_der: bytes | None = None
        self._pin: bytearray | None = None
        self._doc: IssuedDocument | None = None
        self._relay_session: str | None = None
        self._payment_started = 0.0
        self._work: Callable[[], None] | None = None
        self._deadline: float | None = None
        self._warned = False
        self._last_vm: ViewModel | None = None
        self._error: ErrorInfo | None = None
        self._opened = False  # OPENED is on disk: the wipe must close it
        self._card_on_reader = False  # a card no session uses (start screen, final view)
        self._next_card_poll = 0.0
        self.outcome = SessionOutcome(self.session_id)
        self.final_view: ViewModel | None = None
        self.sm = SessionChart(listeners=[self])
        self.publish()

    # -- inputs -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return next(iter(self.sm.configuration)).id

    @property
    def busy(self) -> bool:
        """Work is pending: call :meth:`tick` again at once."""
        return self._work is not None

    @property
    def finished(self) -> bool:
        return bool(self.sm.is_terminated)

    def intent(self, intent: Intent, pin: bytearray | None = None) -> None:
        """Act on one intent from the customer. ``pin`` comes with ``PIN_SUBMITTED`` only
        and is zeroed by the engine in every case."""
        try:
            self._intent(intent, pin)
        except SessionFault as exc:  # e.g. the coin device failing its change quote
            self._on_fault(exc)
        finally:
            if pin is not None and pin is not self._pin:
                zero(pin)

    def card_event(self, present: bool) -> None:
        """The reader saw the card arrive or leave (a watcher callback, or a poll)."""
        if present and self.state == "place_card":
            self._send("card_inserted")
        elif not present and self.state in ("reading_card", "pin", "authenticating", "remove_card"):
            self._send("card_removed")

    def stop(self) -> None:
        """A stop signal (SIGTERM, terminal going out of service): end through the wipe."""
        self._send("stop")

    def tick(self) -> None:
        """Run the pending work of the current state, poll devices, check the timers."""
        work, self._work = self._work, None
        if work is not None:
            try:
                work()
            except SessionFault as exc:
                self._on_fault(exc)
            return
        if self.finished:
            return
        state = self.state
        if state == "start":
            self._poll_left_card()
            return
        try:
            if state in ("place_card", "pin", "remove_card"):
                self.card_event(self.devices.reader.card_present())
            elif state == "payment":
                self._pump_payment()
        except SessionFault as exc:
            self._on_fault(exc)
            return
        self._check_timer()

    def _poll_left_card(self) -> None:
        """On the start screen: is a card (the last customer's) still on the reader? The
        screen asks for it to be taken, and Start waits until it is. While one lies there
        every tick looks, so its removal shows at once; otherwise every half second."""
        now = self.clock.monotonic()
        if not self._card_on_reader and now < self._next_card_poll:
            return
        self._next_card_poll = now + START_CARD_POLL_S
        present = self._card_present()
        if present != self._card_on_reader:
            self._card_on_reader = present
            self.publish()

    def _card_present(self) -> bool:
        """A poll that never ends a session: a reader that cannot answer reports no card."""
        try:
            return bool(self.devices.reader.card_present())
        except Exception:
            return False

    def run_until_idle(self, limit: int = 1000) -> None:
        """Run pending work until the engine waits for the customer (tests, the CLI)."""
        for _ in range(limit):
            if self._work is None:
                return
            self.tick()

    # -- intents ------------------------------------------------------------------------

    def _intent(self, intent: Intent, pin: bytearray | None) -> None:
        state = self.state
        if intent.kind not in ALLOWED.get(state, frozenset()):
            event(log, "session.intent_ignored", session=self.session_id, state=state,
                  intent=intent.kind.value)
            return
        self._activity()
        kind = intent.kind
        if kind == _I.START:
            if self._card_on_reader:
                self.publish()  # the last customer's card first
                return
            # the intent is on disk before the session exists, or there is no session: a
            # journal that cannot be written ends it here (StateUnwritable, the wipe)
            self.journal.append(self.session_id, Rec.OPENED)
            self._opened = True
            self._send("begin")
        elif kind == _I.CANCEL:
            if state == "take_papers":
                self._send("acknowledged")
            else:
                self._send("cancel")
        elif kind == _I.MORE_TIME or kind == _I.LANGUAGE:
            self.publish()
        elif kind == _I.PIN_SUBMITTED:
            if pin is None or len(pin) != PIN_LENGTH or not all(0x30 <= b <= 0x39 for b in pin):
                if pin is not None:
                    zero(pin)
                self.publish()  # a malformed PIN is not sent to the card
                return
            self._pin = pin
            self._send("pin_submitted")
        elif kind == _I.CHOOSE_TYPE:
            item = next((m for m in self._order.menu if m.type == intent.value and m.available), None)
            if item is None:
                self.publish()
                return
            self._order.selected_type = item.type
            self._order.options = {o.key: o.choices[0] for o in item.options}
            self._send("type_chosen")
        elif kind == _I.SET_OPTION:
            item = self._menu_item()
            opt = next((o for o in item.options if o.key == intent.key), None) if item else None
            if opt is not None and intent.value in opt.choices:
                self._order.options[opt.key] = str(intent.value)
            self.publish()
        elif kind == _I.OPTIONS_DONE:
            self._send("options_done")
        elif kind == _I.SET_COPIES:
            try:
                n = int(intent.value or "")
            except ValueError:
                n = 0
            if 1 <= n <= MAX_COPIES:
                self._order.copies = n
                self._order.exact_change_only = self.devices.payment.exact_change_only(self._total())
                self._send("copies_set")
            else:
                self.publish()
        elif kind == _I.BACK:
            self._send("back")
        elif kind == _I.CONFIRM:
            self._send("confirmed")
        elif kind == _I.ACKNOWLEDGE:
            self._send("acknowledged")

    # -- chart callbacks (the chart calls these by name) ---------------------------------

    def has_options(self) -> bool:
        item = self._menu_item()
        return bool(item and item.options)

    def after_transition(self, event: object, source: object, target: object) -> None:
        tid = getattr(target, "id", "")
        sid = getattr(source, "id", "")
        if tid != sid:
            self._order.progress = None
            self._warned = False
            self._deadline = None
            if tid in HUMAN_STATES:
                self._activity()
        if tid not in ("ended", "payment"):
            self.publish()  # payment is published once the device accepts coins

    def on_enter_place_card(self) -> None:
        event(log, "session.opened", session=self.session_id, kiosk=self.kiosk_id)

    def on_enter_reading_card(self) -> None:
        self._work = self._read_card

    def on_enter_authenticating(self) -> None:
        self._work = self._authenticate

    def on_enter_remove_card(self) -> None:
        self._card = None  # nothing more is asked of the card

    def on_enter_preparing(self) -> None:
        self._work = self._prepare

    def on_enter_payment(self) -> None:
        self._work = self._begin_payment

    def on_enter_printing(self) -> None:
        self._work = self._print

    def on_enter_wiping(self, event: object, source: object) -> None:
        name = str(getattr(event, "name", event))
        self.outcome.reason = getattr(event, "id", None) or name
        self.outcome.last_state = getattr(source, "id", "")
        self._work = self._wipe

    # -- the work of each machine state ---------------------------------------------------

    @contextmanager
    def _timed(self, phase: str) -> Iterator[None]:
        """Machine time per phase (card, relay, render, payment, print, wipe)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            ms = self.outcome.ms
            ms[phase] = round(ms.get(phase, 0.0) + (time.perf_counter() - start) * 1000, 2)

    def _read_card(self) -> None:
        with self._timed("card"):
            self._card = self.devices.reader.open_card()
            self._cert_der = self._card.certificate_der()
            self._order.tries_left = self._card.tries_left()
        event(log, "session.card_read", session=self.session_id, tries_left=self._order.tries_left)
        if self._order.tries_left <= 0:
            raise CardFault("pin_locked", "visit_office")
        self._send("card_read")

    def _authenticate(self) -> None:
        pin, self._pin = self._pin, None
        try:
            assert self._card is not None and self._cert_der is not None and pin is not None
            with self._timed("card"):
                self._card.verify_pin(pin)
        except WrongPinFault as exc:
            self._order.tries_left = exc.tries_left
            event(log, "session.pin_wrong", session=self.session_id, tries_left=exc.tries_left)
            if exc.tries_left <= 0:
                raise CardFault("pin_locked", "visit_office") from None
            self._send("pin_wrong")
            return
        finally:
            if pin is not None:
                zero(pin)
        with self._timed("relay"):
            relay_session, challenge = self.devices.relay.open_session()
        self._relay_session = relay_session
        with self._timed("relay"):
            message = self.devices.relay.challenge_message(challenge, relay_session)
        with self._timed("card"):
            signature = self._card.sign(message)
        with self._timed("relay"):
            self._order.menu = self.devices.relay.authenticate(self._cert_der, signature)
        event(log, "session.authenticated", session=self.session_id, count=len(self._order.menu))
        self._send("authenticated")

    def _prepare(self) -> None:
        with self._timed("print"):
            self.devices.printer.preflight()
        assert self._order.selected_type is not None
        self._order.request_id = str(uuid.uuid4())
        self._order.progress = 0.0
        self.publish()
        self.journal.append(self.session_id, Rec.REQUEST_SENT, request=self._order.request_id,
                            relay=self._relay_session, copies=self._order.copies,
                            amount=self._total())
        with self._timed("relay"):
            self._doc = self.devices.relay.request_documents(
                self._order.request_id, self._order.selected_type, dict(self._order.options), self._order.copies
            )
        if self._doc.request_id != self._order.request_id:
            raise IntegrityFault("request_id")
        item = self._menu_item()
        if item is None or (self._doc.fee, self._doc.amount) != (item.fee, self._total()):
            # the relay issued at another price than the customer confirmed: print nothing,
            # take no money, alarm (what else would be wrong with this answer?)
            event(log, "session.integrity", logging.ERROR, session=self.session_id,
                  reason="fee", amount=self._doc.amount)
            raise IntegrityFault("integrity")
        self._relay_session = self._doc.relay_session or self._relay_session
        self.journal.append(self.session_id, Rec.DOC_RECEIVED, request=self._order.request_id,
                            relay=self._relay_session)
        self._order.progress = 0.5
        self.publish()
        with self._timed("render"):
            self.devices.printer.render(self._doc)
        self._order.pages_total = self._doc.pages
        event(log, "session.documents_ready", session=self.session_id,
              request=self._order.request_id, doc_type=self._order.selected_type,
              pages=self._doc.pages)
        self._send("documents_ready")

    def _begin_payment(self) -> None:
        self._payment_started = time.perf_counter()
        self._order.txn = uuid.uuid4().hex
        due = self._total()
        self.journal.append(self.session_id, Rec.PAYMENT_BEGUN, txn=self._order.txn, amount=due)
        self.devices.payment.begin(self._order.txn, due)
        self.publish()
        self._pump_payment()

    def _pump_payment(self) -> None:
        if self._order.txn is None:
            return
        status = self.devices.payment.pump()
        if status.inserted != self._order.inserted:
            self._order.inserted = status.inserted
            self.outcome.paid = status.inserted
            self._activity()
            self.publish()
        if status.complete:
            self.outcome.ms["payment"] = round((time.perf_counter() - self._payment_started) * 1000, 2)
            self.journal.append(self.session_id, Rec.PAID, txn=self._order.txn, amount=status.inserted)
            event(log, "session.paid", session=self.session_id, txn=self._order.txn,
                  paid=status.inserted)
            self._send("paid")

    def _print(self) -> None:
        with self._timed("print"):
            self._print_copies()
        self._send("printed")

    def _print_copies(self) -> None:
        assert self._doc is not None and self._order.request_id is not None
        printer = self.devices.printer
        per_copy = max(1, self._doc.pages // max(1, len(self._doc.pdfs)))
        for n, pdf in enumerate(self._doc.pdfs):
            job = self._order.job = printer.job_name()
            # journaled before it exists: from here the job is owed a purge
            self.journal.append(self.session_id, Rec.PRINT_SUBMITTED,
                                request=self._order.request_id, job=job)
            try:
                printer.submit(pdf, job)
                printer.wait(job, self.timeouts.print_deadline)
            except PrintFault as exc:
                self._copy_fate(job, exc)
            self._order.copies_done = n + 1  # it is out, whatever can be written about it
            self._record_fact(Rec.COPY_PRINTED, job=job, copies=n + 1)
            self._purge_print()  # the copy is out: a purge that fails leaves it owed, not unprinted
            self._on_progress(per_copy * (n + 1), self._order.pages_total)
        self._order.printed = True
        self.outcome.copies_printed = self._order.copies
        self._record_fact(Rec.PRINTED, copies=self._order.copies)
        try:
            self._charge()
        except Exception as exc:
            event(log, "session.charge_failed", logging.ERROR, session=self.session_id,
                  kind=type(exc).__name__)
        self._scrub_documents()  # printed: nothing more needs the document

    def _record_fact(self, rec: Rec, **fields: str | int | None) -> None:
        """Journal what has already happened (a copy came out). Unlike an intent, a record
        that cannot be written changes nothing that was decided on facts: the copy is
        out and is charged (the ledger is the authority on money; recovery reads it)."""
        try:
            self.journal.append(self.session_id, rec, **fields)
        except SessionFault as exc:
            event(log, "session.journal_unwritable", logging.ERROR, session=self.session_id,
                  code=exc.code)
    def _copy_fate(self, job: str, fault: PrintFault) -> None:
        """After a print fault: the copy came out all the same if the printer's gate says
        so (cupsd stopped after the job completed, before its end was read); else the
        fault stands. When the kiosk lost contact with CUPS while the printer had the job,
        the relay is told ``unknown`` (a fault the printer itself reported stays
        ``failed``)."""
        fate = self.devices.printer.fate(job)  # revokes the consent: it cannot start later
        event(log, "session.print_fate", logging.WARNING, session=self.session_id, job=job,
              fate=fate, code=fault.code)
        if fate == "printed":
            return
        if fate == "unknown" and fault.code in _CONTACT_LOST:
            self._order.print_unknown = True
        raise fault

    def _on_progress(self, done: int, total: int) -> None:
        if done < self._order.pages_done:
            return  # a per-job callback behind the session's count
        self._order.pages_done, self._order.pages_total = done, total
        self._order.progress = done / total if total else None
        self.publish()

    def _charge(self) -> None:
        payout = self.devices.payment.charge()
        self._order.charged = True
        self.outcome.charged = self._total()
        self.outcome.change = payout.amount
        self._order.coins_back = payout.amount - payout.vouchered
        if payout.voucher:
            self.outcome.voucher = payout.voucher
        self.journal.append(self.session_id, Rec.CHARGED, txn=self._order.txn,
                            amount=self._total(), change=payout.amount, voucher=payout.voucher)
        event(log, "session.charged", session=self.session_id, txn=self._order.txn,
              amount=self._total(), change=payout.amount, voucher=payout.voucher)

    # -- the one way out -----------------------------------------------------------------

    def _wipe(self) -> None:
        """Settle money, purge jobs, zero buffers, report, close. Each step runs even if
        an earlier one failed: a wipe that stops half-way leaves data or money behind."""
        wipe_started = time.perf_counter()
        o = self.outcome
        o.code = self._error.code if self._error else _INTERRUPTION_INFO.get(o.reason, ("done",))[0]
        if self._order.printed:
            o.result, o.code = "printed", "printed"
        elif self._error and self._error.kind == "refusal":
            o.result = "refused"
        elif o.reason in ("cancel", "timeout", "card_removed"):
            o.result = "cancelled"
        else:
            o.result = "failed"
        o.alarm = o.reason == "integrity_error"
        if not self._order.printed and self._order.copies_done:
            # some copies came out before a later one failed: refunded, told to staff
            o.partial_copies = self._order.copies_done
            event(log, "session.partial_print", logging.WARNING, session=self.session_id,
                  copies=self._order.copies_done, request=self._order.request_id)
        settled = self._guard(self._settle_money)
        alarm_code = o.code
        if not settled:
            # The money is not settled (ledger or device failed): the intent stays open so
            # recovery settles it, and the terminal goes out of service until staff look.
            o.alarm, alarm_code = True, "money_unsettled"
            self._error = ErrorInfo(code=alarm_code, kind="payment", next_step="call_staff")
        self._guard(self._purge_print)
        self._scrub_documents()
        self._guard(self._report)
        if o.alarm:
            self._guard(lambda: self.journal.append(self.session_id, Rec.ALARM, code=alarm_code))
            event(log, "session.alarm", logging.ERROR, session=self.session_id, code=alarm_code)
        self._guard(self._remove_runtime_files)
        if o.reason != "card_removed":
            self._card_on_reader = self._card_present()
        self._guard(self.devices.close)
        if self._opened and settled:
            self._guard(lambda: self.journal.append(self.session_id, Rec.CLOSED, code=o.code))
        o.ms["wipe"] = round((time.perf_counter() - wipe_started) * 1000, 2)
        event(log, "session.closed", session=self.session_id, code=o.code, paid=o.paid,
              refunded=o.refunded, change=o.change, copies=o.copies_printed)
        self.final_view = self._final_view()
        self._send("wiped")
        self._publish(self.final_view)

    def _settle_money(self) -> None:
        o = self.outcome
        if self._order.txn is None:
            return
        pay = self.devices.payment
        if self._order.printed and not self._order.charged:
            self._charge()
            return
        if self._order.charged:
            return
        try:
            self._order.inserted = max(self._order.inserted, pay.pump().inserted)
        except PaymentFault:
            pass
        refund = pay.refund()
        o.refunded, o.voucher = refund.amount, refund.voucher
        o.paid = max(self._order.inserted, refund.amount)
        self.journal.append(self.session_id, Rec.REFUNDED, txn=self._order.txn,
                            amount=o.refunded, voucher=o.voucher)
        event(log, "session.refunded", session=self.session_id, txn=self._order.txn,
              refunded=o.refunded, voucher=o.voucher)

    def _purge_print(self) -> None:
        """Purge the current job; only once the printer confirms it gone (and the residue
        check passed) is the obligation closed in the journal. A purge that fails leaves
        it open: the host keeps the terminal out of service and sweeps until it is gone."""
        job = self._order.job
        if job is None:
            return
        printer = self.devices.printer
        try:
            printer.purge(job)
        except PrintFault as exc:
            self._order.job = None  # owed: the sweep has it from the journal
            event(log, "session.print_unpurged", logging.ERROR, session=self.session_id,
                  job=job, code=exc.code)
            return
        self._order.job = None
        try:
            self.journal.append(self.session_id, Rec.PRINT_PURGED, job=job, code=printer.fate(job))
        except SessionFault as exc:
            # the job is gone but the journal cannot say so: it stays owed, and the sweep
            # (which finds nothing to purge) closes it once the journal can be written
            event(log, "session.journal_unwritable", logging.ERROR, session=self.session_id,
                  code=exc.code)
            return
        printer.forget(job)

    def _report(self) -> None:
        if self._order.request_id is None:
            return
        o = self.outcome
        # the relay records what came out: copies printed, at the fee of each (also when a
        # later copy failed: those copies exist and the relay's audit must know them)
        copies = o.copies_printed or o.partial_copies
        result = {"printed": "printed", "cancelled": "cancelled"}.get(o.result, "failed")
        if result == "cancelled" and copies:
            result = "failed"
        if result == "failed" and self._order.print_unknown:
            result, copies = "unknown", copies + 1  # the copy the printer had may be out
        item = self._menu_item()
        due = outbox.owe(self.journal, self.session_id, self._order.request_id,
                         self._relay_session, result, copies, (item.fee if item else 0) * copies)
        outbox.send(self.journal, self.devices.relay, due)  # else recovery retries it

    def _scrub_documents(self) -> None:
        if self._pin is not None:
            zero(self._pin)
            self._pin = None
        if self._doc is not None:
            for pdf in self._doc.pdfs:
                zero(pdf)
            self._doc.pdfs.clear()
            self._doc.data = None
            self._doc = None
        self._card = None
        self._cert_der = None

    def _remove_runtime_files(self) -> None:
        if self.runtime_dir is not None and self.runtime_dir.exists():
            shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def _guard(self, step: Callable[[], None]) -> bool:
        """Run one wipe step; False when it failed."""
        try:
            step()
        except Exception as exc:
            event(log, "session.wipe_step_failed", logging.ERROR, session=self.session_id,
                  kind=type(exc).__name__)
            return False
        return True

    def _final_view(self) -> ViewModel:
        o = self.outcome
        if o.alarm:
            screen = Screen.OUT_OF_SERVICE
        elif o.result == "printed":
            screen = Screen.THANK_YOU
        else:
            screen = Screen.ERROR
        error = None
        coins_back = o.change if self._order.coins_back is None else self._order.coins_back
        if o.result == "printed" and not o.alarm:
            error = self._change_voucher()
        if o.result != "printed" or o.alarm:
            code, kind, next_step = _INTERRUPTION_INFO.get(o.reason, ("done", "device", "none"))
            if self._error is not None:
                code, kind, next_step = self._error.code, self._error.kind, self._error.next_step
            error = ErrorInfo(code=code, kind=kind, next_step=next_step,
                              refunded=o.refunded, voucher=o.voucher)
        return replace(self._view("ended"), screen=screen, error=error, allowed=frozenset(),
                       final=True, change_due=coins_back, inserted=o.paid,
                       card_on_reader=self._card_on_reader)

    # -- faults ---------------------------------------------------------------------------

    def _on_fault(self, exc: SessionFault) -> None:
        if self.finished or self.state == "wiping":
            return
        self._error = ErrorInfo(code=exc.code, kind=exc.kind, next_step=exc.next_step)
        event(log, "session.fault", logging.WARNING, session=self.session_id, state=self.state,
              kind=exc.kind, code=exc.code)
        self._send(exc.event)

    # -- timers -----------------------------------------------------------------------------

    def _activity(self) -> None:
        state = self.state
        if state in HUMAN_STATES:
            self._deadline = self.clock.monotonic() + self.timeouts.for_state(state)
            self._warned = False

    def _check_timer(self) -> None:
        if self._deadline is None:
            return
        left = self._deadline - self.clock.monotonic()
        if left <= 0:
            self._send("timeout")
        elif left <= self.timeouts.warn_before:
            self._warned = True
            self.publish()  # publish() drops unchanged view models

    # -- view models ----------------------------------------------------------------------

    def _menu_item(self) -> MenuItem | None:
        return next((m for m in self._order.menu if m.type == self._order.selected_type), None)

    def _total(self) -> int:
        item = self._menu_item()
        return item.fee * self._order.copies if item else 0

    def _view(self, state: str) -> ViewModel:
        item = self._menu_item()
        seconds_left = None
        if self._warned and self._deadline is not None:
            seconds_left = max(0, math.ceil(self._deadline - self.clock.monotonic()))
        allowed = ALLOWED.get(state, frozenset())
        if state == "start" and self._card_on_reader:
            allowed = allowed - {_I.START}
        return ViewModel(
            screen=SCREENS[state],
            allowed=allowed,
            session=self.session_id,
            state=state,
            tries_left=self._order.tries_left,
            menu=self._order.menu,
            selected_type=self._order.selected_type,
            selected_options=dict(self._order.options),
            copies=self._order.copies,
            fee_per_copy=item.fee if item else 0,
            total=self._total(),
            inserted=self._order.inserted,
            change_due=self._change_due(),
            exact_change_only=self._order.exact_change_only,
            progress=self._order.progress,
            pages_done=self._order.pages_done,
            pages_total=self._order.pages_total,
            timeout_warning=self._warned,
            seconds_left=seconds_left,
            error=self._error or (self._change_voucher() if state == "take_papers" else None),
            card_on_reader=self._card_on_reader and state == "start",
        )

    def _change_voucher(self) -> ErrorInfo | None:
        """Short change after the charge: the rest is on a voucher the ledger holds."""
        if not (self._order.charged and self.outcome.voucher):
            return None
        return ErrorInfo(code="change_voucher", kind="payment", next_step="none",
                         refunded=self._change_due(), voucher=self.outcome.voucher)

    def _change_due(self) -> int:
        """The change to take: paid out in coins once charged (take papers), else what the
        money inserted so far is over the total."""
        if self._order.coins_back is not None:
            return self._order.coins_back
        return max(0, self._order.inserted - self._total()) if self._order.txn else 0

    def publish(self) -> None:
        if self.finished:
            return
        vm = self._view(self.state)
        if vm != self._last_vm:
            self._last_vm = vm
            self._publish(vm)

    def _send(self, name: str) -> None:
        if not self.finished:
            self.sm.send(name)
