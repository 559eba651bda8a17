"""JCM ID-003 bill validator frames and codes: bytes in, bytes out, no serial port.

ID-003 is point-to-point, 9600 bps 8E1, the host polling. A frame is ``FC LNG CMD
[DATA] CRC_lo CRC_hi`` where LNG counts every byte from the sync byte to the CRC and the
CRC is CRC-16/KERMIT (polynomial 0x1021 reflected = 0x8408, initial 0, no final XOR) over
the sync byte to the data, sent low byte first. The codes below are the parts of the
command and status tables the driver needs (sources in docs/payment.md).

The validator answers a status request (``11``) with its state; an escrowed note is held
until the host says STACK or RETURN, and VEND VALID (the note is the host's) repeats until
the host ACKs it. Setting commands (``C0``...) are confirmed by an echo of themselves,
operation commands by ACK ``50``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from kiosk.payment.port import PaymentFault

SYNC = 0xFC
MIN_LENGTH = 5
MAX_LENGTH = 255


class Command(IntEnum):
    """Controller → acceptor."""

    STATUS_REQUEST = 0x11
    ACK = 0x50
    RESET = 0x40
    STACK_1 = 0x41
    STACK_2 = 0x42
    RETURN = 0x43
    HOLD = 0x44
    SET_DENOMINATION = 0xC0  # 2 bytes, bit n <-> escrow code 0x61 + n, 1 = inhibited
    SET_SECURITY = 0xC1
    SET_COMMUNICATION_MODE = 0xC2
    SET_INHIBIT = 0xC3  # 1 byte: 00 accepts, 01 inhibits
    SET_DIRECTION = 0xC4
    SET_OPTIONAL_FUNCTION = 0xC5
    GET_VERSION = 0x88
    GET_CURRENCY_ASSIGN = 0x8A


class Status(IntEnum):
    """Acceptor → controller."""

    IDLING = 0x11  # "enable"
    ACCEPTING = 0x12
    ESCROW = 0x13  # + 1 byte escrow code
    STACKING = 0x14
    VEND_VALID = 0x15  # the host must ACK
    STACKED = 0x16
    REJECTING = 0x17  # + 1 byte reason
    RETURNING = 0x18
    HOLDING = 0x19
    DISABLED = 0x1A  # inhibited
    INITIALIZE = 0x1B  # waiting for the settings
    POWER_UP = 0x40
    POWER_UP_BILL_IN_ACCEPTOR = 0x41
    POWER_UP_BILL_IN_STACKER = 0x42
    STACKER_FULL = 0x43
    STACKER_OPEN = 0x44
    ACCEPTOR_JAM = 0x45
    STACKER_JAM = 0x46
    PAUSE = 0x47
    CHEATED = 0x48
    FAILURE = 0x49  # + 1 byte failure code
    COMMUNICATION_ERROR = 0x4A
    INVALID_COMMAND = 0x4B
    ACK = 0x50


POWER_UP = frozenset({Status.POWER_UP, Status.POWER_UP_BILL_IN_ACCEPTOR,
                      Status.POWER_UP_BILL_IN_STACKER})
#: Statuses that say the validator cannot take notes until someone sees to it.
OUT_OF_ORDER: dict[int, str] = {
    Status.STACKER_FULL: "note_stacker_full",
    Status.STACKER_OPEN: "note_stacker_open",
    Status.ACCEPTOR_JAM: "note_jam",
    Status.STACKER_JAM: "note_jam",
    Status.FAILURE: "note_validator_failure",
    Status.COMMUNICATION_ERROR: "note_communication_error",
}
#: Reject reasons (status 17), folded into the port's ``Rejected`` keywords.
REJECT_REASONS: dict[int, str] = {
    0x71: "insertion", 0x72: "unknown", 0x73: "unknown", 0x74: "unknown", 0x75: "unknown",
    0x76: "unknown", 0x77: "unknown", 0x78: "unknown", 0x79: "inhibited", 0x7B: "unknown",
    0x7C: "unknown", 0x7D: "unknown", 0x7E: "unknown", 0x7F: "unknown", 0x98: "unknown",
}
ESCROW_CODE_FIRST = 0x61
ESCROW_CODE_LAST = 0x68


class Id003Error(PaymentFault):
    """A frame that cannot be taken as the validator's reply: ``bad_checksum``,
    ``garbage``."""

    code = "garbage"


def crc16_kermit(data: bytes, crc: int = 0) -> int:
    """CRC-16/KERMIT: reflected 0x1021 (0x8408), initial 0, no final XOR."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True)
