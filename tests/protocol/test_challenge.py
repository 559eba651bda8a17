"""What the card signs: the challenge bound to the session and the kiosk, and the
DigestInfo a JPKI card signs raw."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from hardware_mocks.relay.testing import CardSigner
from hardware_mocks.world import World
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
