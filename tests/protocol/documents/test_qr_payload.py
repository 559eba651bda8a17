"""The signed QR payload: round trip, tamper detection, compactness."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.documents import qr_payload
from protocol.documents.catalogue import CertType

DOCUMENT: dict[str, Any] = {
    "format": 1,
    "type": "inkan",
    "serial": "139998-20261126-000123",
    "issued_on": "2026-11-26",
    "municipality": {"code": "139998", "prefecture": "東京都", "name": "見本市",
                     "mayor_title": "見本市長", "seal_text": "見本市長之印"},
    "options": {},
    "body": {"name": {"family": "試験", "given": "一郎", "family_kana": "シケン",
                      "given_kana": "イチロウ"}, "birth_date": "1980-05-14", "sex": "男",
             "address": "東京都見本市中央一丁目1番1号", "registration_no": "1234567",
             "seal_text": "試験", "seal_shape": "round"},
}


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_round_trip(key: Ed25519PrivateKey) -> None:
    text = qr_payload.encode(DOCUMENT, key)
    claims = qr_payload.decode_and_verify(text, key.public_key())
    assert claims.serial == DOCUMENT["serial"]
    assert claims.type is CertType.INKAN
    assert claims.municipality_code == "139998"
    assert claims.issued_on == dt.date(2026, 11, 26)
    assert claims.matches(DOCUMENT)


def test_payload_is_compact_and_alphanumeric(key: Ed25519PrivateKey) -> None:
    text = qr_payload.encode(DOCUMENT, key)
    assert len(text) < 200
    assert set(text) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert "試験" not in text


def test_changed_field_does_not_match(key: Ed25519PrivateKey) -> None:
    claims = qr_payload.decode_and_verify(qr_payload.encode(DOCUMENT, key), key.public_key())
    changed = copy.deepcopy(DOCUMENT)
    changed["body"]["address"] = "東京都見本市中央一丁目1番2号"
    assert not claims.matches(changed)


def test_wrong_key_and_altered_text_fail(key: Ed25519PrivateKey) -> None:
    text = qr_payload.encode(DOCUMENT, key)
    with pytest.raises(qr_payload.QrSignatureInvalid):
        qr_payload.decode_and_verify(text, Ed25519PrivateKey.generate().public_key())
    other = copy.deepcopy(DOCUMENT)
    other["serial"] = "139998-20261126-000124"
    forged = qr_payload.encode(other, key)
    # splice the signature of one payload onto the body of another
    raw_a = qr_payload.b45decode(text[4:])
    raw_b = qr_payload.b45decode(forged[4:])
    spliced = "KC1:" + qr_payload.b45encode(raw_b[:-64] + raw_a[-64:])
    with pytest.raises(qr_payload.QrSignatureInvalid):
        qr_payload.decode_and_verify(spliced, key.public_key())


@pytest.mark.parametrize("text", ["", "hello", "KC1:", "KC1:!!!", "KC1:" + "0" * 30, "KC1:GGW"])
def test_garbage_is_a_payload_error(key: Ed25519PrivateKey, text: str) -> None:
    with pytest.raises(qr_payload.QrPayloadError):
        qr_payload.decode_and_verify(text, key.public_key())


@pytest.mark.parametrize("data", [b"", b"\x00", b"AB", b"hello!", bytes(range(256))])
def test_base45_round_trip(data: bytes) -> None:
    assert qr_payload.b45decode(qr_payload.b45encode(data)) == data
    assert qr_payload.b45encode(b"AB") == "BB8"  # RFC 9285 example


def test_unencodable_fields_are_refused(key: Ed25519PrivateKey) -> None:
    bad = copy.deepcopy(DOCUMENT)
    bad["municipality"]["code"] = "13999"
    with pytest.raises(ValueError):
        qr_payload.encode(bad, key)