class Frame:
    code: int  # a command or a status
    data: bytes = b""


def encode(code: int, data: bytes = b"") -> bytes:
    length = len(data) + MIN_LENGTH
    if length > MAX_LENGTH:
        raise ValueError("ID-003 data is at most 250 bytes")
    body = bytes([SYNC, length, code]) + data
    crc = crc16_kermit(body)
    return body + bytes([crc & 0xFF, crc >> 8])


def decode(raw: bytes) -> Frame:
    """Check and parse one complete frame."""
    if len(raw) < MIN_LENGTH or raw[0] != SYNC or raw[1] != len(raw):
        raise Id003Error("garbage")
    crc = crc16_kermit(raw[:-2])
    if raw[-2] != crc & 0xFF or raw[-1] != crc >> 8:
        raise Id003Error("bad_checksum")
    return Frame(raw[2], bytes(raw[3:-2]))


def denomination_mask(enabled_codes: set[int] | frozenset[int]) -> bytes:
    """Data of ``C0``: every escrow code not in ``enabled_codes`` inhibited."""
    mask = 0xFFFF
    for code in enabled_codes:
        if not ESCROW_CODE_FIRST <= code <= ESCROW_CODE_LAST:
            raise ValueError("escrow codes are 0x61 to 0x68")
        mask &= ~(1 << (code - ESCROW_CODE_FIRST))
    return bytes([mask & 0xFF, mask >> 8])


def enabled_codes(mask: bytes) -> frozenset[int]:
    """The escrow codes a ``C0`` mask leaves enabled."""
    if len(mask) != 2:
        raise Id003Error("garbage")
    bits = mask[0] | mask[1] << 8
    return frozenset(ESCROW_CODE_FIRST + n for n in range(8) if not bits >> n & 1)


def currency_table(data: bytes) -> dict[int, int]:
    """The escrow codes of an ``8A`` reply and what each is worth: 4 bytes an entry,
    ``[escrow code][country][mantissa][exponent]``, value = mantissa × 10^exponent. The
    country byte for yen is not public (docs/payment.md), so it is not checked; an entry
    of value 0 is an unused code."""
    if len(data) % 4:
        raise Id003Error("garbage")
    table = {}
    for i in range(0, len(data), 4):
        code, _country, mantissa, exponent = data[i:i + 4]
        if mantissa and ESCROW_CODE_FIRST <= code <= ESCROW_CODE_LAST and exponent <= 9:
            table[code] = mantissa * 10 ** exponent
    return table


class FrameAssembler:
    """Cuts ID-003 frames out of a byte stream. Bytes before a sync byte are dropped and
    counted (``garbage``) so the caller can report a line that carries noise."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def take(self) -> bytes | None:
        self._resync()
        if len(self._buf) < 2:
            return None
        size = self._buf[1]
        if size < MIN_LENGTH:  # no frame is this short: drop the sync byte and look on
            del self._buf[:1]
            self.dropped += 1
            return self.take()
        if len(self._buf) < size:
            return None
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out

    def _resync(self) -> None:
        start = self._buf.find(SYNC)
        drop = len(self._buf) if start < 0 else start
        if drop:
            del self._buf[:drop]
            self.dropped += drop
