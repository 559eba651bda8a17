"""APDU encoding, status words and the DER length parsing the card layer relies on.

Pure functions over bytes so that they can be property-tested against truncated,
oversized and malformed input without any card.
"""

from __future__ import annotations

from enum import IntEnum

from kiosk.card.errors import MalformedResponse


class SW(IntEnum):
    OK = 0x9000
    END_OF_FILE = 0x6282
    WRONG_LENGTH = 0x6700
    SECURITY_STATUS_NOT_SATISFIED = 0x6982
    AUTH_METHOD_BLOCKED = 0x6983
    PIN_BLOCKED = 0x6984  # what My Number cards answer to VERIFY once locked
    CONDITIONS_NOT_SATISFIED = 0x6985
    COMMAND_NOT_ALLOWED = 0x6986
    FILE_NOT_FOUND = 0x6A82
    WRONG_P1P2 = 0x6A86
    WRONG_OFFSET = 0x6B00
    INS_NOT_SUPPORTED = 0x6D00
    CLA_NOT_SUPPORTED = 0x6E00
    UNKNOWN = 0x6F00


def sw_name(sw: int) -> str:
    """``"6982"`` style text for logs (no names: they are stable hex codes)."""
    return f"{sw:04X}"


def retries_from_sw(sw: int) -> int | None:
    """Tries left encoded in a status word: ``63Cx`` → x, blocked → 0, else ``None``."""
    if sw & 0xFFF0 == 0x63C0:
        return sw & 0x0F
    if sw in (SW.PIN_BLOCKED, SW.AUTH_METHOD_BLOCKED):
        return 0
    return None


def split_response(response: bytes | bytearray) -> tuple[bytes, int]:
    """Split an R-APDU into data and status word; a reply shorter than 2 bytes is malformed."""
    if len(response) < 2:
        raise MalformedResponse("response shorter than a status word")
    return bytes(response[:-2]), (response[-2] << 8) | response[-1]


def command(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    """Encode a C-APDU, choosing the short form when it fits and the extended form otherwise.

    ``le`` is the number of bytes expected: 256 encodes as short ``00``, 65536 as
    extended ``0000``; ``None`` means no Le field.
    """
    for name, value in (("cla", cla), ("ins", ins), ("p1", p1), ("p2", p2)):
        if not 0 <= value <= 0xFF:
            raise ValueError(f"{name} out of range")
    if len(data) > 0xFFFF:
        raise ValueError("data too long for one APDU")
    if le is not None and not 1 <= le <= 0x10000:
        raise ValueError("le out of range")
    header = bytes((cla, ins, p1, p2))
    extended = len(data) > 0xFF or (le is not None and le > 0x100)
    if not extended:
        body = bytes((len(data),)) + bytes(data) if data else b""
        tail = bytes((le & 0xFF,)) if le is not None else b""
        return header + body + tail
    body = b"\x00" + len(data).to_bytes(2, "big") + bytes(data) if data else b""
    if le is None:
        return header + body
    tail = (le & 0xFFFF).to_bytes(2, "big")
    return header + (body + tail if data else b"\x00" + tail)


def der_total_length(header: bytes | bytearray) -> int:
    """Total length (tag + length + value) of the DER object starting ``header``.

    Accepts a one-byte tag, the short form and long forms of up to 4 length bytes; raises
    :class:`MalformedResponse` when the header is truncated, uses the indefinite form or a
    non-minimal encoding, or is not a SEQUENCE (a certificate always is).
    """
    if len(header) < 2:
        raise MalformedResponse("DER header truncated")
    if header[0] != 0x30:
        raise MalformedResponse("not a DER SEQUENCE")
    first = header[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4:
        raise MalformedResponse("unsupported DER length form")
    if len(header) < 2 + count:
        raise MalformedResponse("DER length truncated")
    value = int.from_bytes(header[2 : 2 + count], "big")
    if header[2] == 0 or value < 0x80:
        raise MalformedResponse("non-minimal DER length")
    return 2 + count + value
