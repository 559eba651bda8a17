"""ID-003 frames: CRC-16/KERMIT and the frames public drivers send (docs/payment.md)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payment.id003 import (
    Command,
    Frame,
    FrameAssembler,
    Id003Error,
    crc16_kermit,
    decode,
    denomination_mask,
    enabled_codes,
    encode,
)

KNOWN = [
    (Command.STATUS_REQUEST, b"", "fc 05 11 27 56"),
    (Command.ACK, b"", "fc 05 50 aa 05"),
    (Command.RESET, b"", "fc 05 40 2b 15"),
    (Command.STACK_1, b"", "fc 05 41 a2 04"),
    (Command.STACK_2, b"", "fc 05 42 39 36"),
    (Command.RETURN, b"", "fc 05 43 b0 27"),
    (Command.HOLD, b"", "fc 05 44 0f 53"),
    (Command.SET_INHIBIT, b"\x01", "fc 06 c3 01 8d c7"),
    (Command.SET_INHIBIT, b"\x00", "fc 06 c3 00 04 d6"),
    (Command.SET_DENOMINATION, b"\x00\x00", "fc 07 c0 00 00 2d b5"),
]


@pytest.mark.parametrize(("code", "data", "wire"), KNOWN)
def test_known_frames(code: int, data: bytes, wire: str) -> None:
    assert encode(code, data).hex(" ") == wire
    assert decode(bytes.fromhex(wire)) == Frame(code, data)


def test_crc_is_kermit() -> None:
    assert crc16_kermit(b"123456789") == 0x2189  # the CRC-16/KERMIT check value


@given(code=st.integers(0, 255), data=st.binary(max_size=250))
def test_round_trip(code: int, data: bytes) -> None:
    assert decode(encode(code, data)) == Frame(code, data)


def test_bad_frames() -> None:
    good = encode(Command.STATUS_REQUEST)
    with pytest.raises(Id003Error, match="bad_checksum"):
        decode(good[:-1] + bytes([good[-1] ^ 1]))
    for bad in (good[:-1], b"\x00" + good[1:], good + b"\x00"):
        with pytest.raises(Id003Error, match="garbage"):
            decode(bad)


def test_denomination_mask() -> None:
    assert denomination_mask({0x61}) == b"\xfe\xff"
    assert denomination_mask(set()) == b"\xff\xff"
    assert enabled_codes(denomination_mask({0x61, 0x63})) == {0x61, 0x63}
    with pytest.raises(ValueError):
        denomination_mask({0x70})


def test_assembler_resynchronises_after_noise() -> None:
    asm = FrameAssembler()
    a, b = encode(0x13, b"\x61"), encode(0x11)
    asm.feed(b"\x00\x13\x37" + a[:3])
    assert asm.take() is None
    asm.feed(a[3:] + b"\xfc\x01" + b)  # a sync byte with an impossible length is skipped
    assert asm.take() == a and asm.take() == b
    assert asm.dropped == 5
