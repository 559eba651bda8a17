"""The virtual My Number card at the APDU level (jpki-card.md §6 checklist)."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hardware_mocks.vcard import VirtualCard, _BadLength, parse
from hardware_mocks.world import World

SELECT_JPKI = bytes.fromhex("00A4040C0AD392F000260100000001")
SELECT_KENHOJO = bytes.fromhex("00A4040C0AD3921000310001010408")
DI = bytes.fromhex("3031300d060960864801650304020105000420")


def sel(fid: int) -> bytes:
    return bytes.fromhex("00A4020C02") + fid.to_bytes(2, "big")


def verify(pin: bytes) -> bytes:
    return bytes.fromhex("00200080") + bytes((len(pin),)) + pin


@pytest.fixture
def card(fresh_world: World) -> VirtualCard:
    return VirtualCard(fresh_world.card_path("shiken-ichiro"))


def test_atr(card: VirtualCard) -> None:
    assert card.atr == bytes.fromhex("3BE000FF8131FE4514")


@pytest.mark.parametrize("aid", ["627601FF000000", "A00000000101", "A00000030800001000",
                                 "D27600012401", "A0000000791000"])
def test_unknown_aids(card: VirtualCard, aid: str) -> None:
    a = bytes.fromhex(aid)
    assert card.process(b"\x00\xa4\x04\x0c" + bytes((len(a),)) + a) == b"\x6a\x82"
    assert card.process(b"\x00\xa4\x04\x00" + bytes((len(a),)) + a + b"\x00") == b"\x6a\x82"


def test_unknown_ins_and_ef(card: VirtualCard) -> None:
    assert card.process(bytes.fromhex("00CADF3005")) == b"\x6d\x00"
    assert card.process(SELECT_JPKI) == b"\x90\x00"
    assert card.process(sel(0x0042)) == b"\x6a\x82"
    assert card.process(bytes.fromhex("00A4040005D392F00026") + b"\x00") == b"\x6a\x82"


def test_select_with_fci_request(card: VirtualCard) -> None:
    assert card.process(bytes.fromhex("00A404000AD392F00026010000000100")) == b"\x90\x00"


def test_certificate_reads(card: VirtualCard, fresh_world: World) -> None:
    der = bytes.fromhex(json.loads(fresh_world.card_path("shiken-ichiro").read_text())["auth"]["cert_der"])
    card.process(SELECT_JPKI)
    card.process(sel(0x000A))
    head = card.process(bytes.fromhex("00B0000004"))
    assert head[:-2] == der[:4] and head[-2:] == b"\x90\x00"
    size = int.from_bytes(head[2:4], "big") + 4
    chunks = b""
    while len(chunks) < size:  # OpenSC style: 256-byte chunks with Le=00
        n = min(256, size - len(chunks))
        r = card.process(b"\x00\xb0" + len(chunks).to_bytes(2, "big") + bytes((n & 0xFF,)))
        assert r[-2:] == b"\x90\x00" and len(r) == n + 2
        chunks += r[:-2]
    assert chunks == der
    whole = card.process(bytes.fromhex("00B00000000000"))  # extended Le=65536
    assert whole[:-2] == der
    sfi = card.process(bytes.fromhex("00B08A00000000"))  # short-EF form
    assert sfi[:-2] == der
    assert card.process(b"\x00\xb0" + (len(der) + 1).to_bytes(2, "big") + b"\x10") == b"\x6b\x00"
    x509.load_der_x509_certificate(whole[:-2])


def test_pin_counter_lockout_and_persistence(fresh_world: World) -> None:
    path = fresh_world.card_path("shiken-ichiro")
    card = VirtualCard(path)
    card.process(SELECT_JPKI)
    card.process(sel(0x0018))
    assert card.process(b"\x00\x20\x00\x80") == b"\x63\xc3"
    assert card.process(verify(b"0000")) == b"\x63\xc2"
    restarted = VirtualCard(path)  # a restart keeps the counter
    restarted.process(SELECT_JPKI)
    restarted.process(sel(0x0018))
    assert restarted.process(b"\x00\x20\x00\x80") == b"\x63\xc2"
    assert restarted.process(verify(b"0000")) == b"\x63\xc1"
    assert restarted.process(verify(b"0000")) == b"\x63\xc0"
    assert restarted.process(verify(b"1234")) == b"\x69\x84"
    assert restarted.process(b"\x00\x20\x00\x80") == b"\x63\xc0"
    assert json.loads(path.read_text())["auth"]["tries_left"] == 0
    assert json.loads(path.read_text())["sign"]["tries_left"] == 5  # counters are per PIN


def test_correct_pin_restores_counter(card: VirtualCard) -> None:
    card.process(SELECT_JPKI)
    card.process(sel(0x0018))
    card.process(verify(b"0000"))
    assert card.process(verify(b"1234")) == b"\x90\x00"
    assert card.process(b"\x00\x20\x00\x80") == b"\x63\xc3"


def test_verify_by_sfi(card: VirtualCard) -> None:
    card.process(SELECT_JPKI)
    assert card.process(bytes.fromhex("00200098")) == b"\x63\xc3"


def test_sign_only_after_verify_and_state_cleared(card: VirtualCard) -> None:
    di = DI + hashlib.sha256(b"m").digest()
    cmd = b"\x80\x2a\x00\x80" + bytes((len(di),)) + di + b"\x00"
    card.process(SELECT_JPKI)
    card.process(sel(0x0017))
    assert card.process(cmd) == b"\x69\x82"
    card.process(sel(0x0018))
    card.process(verify(b"1234"))
    card.process(sel(0x0017))
    r = card.process(cmd)
    assert r[-2:] == b"\x90\x00" and len(r) == 258
    cert = x509.load_der_x509_certificate(bytes.fromhex(json.loads(card.path.read_text())["auth"]["cert_der"]))
    key = cert.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(r[:-2], b"m", padding.PKCS1v15(), hashes.SHA256())
    card.process(SELECT_JPKI)  # re-select drops the PIN state
    card.process(sel(0x0017))
    assert card.process(cmd) == b"\x69\x82"
    card.process(sel(0x0018))
    card.process(verify(b"1234"))
    card.reset()
    card.process(SELECT_JPKI)
    card.process(sel(0x0017))
    assert card.process(cmd) == b"\x69\x82"


def test_sign_key_needs_sign_pin(card: VirtualCard) -> None:
    card.process(SELECT_JPKI)
    card.process(sel(0x0018))
    card.process(verify(b"1234"))
    card.process(sel(0x001A))
    assert card.process(b"\x80\x2a\x00\x80\x03abc\x00") == b"\x69\x82"
    card.process(sel(0x0001))
    assert card.process(bytes.fromhex("00B0000004")) == b"\x69\x82"


def test_kenhojo_ap(card: VirtualCard) -> None:
    assert card.process(SELECT_KENHOJO) == b"\x90\x00"
    card.process(sel(0x0001))
    assert card.process(bytes.fromhex("00B0000011")) == b"\x69\x82"
    card.process(sel(0x0011))
    assert card.process(verify(b"1234")) == b"\x90\x00"
    card.process(sel(0x0001))
    r = card.process(bytes.fromhex("00B0000011"))
    assert len(r) == 19 and r[:3] == b"\x10\x01\x0c" and r[3:15].isdigit()
    card.process(sel(0x0002))
    r = card.process(bytes.fromhex("00B00000000000"))
    assert r[:2] == b"\xff\x20" and "試験".encode() in r


@pytest.mark.parametrize("raw", ["00", "00A4", "00A4040C05D392", "00A4040C00000001", "00B000000001"])
def test_bad_lengths(card: VirtualCard, raw: str) -> None:
    assert card.process(bytes.fromhex(raw)) == b"\x67\x00"


def test_parse_extended_case4() -> None:
    c = parse(bytes.fromhex("802A0080000003AABBCC0000"))
    assert c.data == bytes.fromhex("AABBCC") and c.le == 65536
    with pytest.raises(_BadLength):
        parse(b"\x00\xb0\x00")


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(min_size=0, max_size=300), max_size=8))
def test_any_apdu_gets_a_status_word(world: World, apdus: list[bytes]) -> None:
    card = VirtualCard(world.card_path("mihon-shiro"))  # locked: nothing gets persisted
    card.process(SELECT_JPKI)
    for apdu in apdus:
        if len(apdu) > 1 and apdu[1] == 0x20:
            continue  # VERIFY would change the shared world's counters
        assert len(card.process(apdu)) >= 2
