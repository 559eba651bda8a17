"""The binding: proof that a document belongs to one request of one session.

The 2023–24 incidents printed another resident's certificate because nothing tied a
print job to the session that asked for it. The relay signs, with the issuer key, the
five facts that identify the issuance; the kiosk recomputes each from its own session and
checks the signature before it prints anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol import ed25519

BINDING_CONTEXT = b"certificate-kiosk/binding/v1\n"


class BindingMismatch(Exception):
    """The binding does not match this session or its signature is invalid.

    ``field`` names what differed (never its value)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"binding mismatch: {field}")
        self.field = field


@dataclass(frozen=True)
class Binding:
    request_id: str
    session_id: str
    kiosk_id: str
    card_cert_sha256: str  # hex SHA-256 of the card's authentication certificate (DER)
    document_sha256: str  # hex SHA-256 of the canonical document

    def message(self) -> bytes:
        return BINDING_CONTEXT + json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    def sign(self, key: Ed25519PrivateKey) -> str:
        return base64.b64encode(key.sign(self.message())).decode("ascii")

    def verify(self, signature_b64: str, key: Ed25519PublicKey | Sequence[Ed25519PublicKey]) -> None:
        """One of the keys (a municipality's issuer keys valid at issue) must have signed."""
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except ValueError as exc:
            raise BindingMismatch("signature") from exc
        for one in (key,) if isinstance(key, Ed25519PublicKey) else key:
            try:
                ed25519.verify(one, signature, self.message())
                return
            except InvalidSignature:
                continue
        raise BindingMismatch("signature")


def cert_sha256(cert_der: bytes) -> str:
    return hashlib.sha256(cert_der).hexdigest()


def check(received: Binding, signature_b64: str, expected: Binding,
          key: Ed25519PublicKey | Sequence[Ed25519PublicKey]) -> None:
    """Compare every field with what this session expects, then verify the signature."""
    for field_name in ("request_id", "session_id", "kiosk_id", "card_cert_sha256", "document_sha256"):
        if getattr(received, field_name) != getattr(expected, field_name):
            raise BindingMismatch(field_name)
    received.verify(signature_b64, key)
