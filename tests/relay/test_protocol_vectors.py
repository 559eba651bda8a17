"""The test vectors of docs/relay-protocol.md, computed again with the project's code.

Each vector block in the document is regenerated here from its inputs and must appear in
the document exactly: a change to the challenge message, the binding, the canonical
document, the QR payload or the scramble key that the document does not follow fails
here. ``python -m tests.relay.test_protocol_vectors`` prints the blocks (to update the
document after a deliberate protocol change, with a new protocol version).
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from hardware_mocks import pki
from protocol.challenge import challenge_message, digest_info
from protocol.documents import qr_payload
from protocol.documents.binding import Binding
from protocol.documents.model import canonical, document_hash
from protocol.scramble_key import document_scramble_key

DOC = Path(__file__).resolve().parents[2] / "docs" / "relay-protocol.md"

CHALLENGE = bytes(range(32))
SESSION_ID = "0123456789abcdef0123456789abcdef"
KIOSK_ID = "KIOSK-0001"
REQUEST_ID = "3f2a6c1e-8b4d-4e7f-9a10-2b3c4d5e6f70"
CARD_CERT = b"the DER bytes of a card's authentication certificate"
ISSUER_SEED = bytes(range(0x40, 0x60))
SCRAMBLE_MASTER = bytes(range(0x80, 0xA0))
DOCUMENT: dict[str, Any] = {
    "format": 1, "type": "juminhyo", "serial": "139998-2026-0000001", "issued_on": "2026-11-26",
    "municipality": {"code": "139998", "prefecture": "東京都", "name": "見本市", "mayor_title": "見本市長",
                     "seal_text": "見本市長之印"},
    "options": {"scope": "self", "honseki": "omit", "relationship": "omit", "my_number": "omit"},
    "body": {"address": "東京都見本市中央一丁目1番1号", "members": [{
        "name": {"family": "試験", "given": "花子", "family_kana": "シケン", "given_kana": "ハナコ"},
        "birth_date": "1982-09-02", "sex": "女", "became_resident_on": "2014-04-01"}]},
}


def _card_key() -> rsa.RSAPrivateKey:
    """A deterministic RSA-2048 key standing for a card's authentication key."""
    return pki.rsa_key(pki.SeededRandom(2026), "protocol-vector-card")


def _issuer() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(ISSUER_SEED)


def _wrap(label: str, value: str, width: int = 96) -> list[str]:
    """Hex is wrapped at ``width`` characters (join the lines to read it); text is not."""
    if "(hex)" not in label:
        return [f"{label:<22}{value}"]
    lines = [value[i:i + width] for i in range(0, len(value), width)] or [""]
    return [f"{label:<22}{lines[0]}"] + [" " * 22 + part for part in lines[1:]]


def _block(name: str, rows: list[tuple[str, str]]) -> str:
    out = [f"vector: {name}"]
    for label, value in rows:
        out += _wrap(label, value)
    return "\n".join(out)


def challenge_block() -> str:
    message = challenge_message(CHALLENGE, SESSION_ID, KIOSK_ID)
    key = _card_key()
    signature = key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    numbers = key.public_key().public_numbers()
    return _block("challenge", [
        ("challenge (hex)", CHALLENGE.hex()),
        ("session_id", SESSION_ID),
        ("kiosk_id", KIOSK_ID),
        ("message (hex)", message.hex()),
        ("sha256(message)", hashlib.sha256(message).hexdigest()),
        ("digest_info (hex)", digest_info(CHALLENGE, SESSION_ID, KIOSK_ID).hex()),
        ("card key n (hex)", f"{numbers.n:0512x}"),
        ("card key e", str(numbers.e)),
        ("signature (hex)", signature.hex()),
    ])


def document_block() -> str:
    return _block("document", [
        ("canonical (UTF-8)", canonical(DOCUMENT).decode("utf-8")),
        ("canonical (hex)", canonical(DOCUMENT).hex()),
        ("document_sha256", document_hash(DOCUMENT)),
    ])


def binding_block() -> str:
    binding = Binding(REQUEST_ID, SESSION_ID, KIOSK_ID, hashlib.sha256(CARD_CERT).hexdigest(),
                      document_hash(DOCUMENT))
    issuer = _issuer()
    public = issuer.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _block("binding", [
        ("issuer seed (hex)", ISSUER_SEED.hex()),
        ("issuer public (hex)", public.hex()),
        ("card_cert_sha256", binding.card_cert_sha256),
        ("message (UTF-8)", binding.message().decode("utf-8").replace("\n", "\\n")),
        ("message (hex)", binding.message().hex()),
        ("signature (base64)", binding.sign(issuer)),
        ("signature (hex)", base64.b64decode(binding.sign(issuer)).hex()),
    ])


def qr_block() -> str:
    issuer = _issuer()
    text = qr_payload.encode(DOCUMENT, issuer)
    raw = qr_payload.b45decode(text[len(qr_payload.PREFIX):])
    body, signature = raw[:-64], raw[-64:]
    return _block("qr", [
        ("body (hex)", body.hex()),
        ("signed (hex)", (qr_payload.SIGNATURE_CONTEXT + body).hex()),
        ("signature (hex)", signature.hex()),
        ("payload", text),
    ])


def scramble_block() -> str:
    return _block("scramble_key", [
        ("master secret (hex)", SCRAMBLE_MASTER.hex()),
        ("serial", DOCUMENT["serial"]),
        ("scramble_key (hex)", document_scramble_key(SCRAMBLE_MASTER, DOCUMENT["serial"]).hex()),
    ])


BLOCKS = (challenge_block, document_block, binding_block, qr_block, scramble_block)


def test_every_vector_in_the_protocol_document_is_what_the_code_computes() -> None:
    document = DOC.read_text(encoding="utf-8")
    for make in BLOCKS:
        block = make()
        assert block in document, f"docs/relay-protocol.md differs from:\n{block}"


def test_the_vectors_verify_as_an_outsider_would_check_them() -> None:
    """Independently of the functions that made them: the card signature with the public
    key alone, the binding and QR signatures with the issuer's public key, the payload
    decoded field by field."""
    message = challenge_message(CHALLENGE, SESSION_ID, KIOSK_ID)
    assert message == (b"certificate-kiosk/card-auth/v1\n" + SESSION_ID.encode() + b"\n" + KIOSK_ID.encode()
                       + b"\n" + CHALLENGE.hex().encode())
    key = _card_key()
    key.public_key().verify(key.sign(message, padding.PKCS1v15(), hashes.SHA256()), message, padding.PKCS1v15(),
                            hashes.SHA256())
    issuer = _issuer().public_key()
    raw = qr_payload.b45decode(qr_payload.encode(DOCUMENT, _issuer())[4:])
    assert raw[0] == 1 and raw[1] == 0  # version 1, type juminhyo (first of the catalogue)
    assert int.from_bytes(raw[2:5], "big") == 139998
    assert int.from_bytes(raw[5:8], "big") == 739946  # 2026-11-26 as a proleptic Gregorian ordinal
    serial_length = raw[8]
    assert raw[9:9 + serial_length] == b"139998-2026-0000001"
    assert raw[9 + serial_length:-64].hex() == document_hash(DOCUMENT)
    issuer.verify(raw[-64:], b"certificate-kiosk/qr/v1\n" + raw[:-64])


if __name__ == "__main__":
    for make in BLOCKS:
        print(make(), end="\n\n")
