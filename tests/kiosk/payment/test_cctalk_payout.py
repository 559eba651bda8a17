"""Hopper command data and replies (generic specification part 2, §3.85-3.90)."""

import pytest

from kiosk.payment.cctalk_frame import Checksum, Frame, Header, decode, encode
from kiosk.payment.cctalk_payout import (
    HOPPER_FLAGS,
    HopperStatus,
    LevelStatus,
    dispense_count,
    dispense_data,
    flag_bytes,
    hopper_flags,
    next_counter,
)
from kiosk.payment.port import PaymentFault


def test_status_reply_after_a_three_coin_payout() -> None:
    frame = decode(bytes.fromhex("01 04 03 00 07 00 03 00 EE"), Checksum.SIMPLE)
    assert frame.header == Header.REPLY
    assert HopperStatus.parse(frame.data) == HopperStatus(counter=7, remaining=0, paid=3, unpaid=0)


def test_level_bits() -> None:
    assert LevelStatus.parse(b"\x31").low  # both sensors fitted, below the low mark
    assert not LevelStatus.parse(b"\x01").low  # no low sensor fitted: says nothing
    high = LevelStatus.parse(b"\x32")
    assert high.at_or_above_high and not high.below_low and high.byte() == 0x32


def test_flags_round_trip_and_register_layout() -> None:
    assert hopper_flags(b"\x02\x00\x00") == {"payout_timeout"}
    assert hopper_flags(b"\x00\x00\x01") == {"power_down_during_payout"}
    assert hopper_flags(b"\x80") == {"payout_disabled"}  # a one-register hopper
    every = frozenset(HOPPER_FLAGS.values())
    assert hopper_flags(flag_bytes(every)) == every


def test_dispense_in_serial_number_form() -> None:
    data = dispense_data(b"\x01\x02\x03", 12)
    assert data == b"\x01\x02\x03\x0c"
    assert encode(Frame(3, Header.DISPENSE_HOPPER_COINS, data)).hex(" ") == "03 04 01 a7 01 02 03 0c 3f"
    for bad in (0, 256):
        with pytest.raises(ValueError):
            dispense_data(b"\x01\x02\x03", bad)


def test_counts_and_counter_wrap() -> None:
    assert dispense_count(b"\x01\x02\x03") == 0x030201
    assert next_counter(254) == 255 and next_counter(255) == 1 and next_counter(0) == 1
    for bad in (b"", b"\x01\x02"):
        with pytest.raises(PaymentFault):
            dispense_count(bad)
    with pytest.raises(PaymentFault):
        HopperStatus.parse(b"\x01\x02\x03")
