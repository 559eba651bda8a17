"""The JCM ID-003 note validator driver.

It polls the validator's status and acts on changes of state, not on states (every poll
repeats the state):

- ESCROW: a :class:`~kiosk.payment.port.Escrow` event; the note waits until the host
  says :meth:`NoteValidator.stack` (STACK-1) or :meth:`NoteValidator.return_note`. A
  code the kiosk has no value for is returned at once (fault ``unknown_note``);
- ESCROW left undecided past the validator's timeout: it hands the note back by itself
  (RETURNING, then IDLING): :class:`Returned`, never credited; a STACK that arrives after
  that is refused by the validator and is not a fault (the polls follow the note);
- VEND VALID: the note is the kiosk's. It is counted in the state file first, with a
  mark that it was (``note_vended``), then reported once
  (:class:`~kiosk.payment.port.Stacked`) and ACKed, on every poll until the validator
  moves on: an ACK may be lost, and a process that dies before the validator took it
  leaves the next one a VEND VALID that the mark says is already credited. A VEND VALID
  no STACK of this kiosk asked for (no record at all) is ACKed and reported as
  ``note_unresolved``, never credited on the validator's word alone;
- a return finished: :class:`~kiosk.payment.port.Returned`;
- reject, cheated: :class:`~kiosk.payment.port.Rejected`; jam: :class:`Jam`; stacker
  full or open, failure: a fault code;
- POWER UP (the validator restarted): :class:`DeviceReset`, then RESET and every
  setting again. A power-up "with a bill in the stacker" right after a STACK whose VEND
  VALID was never seen is credited (the customer's note is in the cashbox as far as
  anyone can tell) and reported as ``note_unresolved`` for staff; one "with a bill in the
  acceptor" is not credited (after RESET the validator may hand it back or stack it) and
  is reported the same way.

A validator left in VEND VALID without an ACK stops answering until RESET; one that does
not answer while a note it was told to stack is on record is RESET (see
:meth:`NoteValidator._first_status`).

STACK and RETURN act at once: when the reply to one is lost, the validator's status says
whether it arrived (a note still in escrow: it did not) before it is sent again, since
the validator refuses a second one while the note moves.

At start-up the validator's currency table (``8A``) is read, and every note the
configuration names must be there with the same value: a validator programmed otherwise
would credit a 10,000-yen note as the 1,000 its code means here. One that disagrees is
inhibited and out of order (``note_table_mismatch``); one that does not know ``8A`` is
taken at the configuration's word, and logged.

Settings are the denomination mask (``C0``: only the notes that fit under the ceiling)
and the inhibit (``C3``: accept or not); the validator confirms each by echoing it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

from kiosk.payment.cash_state import CashState
from kiosk.payment.id003 import (
    OUT_OF_ORDER,
    POWER_UP,
    REJECT_REASONS,
    Command,
    Frame,
    Id003Error,
    Status,
    currency_table,
    decode,
    denomination_mask,
    encode,
)
from kiosk.payment.port import (
    DeviceBusy,
    DeviceReset,
    Escrow,
    Jam,
    PaymentFault,
    Rejected,
    Returned,
    Stacked,
)
from kiosk.payment.serial_port import DeviceThread, EventSink, Port, read_exactly
from protocol.log import event

log = logging.getLogger("kiosk.payment.cash")

TRIES = 3
REPLY_TIMEOUT = 0.3
#: States in which a note is in the validator's path: ``stop`` waits them out.
BUSY = frozenset({Status.ACCEPTING, Status.ESCROW, Status.STACKING, Status.VEND_VALID,
                  Status.STACKED, Status.RETURNING, Status.HOLDING, Status.PAUSE})
#: States that say no note is held any more.
_NOTE_GONE_BACK = frozenset({Status.IDLING, Status.DISABLED, Status.ACCEPTING, Status.REJECTING})
#: After RESET, status polls to wait for the validator to ask for its settings, and the
#: pause between them (public drivers wait up to 2 s for a RESET, docs/payment.md).
INIT_POLLS = 40
INIT_POLL_PAUSE = 0.05


class Id003Link:
    """Request and reply on the validator's tty, with a few tries on a lost or corrupted
    reply (every command the driver sends may be repeated safely)."""

    def __init__(self, port: Port) -> None:
        self.port = port

    def transact(self, code: int, data: bytes = b"", tries: int = TRIES) -> Frame:
        last: PaymentFault = PaymentFault("no_answer")
        for _ in range(tries):
            self.port.reset_input_buffer()
            self.port.write(encode(code, data))
            try:
                return self._reply()
            except PaymentFault as exc:
                last = exc
        raise last

    def send(self, code: int) -> None:
        """A command with no reply (ACK of VEND VALID)."""
        self.port.write(encode(code))

    def _reply(self) -> Frame:
        head = read_exactly(self.port, 2, REPLY_TIMEOUT)
        if not head:
            raise PaymentFault("no_answer")
        if len(head) < 2 or head[0] != 0xFC or head[1] < 5:
            raise Id003Error("garbage")
        rest = read_exactly(self.port, head[1] - 2, REPLY_TIMEOUT)
        return decode(head + rest)


class NoteValidator(DeviceThread):
    name = "note_validator"

    def __init__(self, open_port: Callable[[], Port], sink: EventSink, state: CashState,
                 interval: float, notes: Mapping[int, int],
                 idle_interval: float | None = None) -> None:
        """``notes``: escrow code -> yen, as the validator is programmed."""
        super().__init__(open_port, sink, interval, idle_interval)
        self.state = state
        self.notes = dict(notes)
        self.link: Id003Link | None = None
        self.status: int | None = None
        self.escrow: int | None = None  # yen of the note in escrow
        self._returning: int | None = None
        self._vended = False
        self._allowed: frozenset[int] = frozenset()
        self._accepting = False
        self.out_of_order: str | None = None

    @property
    def busy(self) -> bool:
        """A note is somewhere between the slot and the cashbox."""
        return self.escrow is not None or self._returning is not None or self.status in BUSY

    # --- jobs ------------------------------------------------------------------------------

    def set_allowed(self, notes: frozenset[int], accepting: bool) -> None:
        self._allowed, self._accepting = notes, accepting
        self._apply()

    def quiesce(self) -> bool:
        self._allowed, self._accepting = frozenset(), False
        self._apply()
        self.poll()
        return True

    def stack(self) -> None:
        if self.escrow is None:
            raise DeviceBusy()
        with self.state.change() as r:  # a power cut before VEND VALID is resolved from this
            r.note_stacking = self.escrow
        self._note_operation(Command.STACK_1)

    def return_note(self) -> None:
        if self.escrow is None:
            raise DeviceBusy()
        self._note_operation(Command.RETURN)
        self._returning, self.escrow = self.escrow, None

    def read_status(self) -> int:
        """The status now (the diagnostic mode)."""
        self.poll()
        assert self.status is not None
        return self.status

    # --- the thread's steps ----------------------------------------------------------------

    def initialise(self) -> None:
        assert self.port is not None
        self.link = link = Id003Link(self.port)
        st = self._first_status(link)
        if st.code in POWER_UP or st.code == Status.INITIALIZE:
            self._power_up(st.code)
            self._operation(Command.RESET)
            for _ in range(INIT_POLLS):
                st = link.transact(Command.STATUS_REQUEST)
                if st.code == Status.INITIALIZE:
                    break
                time.sleep(INIT_POLL_PAUSE)  # in the device's own thread
        elif st.code in _NOTE_GONE_BACK:
            self._forget_stale_note()
        self._check_currency_table()
        self._apply()
        self._on_status(link.transact(Command.STATUS_REQUEST))

    def poll(self) -> None:
        self._on_status(self._link().transact(Command.STATUS_REQUEST))

    # --- internals -------------------------------------------------------------------------

    def _link(self) -> Id003Link:
        if self.link is None:
            raise PaymentFault("not_ready")
        return self.link

    def _operation(self, code: Command) -> None:
        reply = self._link().transact(code)
        if reply.code != Status.ACK:
            raise PaymentFault("invalid_command" if reply.code == Status.INVALID_COMMAND
                               else "garbage")

    def _note_operation(self, code: Command) -> None:
        """STACK or RETURN: sent again after a lost or garbled reply only if the status
        shows the note still in escrow (otherwise it arrived, and the polls follow the
        note)."""
        link = self._link()
        for _ in range(TRIES):
            try:
                reply = link.transact(code, tries=1)
            except PaymentFault:
                if link.transact(Command.STATUS_REQUEST).code != Status.ESCROW:
                    return
                continue
            if reply.code == Status.INVALID_COMMAND \
                    and link.transact(Command.STATUS_REQUEST).code != Status.ESCROW:
                return  # the note left escrow first (an escrow timeout): the polls follow it
            if reply.code != Status.ACK:
                raise PaymentFault("invalid_command" if reply.code == Status.INVALID_COMMAND
                                   else "garbage")
            return
        raise PaymentFault("no_answer")

    def _first_status(self, link: Id003Link) -> Frame:
        """The status at (re)initialisation. A validator that does not answer it while a
        note it was told to stack is on record may be hung on a VEND VALID no ACK reached
        (it stops answering polls until RESET, docs/payment.md): it is RESET. It hangs only
        after VEND VALID, so a note whose VEND VALID this kiosk never saw passed the
        stacker: it is credited and staff told (``note_unresolved``), as after a power-up
        with the bill in the stacker; one already credited (``note_vended``) is not again."""
        try:
            return link.transact(Command.STATUS_REQUEST)
        except PaymentFault as exc:
            rec = self.state.read()
            if exc.code != "no_answer" or (rec.note_stacking is None and rec.note_vended is None):
                raise
        self._operation(Command.RESET)  # no answer to this either: still no_answer
        event(log, "payment.validator_hung_reset", logging.WARNING, device=self.name)
        if rec.note_stacking is not None:
            self._credit(rec.note_stacking)
            self.sink.report("note_unresolved")
        self.escrow = None
        return link.transact(Command.STATUS_REQUEST)

    def _check_currency_table(self) -> None:
        """Every configured note in the validator's ``8A`` table with the same value, or
        the validator inhibited and out of order."""
        reply = self._link().transact(Command.GET_CURRENCY_ASSIGN)
        if reply.code == Status.INVALID_COMMAND:
            event(log, "payment.note_table_unread", logging.WARNING, device=self.name)
            return
        if reply.code != Command.GET_CURRENCY_ASSIGN:
            raise PaymentFault("garbage")
        table = currency_table(reply.data)
        if any(table.get(code) != value for code, value in self.notes.items()):
            self._setting(Command.SET_INHIBIT, b"\x01")
            raise PaymentFault("note_table_mismatch")

    def _setting(self, code: Command, data: bytes) -> None:
        reply = self._link().transact(code, data)
        if reply.code != code or reply.data != data:
            raise PaymentFault("invalid_command" if reply.code == Status.INVALID_COMMAND
                               else "garbage")

    def _apply(self) -> None:
        codes = {code for code, value in self.notes.items() if value in self._allowed}
        self._setting(Command.SET_DENOMINATION, denomination_mask(codes))
        self._setting(Command.SET_INHIBIT, bytes([0 if self._accepting and codes else 1]))

    def _power_up(self, code: int) -> None:
        """The validator restarted. A note it held in escrow went back to the customer
        (the composed device's :class:`DeviceReset` says so); a note told to stack whose
        VEND VALID never came is resolved from what the validator says it holds."""
        rec = self.state.read()
        stacking = rec.note_stacking
        if self.escrow is not None or self._returning is not None or stacking is not None:
            self.sink.emit(DeviceReset())
        if stacking is not None and code == Status.POWER_UP_BILL_IN_STACKER:
            self._credit(stacking)
            self.sink.report("note_unresolved")
        elif stacking is not None or rec.note_vended is not None:
            if stacking is not None and code == Status.POWER_UP_BILL_IN_ACCEPTOR:
                self.sink.report("note_unresolved")  # handed back or stacked: staff count it
            with self.state.change() as r:
                r.note_stacking = r.note_vended = None
        self.escrow = self._returning = None
        self._vended = False

    def _forget_stale_note(self) -> None:
        """At start-up, a validator with no note in it: a STACK the last process recorded
        never led to VEND VALID (the validator cannot leave VEND VALID unACKed), so the
        note went back; a VEND VALID it credited was taken."""
        rec = self.state.read()
        if rec.note_stacking is not None or rec.note_vended is not None:
            with self.state.change() as r:
                r.note_stacking = r.note_vended = None

    def _credit(self, value: int, vending: bool = False) -> None:
        """``vending``: at VEND VALID, which the validator repeats until it takes the ACK."""
        with self.state.change() as r:  # on disk before anyone hears of the note
            r.notes_in[value] = r.notes_in.get(value, 0) + 1
            r.note_stacking = None
            r.note_vended = value if vending else None
        self.sink.emit(Stacked(value))

    def _on_status(self, st: Frame) -> None:
        prev, self.status = self.status, st.code
        changed = prev != st.code
        if st.code == Status.ESCROW:
            if changed or self.escrow is None and self._returning is None:
                self._on_escrow(st.data)
        elif st.code == Status.VEND_VALID:
            if not self._vended:
                self._vended = True
                rec = self.state.read()
                value = self.escrow or rec.note_stacking
                self.escrow = None
                if rec.note_vended is not None:
                    pass  # credited by a process that died before the validator took its ACK
                elif value is None:
                    self.sink.report("note_unresolved")  # no STACK of ours: not credited
                else:
                    self._credit(value, vending=True)
            self._link().send(Command.ACK)
        elif st.code in POWER_UP:
            self._power_up(st.code)
            self._operation(Command.RESET)
            self._apply()
        elif st.code == Status.INITIALIZE:
            self._apply()
        elif changed:
            self._on_change(st)
        if st.code != Status.VEND_VALID:
            if self._vended or prev is None:
                self._vended_taken()
            self._vended = False
        if st.code in _NOTE_GONE_BACK:
            self._returned()

    def _vended_taken(self) -> None:
        """The validator moved on from VEND VALID: the mark that its note was credited is
        not needed any more."""
        if self.state.read().note_vended is not None:
            with self.state.change() as r:
                r.note_vended = None

    def _returned(self) -> None:
        """The validator is empty again without a VEND VALID: a note it held (returned on
        the host's word, or on its own after an escrow timeout) is back with the
        customer."""
        note = self._returning if self._returning is not None else self.escrow
        if note is None:
            return
        self._returning = self.escrow = None
        if self.state.read().note_stacking is not None:
            with self.state.change() as r:
                r.note_stacking = None
        self.sink.emit(Returned(note))

    def _on_escrow(self, data: bytes) -> None:
        value = self.notes.get(data[0]) if data else None
        if value is None:
            self._operation(Command.RETURN)
            self.sink.report("unknown_note")
            return
        self.escrow = value
        self.sink.emit(Escrow(value))

    def _on_change(self, st: Frame) -> None:
        if st.code == Status.REJECTING:
            reason = REJECT_REASONS.get(st.data[0], "unknown") if st.data else "unknown"
            self.sink.emit(Rejected(reason))
        elif st.code == Status.CHEATED:
            self.sink.emit(Rejected("fraud"))
        elif st.code in (Status.ACCEPTOR_JAM, Status.STACKER_JAM):
            self.out_of_order = OUT_OF_ORDER[st.code]
            self.sink.emit(Jam("note_validator"))
        elif st.code in OUT_OF_ORDER:
            self.out_of_order = OUT_OF_ORDER[st.code]
            self.sink.report(self.out_of_order)
        elif st.code in (Status.IDLING, Status.DISABLED):
            self.out_of_order = None
