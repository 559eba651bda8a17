"""An emulated ccTalk payout hopper on a pty: it pays one coin every ``coin_interval``
seconds after a dispense command, keeps the event counter and last paid / unpaid
counts (header 166), a lifetime dispense count that survives power loss (168), the
test-hopper flags (163) and level sensors (217).

The physical truth (``paid_out``: coins that left the hopper) is kept for the tests.

Scriptable: :meth:`set_coins` (what is in it; running dry mid-payout makes the rest
unpaid with a payout timeout), :meth:`stall` (a coin jam: it stops paying and never
finishes), :meth:`power_cycle` (mid-payout: the volatile counters reset, the
power-down flag is set, the lifetime count is kept), :meth:`corrupt_counters` (the
lifetime count's memory fails its checksum), :meth:`lose_next_dispense_reply`
(the command is carried out, its reply never arrives), and the line faults.
"""

from __future__ import annotations

import time

from hardware_mocks.cash.cctalk_device import CcTalkDevice, Nak
from kiosk.payment.cctalk_frame import Checksum, Header
from kiosk.payment.cctalk_payout import (
    ENABLE_CODE,
    LevelStatus,
    flag_bytes,
    next_counter,
)


class HopperEmulator(CcTalkDevice):
    category = b"Payout"

    def __init__(self, value: int, coins: int = 100, address: int = 3,
                 checksum: Checksum = Checksum.SIMPLE, echo: bool = False,
                 serial: bytes | None = None, coin_interval: float = 0.005,
                 low_mark: int = 5, high_mark: int = 400) -> None:
        self.name = f"hopper-{value}"
        super().__init__(address, checksum, echo,
                         serial if serial is not None else value.to_bytes(3, "little"))
        self.value = value
        self.coins = coins
        self.coin_interval = coin_interval
        self.low_mark, self.high_mark = low_mark, high_mark
        self.counter = 0
        self.remaining = 0
        self.last_paid = 0
        self.last_unpaid = 0
        self.lifetime = 0
        self.enabled = False
        self.flags: set[str] = {"power_up"}
        self.paid_out = 0  # coins physically paid
        self._next_coin = 0.0
        self._stalled = False
        self._lose_dispense_reply = False

    # --- a tester's hand -------------------------------------------------------------------

    def set_coins(self, coins: int) -> None:
        with self.lock:
            self.coins = coins

    def stall(self, stalled: bool = True) -> None:
        with self.lock:
            self._advance()
            self._stalled = stalled

    def power_cycle(self) -> None:
        with self.lock:
            self._advance()
            if self.remaining:
                self.flags.add("power_down_during_payout")
                self.last_unpaid += self.remaining
            self.counter = self.remaining = 0
            self.enabled = False
            self.flags.add("power_up")

    def corrupt_counters(self, lifetime: int = 0) -> None:
        """Its non-volatile memory fails its checksum: the lifetime dispense count reads
        ``lifetime`` from now on and the ``nv_checksum`` flag stays set (a reset does not
        mend memory)."""
        with self.lock:
            self._advance()
            self.lifetime = lifetime
            self.flags.add("nv_checksum")

    def lose_next_dispense_reply(self) -> None:
        with self.lock:
            self._lose_dispense_reply = True

    @property
    def paying(self) -> bool:
        with self.lock:
            self._advance()
            return self.remaining > 0

    # --- the protocol ------------------------------------------------------------------------

    def handle(self, header: int, data: bytes) -> bytes | None:
        self._advance()
        common = self.common(header)
        if common is not None:
            return common
        if header == Header.ENABLE_HOPPER and len(data) == 1:
            self.enabled = data[0] == ENABLE_CODE
            if self.enabled:
                self.flags.discard("payout_disabled")
            return b""
        if header == Header.REQUEST_HOPPER_STATUS:
            return bytes([self.counter, min(self.remaining, 255), min(self.last_paid, 255),
                          min(self.last_unpaid, 255)])
        if header == Header.DISPENSE_HOPPER_COINS:
            return self._dispense(data)
        if header == Header.REQUEST_HOPPER_DISPENSE_COUNT:
            return self.lifetime.to_bytes(3, "little")
        if header == Header.TEST_HOPPER:
            return flag_bytes(self.flags)
        if header == Header.REQUEST_PAYOUT_HIGH_LOW_STATUS:
            return bytes([LevelStatus(low_fitted=True, below_low=self.coins < self.low_mark,
                                      high_fitted=True,
                                      at_or_above_high=self.coins >= self.high_mark).byte()])
        if header == Header.EMERGENCY_STOP:
            unpaid, self.remaining = self.remaining, 0
            self.last_unpaid += unpaid
            return bytes([min(unpaid, 255)])
        if header == Header.RESET_DEVICE:
            return b""
        return None

    def after_reply(self, header: int) -> None:
        if header == Header.RESET_DEVICE:
            self.counter = self.remaining = 0
            self.enabled = False
            self.flags &= {"nv_checksum"}

    def _dispense(self, data: bytes) -> bytes | None:
        if len(data) != 4 or data[:3] != self.serial or not self.enabled or self.remaining \
                or not data[3]:
            raise Nak()
        self.counter = next_counter(self.counter)
        self.remaining, self.last_paid, self.last_unpaid = data[3], 0, 0
        self._next_coin = time.monotonic() + self.coin_interval
        if self._lose_dispense_reply:
            self._lose_dispense_reply = False
            return None
        return bytes([self.counter])

    def _advance(self) -> None:
        """Pay the coins whose time has come (called under the lock)."""
        now = time.monotonic()
        while self.remaining and not self._stalled and now >= self._next_coin:
            if self.coins == 0:  # ran dry: the rest is unpaid, after a payout timeout
                self.last_unpaid += self.remaining
                self.remaining = 0
                self.flags.add("payout_timeout")
                break
            self.coins -= 1
            self.remaining -= 1
            self.last_paid += 1
            self.lifetime += 1
            self.paid_out += 1
            self._next_coin += self.coin_interval
