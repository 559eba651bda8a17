"""An emulated JCM ID-003 note validator on a pty.

It answers status requests with its state and moves through the escrow cycle one state
per poll, as a real validator does over a few hundred milliseconds: ACCEPTING, ESCROW
(held until the host says STACK or RETURN), STACKING, VEND VALID (repeated until the host
ACKs it), STACKED, back to IDLING; or RETURNING, back to IDLING. It starts in POWER UP,
waits for RESET and its settings (INITIALIZE), and is DISABLED while inhibited. It answers
``8A`` with its programming (``notes``: the currency table a real validator is loaded
with; ``knows_currency_table=False``: a model that refuses ``8A``), and a STACK or RETURN
that comes when the note is already moving is refused (INVALID COMMAND), as the validator
refuses any operation its state does not allow.

Two timeouts of a real validator, off unless set (seconds): ``escrow_timeout``, a note
held in escrow with no STACK or RETURN from the host goes back to the customer by itself
(RETURNING, then IDLING; about 10 s on a real one, docs/payment.md); and
``vend_valid_timeout``, a VEND VALID no ACK reached for that long leaves the validator
hung: it answers nothing but RESET (which brings it back, the note in the cashbox).

The cashbox (``stacked``: yen the validator kept) is the physical truth for the tests.

Scriptable: :meth:`insert` a note, :meth:`jam` (a note stuck in the acceptor),
:meth:`cheat` (a note pulled back), :meth:`power_cycle` (with or without a note in the
stacker path; with a note held in escrow it powers up "with a bill in the acceptor" and
hands the note back at RESET), :meth:`cut_power_after_stack`, :meth:`cut_power_at_next_command`
(the command is lost with the power), :meth:`lose_acks` (the host's ACKs vanish: VEND VALID repeats),
:meth:`stacker_full` (the cashbox is full: a note in escrow goes back, no note is taken
until it is emptied, a RESET does not empty it), :meth:`refuse_next` (the next note is
rejected, as a worn or counterfeit one is), and the line faults (``corrupt_inbound``: a
command that arrives corrupted gets no answer).
"""

from __future__ import annotations

import time

from hardware_mocks.cash.pty_device import PtyDevice, Recent
from kiosk.payment.id003 import (
    Command,
    FrameAssembler,
    Id003Error,
    Status,
    decode,
    enabled_codes,
    encode,
)

#: The validator's programming: yen -> escrow code (as ``[payment] notes`` configures it).
NOTE_CODES: dict[int, int] = {1000: 0x61, 5000: 0x63, 10000: 0x64}
#: The country byte of its ``8A`` entries: the yen one is not public (docs/payment.md), and
#: the driver does not read it.
COUNTRY = 0x00
REJECT_INHIBITED = 0x79
REJECT_ASSESSMENT = 0x76  # the denomination could not be assessed (worn, counterfeit)


