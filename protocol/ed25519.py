"""Ed25519 signature checks, by libsodium.

Every message between the centre and a municipal server, every document binding, the
federation directory and each QR payload is checked with an Ed25519 key: the centre makes
about five such checks a session, each municipal server two or three for each of its
residents' sessions. OpenSSL's Ed25519 verification (the ``cryptography`` package, whose
key objects the project keeps) takes about twice libsodium's: 126–146 µs against 65–72
on the benchmark machine (docs/benchmarks.md), about a twelfth of the centre's event loop
under load. So the check is libsodium's (PyNaCl); the keys stay ``cryptography`` objects
and signing stays with them (there the two are about as fast).

libsodium accepts less than OpenSSL: it also refuses a public key or an ``R`` of small
order and non-canonical encodings. No honest signer makes those, so no signature of this
federation is refused that was accepted before; a forger's odd one may be.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from nacl.exceptions import CryptoError

SIGNATURE_BYTES = 64


def verify(key: Ed25519PublicKey, signature: bytes | bytearray | memoryview,
           message: bytes | bytearray | memoryview) -> None:
    """As ``key.verify(signature, message)``: :class:`InvalidSignature` unless ``key``
    signed ``message``."""
    if len(signature) != SIGNATURE_BYTES:
        raise InvalidSignature
    try:
        crypto_sign_open(bytes(signature) + bytes(message), key.public_bytes_raw())
    except CryptoError as exc:  # BadSignatureError, or a key libsodium refuses
        raise InvalidSignature from exc
