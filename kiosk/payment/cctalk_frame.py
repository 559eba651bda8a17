"""ccTalk frames: bytes in, bytes out, no serial port.

A ccTalk message is ``[dest][n][src][header][data × n][checksum]`` (generic specification
part 1, §7). Two checksums are in use on real buses, chosen per device, with no in-band
flag saying which (docs/payment.md):

- *simple*: one byte making the sum of the whole frame 0 modulo 256;
- *CRC-16* (CRC-CCITT, polynomial 0x1021, initial value 0, MSB first) over dest, n,
  header and data; its low byte takes the place of the source address and its high byte
  ends the frame. Replies in this form carry no source address (they come from the
  device the host asked).

:func:`decode` checks one complete frame and says exactly what is wrong with a bad one
(a :class:`FrameError` with a fault code), so a driver can tell line noise (retry) from a
device talking to someone else (a configuration fault) from bytes that are no frame at all.
:class:`FrameAssembler` cuts frames out of a byte stream: the reply is read by its length
byte, so a half frame is "garbage", never half a credit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from kiosk.payment.port import PaymentFault

HOST = 1  # the host's address on every ccTalk bus
MAX_DATA = 255
HEADER_BYTES = 4  # dest, n, src (or CRC low byte), header


class Checksum(StrEnum):
    SIMPLE = "simple"
    CRC16 = "crc16"


class Header(IntEnum):
    """The headers the drivers use (generic specification part 2, table of headers)."""

    REPLY = 0  # ACK, and every reply that carries data
    RESET_DEVICE = 1
    NAK = 5
    BUSY = 6
    TEST_HOPPER = 163
    ENABLE_HOPPER = 164
    REQUEST_HOPPER_STATUS = 166
    DISPENSE_HOPPER_COINS = 167
    REQUEST_HOPPER_DISPENSE_COUNT = 168
    EMERGENCY_STOP = 172
    REQUEST_COIN_ID = 184
    REQUEST_PAYOUT_HIGH_LOW_STATUS = 217
    MODIFY_MASTER_INHIBIT = 228
    READ_BUFFERED_CREDIT = 229
    MODIFY_INHIBIT_STATUS = 231
    PERFORM_SELF_CHECK = 232
    REQUEST_SERIAL_NUMBER = 242
    REQUEST_PRODUCT_CODE = 244
    REQUEST_EQUIPMENT_CATEGORY = 245
    REQUEST_MANUFACTURER_ID = 246
    SIMPLE_POLL = 254


class FrameError(PaymentFault):
    """A frame that cannot be taken as a reply. Codes: ``bad_checksum``, ``garbage`` (no
    frame: wrong length, bytes after the end), ``wrong_address`` (a frame for another
    address, or from another device)."""

    code = "garbage"


@dataclass(frozen=True)
class Frame:
    dest: int
    header: int
    data: bytes = b""
    #: The sender's address; ``None`` in the CRC-16 form, whose frames do not carry it.
    source: int | None = HOST


def simple_checksum(body: bytes) -> int:
    """The byte that makes ``body`` plus itself sum to 0 modulo 256."""
    return -sum(body) & 0xFF


def crc16_ccitt(data: bytes, crc: int = 0) -> int:
    """CRC-16/CCITT as ccTalk uses it: polynomial 0x1021, initial 0, MSB first, no final
    XOR (the XMODEM parameters)."""
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def encode(frame: Frame, checksum: Checksum = Checksum.SIMPLE) -> bytes:
    """The bytes of ``frame`` on the wire."""
    if len(frame.data) > MAX_DATA:
        raise ValueError("ccTalk data is at most 255 bytes")
    n = len(frame.data)
    if checksum is Checksum.SIMPLE:
        body = bytes([frame.dest, n, HOST if frame.source is None else frame.source,
                      frame.header]) + frame.data
        return body + bytes([simple_checksum(body)])
    crc = crc16_ccitt(bytes([frame.dest, n, frame.header]) + frame.data)
    return bytes([frame.dest, n, crc & 0xFF, frame.header]) + frame.data + bytes([crc >> 8])


def request(dest: int, header: int, data: bytes = b"",
            checksum: Checksum = Checksum.SIMPLE) -> bytes:
    """A host command to ``dest``."""
    return encode(Frame(dest, header, data, HOST), checksum)


def frame_length(n: int) -> int:
    """The length of a whole frame whose length byte is ``n``."""
    return n + HEADER_BYTES + 1


def decode(raw: bytes, checksum: Checksum = Checksum.SIMPLE) -> Frame:
    """Check and parse one complete frame (``raw`` holds exactly one)."""
    if len(raw) < HEADER_BYTES + 1 or len(raw) != raw[1] + HEADER_BYTES + 1:
        raise FrameError("garbage")
    n = raw[1]
    data = bytes(raw[4:4 + n])
    if checksum is Checksum.SIMPLE:
        if sum(raw) & 0xFF:
            raise FrameError("bad_checksum")
        return Frame(raw[0], raw[3], data, raw[2])
    crc = crc16_ccitt(bytes([raw[0], n, raw[3]]) + data)
    if raw[2] != crc & 0xFF or raw[-1] != crc >> 8:
        raise FrameError("bad_checksum")
    return Frame(raw[0], raw[3], data, None)


def check_reply(frame: Frame, device: int) -> Frame:
    """A reply must go to the host and (where the form says) come from ``device``; a NAK
    or BUSY is a fault the caller decides on (codes ``nak``, ``busy``)."""
    if frame.dest != HOST or (frame.source is not None and frame.source != device):
        raise FrameError("wrong_address")
    if frame.header == Header.NAK:
        raise PaymentFault("nak")
    if frame.header == Header.BUSY:
        raise PaymentFault("busy")
    if frame.header != Header.REPLY:
        raise FrameError("garbage")
    return frame


class FrameAssembler:
    """Cuts frames out of a byte stream (the emulators' side): feed bytes, take whole
    frames. A frame whose length byte promises more than arrives is the caller's timeout
    to judge."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data

    def take(self) -> bytes | None:
        """The next whole frame's bytes, or ``None`` while incomplete."""
        if len(self._buf) < 2:
            return None
        size = frame_length(self._buf[1])
        if len(self._buf) < size:
            return None
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out

    def clear(self) -> bytes:
        out = bytes(self._buf)
        self._buf.clear()
        return out
