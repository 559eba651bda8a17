"""``relay.federation_local.load_ed25519``: a key file that holds no usable Ed25519 key
names itself in a ``ValueError`` (one line for the operator), whatever is wrong with it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from relay.federation_local import load_ed25519

ED25519_OID = bytes.fromhex("06032b6570")


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _unknown_algorithm() -> bytes:
    """A PKCS#8 key whose algorithm is one no library knows (``UnsupportedAlgorithm``, which
    is no ``ValueError``, once escaped as a traceback)."""
    der = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    body = base64.encodebytes(der.replace(ED25519_OID, bytes.fromhex("06032b6563")))
    return b"-----BEGIN PRIVATE KEY-----\n" + body + b"-----END PRIVATE KEY-----\n"


@pytest.mark.parametrize(("content", "said"), [
    (b"{ not a key", "not an unencrypted PEM private key"),
    (_pem(Ed25519PrivateKey.generate(), password=b"pw"), "not an unencrypted PEM private key"),
    (_unknown_algorithm(), "not an unencrypted PEM private key"),
    (_pem(ec.generate_private_key(ec.SECP256R1())), "not an Ed25519 key"),
])
def test_a_file_without_a_usable_key_names_itself(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "issuer.key"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"{path}: {said}"):
        load_ed25519(path)
