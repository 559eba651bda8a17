"""ccTalk payout hoppers: the data of their commands and replies, no serial port.

A hopper pays coins on header 167 ("dispense hopper coins"), which is not idempotent: a
retried 167 whose first copy did arrive pays twice. What makes a payout recoverable is
what the hopper counts itself (generic specification part 2, §3.85–3.90):

- header 166 "request hopper status": ``[event counter][coins remaining][last paid]
  [last unpaid]``; the counter goes up once per accepted dispense (1..255, wrapping to 1)
  and is 0 after a reset or power-up;
- header 168 "request hopper dispense count": the coins paid over the hopper's life,
  3 bytes, least significant first, kept through power loss;
- header 163 "test hopper": flag registers (payout timeout: possibly empty; power-down
  during payout; payout disabled ...);
- header 217 "request payout high / low status": the level sensors.

The driver (:mod:`kiosk.payment.hopper`) records the 168 count before each dispense and
reads it after, and again after a restart, so what was paid is the hopper's word.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.payment.port import PaymentFault

ENABLE_CODE = 0xA5  # header 164: this byte enables payout; any other disables it
MAX_COINS = 255  # one 167 pays at most 255 coins


@dataclass(frozen=True)
class HopperStatus:
    """Header 166."""

    counter: int
    remaining: int
    paid: int
    unpaid: int

    @classmethod
    def parse(cls, payload: bytes) -> HopperStatus:
        if len(payload) != 4:
            raise PaymentFault("bad_reply")
        return cls(*payload)


@dataclass(frozen=True)
class LevelStatus:
    """Header 217: bit 0 below the low mark, bit 1 at or above the high mark, bits 4 and 5
    whether the low / high sensor is fitted."""

    low_fitted: bool
    below_low: bool
    high_fitted: bool
    at_or_above_high: bool

    @classmethod
    def parse(cls, payload: bytes) -> LevelStatus:
        if len(payload) != 1:
            raise PaymentFault("bad_reply")
        b = payload[0]
        return cls(low_fitted=bool(b & 0x10), below_low=bool(b & 0x01),
                   high_fitted=bool(b & 0x20), at_or_above_high=bool(b & 0x02))

    def byte(self) -> int:
        return (0x10 * self.low_fitted | 0x01 * self.below_low | 0x20 * self.high_fitted
                | 0x02 * self.at_or_above_high)

    @property
    def low(self) -> bool:
        """The hopper may be close to empty: it is not counted on for change."""
        return self.low_fitted and self.below_low


#: Header 163 flags, (register, bit) -> keyword (part 2, §3.90); those marked ``R`` in the
#: specification need a reset (header 1) to clear.
HOPPER_FLAGS: dict[tuple[int, int], str] = {
    (0, 0): "max_current",  # R
    (0, 1): "payout_timeout",  # possibly empty
    (0, 2): "motor_reversed",
    (0, 3): "opto_blocked_idle",  # R
    (0, 4): "opto_short_idle",  # R
    (0, 5): "opto_blocked_payout",  # R
    (0, 6): "power_up",
    (0, 7): "payout_disabled",
    (1, 0): "opto_short_payout",  # R
    (1, 1): "single_coin_mode",
    (1, 2): "use_other_hopper",
    (1, 3): "finger_mismatch",  # R
    (1, 4): "motor_reverse_limit",  # R
    (1, 5): "coil_fault",
    (1, 6): "nv_checksum",  # the counters cannot be trusted
    (1, 7): "pin_enabled",
    (2, 0): "power_down_during_payout",  # R
    (2, 1): "unknown_coin_paid",  # R
    (2, 2): "pin_incorrect",  # R
    (2, 3): "cipher_key_incorrect",  # R
    (2, 4): "encryption_enabled",
}
#: Flags after which the hopper cannot pay until a reset clears them.
NEEDS_RESET = frozenset({"max_current", "opto_blocked_idle", "opto_short_idle",
                         "opto_blocked_payout", "opto_short_payout", "finger_mismatch",
                         "motor_reverse_limit", "power_down_during_payout",
                         "unknown_coin_paid", "pin_incorrect", "cipher_key_incorrect"})
#: Flags that say the hopper is broken, not just in a state a reset or 164 clears.
HARD_FAULTS = frozenset({"max_current", "opto_short_idle", "opto_short_payout", "coil_fault",
                         "motor_reverse_limit", "finger_mismatch",
                         # its dispense count settles every payout cut short: without it
                         # no payout can be settled after a crash
                         "nv_checksum"})


def hopper_flags(payload: bytes) -> frozenset[str]:
    """The flags set in a header-163 reply (1 to 3 registers)."""
    if not 1 <= len(payload) <= 3:
        raise PaymentFault("bad_reply")
    return frozenset(name for (reg, bit), name in HOPPER_FLAGS.items()
                     if reg < len(payload) and payload[reg] >> bit & 1)


def flag_bytes(flags: frozenset[str] | set[str], registers: int = 3) -> bytes:
    """The inverse of :func:`hopper_flags` (for emulators and tests)."""
    out = bytearray(registers)
    for (reg, bit), name in HOPPER_FLAGS.items():
        if name in flags and reg < registers:
            out[reg] |= 1 << bit
    return bytes(out)


def dispense_count(payload: bytes) -> int:
    """Header 168: lifetime coins paid, 3 bytes least significant first."""
    if len(payload) != 3:
        raise PaymentFault("bad_reply")
    return int.from_bytes(payload, "little")


def serial_number(payload: bytes) -> bytes:
    """Header 242: 3 bytes, least significant first, sent back with every dispense."""
    if len(payload) != 3:
        raise PaymentFault("bad_reply")
    return bytes(payload)


def dispense_data(serial: bytes, coins: int) -> bytes:
    """Header 167 in the serial-number form (``[ser1][ser2][ser3][N]``): the hopper pays
    only when the serial matches its own, so a command meant for another is refused."""
    if not 1 <= coins <= MAX_COINS:
        raise ValueError("a dispense pays 1 to 255 coins")
    return bytes(serial) + bytes([coins])


def next_counter(counter: int) -> int:
    """The event counter after one more accepted dispense: 1..255, wrapping to 1."""
    return 1 if counter >= 255 else counter + 1
