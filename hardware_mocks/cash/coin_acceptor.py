"""An emulated ccTalk coin acceptor: a five-event buffer behind an event counter, a coin
table, inhibits, a self-check, on a pty.

It keeps the physical truth the host never sees (``taken``: yen that went into the
device), so tests can check that the kiosk's ledger accounts for every coin.

Scriptable: :meth:`insert` a coin (credited, or refused when inhibited), :meth:`jam`
(credit sensor blocked, self-check fails until :meth:`clear_jam`), :meth:`string`
(coin on a string: fraud), :meth:`credit_position` (a credit code the host's coin table
has no value for), :meth:`burst` (more events than the buffer holds between two polls:
lost events), :meth:`repeat_replies` (the next polls answered with the previous reply:
repeated events), :meth:`flood` (events on every poll: a device gone mad),
:meth:`power_cycle` (counting from 0 again, or stepping from it by itself), and the line
faults of :class:`PtyDevice`.
"""

from __future__ import annotations

from collections import deque

from hardware_mocks.cash.cctalk_device import CcTalkDevice
from kiosk.payment.cctalk import coin_value
from kiosk.payment.cctalk_frame import Checksum, Header

#: Positions 1..6: the four yen coins a kiosk takes, the new 500-yen coin, a foreign coin.
COIN_TABLE: dict[int, bytes] = {1: b"JP010A", 2: b"JP050A", 3: b"JP100A", 4: b"JP500A",
                                5: b"JP500B", 6: b"US025A"}
EMPTY_SLOT = b"......"
INHIBITED_COIN = 2  # error code: inhibited coin
COIN_ON_STRING = 20  # C.O.S. mechanism activated (CCT3 table 2)
CREDIT_SENSOR_BLOCKED = 14
REJECT_COIN = 1
SELF_CHECK_CREDIT_SENSOR = 3


class CoinAcceptorEmulator(CcTalkDevice):
    name = "coin-acceptor"
    category = b"Coin Acceptor"

    def __init__(self, address: int = 2, checksum: Checksum = Checksum.SIMPLE,
                 echo: bool = False, serial: bytes = b"\x21\x43\x65",
                 coin_table: dict[int, bytes] | None = None) -> None:
        super().__init__(address, checksum, echo, serial)
        self.coin_table = dict(COIN_TABLE if coin_table is None else coin_table)
        self.counter = 0
        self.buffer: deque[tuple[int, int]] = deque(maxlen=5)
        self.inhibit_mask = 0
        self.master_enabled = False
        self.jammed = False
        self.self_check_code = 0
        self.taken = 0  # yen physically accepted
        self._stale = 0
        self._last_reply = bytes(11)
        self._flood = 0

    # --- what a customer or a tester does ----------------------------------------------------

    def insert(self, value: int) -> str:
        """Drop a coin of ``value`` yen: ``credited``, ``refused`` (inhibited or not a
        coin this acceptor knows) or ``jammed`` (it cannot even enter)."""
        with self.lock:
            if self.jammed:
                return "jammed"
            positions = [p for p, cid in self.coin_table.items() if coin_value(cid) == value]
            enabled = [p for p in positions if self.master_enabled and self.inhibit_mask >> (p - 1) & 1]
            if not enabled:
                self._event(0, INHIBITED_COIN if positions else REJECT_COIN)
                return "refused"
            self._event(enabled[0], 0)
            self.taken += value
            return "credited"

    def credit_position(self, position: int, value: int = 0) -> None:
        """Report a credit for ``position`` whatever the inhibits (a misprogrammed or
        lying acceptor); ``value`` is what physically went in."""
        with self.lock:
            self._event(position, 0)
            self.taken += value

    def jam(self) -> None:
        with self.lock:
            self.jammed = True
            self.self_check_code = SELF_CHECK_CREDIT_SENSOR
            self._event(0, CREDIT_SENSOR_BLOCKED)

    def clear_jam(self) -> None:
        with self.lock:
            self.jammed = False
            self.self_check_code = 0

    def string(self) -> None:
        """A coin on a string is pulled back through the credit sensor."""
        with self.lock:
            self._event(0, COIN_ON_STRING)

    def burst(self, values: list[int]) -> None:
        """Coins that go in faster than the host polls (tests: more than five)."""
        with self.lock:
            for value in values:
                position = next(p for p, cid in self.coin_table.items()
                                if coin_value(cid) == value)
                self._event(position, 0)
                self.taken += value

    def repeat_replies(self, n: int) -> None:
        """The next ``n`` buffer reads answer with the previous reply again."""
        with self.lock:
            self._stale += n

    def flood(self, polls: int) -> None:
        """For the next ``polls`` buffer reads, four reject events appear before each."""
        with self.lock:
            self._flood += polls

    def power_cycle(self, self_step: bool = False) -> None:
        """Restart; ``self_step``: as some acceptors do, step the counter from 0 to 1 at
        once with a dummy "inhibited coin" (CCT2 §3.27.1), before the host sees 0."""
        with self.lock:
            self._reset()
            if self_step:
                self._event(0, INHIBITED_COIN)

    # --- the protocol ------------------------------------------------------------------------

    def handle(self, header: int, data: bytes) -> bytes | None:
        common = self.common(header)
        if common is not None:
            return common
        if header == Header.REQUEST_COIN_ID and len(data) == 1:
            return self.coin_table.get(data[0], EMPTY_SLOT)
        if header == Header.MODIFY_INHIBIT_STATUS and len(data) == 2:
            self.inhibit_mask = data[0] | data[1] << 8
            return b""
        if header == Header.MODIFY_MASTER_INHIBIT and len(data) == 1:
            self.master_enabled = bool(data[0] & 1)
            return b""
        if header == Header.READ_BUFFERED_CREDIT:
            return self._buffer()
        if header == Header.PERFORM_SELF_CHECK:
            return bytes([self.self_check_code])
        if header == Header.RESET_DEVICE:
            return b""
        return None  # an unknown header: no reply

    def after_reply(self, header: int) -> None:
        if header == Header.RESET_DEVICE:
            self._reset()

    def _buffer(self) -> bytes:
        if self._stale:
            self._stale -= 1
            return self._last_reply
        if self._flood:
            self._flood -= 1
            for _ in range(4):
                self._event(0, REJECT_COIN)
        pairs = list(self.buffer) + [(0, 0)] * (5 - len(self.buffer))
        self._last_reply = bytes([self.counter, *(x for pair in pairs for x in pair)])
        return self._last_reply

    def _event(self, a: int, b: int) -> None:
        self.counter = 1 if self.counter == 255 else self.counter + 1
        self.buffer.appendleft((a, b))

    def _reset(self) -> None:
        self.counter = 0
        self.buffer.clear()
        self.inhibit_mask = 0
        self.master_enabled = False
        self._stale = 0
        self._last_reply = bytes(11)
