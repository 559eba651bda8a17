"""The ccTalk payout hopper driver: one hopper, one denomination, one tty.

A payout is the one cash operation that must never be repeated blindly, so it goes:

1. enable the hopper (164 ``A5``), read its event counter (166) and its lifetime
   dispense count (168);
2. write the payout in flight to the state file (coins asked, the 168 count before);
3. send 167 once (serial-number form). If its reply is lost, the event counter says
   whether the hopper took the command: the same counter means it did not, and it is
   sent once more; one more means it did;
4. read 166 until no coins remain (or the hopper was power-cycled: counter 0); a
   payout that overruns the time its coins may take is halted (172, emergency stop);
5. read 168 again: the difference is what was paid, whatever happened in between (the
   hopper keeps that count through power loss). The totals and the coin count are
   written and the payout in flight cleared, in one fsynced write.

After a restart, a payout still in flight is settled the same way from 168 before the
hopper is used, so change interrupted by a crash is neither paid twice nor lost: the
coins the hopper paid are counted as paid, the rest is the caller's to pay or voucher.

The hopper's coin count starts at what a technician records as loaded (``kiosk diag``
refill), grows with the coins the acceptor routes to it and shrinks with every payout;
a payout that ends short means the hopper ran dry (:attr:`Hopper.empty`). The composed
device turns that, and the low level sensor (217), into a count of 0 between payments.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.payment.cash_state import CashState, PendingPayout
from kiosk.payment.cctalk_frame import Checksum, Header
from kiosk.payment.cctalk_link import CcTalkLink
from kiosk.payment.cctalk_payout import (
    ENABLE_CODE,
    HARD_FAULTS,
    MAX_COINS,
    NEEDS_RESET,
    HopperStatus,
    LevelStatus,
    dispense_count,
    dispense_data,
    hopper_flags,
    next_counter,
    serial_number,
)
from kiosk.payment.port import PaymentFault
from kiosk.payment.serial_port import DeviceThread, EventSink, Port

#: Seconds a hopper may take per coin before a payout is given up on (a jam or a stall).
COIN_TIME = 1.0
PAYOUT_SLACK = 2.0
STATUS_INTERVAL = 0.05  # 166 polling during a payout
#: Faults of the line, not of the hopper: a payout goes on through them.
LINK_FAULTS = frozenset({"no_answer", "bad_checksum", "garbage", "wrong_address", "busy"})
RESET_TIME = 0.3  # the hopper's boot after header 1 (product manuals: ~100-500 ms)
LEVEL_INTERVAL = 5.0  # flags and level sensor between payouts (they change slowly)


class Hopper(DeviceThread):
    def __init__(self, denomination: int, open_port: Callable[[], Port], sink: EventSink,
                 state: CashState, *, address: int = 3, checksum: Checksum = Checksum.SIMPLE,
                 echo: bool = False, coin_time: float = COIN_TIME,
                 interval: float = LEVEL_INTERVAL) -> None:
        self.name = f"hopper_{denomination}"
        super().__init__(open_port, sink, interval)
        self.denomination = denomination
        self.state = state
        self.address = address
        self.checksum = checksum
        self.echo = echo
        self.coin_time = coin_time
        self.link: CcTalkLink | None = None
        self.serial = b""
        self.level: LevelStatus | None = None
        self.flags: frozenset[str] = frozenset()
        self.empty = False  # the last payout ran dry

    # --- jobs ------------------------------------------------------------------------------

    def pay(self, coins: int) -> int:
        """Pay ``coins`` (1..255); returns the coins the hopper says it paid."""
        if not 1 <= coins <= MAX_COINS:
            raise ValueError("a payout is 1 to 255 coins")
        link = self._link()
        if self.state.read().hopper(self.denomination).pending is not None and self._settle() is None:
            # an earlier payout is still in flight: a new one would overwrite its record,
            # and what it paid would be lost; staff settle it (kiosk diag --resolve-payout)
            raise PaymentFault("payout_unconfirmed")
        if self.flags & NEEDS_RESET:
            self._reset()
        link.transact(Header.ENABLE_HOPPER, bytes([ENABLE_CODE]))
        before = HopperStatus.parse(link.transact(Header.REQUEST_HOPPER_STATUS))
        count_before = dispense_count(link.transact(Header.REQUEST_HOPPER_DISPENSE_COUNT))
        with self.state.change() as r:  # on disk before the command leaves
            h = r.hopper(self.denomination)
            h.pending, h.dispense_count = PendingPayout(coins, count_before), count_before
            h.serial = self.serial.hex()  # whose count that is: a hopper swapped since has its own
        fault: PaymentFault | None = None
        finished: HopperStatus | None = None
        try:
            self._dispense(coins, before)
            finished = self._wait_paid(coins, before)
        except PaymentFault as exc:
            fault = exc
        power_cycled = finished is not None and finished.counter == 0
        # the count is final only once the hopper stopped: it paid all, was halted (172),
        # or refused the command; after any other fault it may be paying still, unheard
        stopped = fault is None or fault.code in ("payout_timeout", "payout_refused")
        paid = self._settle(None if power_cycled else finished) if stopped else None
        if paid is None:  # the hopper cannot say: settled when it answers again
            raise fault or PaymentFault("payout_unconfirmed")
        if paid < coins and not power_cycled and (fault is None or fault.code == "payout_timeout"):
            self.empty = True  # it stopped paying with coins still owed: it ran dry
        try:
            self._read_level()  # its flags were read as the payout was settled
        except PaymentFault:
            pass  # the payout is settled; the next poll reads it again
        self._disable()
        return paid

    def read_status(self) -> frozenset[str]:
        """Header 163 and 217 now (the diagnostic mode)."""
        self._read_flags_and_level()
        return self.flags

    # --- the thread's steps ----------------------------------------------------------------

    def initialise(self) -> None:
        assert self.port is not None
        self.link = link = CcTalkLink(self.port, self.address, self.checksum, self.echo)
        link.transact(Header.SIMPLE_POLL)
        self.serial = serial_number(link.transact(Header.REQUEST_SERIAL_NUMBER))
        self._read_flags_and_level()
        if self.state.read().hopper(self.denomination).pending is not None:
            # a payout a crash or a power cut interrupted: the hopper may still be paying
            # it (it does not need the host for that); once it stopped, 168 says how much
            self._wait_idle()
            if self._settle() is None:
                raise PaymentFault("payout_unconfirmed")
        if self.flags & NEEDS_RESET or "power_up" in self.flags:
            self._reset()
        if self.flags & HARD_FAULTS:
            raise PaymentFault("hopper_fault")

    def poll(self) -> None:
        self._read_flags_and_level()
        if self.flags & HARD_FAULTS:
            raise PaymentFault("hopper_fault")

    # --- internals ---------------------------------------------------------------------

    def _link(self) -> CcTalkLink:
        if self.link is None:
            raise PaymentFault("not_ready")
        return self.link

    def _read_flags_and_level(self) -> None:
        self.flags = hopper_flags(self._link().transact(Header.TEST_HOPPER))
        self._read_level()

    def _read_level(self) -> None:
        self.level = LevelStatus.parse(self._link().transact(Header.REQUEST_PAYOUT_HIGH_LOW_STATUS))

    def _reset(self) -> None:
        link = self._link()
        link.transact(Header.RESET_DEVICE)
        time.sleep(RESET_TIME)  # in the device's own thread; nobody waits on it but a payout
        link.transact(Header.SIMPLE_POLL)
        self.flags = hopper_flags(link.transact(Header.TEST_HOPPER))

    def _disable(self) -> None:
        try:
            self._link().transact(Header.ENABLE_HOPPER, bytes([0]))
        except PaymentFault:
            pass  # a hopper is disabled after any reset anyway; the next payout enables it

    def _dispense(self, coins: int, before: HopperStatus) -> None:
        link = self._link()
        data = dispense_data(self.serial, coins)
        for attempt in range(2):
            try:
                link.transact(Header.DISPENSE_HOPPER_COINS, data, once=True)
                return
            except PaymentFault as exc:
                if exc.code == "nak":
                    raise PaymentFault("payout_refused") from exc
                # the reply was lost: did the command arrive? the counter says
                now = HopperStatus.parse(link.transact(Header.REQUEST_HOPPER_STATUS))
                if now.counter == next_counter(before.counter):
                    return
                if now.counter != before.counter or attempt:
                    raise

    def _wait_paid(self, coins: int, before: HopperStatus) -> HopperStatus:
        """Until the hopper has no coins left to pay or was power-cycled (its status is
        returned: counter 0 after a power cycle), or the time a payout of ``coins`` may
        take has passed (:class:`PaymentFault` ``payout_timeout``)."""
        link = self._link()
        expected = next_counter(before.counter)
        deadline = time.monotonic() + coins * self.coin_time + PAYOUT_SLACK
        while time.monotonic() < deadline:
            try:
                st = HopperStatus.parse(link.transact(Header.REQUEST_HOPPER_STATUS))
            except PaymentFault as exc:
                if exc.code not in LINK_FAULTS:
                    raise
                time.sleep(STATUS_INTERVAL)  # the hopper pays on without us: ask again
                continue
            if st.counter == 0:
                return st  # power-cycled mid-payout: 168 says what went out
            if st.counter == expected and st.remaining == 0:
                return st
            time.sleep(STATUS_INTERVAL)
        self._emergency_stop()  # if it cannot be told to stop, the payout stays in flight
        raise PaymentFault("payout_timeout")

    def _wait_idle(self) -> None:
        link = self._link()
        pending = self.state.read().hopper(self.denomination).pending
        assert pending is not None
        deadline = time.monotonic() + pending.coins * self.coin_time + PAYOUT_SLACK
        while time.monotonic() < deadline:
            st = HopperStatus.parse(link.transact(Header.REQUEST_HOPPER_STATUS))
            if st.remaining == 0:
                return
            time.sleep(STATUS_INTERVAL)
        self._emergency_stop()

    def _emergency_stop(self) -> None:
        """Halt a payout that overran its time (header 172), so a stalled hopper cannot
        start paying again later, uncounted; what it paid is then read from 168."""
        self._link().transact(Header.EMERGENCY_STOP)

    def _settle(self, finished: HopperStatus | None = None) -> int | None:
        """Settle the payout in flight from the hopper's dispense count; returns the coins
        paid. If the hopper cannot be asked, the payout stays in flight (settled at the
        next initialisation) and ``None`` is returned: coins are never counted as paid on
        a guess.

        The count is taken only from the hopper that was paying (its serial number), while
        it vouches for its memory (no ``nv_checksum`` flag) and if it moved by no more than
        the coins asked: a corrupted count that went back would settle a paid payout as
        nothing paid, and the change would be paid again from another hopper; a hopper
        put in since counts its own life, not the payout. Then the hopper's own status of this
        payout (``finished``: 166 once it stopped, its counter this dispense's), kept in
        its working memory, says what it paid; without it the payout stays in flight for
        staff, and the flag keeps the hopper out of order."""
        rec = self.state.read().hopper(self.denomination)
        if rec.pending is None:
            return 0
        pending = rec.pending
        try:
            self.flags = hopper_flags(self._link().transact(Header.TEST_HOPPER))
            count = dispense_count(self._link().transact(Header.REQUEST_HOPPER_DISPENSE_COUNT))
        except PaymentFault:
            return None
        moved = count - pending.count_before
        same_hopper = rec.serial is None or rec.serial == self.serial.hex()  # None: recorded before serials were
        if same_hopper and "nv_checksum" not in self.flags and 0 <= moved <= pending.coins:
            paid = moved
        elif finished is not None and finished.paid <= pending.coins:
            paid = finished.paid
        else:
            return None
        with self.state.change() as r:
            h = r.hopper(self.denomination)
            if h.pending != pending:  # staff settled it meanwhile (CashDevice.resolve_payout)
                return None
            h.paid_total += paid
            h.inventory = max(0, h.inventory - paid)
            h.dispense_count = count
            h.pending = None
        return paid
