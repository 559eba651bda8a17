"""The ccTalk coin acceptor driver (address 2 by default).

At start it reads the acceptor's serial number and coin table (header 184, which coin
sits at which position), inhibits every coin and blocks the acceptor (master inhibit),
and takes its event counter: as the baseline when this acceptor is new to the kiosk, or,
when the state file knows it, as the place to resume from, so coins that went in while
no process polled (a worker killed with the acceptor still enabled) are credited now.

Then it polls header 229 every interval. New credits are written to the state file (the
counter and the totals, fsynced) before they are reported; the acceptor's buffer holds
five events, so more than five between two polls is reported as lost, not guessed at.
Between customers the master inhibit is off; during a payment only the coins that fit
under the ceiling are enabled, and the mask shrinks with every coin taken.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

from kiosk.payment.cash_state import CashState
from kiosk.payment.cctalk import coin_value, parse_credit_poll, self_check_fault
from kiosk.payment.cctalk_frame import Checksum, Header
from kiosk.payment.cctalk_link import CcTalkLink
from kiosk.payment.port import Credited, DeviceReset, Jam, PaymentFault
from kiosk.payment.serial_port import DeviceThread, EventSink, Port

POSITIONS = 16  # coin positions the inhibit mask covers (two bytes)
#: More events than this within a second is no customer: the acceptor is flooding.
FLOOD_LIMIT = 20
FLOOD_WINDOW = 1.0


class CoinAcceptor(DeviceThread):
    name = "coin_acceptor"

    def __init__(self, open_port: Callable[[], Port], sink: EventSink, state: CashState,
                 interval: float, *, idle_interval: float | None = None, address: int = 2,
                 checksum: Checksum = Checksum.SIMPLE, echo: bool = False,
                 hopper_coins: Iterable[int] = ()) -> None:
        super().__init__(open_port, sink, interval, idle_interval)
        self.state = state
        self.address = address
        self.checksum = checksum
        self.echo = echo
        self.hopper_coins = frozenset(hopper_coins)  # coins the sorter routes to a hopper
        self.link: CcTalkLink | None = None
        self.values: dict[int, int] = {}  # coin position -> yen
        self.serial = ""
        self.jammed = False
        self._last: int | None = None
        self._allowed: frozenset[int] = frozenset()
        self._master = False
        self._recent: deque[float] = deque()

    # --- jobs (run in the device thread) -------------------------------------------------

    def set_allowed(self, coins: frozenset[int], accepting: bool) -> None:
        """Enable the coins in ``coins`` (yen) and open or block the acceptor."""
        self._allowed, self._master = coins, accepting
        self._apply()

    def quiesce(self) -> bool:
        """Block the acceptor, then read its buffer once more: every coin it took before
        the block is reported before this returns."""
        self._allowed, self._master = frozenset(), False
        self._apply()
        self.poll()
        return True

    def self_check(self) -> str | None:
        """Header 232; a clean result clears a jam."""
        fault = self_check_fault(self._link().transact(Header.PERFORM_SELF_CHECK))
        if fault is None:
            self.jammed = False
        return fault

    # --- the thread's steps --------------------------------------------------------------

    def initialise(self) -> None:
        assert self.port is not None
        self.link = link = CcTalkLink(self.port, self.address, self.checksum, self.echo)
        link.transact(Header.SIMPLE_POLL)
        self.serial = link.transact(Header.REQUEST_SERIAL_NUMBER).hex()
        values = {}
        for position in range(1, POSITIONS + 1):
            value = coin_value(link.transact(Header.REQUEST_COIN_ID, bytes([position])))
            if value:
                values[position] = value
        self.values = values
        self._apply()
        reply = link.transact(Header.READ_BUFFERED_CREDIT)
        if not reply:
            raise PaymentFault("bad_reply")
        rec = self.state.read()
        if self._last is None:
            if rec.acceptor_serial == self.serial and rec.acceptor_counter is not None:
                self._last = rec.acceptor_counter  # resume: what went in meanwhile is news
            else:
                self._last = reply[0]  # a new acceptor: its buffer is history
                with self.state.change() as r:
                    r.acceptor_serial, r.acceptor_counter = self.serial, reply[0]
        self._consume(reply)

    def poll(self) -> None:
        self._consume(self._link().transact(Header.READ_BUFFERED_CREDIT))

    # --- internals ---------------------------------------------------------------------

    def _link(self) -> CcTalkLink:
        if self.link is None:
            raise PaymentFault("not_ready")
        return self.link

    def _apply(self) -> None:
        mask = 0
        for position, value in self.values.items():
            if value in self._allowed and position <= POSITIONS:
                mask |= 1 << (position - 1)
        link = self._link()
        link.transact(Header.MODIFY_INHIBIT_STATUS, bytes([mask & 0xFF, mask >> 8]))
        link.transact(Header.MODIFY_MASTER_INHIBIT, bytes([1 if self._master else 0]))

    def _consume(self, reply: bytes) -> None:
        if reply and reply[0] == 0 and self._last == 0:
            return  # nothing since the reset we already handled
        poll = parse_credit_poll(reply, self._last, self.values)
        reset = poll.events[:1] == [DeviceReset()]
        events = poll.events[1:] if reset else poll.events
        credits = [ev.denomination for ev in events if isinstance(ev, Credited)]
        if poll.counter != self._last:
            with self.state.change() as r:  # on disk before anyone hears of the coins
                r.acceptor_serial, r.acceptor_counter = self.serial, poll.counter
                for coin in credits:
                    r.coins_in[coin] = r.coins_in.get(coin, 0) + 1
                    if coin in self.hopper_coins:
                        r.hopper(coin).inventory += 1
            self._last = poll.counter
        if reset:
            self._on_reset()
        for ev in events:
            if isinstance(ev, Jam):
                self.jammed = True
            self.sink.emit(ev)
        for code in poll.faults:
            self.sink.report(code)
        self._check_flood(len(poll.events) + len(poll.faults))

    def _on_reset(self) -> None:
        """The acceptor reset itself (counter 0, or stepped on from 0 by itself): it came
        back with every coin inhibited and the master inhibit on; the host's settings are
        sent again."""
        self.sink.emit(DeviceReset())
        self._allowed, self._master = frozenset(), False
        self._apply()

    def _check_flood(self, n: int) -> None:
        now = time.monotonic()
        self._recent.extend([now] * n)
        while self._recent and now - self._recent[0] > FLOOD_WINDOW:
            self._recent.popleft()
        if len(self._recent) > FLOOD_LIMIT:
            self._recent.clear()
            self._allowed, self._master = frozenset(), False
            self._apply()
            self.sink.report("event_flood")
