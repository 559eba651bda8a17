"""The per-document scramble key: what the relay gives the kiosk instead of its secret.

The scrambled face on a certificate's back can be turned back only by the relay's
verification service, which holds the master secret (``pki/scramble.key``). The kiosk never
holds that secret: with each issued document the relay sends the key of that one document,
derived from the master secret and the document's serial. It unlocks only the scrambled
image of a document the kiosk already holds in clear, and the verification service derives
the same key again from the serial in the signed QR payload of the paper it is shown.
"""

from __future__ import annotations

import hashlib
import hmac

#: Domain separation: a key derived for another purpose from the same secret never collides.
CONTEXT = b"scramble/v1/"
KEY_BYTES = 32
MIN_SECRET_BYTES = 16


def document_scramble_key(master_secret: bytes, serial: str) -> bytes:
    """HMAC-SHA256(master secret, ``"scramble/v1/" + serial`` in UTF-8): 32 bytes."""
    if len(master_secret) < MIN_SECRET_BYTES:
        raise ValueError("the scramble master secret must be at least 16 bytes")
    if not serial:
        raise ValueError("a document serial is needed")
    return hmac.new(master_secret, CONTEXT + serial.encode("utf-8"), hashlib.sha256).digest()
