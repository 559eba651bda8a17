"""JpkiCard against scripted transports: exact APDU bytes and status-word mapping."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509

from hardware_mocks.world import World
from kiosk.card.errors import (
    CardError,
    CardLayerError,
    CardRemoved,
    MalformedResponse,
    NotAMyNumberCard,
    PinLocked,
    WrongPin,
)
from kiosk.card.jpki import JpkiCard
from tests.fixtures.card import FakeTransport

SELECT_AP = "00A4040C0AD392F000260100000001"
SELECT_CERT = "00A4020C02000A"
SELECT_PIN = "00A4020C020018"
SELECT_KEY = "00A4020C020017"
EMPTY_VERIFY = "00200080"
OK = "9000"


@pytest.fixture(scope="module")
def cert_der(world: World) -> bytes:
    import json

    card = json.loads(world.card_path("shiken-ichiro").read_text())
    return bytes.fromhex(card["auth"]["cert_der"])


def test_select_ap_bytes() -> None:
    t = FakeTransport(OK)
    JpkiCard(t).select_ap()
    assert t.hex() == [SELECT_AP]


@pytest.mark.parametrize("sw", ["6A82", "6D00", "6E00", "6A86"])
def test_foreign_card(sw: str) -> None:
    with pytest.raises(NotAMyNumberCard):
        JpkiCard(FakeTransport(sw)).select_ap()


def test_certificate_in_one_extended_read(cert_der: bytes) -> None:
    t = FakeTransport(OK, OK, cert_der.hex() + OK)
    cert = JpkiCard(t).read_auth_certificate()
    assert isinstance(cert, x509.Certificate)
    assert t.hex() == [SELECT_AP, SELECT_CERT, "00B00000000000"]


def test_certificate_trimmed_to_der_length(cert_der: bytes) -> None:
    t = FakeTransport(OK, OK, (cert_der + b"\xff" * 40).hex() + OK)
    cert = JpkiCard(t).read_auth_certificate()
    assert cert.public_bytes(__import__("cryptography.hazmat.primitives.serialization",
                                        fromlist=["Encoding"]).Encoding.DER) == cert_der


def test_certificate_short_reads_when_extended_refused(cert_der: bytes) -> None:
    n = len(cert_der)
    chunks = [cert_der[i:i + 256] for i in range(0, n, 256)]
    t = FakeTransport(OK, OK, "6700", *(c.hex() + OK for c in chunks))
    card = JpkiCard(t)
    card.read_auth_certificate()
    expected = [SELECT_AP, SELECT_CERT, "00B00000000000", "00B0000000"]
    for i in range(1, len(chunks)):
        rest = n - 256 * i
        expected.append(f"00B0{256 * i:04X}{min(rest, 256) & 0xFF:02X}")
    assert t.hex() == expected
    assert card.extended is False


def test_certificate_continues_after_partial_extended_read(cert_der: bytes) -> None:
    t = FakeTransport(OK, OK, cert_der[:600].hex() + OK, cert_der[600:].hex() + OK)
    JpkiCard(t).read_auth_certificate()
    assert t.hex()[3] == f"00B00258{len(cert_der) - 600:02X}"  # short Le when it fits


def test_certificate_truncated_raises(cert_der: bytes) -> None:
    t = FakeTransport(OK, OK, cert_der[:600].hex() + OK, OK)
    with pytest.raises(MalformedResponse):
        JpkiCard(t).read_auth_certificate()


def test_certificate_not_der() -> None:
    t = FakeTransport(OK, OK, "0401AA" + OK)
    with pytest.raises(MalformedResponse):
        JpkiCard(t).read_auth_certificate()


def test_certificate_read_error() -> None:
    t = FakeTransport(OK, OK, "6982")
    with pytest.raises(CardError) as info:
        JpkiCard(t).read_auth_certificate()
    assert info.value.sw == 0x6982


def test_tries_left() -> None:
    t = FakeTransport(OK, OK, "63C2")
    assert JpkiCard(t).tries_left() == 2
    assert t.hex() == [SELECT_AP, SELECT_PIN, EMPTY_VERIFY]


def test_verify_ok_zeroes_pin() -> None:
    t = FakeTransport(OK, OK, "63C3", OK)
    pin = bytearray(b"1234")
    JpkiCard(t).verify_pin(pin)
    assert pin == bytearray(4)
    assert t.hex() == [SELECT_AP, SELECT_PIN, EMPTY_VERIFY, "002000800431323334"]


def test_wrong_pin_reports_tries_and_is_not_retried() -> None:
    t = FakeTransport(OK, OK, "63C3", "63C2")
    pin = bytearray(b"9999")
    with pytest.raises(WrongPin) as info:
        JpkiCard(t).verify_pin(pin)
    assert info.value.tries_left == 2
    assert pin == bytearray(4)
    assert len(t.sent) == 4


def test_last_wrong_pin_locks() -> None:
    t = FakeTransport(OK, OK, "63C1", "63C0")
    with pytest.raises(PinLocked) as info:
        JpkiCard(t).verify_pin(bytearray(b"9999"))
    assert info.value.just_locked


def test_locked_card_gets_no_verify() -> None:
    t = FakeTransport(OK, OK, "63C0")
    pin = bytearray(b"1234")
    with pytest.raises(PinLocked) as info:
        JpkiCard(t).verify_pin(pin)
    assert not info.value.just_locked
    assert pin == bytearray(4)
    assert all(not (a[1] == 0x20 and len(a) > 4) for a in t.sent)


def test_second_attempt_uses_known_tries() -> None:
    t = FakeTransport(OK, OK, "63C3", "63C2", OK)
    card = JpkiCard(t)
    with pytest.raises(WrongPin):
        card.verify_pin(bytearray(b"9999"))
    card.verify_pin(bytearray(b"1234"))
    assert t.hex()[-1] == "002000800431323334"
    assert len(t.sent) == 5


def test_blocked_sw_on_verify() -> None:
    t = FakeTransport(OK, OK, "63C1", "6984")
    with pytest.raises(PinLocked):
        JpkiCard(t).verify_pin(bytearray(b"1234"))


@pytest.mark.parametrize("bad", [b"123", b"12345", b"12a4", b""])
def test_malformed_pin_rejected_and_zeroed(bad: bytes) -> None:
    t = FakeTransport()
    pin = bytearray(bad)
    with pytest.raises(ValueError) as err:
        JpkiCard(t).verify_pin(pin)
    assert not isinstance(err.value, CardLayerError)  # a caller's bug, not a card fault
    assert pin == bytearray(len(bad))
    assert t.sent == []


def test_pin_zeroed_when_card_removed() -> None:
    t = FakeTransport(OK, OK, "63C3", CardRemoved())
    pin = bytearray(b"1234")
    with pytest.raises(CardRemoved):
        JpkiCard(t).verify_pin(pin)
    assert pin == bytearray(4)


def test_sign_bytes() -> None:
    digest_info = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(b"x").digest()
    sig = "AB" * 256
    t = FakeTransport(OK, OK, sig + OK)
    assert JpkiCard(t).sign(digest_info) == bytes.fromhex(sig)
    assert t.hex() == [SELECT_AP, SELECT_KEY, "802A008033" + digest_info.hex().upper() + "00"]


def test_sign_sha256_builds_digest_info() -> None:
    t = FakeTransport(OK, OK, "00" * 256 + OK)
    JpkiCard(t).sign_sha256(b"challenge")
    expected = "3031300D060960864801650304020105000420" + hashlib.sha256(b"challenge").hexdigest().upper()
    assert t.hex()[2] == "802A008033" + expected + "00"


def test_sign_without_verify_is_card_error() -> None:
    t = FakeTransport(OK, OK, "6982")
    with pytest.raises(CardError) as info:
        JpkiCard(t).sign(b"\x01" * 51)
    assert info.value.sw == 0x6982


def test_full_sequence_selects_each_ef_once(cert_der: bytes) -> None:
    t = FakeTransport(OK, OK, cert_der.hex() + OK, OK, "63C3", OK, OK, "11" * 256 + OK)
    card = JpkiCard(t)
    card.select_ap()
    card.read_auth_certificate()
    assert card.tries_left() == 3
    card.verify_pin(bytearray(b"1234"))
    card.sign_sha256(b"m")
    assert card.apdus == 8


def test_response_chaining_and_wrong_le() -> None:
    t = FakeTransport(OK, OK, "6C10", "30820004" + "00" * 12 + "6104", "11223344" + OK)
    card = JpkiCard(t, extended=False)
    card._select_ef(0x000A)
    assert card._read(0, 256) == bytes.fromhex("30820004" + "00" * 12 + "11223344")
    assert t.hex()[2:] == ["00B0000000", "00B0000010", "00C0000004"]


def test_reselect_detects_removed_card() -> None:
    t = FakeTransport(OK, CardRemoved())
    card = JpkiCard(t)
    card.select_ap()
    with pytest.raises(CardRemoved):
        card.select_ap()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=1200), min_size=1, max_size=6), st.sampled_from(["9000", "6282"]))
def test_certificate_read_of_arbitrary_data_fails_cleanly(chunks: list[bytes], sw: str) -> None:
    """Whatever the card returns (truncated, oversized, not DER), the read ends in a
    certificate or a card-layer error, within a bounded number of APDUs."""
    t = FakeTransport(OK, OK, *(c.hex() + sw for c in chunks), *(["9000"] * 40))
    try:
        JpkiCard(t).read_auth_certificate()
    except (MalformedResponse, CardError):
        pass
    assert len(t.sent) <= 2 + len(chunks) + 1
