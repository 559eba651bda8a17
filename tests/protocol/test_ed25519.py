"""``protocol.ed25519.verify`` accepts exactly what the key signed, as the ``cryptography``
key's own ``verify`` does, and refuses everything else with the same exception."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from protocol import ed25519

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()


def _openssl_accepts(signature: bytes, message: bytes) -> bool:
    try:
        KEY.public_key().verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _accepts(signature: bytes, message: bytes) -> bool:
    try:
        ed25519.verify(KEY.public_key(), signature, message)
    except InvalidSignature:
        return False
    return True


@given(st.binary(max_size=2000))
def test_a_signature_of_the_key_is_accepted(message: bytes) -> None:
    assert _accepts(KEY.sign(message), message)


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=63), st.integers(min_value=1, max_value=255))
def test_a_changed_signature_or_message_is_refused_as_openssl_refuses_it(message: bytes, at: int,
                                                                          flip: int) -> None:
    signature = bytearray(KEY.sign(message))
    signature[at] ^= flip
    assert not _accepts(bytes(signature), message) and not _openssl_accepts(bytes(signature), message)
    assert not _accepts(KEY.sign(message), message + b"\x00")


@pytest.mark.parametrize("signature", [b"", bytes(63), bytes(65), bytes(64), b"\xff" * 64])
def test_a_signature_of_the_wrong_shape_is_refused(signature: bytes) -> None:
    assert not _accepts(signature, b"message")


def test_another_keys_signature_is_refused() -> None:
    assert not _accepts(OTHER.sign(b"message"), b"message")


def test_buffers_are_taken_as_their_bytes() -> None:
    signature = KEY.sign(b"message")
    assert _accepts(bytearray(signature), memoryview(b"message"))  # type: ignore[arg-type]
    assert _accepts(memoryview(signature), bytearray(b"message"))  # type: ignore[arg-type]
