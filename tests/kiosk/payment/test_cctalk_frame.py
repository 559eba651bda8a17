"""ccTalk framing against the generic specification's own examples (part 3, appendices 9
and 11) and the checksum rules of part 1, §7."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payment.cctalk_frame import (
    Checksum,
    Frame,
    FrameAssembler,
    FrameError,
    Header,
    check_reply,
    crc16_ccitt,
    decode,
    encode,
    request,
)
from kiosk.payment.port import PaymentFault

# (frame as the specification prints it, form)
SPEC_FRAMES = [
    ("02 00 01 FE FF", Checksum.SIMPLE),  # simple poll to address 2 (part 3, app. 11)
    ("01 00 02 00 FD", Checksum.SIMPLE),  # its ACK
    ("02 01 01 B8 01 43", Checksum.SIMPLE),  # request coin id, position 1
    ("02 02 01 E7 FF FF 16", Checksum.SIMPLE),  # modify inhibit status: all enabled
    ("02 00 01 E5 18", Checksum.SIMPLE),  # read buffered credit or error codes
    ("01 0B 02 00" + " 00" * 11 + " F2", Checksum.SIMPLE),  # its idle reply
    ("28 00 46 01 3F", Checksum.CRC16),  # reset device to address 40, CRC form (app. 9)
    ("01 00 30 00 37", Checksum.CRC16),  # its ACK
]


@pytest.mark.parametrize(("text", "form"), SPEC_FRAMES)
def test_the_specification_frames_decode_and_encode_back(text: str, form: Checksum) -> None:
    raw = bytes.fromhex(text)
    frame = decode(raw, form)
    assert encode(frame, form) == raw


def test_requests_the_drivers_send() -> None:
    assert request(2, Header.SIMPLE_POLL).hex(" ") == "02 00 01 fe ff"
    assert request(2, Header.MODIFY_MASTER_INHIBIT, b"\x01").hex(" ") == "02 01 01 e4 01 17"
    assert request(3, Header.ENABLE_HOPPER, b"\xa5").hex(" ") == "03 01 01 a4 a5 b2"
    assert request(3, Header.REQUEST_HOPPER_STATUS).hex(" ") == "03 00 01 a6 56"
    assert request(40, Header.RESET_DEVICE, checksum=Checksum.CRC16).hex(" ") == "28 00 46 01 3f"


def test_crc16_is_ccitt_xmodem() -> None:
    assert crc16_ccitt(bytes([40, 0, 1])) == 0x3F46
    assert crc16_ccitt(b"123456789") == 0x31C3  # the CRC-16/XMODEM check value


@given(dest=st.integers(0, 255), src=st.integers(0, 255), header=st.integers(0, 255),
       data=st.binary(max_size=255), form=st.sampled_from(list(Checksum)))
def test_encode_decode_round_trip(dest: int, src: int, header: int, data: bytes,
                                  form: Checksum) -> None:
    frame = Frame(dest, header, data, src if form is Checksum.SIMPLE else None)
    assert decode(encode(frame, form), form) == frame


@given(data=st.binary(max_size=20), flip=st.integers(0, 24), bit=st.integers(0, 7),
       form=st.sampled_from(list(Checksum)))
def test_any_single_bit_error_is_caught(data: bytes, flip: int, bit: int, form: Checksum) -> None:
    raw = bytearray(encode(Frame(1, 0, data, 2), form))
    i = flip % len(raw)
    if i == 1:
        return  # the length byte: a frame of another size, caught as garbage below
    raw[i] ^= 1 << bit
    with pytest.raises(FrameError, match="bad_checksum"):
        decode(bytes(raw), form)


def test_wrong_length_is_garbage() -> None:
    raw = encode(Frame(1, 0, b"abc", 2))
    for bad in (raw[:-1], raw + b"\x00", b"\x01\x00", b""):
        with pytest.raises(FrameError) as info:
            decode(bad)
        assert info.value.code == "garbage"


def test_replies_are_checked_for_address_nak_and_busy() -> None:
    assert check_reply(Frame(1, 0, b"x", 2), 2).data == b"x"
    assert check_reply(Frame(1, 0, b"x", None), 2).data == b"x"  # CRC form: no source
    for frame in (Frame(3, 0, b"", 2), Frame(1, 0, b"", 4)):
        with pytest.raises(FrameError) as info:
            check_reply(frame, 2)
        assert info.value.code == "wrong_address"
    for header, code in ((Header.NAK, "nak"), (Header.BUSY, "busy"), (Header.SIMPLE_POLL, "garbage")):
        with pytest.raises(PaymentFault) as fault:
            check_reply(Frame(1, header, b"", 2), 2)
        assert fault.value.code == code


def test_assembler_cuts_frames_from_a_stream() -> None:
    a, b = encode(Frame(1, 0, b"\x05" * 3, 2)), encode(Frame(1, 0, b"", 2))
    asm = FrameAssembler()
    stream = a + b
    asm.feed(stream[:4])
    assert asm.take() is None  # the length byte promises more
    asm.feed(stream[4:])
    assert asm.take() == a and asm.take() == b and asm.take() is None