class NoteValidatorEmulator(PtyDevice):
    name = "note-validator"

    def __init__(self, notes: dict[int, int] | None = None, knows_currency_table: bool = True,
                 escrow_timeout: float | None = None, vend_valid_timeout: float | None = None) -> None:
        super().__init__()
        self.escrow_timeout = escrow_timeout
        self.vend_valid_timeout = vend_valid_timeout
        self.hung = False  # after an unACKed VEND VALID: only RESET is answered
        self._since = time.monotonic()  # when the status last changed
        self.notes = dict(NOTE_CODES if notes is None else notes)
        self.knows_currency_table = knows_currency_table
        self._in_acceptor: int | None = None  # yen of a note held through a power cut
        self.status = Status.POWER_UP
        self.data = b""
        self.inhibited = True
        self.enabled: frozenset[int] = frozenset()
        self.stacked = 0  # yen in the cashbox
        self.returned = 0  # yen handed back from escrow
        self._escrow: int | None = None  # yen
        self._frames = FrameAssembler()
        self._lost_acks = 0
        self._cut_after_stack = False
        self._cut_at_next = False
        self._full = False
        self._refuse_next = 0
        self._after: list[tuple[Status, bytes]] = []  # states still to come, one per poll
        self.commands: Recent[int] = Recent()  # every command taken, in order (the last REMEMBERED)
        self.reported: Recent[Status] = Recent()  # the status of every status request, in order (idem)

    # --- a customer's or a tester's hand -----------------------------------------------------

    def insert(self, value: int) -> str:
        """Feed a note: ``escrow`` once the host can see it, or ``rejected``."""
        with self.lock:
            code = self.notes.get(value)
            if self.status not in (Status.IDLING, Status.DISABLED) or self._after:
                return "busy"
            if code is None or code not in self.enabled or self.inhibited:
                self._reject(REJECT_INHIBITED)
                return "rejected"
            if self._refuse_next:
                self._refuse_next -= 1
                self._reject(REJECT_ASSESSMENT)
                return "rejected"
            self._escrow = value
            self._go(Status.ACCEPTING)
            self._after = [(Status.ESCROW, bytes([code]))]
            return "escrow"

    def jam(self) -> None:
        with self.lock:
            self._go(Status.ACCEPTOR_JAM)
            self._after = []
            self._escrow = None  # stuck in the head: neither the customer's nor the box's

    def clear_jam(self) -> None:
        with self.lock:
            self._idle()

    def stacker_full(self, full: bool = True) -> None:
        """The cashbox fills (a note in escrow is handed back) or is emptied."""
        with self.lock:
            self._full = full
            if full and self._escrow is not None:
                self.returned += self._escrow
                self._escrow = None
            self._after = []
            if full or self.status == Status.STACKER_FULL:
                self._idle()

    def refuse_next(self, n: int = 1) -> None:
        with self.lock:
            self._refuse_next += n

    def cheat(self) -> None:
        with self.lock:
            self._go(Status.CHEATED)
            self._after = [self._idle_state()]
            self._escrow = None

    def power_cycle(self) -> None:
        """The validator restarts: a note held in escrow stays in the acceptor (POWER UP
        with a bill in the acceptor) and goes back to the customer at the RESET; a note
        being stacked ends in the stacker (counted there since the STACK)."""
        with self.lock:
            in_stacker = self.status in (Status.STACKING, Status.VEND_VALID)
            self._in_acceptor, self._escrow = self._escrow, None
            self._after = []
            self._go(Status.POWER_UP_BILL_IN_STACKER if in_stacker else
                     Status.POWER_UP_BILL_IN_ACCEPTOR if self._in_acceptor is not None else Status.POWER_UP)

    def cut_power_after_stack(self) -> None:
        """The power goes right after the next STACK is acknowledged, before the host
        sees VEND VALID."""
        with self.lock:
            self._cut_after_stack = True

    def cut_power_at_next_command(self) -> None:
        """The power goes as the next command other than a status request arrives: it
        is never carried out, and the validator powers up as :meth:`power_cycle` says."""
        with self.lock:
            self._cut_at_next = True

    def lose_acks(self, n: int) -> None:
        """The host's next ``n`` ACKs vanish on the line (0: none from now on)."""
        with self.lock:
            self._lost_acks = n

    # --- the protocol ------------------------------------------------------------------------

    def on_bytes(self, data: bytes) -> None:
        self._frames.feed(data)
        while (raw := self._frames.take()) is not None:
            try:
                frame = decode(self.inbound(raw))
            except Id003Error:
                continue  # a corrupted command gets no answer
            with self.lock:
                self.commands.append(frame.code)
                if self.hung and frame.code != Command.RESET:
                    continue
                if self._cut_at_next and frame.code != Command.STATUS_REQUEST:
                    self._cut_at_next = False
                    self.power_cycle()
                    continue
                reply = self._handle(frame.code, frame.data)
            if reply is not None:
                self.send(reply)

    def _handle(self, code: int, data: bytes) -> bytes | None:
        if code == Command.STATUS_REQUEST:
            self.reported.append(self.status)
            reply = encode(self.status, self.data)
            if self._after:
                self._go(*self._after.pop(0))
            return reply
        if code == Command.ACK:
            if self._lost_acks:
                self._lost_acks -= 1
            elif self.status == Status.VEND_VALID:
                self._go(Status.STACKED)
                self._after = [self._idle_state()]
            return None
        if code == Command.RESET:
            self.hung = False
            if self._in_acceptor is not None:
                self.returned += self._in_acceptor
                self._in_acceptor = None
            self._escrow = None
            self._after = []
            self._go(Status.INITIALIZE)
            return encode(Status.ACK)
        if code in (Command.STACK_1, Command.STACK_2):
            if self.status != Status.ESCROW or self._escrow is None:
                return encode(Status.INVALID_COMMAND)
            self.stacked += self._escrow
            escrow_code = self.notes[self._escrow]
            self._go(Status.STACKING)
            self._after = [(Status.VEND_VALID, bytes([escrow_code]))]
            self._escrow = None
            if self._cut_after_stack:
                self._cut_after_stack = False
                self.power_cycle()
            return encode(Status.ACK)
        if code == Command.RETURN:
            if self.status != Status.ESCROW or self._escrow is None:
                return encode(Status.INVALID_COMMAND)
            self.returned += self._escrow
            self._escrow = None
            self._go(Status.RETURNING)
            self._after = [self._idle_state()]
            return encode(Status.ACK)
        if code == Command.SET_DENOMINATION and len(data) == 2:
            self.enabled = enabled_codes(data)
            return encode(code, data)
        if code == Command.SET_INHIBIT and len(data) == 1:
            self.inhibited = bool(data[0])
            if self.status in (Status.INITIALIZE, Status.IDLING, Status.DISABLED):
                self._idle()
            return encode(code, data)
        if code == Command.GET_CURRENCY_ASSIGN and self.knows_currency_table:
            return encode(code, currency_entries({c: yen for yen, c in self.notes.items()}))
        if code in (Command.SET_SECURITY, Command.SET_COMMUNICATION_MODE, Command.SET_DIRECTION,
                    Command.SET_OPTIONAL_FUNCTION):
            return encode(code, data)
        return encode(Status.INVALID_COMMAND)

    def on_tick(self) -> None:
        with self.lock:
            held = time.monotonic() - self._since
            if self.status == Status.ESCROW and self._escrow is not None \
                    and self.escrow_timeout is not None and held >= self.escrow_timeout:
                self.returned += self._escrow  # the host never decided: back to the customer
                self._escrow = None
                self._go(Status.RETURNING)
                self._after = [self._idle_state()]
            elif self.status == Status.VEND_VALID and self.vend_valid_timeout is not None \
                    and held >= self.vend_valid_timeout:
                self.hung = True

    def _go(self, status: Status, data: bytes = b"") -> None:
        if status != self.status:
            self._since = time.monotonic()
        self.status, self.data = status, data

    def _idle_state(self) -> tuple[Status, bytes]:
        if self._full:
            return Status.STACKER_FULL, b""
        return (Status.DISABLED if self.inhibited else Status.IDLING), b""

    def _idle(self) -> None:
        self._go(*self._idle_state())

    def _reject(self, reason: int) -> None:
        self._go(Status.REJECTING, bytes([reason]))
        self._after = [self._idle_state()]



def currency_entries(table: dict[int, int]) -> bytes:
    """The ``8A`` reply's data for ``table`` (escrow code → yen): per entry the code, the
    country byte, and the value as mantissa and power of ten."""
    out = bytearray()
    for code, value in sorted(table.items()):
        exponent = 0
        while value > 255:
            value, exponent = value // 10, exponent + 1
        out += bytes([code, COUNTRY, value, exponent])
    return bytes(out)
