"""What the card signs to prove it is present in this session at this terminal.

The relay sends a fresh 32-byte challenge with each session. The card signs, with its
authentication key, a SHA-256 DigestInfo (PKCS#1 v1.5) over the message below, which binds
the challenge to the session id and the kiosk id: a signature captured at one terminal or
in one session is useless in any other. Client and relay both import this function.
"""

from __future__ import annotations

import hashlib

CHALLENGE_CONTEXT = b"certificate-kiosk/card-auth/v1\n"
CHALLENGE_BYTES = 32

#: DER prefix of a SHA-256 DigestInfo (RFC 8017 §9.2): what a card's raw RSA sign wraps.
SHA256_DIGESTINFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


def challenge_message(challenge: bytes, session_id: str, kiosk_id: str) -> bytes:
    """The exact bytes the card signs (hashed with SHA-256 inside the signature)."""
    if len(challenge) != CHALLENGE_BYTES:
        raise ValueError("the challenge is 32 bytes")
    for part in (session_id, kiosk_id):
        if not part or not part.isascii() or not part.isprintable() or "\n" in part:
            raise ValueError("session and kiosk ids are printable ASCII")
    return b"".join(
        (CHALLENGE_CONTEXT, session_id.encode(), b"\n", kiosk_id.encode(), b"\n", challenge.hex().encode())
    )


def digest_info(challenge: bytes, session_id: str, kiosk_id: str) -> bytes:
    """The DigestInfo a card's raw sign command receives (JPKI COMPUTE DIGITAL SIGNATURE)."""
    digest = hashlib.sha256(challenge_message(challenge, session_id, kiosk_id)).digest()
    return SHA256_DIGESTINFO_PREFIX + digest
