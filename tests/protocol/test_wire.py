"""What the card signs, how relay answers are read, and how errors are typed."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.world import World
from kiosk.relay_client.client import error_for
from kiosk.relay_client.errors import (
    RelayProtocolError,
    RelayRefused,
    RelayTimeout,
    RelayUnavailable,
)
from kiosk.relay_client.https import parse_answer
from kiosk.relay_client.verify import parse_menu
from protocol import refusals
from protocol.challenge import challenge_message, digest_info


def test_the_challenge_is_bound_to_session_and_kiosk() -> None:
    c = bytes(range(32))
    base = challenge_message(c, "a" * 32, "KIOSK-0001")
    assert base != challenge_message(c, "b" * 32, "KIOSK-0001")
    assert base != challenge_message(c, "a" * 32, "KIOSK-0002")
    assert base != challenge_message(bytes(32), "a" * 32, "KIOSK-0001")
    for bad in ((b"short", "a", "K"), (c, "a\nb", "K"), (c, "a", ""), (c, "あ", "K")):
        with pytest.raises(ValueError):
            challenge_message(*bad)


def test_a_raw_card_signature_over_the_digest_info_verifies(world: World) -> None:
    """What a JPKI card computes (RSA over the DigestInfo) equals a PKCS#1 v1.5 signature."""
    card = CardSigner.load(world.card_path("shiken-ichiro"))
    info = digest_info(bytes(32), "a" * 32, "KIOSK-0001")
    assert info.endswith(hashlib.sha256(challenge_message(bytes(32), "a" * 32, "KIOSK-0001")).digest())
    n = card.key.private_numbers()
    k = n.public_numbers.n.bit_length() // 8
    padded = b"\x00\x01" + b"\xff" * (k - len(info) - 3) + b"\x00" + info
    raw = pow(int.from_bytes(padded, "big"), n.d, n.public_numbers.n).to_bytes(k, "big")
    card.key.public_key().verify(raw, challenge_message(bytes(32), "a" * 32, "KIOSK-0001"),
                                 padding.PKCS1v15(), hashes.SHA256())


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (403, refusals.UNDER_15, RelayRefused),
        (409, "already_issued", RelayRefused),
        (410, "session_expired", RelayRefused),
        (400, "bad_json", RelayProtocolError),
        (409, "request_id_conflict", RelayProtocolError),
        (503, "timeout", RelayTimeout),
        (502, None, RelayUnavailable),
        (400, "<script>", RelayProtocolError),
    ],
)
def test_error_answers_are_typed(status: int, code: str | None, kind: type) -> None:
    error = error_for(status, code)
    assert isinstance(error, kind)
    assert "<" not in str(error)


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b'{"a":1,"a":2}', "duplicate_key"), (b"{", "bad_json"), (b'{"a": NaN}', "bad_json"),
     (b"\xff", "bad_json"), (b"[" * 100000, "bad_json")],
)
def test_answers_are_read_strictly(raw: bytes, code: str) -> None:
    with pytest.raises(RelayProtocolError) as err:
        parse_answer(raw)
    assert err.value.code == code


@pytest.mark.parametrize(
    "menu",
    [None, {}, {"items": "x", "household_members": 1, "koseki_members": 1, "max_copies": 1},
     {"items": [{"type": 1}], "household_members": 1, "koseki_members": 1, "max_copies": 1},
     {"items": [], "household_members": True, "koseki_members": 1, "max_copies": 1}],
)
def test_malformed_menus_are_protocol_errors(menu: object) -> None:
    with pytest.raises(RelayProtocolError):
        parse_menu(menu)
