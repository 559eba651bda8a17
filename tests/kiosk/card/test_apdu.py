"""APDU encoding, status words and DER length parsing, including property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.card.apdu import command, der_total_length, retries_from_sw, split_response
from kiosk.card.errors import MalformedResponse


def test_command_cases() -> None:
    assert command(0x00, 0x20, 0x00, 0x80) == bytes.fromhex("00200080")
    assert command(0x00, 0xB0, 0x00, 0x00, le=4) == bytes.fromhex("00B0000004")
    assert command(0x00, 0xB0, 0x01, 0x00, le=256) == bytes.fromhex("00B0010000")
    assert command(0x00, 0xA4, 0x02, 0x0C, b"\x00\x0a") == bytes.fromhex("00A4020C02000A")
    assert command(0x80, 0x2A, 0x00, 0x80, b"\x01\x02", le=256) == bytes.fromhex("802A008002010200")
    assert command(0x00, 0xB0, 0x00, 0x00, le=65536) == bytes.fromhex("00B00000000000")
    assert command(0x00, 0xB0, 0x00, 0x00, le=1000) == bytes.fromhex("00B000000003E8")
    assert command(0x00, 0xD6, 0, 0, b"\x11" * 300, le=65536)[4:7] == bytes.fromhex("00012C")


@pytest.mark.parametrize("sw,tries", [(0x63C3, 3), (0x63C0, 0), (0x6984, 0), (0x6983, 0),
                                      (0x9000, None), (0x6A82, None), (0x6300, None)])
def test_retries_from_sw(sw: int, tries: int | None) -> None:
    assert retries_from_sw(sw) == tries


def test_split_response() -> None:
    assert split_response(b"\x01\x02\x90\x00") == (b"\x01\x02", 0x9000)
    assert split_response(b"\x63\xc2") == (b"", 0x63C2)
    with pytest.raises(MalformedResponse):
        split_response(b"\x90")


@given(st.binary(max_size=300), st.integers(0, 0xFFFF))
def test_split_response_roundtrip(data: bytes, sw: int) -> None:
    assert split_response(data + sw.to_bytes(2, "big")) == (data, sw)


@given(st.binary(max_size=1))
def test_split_response_rejects_short(raw: bytes) -> None:
    with pytest.raises(MalformedResponse):
        split_response(raw)


def _der_header(length: int) -> bytes:
    if length < 0x80:
        return bytes((0x30, length))
    n = (length.bit_length() + 7) // 8
    return bytes((0x30, 0x80 | n)) + length.to_bytes(n, "big")


@given(st.integers(0, 2**32 - 1), st.binary(max_size=8))
def test_der_length_of_valid_headers(length: int, tail: bytes) -> None:
    header = _der_header(length)
    assert der_total_length(header + tail) == len(header) + length


@given(st.integers(0x80, 2**32 - 1), st.data())
def test_der_truncated_headers_rejected(length: int, data: st.DataObject) -> None:
    header = _der_header(length)
    cut = data.draw(st.integers(0, len(header) - 1))
    with pytest.raises(MalformedResponse):
        der_total_length(header[:cut])


@given(st.binary(max_size=12))
def test_der_arbitrary_bytes_never_crash(raw: bytes) -> None:
    try:
        total = der_total_length(raw)
    except MalformedResponse:
        return
    assert total >= 2 and raw[0] == 0x30


@pytest.mark.parametrize("raw", [b"\x30\x80", b"\x30\x85\x01\x00\x00\x00\x00",
                                 b"\x30\x81\x10", b"\x30\x82\x00\x90", b"\x04\x02ab"])
def test_der_bad_forms(raw: bytes) -> None:
    with pytest.raises(MalformedResponse):
        der_total_length(raw)
