"""Signed messages between the centre and a municipal issuing server.

Every message either side sends is an *envelope* around a JSON body: who sent it (the
municipality code, or ``centre``), the id of the message key that signed it, a fresh
message id, the time it was sent, what it answers (``in_reply_to``), its kind and the
SHA-256 of the canonical body. The signature covers all of that, so a receiver that keeps
the envelope (not the body) can later prove what it received, and the sender what it sent,
as X-Road's security servers do. The receiver checks the signature with the key the
federation directory lists for the sender at the time of sending
(:meth:`protocol.federation.directory.Member.message_key`,
:meth:`protocol.federation.directory.Directory.centre_key`), and refuses a message whose
time is too far from its own clock (a replay window the message id closes).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import ed25519
from protocol.federation.directory import PublishedKey, key_id

FORMAT = "certificate-kiosk/federation-message/1"
CONTEXT = b"certificate-kiosk/federation-message/v1\n"
CENTRE = "centre"
#: How far a message's time may be from the receiver's clock.
MAX_SKEW = dt.timedelta(minutes=5)
KINDS = ("menu", "koseki_menu", "issue", "outcome", "outcomes", "check", "answer", "refusal")
#: Kiosk outcomes in one ``outcomes`` message at most.
MAX_OUTCOMES = 100


class EnvelopeError(Exception):
    """A message that cannot be trusted; ``code`` says why (never a value from it):
    ``malformed``, ``unknown_key``, ``bad_signature``, ``digest``, ``stale`` or ``sender``."""

    def __init__(self, code: str) -> None:
        super().__init__(f"federation message refused: {code}")
        self.code = code


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body)).hexdigest()


@dataclass(frozen=True)
class Envelope:
    """What is signed and what both ends log: metadata and the body's digest, no body."""

    sender: str
    recipient: str
    key_id: str
    message_id: str
    sent_at: float
    kind: str
    in_reply_to: str | None
    body_sha256: str
    signature: str = ""

    def _fields(self) -> dict[str, Any]:
        """The fields by name (``dataclasses.asdict`` deep-copies each one: a measurable part
        of the centre's CPU, four envelopes a session each way)."""
        return {name: getattr(self, name) for name in _FIELD_NAMES}

    def signed_bytes(self) -> bytes:
        signed = self._fields()
        signed.pop("signature")
        return CONTEXT + canonical(signed)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, **self._fields()}

    @classmethod
    def from_json(cls, data: Any) -> Envelope:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise EnvelopeError("malformed")
        try:
            env = cls(str(data["sender"]), str(data["recipient"]), str(data["key_id"]), str(data["message_id"]),
                      float(data["sent_at"]), str(data["kind"]),
                      None if data["in_reply_to"] is None else str(data["in_reply_to"]),
                      str(data["body_sha256"]), str(data["signature"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise EnvelopeError("malformed") from exc
        if env.kind not in KINDS or len(env.message_id) != 32 or len(env.body_sha256) != 64:
            raise EnvelopeError("malformed")
        return env


_FIELD_NAMES = tuple(f.name for f in fields(Envelope))


def seal(body: dict[str, Any], *, sender: str, recipient: str, key: Ed25519PrivateKey, kind: str,
         now: dt.datetime, in_reply_to: str | None = None) -> dict[str, Any]:
    """The wire form ``{"envelope": …, "body": …}`` of ``body``, signed by ``key``."""
    if kind not in KINDS:
        raise ValueError("unknown message kind")
    env = Envelope(sender, recipient, key_id(key.public_key()), secrets.token_hex(16), now.timestamp(), kind,
                   in_reply_to, body_digest(body))
    signature = base64.b64encode(key.sign(env.signed_bytes())).decode("ascii")
    return {"envelope": replace(env, signature=signature).to_json(), "body": body}


#: (sender, key id, time sent) → the key the directory lists for it then, or None.
KeyLookup = Callable[[str, str, dt.datetime], PublishedKey | None]


def open_message(message: Any, keys: KeyLookup, *, recipient: str, now: dt.datetime) -> tuple[Envelope, dict[str, Any]]:
    """The envelope and body of ``message`` if its sender's listed key signed it for
    ``recipient``, its body is the one signed and it was sent within :data:`MAX_SKEW`."""
    if not isinstance(message, dict) or not isinstance(message.get("body"), dict):
        raise EnvelopeError("malformed")
    env = Envelope.from_json(message.get("envelope"))
    body: dict[str, Any] = message["body"]
    if env.recipient != recipient:
        raise EnvelopeError("sender")
    sent = dt.datetime.fromtimestamp(env.sent_at, dt.UTC)
    if abs(sent - now) > MAX_SKEW:
        raise EnvelopeError("stale")
    published = keys(env.sender, env.key_id, sent)
    if published is None:
        raise EnvelopeError("unknown_key")
    try:
        ed25519.verify(published.public_key, base64.b64decode(env.signature, validate=True), env.signed_bytes())
    except (InvalidSignature, ValueError) as exc:
        raise EnvelopeError("bad_signature") from exc
    if body_digest(body) != env.body_sha256:
        raise EnvelopeError("digest")
    return env, body
