"""The signed payload of the QR code on the back of every certificate.

The real service offers no offline check: a receiver must upload a scan to J-LIS. Our
certificates carry a QR code that anyone can verify with the issuer's public key. It
holds only what identifies the issuance, never personal data: the serial, the
certificate type, the municipality code, the issue date and the SHA-256 of the canonical
document (``protocol.documents.model.canonical``), signed with Ed25519.

Wire form: ``KC1:`` followed by the RFC 9285 Base45 text of

    version(1) | type(1) | municipality code(3, big-endian) | issue date(3, ordinal)
    | serial length(1) | serial (ASCII) | sha256(32) | signature(64)

Base45 uses only the QR alphanumeric alphabet, so the code stays small (version 9–10 at
error-correction level M for a 20-character serial). The signature covers a context
string and every byte before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol import ed25519
from protocol.documents.catalogue import CertType
from protocol.documents.model import canonical

PREFIX = "KC1:"
VERSION = 1
SIGNATURE_CONTEXT = b"certificate-kiosk/qr/v1\n"
_TYPES: tuple[CertType, ...] = tuple(CertType)
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_INDEX = {c: i for i, c in enumerate(_B45)}
MAX_SERIAL = 64


class QrPayloadError(Exception):
    """The text is not a payload of ours (wrong prefix, bad encoding, bad structure)."""


class QrSignatureInvalid(Exception):
    """The payload is well formed but its signature does not verify: forged or altered."""


@dataclass(frozen=True)
class Claims:
    """What the issuer signed about one certificate."""

    serial: str
    type: CertType
    municipality_code: str
    issued_on: dt.date
    document_sha256: str  # hex

    def matches(self, document: Mapping[str, Any]) -> bool:
        """True when ``document`` is exactly the one that was signed."""
        return hashlib.sha256(canonical(document)).hexdigest() == self.document_sha256


def b45encode(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, n = n % 45, n // 45
        d, e = n % 45, n // 45
        out += [_B45[c], _B45[d], _B45[e]]
    if len(data) % 2:
        n = data[-1]
        out += [_B45[n % 45], _B45[n // 45]]
    return "".join(out)


def b45decode(text: str) -> bytes:
    try:
        values = [_B45_INDEX[c] for c in text]
    except KeyError as exc:
        raise QrPayloadError("not Base45") from exc
    out = bytearray()
    for i in range(0, len(values), 3):
        chunk = values[i : i + 3]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                raise QrPayloadError("not Base45")
            out += n.to_bytes(2, "big")
        elif len(chunk) == 2:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                raise QrPayloadError("not Base45")
            out.append(n)
        else:
            raise QrPayloadError("not Base45")
    return bytes(out)


def _body(claims: Claims) -> bytes:
    serial = claims.serial.encode("ascii")
    code = int(claims.municipality_code)
    return (
        bytes([VERSION, _TYPES.index(claims.type)])
        + code.to_bytes(3, "big")
        + claims.issued_on.toordinal().to_bytes(3, "big")
        + bytes([len(serial)])
        + serial
        + bytes.fromhex(claims.document_sha256)
    )


def claims_of(document: Mapping[str, Any]) -> Claims:
    """The claims for ``document``; raises ``ValueError`` if a field cannot be encoded."""
    serial = str(document["serial"])
    code = str(document["municipality"]["code"])
    if not serial.isascii() or not 0 < len(serial) <= MAX_SERIAL:
        raise ValueError("serial must be 1-64 ASCII characters")
    if not (code.isdigit() and len(code) == 6):
        raise ValueError("municipality code must be six digits")
    return Claims(
        serial=serial,
        type=CertType(document["type"]),
        municipality_code=code,
        issued_on=dt.date.fromisoformat(document["issued_on"]),
        document_sha256=hashlib.sha256(canonical(document)).hexdigest(),
    )


def encode(document: Mapping[str, Any], issuer_private_key: Ed25519PrivateKey) -> str:
    """The QR text for ``document``, signed with the issuer key."""
    body = _body(claims_of(document))
    signature = issuer_private_key.sign(SIGNATURE_CONTEXT + body)
    return PREFIX + b45encode(body + signature)


def parse(text: str) -> Claims:
    """Decode the claims without checking the signature (for display of a rejected code)."""
    return _parse(text)[0]


def _parse(text: str) -> tuple[Claims, bytes, bytes]:
    text = text.strip()
    if not text.startswith(PREFIX):
        raise QrPayloadError("not a certificate QR code")
    raw = b45decode(text[len(PREFIX) :])
    if len(raw) < 9 + 32 + 64 or raw[0] != VERSION:
        raise QrPayloadError("unsupported or truncated payload")
    n = raw[8]
    if len(raw) != 9 + n + 32 + 64 or raw[1] >= len(_TYPES):
        raise QrPayloadError("malformed payload")
    body, signature = raw[:-64], raw[-64:]
    try:
        claims = Claims(
            serial=raw[9 : 9 + n].decode("ascii"),
            type=_TYPES[raw[1]],
            municipality_code=f"{int.from_bytes(raw[2:5], 'big'):06d}",
            issued_on=dt.date.fromordinal(int.from_bytes(raw[5:8], "big")),
            document_sha256=raw[9 + n : 9 + n + 32].hex(),
        )
    except (UnicodeDecodeError, ValueError, OverflowError) as exc:
        raise QrPayloadError("malformed payload") from exc
    return claims, body, signature


def decode_and_verify(text: str, issuer_public_key: Ed25519PublicKey) -> Claims:
    """The signed claims; ``QrPayloadError`` if unreadable, ``QrSignatureInvalid`` if forged."""
    claims, body, signature = _parse(text)
    try:
        ed25519.verify(issuer_public_key, signature, SIGNATURE_CONTEXT + body)
    except InvalidSignature as exc:
        raise QrSignatureInvalid("signature does not verify") from exc
    return claims
