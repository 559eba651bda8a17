"""The federation directory: who takes part, and the keys to check what each one signs.

The centre publishes it; every kiosk, every municipal issuing server and every verifier
fetches it and checks it against an *anchor* installed out of band (the directory's signing
keys and the federation's name), as X-Road's security servers check the global
configuration. Nothing routes on or trusts a key that the directory does not list, so a
municipality joins, rotates a key or is suspended by one new signed directory, never by
reconfiguring kiosks.

A directory has an expiry time: a holder that cannot fetch a newer one keeps using the last
valid copy until then and stops trusting it after. Its ``serial`` only grows: a holder
refuses an older directory than the one it has (a replayed directory would resurrect a
suspended member or a retired key).

Keys have validity periods. A *message key* (centre ↔ municipal messages) is trusted only
inside its period; an *issuer key* (document bindings and QR codes) signs documents only
inside its period, but documents it signed stay verifiable as long as the directory lists
it, so a rotation never invalidates paper already handed to a bank.

A key the operator withdraws (``relay federation revoke-key``, after a compromise) leaves
its member's lists and is recorded in ``revoked_keys``: the key itself, its municipality,
when and why. Nothing trusts it any more (a directory never lists a key it records as
revoked); a verifier tries it only to tell a paper signed with it, so that it can say the
key was withdrawn on that date instead of only that no listed key verifies. The field is
written only when a key was revoked, and a reader that does not know it ignores it (every
reader takes the fields it knows): such a reader, which trusts only listed keys, refuses
that paper as it always did, so the format keeps its number.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol import ed25519
from protocol.federation.codes import is_code_shape

FORMAT = "certificate-kiosk/federation-directory/1"
ANCHOR_FORMAT = "certificate-kiosk/federation-anchor/1"
SIGNATURE_CONTEXT = b"certificate-kiosk/federation-directory/v1\n"
#: A directory file larger than this is refused before it is parsed.
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
STATUSES = ("active", "suspended")
KEY_KINDS = ("issuer", "message")
#: The most endpoints (nodes of one municipal issuing server) a member may list.
MAX_ENDPOINTS = 8


class DirectoryError(Exception):
    """The directory cannot be trusted. ``code`` says why (never a value from it):
    ``malformed``, ``wrong_federation``, ``unknown_signer``, ``bad_signature``,
    ``expired``, ``not_yet_valid``, ``rollback``, or ``unavailable`` (a holder has no valid
    copy at all)."""

    def __init__(self, code: str, detail: str = "") -> None:
        """``detail``: which part, a name fixed in the code (never a value from the file)."""
        super().__init__(f"federation directory refused: {code}" + (f" ({detail})" if detail else ""))
        self.code = code
        self.detail = detail


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key: short, stable, printable."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _raw(public_key: Ed25519PublicKey) -> str:
    return base64.b64encode(
        public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode("ascii")


def _public(text: Any) -> Ed25519PublicKey:
    if not isinstance(text, str):
        raise DirectoryError("malformed", "public_key")
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError as exc:
        raise DirectoryError("malformed", "public_key") from exc


def _time(value: Any, name: str) -> dt.datetime:
    if not isinstance(value, str):
        raise DirectoryError("malformed", name)
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise DirectoryError("malformed", name) from exc
    if when.tzinfo is None:
        raise DirectoryError("malformed", name)
    return when


def reason_problem(reason: str) -> str | None:
    """What keeps ``reason`` out of a revocation record, or None: it is published, so at
    most 512 printable characters on one line (the character that is not printable is
    named: a full-width space, U+3000, looks like one)."""
    unprintable = next((c for c in reason if not c.isprintable()), None)
    if unprintable is not None:
        return f"it holds U+{ord(unprintable):04X}, which is not printable"
    if len(reason) > 512:
        return f"it has {len(reason)}"
    return None


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 512:
        raise DirectoryError("malformed", name)
    return value


@dataclass(frozen=True)
class PublishedKey:
    """An Ed25519 public key with the period in which it may sign."""

    public_key: Ed25519PublicKey
    not_before: dt.datetime
    not_after: dt.datetime

    @cached_property
    def key_id(self) -> str:
        """Computed once: the centre looks keys up by id on every message."""
        return key_id(self.public_key)

    def valid_at(self, when: dt.datetime) -> bool:
        return self.not_before <= when <= self.not_after

    def to_json(self) -> dict[str, str]:
        return {"key_id": self.key_id, "public_key": _raw(self.public_key),
                "not_before": self.not_before.isoformat(), "not_after": self.not_after.isoformat()}

    @classmethod
    def from_json(cls, data: Any) -> PublishedKey:
        if not isinstance(data, dict):
            raise DirectoryError("malformed", "key")
        key = cls(_public(data.get("public_key")), _time(data.get("not_before"), "not_before"),
                  _time(data.get("not_after"), "not_after"))
        if data.get("key_id") != key.key_id or key.not_after < key.not_before:
            raise DirectoryError("malformed", "key_id")
        return key


@dataclass(frozen=True)
class RevokedKey:
    """A key the operator withdrew: kept, with the public key, so that a verifier can
    recognise a paper it signed (the key verifies its QR code) and say when and why it was
    withdrawn. ``reason`` is the operator's words (``--reason``), empty if none was given."""

    code: str  # the member it was listed for
    kind: str  # "issuer" or "message"
    key: PublishedKey  # as it was listed: its id, public key and period
    revoked_at: dt.datetime
    reason: str = ""

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "kind": self.kind, **self.key.to_json(), "revoked_at": self.revoked_at.isoformat(),
                "reason": self.reason}

    @classmethod
    def from_json(cls, data: Any) -> RevokedKey:
        if not isinstance(data, dict):
            raise DirectoryError("malformed", "revoked key")
        code, kind, reason = data.get("code"), data.get("kind"), data.get("reason", "")
        if not is_code_shape(code) or kind not in KEY_KINDS:
            raise DirectoryError("malformed", "revoked key")
        if not isinstance(reason, str) or reason_problem(reason) is not None:
            raise DirectoryError("malformed", "revocation reason")
        return cls(str(code), str(kind), PublishedKey.from_json(data), _time(data.get("revoked_at"), "revoked_at"),
                   reason)


def _keys(data: Any, name: str) -> tuple[PublishedKey, ...]:
    if not isinstance(data, list) or len(data) > 64:
        raise DirectoryError("malformed", name)
    return tuple(PublishedKey.from_json(item) for item in data)


@dataclass(frozen=True)
class Member:
    """One participating municipality and its issuing server.

    A server run as several nodes (one database) lists each node's URL: ``endpoint`` is
    the first, ``more_endpoints`` the others, tried in order when one cannot answer. In
    JSON the list is ``endpoints`` (whole, starting with ``endpoint``), written only when
    there is more than one, so a one-node entry is as it always was and a holder that
    knows only ``endpoint`` still reaches the first node."""

    code: str  # 全国地方公共団体コード, six digits with the check digit
    name: str
    status: str  # "active" or "suspended"
    endpoint: str  # the issuing server's https URL, reached by the centre only
    tls_cert_sha256: str  # hex SHA-256 of the server's TLS certificate (DER): the centre pins it
    message_keys: tuple[PublishedKey, ...]  # sign its messages to the centre
    issuer_keys: tuple[PublishedKey, ...]  # sign its documents (bindings and QR codes)
    verification_url: str | None = None
    more_endpoints: tuple[str, ...] = ()  # the server's other nodes (same certificate, same database)

    @property
    def endpoints(self) -> tuple[str, ...]:
        """Every node's URL, the first one first."""
        return (self.endpoint, *self.more_endpoints)

    def message_key(self, kid: str, when: dt.datetime) -> PublishedKey | None:
        """The message key ``kid`` if it may sign at ``when``."""
        return next((k for k in self.message_keys if k.key_id == kid and k.valid_at(when)), None)

    def signing_issuer_key(self, when: dt.datetime) -> PublishedKey | None:
        """The issuer key that may sign a document issued at ``when`` (the newest if several)."""
        valid = [k for k in self.issuer_keys if k.valid_at(when)]
        return max(valid, key=lambda k: k.not_before) if valid else None

    def issuer_keys_for(self, issued: dt.date) -> tuple[PublishedKey, ...]:
        """Issuer keys whose period covers the day a document says it was issued."""
        return tuple(k for k in self.issuer_keys if k.not_before.date() <= issued <= k.not_after.date())

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "status": self.status, "endpoint": self.endpoint,
                "tls_cert_sha256": self.tls_cert_sha256,
                "message_keys": [k.to_json() for k in self.message_keys],
                "issuer_keys": [k.to_json() for k in self.issuer_keys],
                "verification_url": self.verification_url,
                **({"endpoints": list(self.endpoints)} if self.more_endpoints else {})}

    @classmethod
    def from_json(cls, data: Any) -> Member:
        if not isinstance(data, dict):
            raise DirectoryError("malformed", "member")
        code = _text(data.get("code"), "code")
        status = data.get("status")
        if not is_code_shape(code) or status not in STATUSES:
            raise DirectoryError("malformed", "member")
        url = data.get("verification_url")
        fingerprint = _text(data.get("tls_cert_sha256"), "tls_cert_sha256")
        if len(fingerprint) != 64 or any(c not in "0123456789abcdef" for c in fingerprint):
            raise DirectoryError("malformed", "tls_cert_sha256")
        endpoint = _text(data.get("endpoint"), "endpoint")
        return cls(code, _text(data.get("name"), "name"), str(status), endpoint,
                   fingerprint, _keys(data.get("message_keys"), "message_keys"),
                   _keys(data.get("issuer_keys"), "issuer_keys"),
                   None if url is None else _text(url, "verification_url"),
                   _endpoints(data.get("endpoints", [endpoint]), endpoint)[1:])


def endpoint_problem(url: str) -> str | None:
    """What ``url`` lacks to be a member's endpoint, or None: an https URL of at most 512
    characters, with a host and, when it names one, a port of 1 to 65535 (checked where an
    operator gives it: ``relay municipality init``, ``relay federation admit`` and
    ``set-endpoints``)."""
    if not url.startswith("https://") or not 8 < len(url) <= 512:
        return "an https:// URL"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "a port of 1 to 65535"
    if not parts.hostname:
        return "a host"
    if port == 0:
        return "a port of 1 to 65535"
    return None


def _endpoints(data: Any, first: str) -> tuple[str, ...]:
    """A member's ``endpoints``: 1 to :data:`MAX_ENDPOINTS` distinct URLs, ``endpoint`` first."""
    if not isinstance(data, list) or not 0 < len(data) <= MAX_ENDPOINTS:
        raise DirectoryError("malformed", "endpoints")
    found = tuple(_text(item, "endpoints") for item in data)
    if found[0] != first or len(set(found)) != len(found):
        raise DirectoryError("malformed", "endpoints")
    return found


@dataclass(frozen=True)
class Directory:
    federation: str
    serial: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    centre_message_keys: tuple[PublishedKey, ...]
    members: tuple[Member, ...] = field(default=())
    revoked_keys: tuple[RevokedKey, ...] = field(default=())

    def __post_init__(self) -> None:
        """A withdrawn key is never trusted again, whoever made the directory: one that
        lists a key it also records as revoked, or records a key twice, is malformed."""
        if not self.revoked_keys:
            return
        revoked = {r.key.key_id for r in self.revoked_keys}
        listed = {k.key_id for m in self.members for k in m.issuer_keys + m.message_keys}
        listed |= {k.key_id for k in self.centre_message_keys}
        if len(revoked) != len(self.revoked_keys) or revoked & listed:
            raise DirectoryError("malformed", "revoked key listed")

    @cached_property
    def _by_code(self) -> dict[str, Member]:
        return {m.code: m for m in self.members}

    def member(self, code: str) -> Member | None:
        """By code, through an index built once: a national directory has over a thousand
        members and the centre asks on every message."""
        return self._by_code.get(code)

    def active(self, code: str) -> Member | None:
        """The member ``code`` if it may be routed to now."""
        member = self.member(code)
        return member if member is not None and member.status == "active" else None

    def centre_key(self, kid: str, when: dt.datetime) -> PublishedKey | None:
        return next((k for k in self.centre_message_keys if k.key_id == kid and k.valid_at(when)), None)

    def revoked_issuer_keys(self, code: str) -> tuple[RevokedKey, ...]:
        """The issuer keys of municipality ``code`` the operator withdrew."""
        return tuple(r for r in self.revoked_keys if r.code == code and r.kind == "issuer")

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "federation": self.federation, "serial": self.serial,
                "issued_at": self.issued_at.isoformat(), "expires_at": self.expires_at.isoformat(),
                "centre_message_keys": [k.to_json() for k in self.centre_message_keys],
                "members": [m.to_json() for m in self.members],
                **({"revoked_keys": [r.to_json() for r in self.revoked_keys]} if self.revoked_keys else {})}

    @classmethod
    def from_json(cls, data: Any) -> Directory:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise DirectoryError("malformed", "format")
        serial = data.get("serial")
        members = data.get("members")
        if not isinstance(serial, int) or isinstance(serial, bool) or serial < 0 or not isinstance(members, list):
            raise DirectoryError("malformed", "serial")
        parsed = tuple(Member.from_json(m) for m in members)
        if len({m.code for m in parsed}) != len(parsed):
            raise DirectoryError("malformed", "duplicate member")
        revoked = data.get("revoked_keys", [])
        if not isinstance(revoked, list):
            raise DirectoryError("malformed", "revoked_keys")
        return cls(_text(data.get("federation"), "federation"), serial, _time(data.get("issued_at"), "issued_at"),
                   _time(data.get("expires_at"), "expires_at"),
                   _keys(data.get("centre_message_keys"), "centre_message_keys"), parsed,
                   tuple(RevokedKey.from_json(r) for r in revoked))


def _canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(directory: Directory, key: Ed25519PrivateKey) -> bytes:
    """The published file: the directory, the signing key's id and the signature."""
    body = directory.to_json()
    signature = key.sign(SIGNATURE_CONTEXT + _canonical(body))
    return _canonical({"directory": body, "key_id": key_id(key.public_key()),
                       "signature": base64.b64encode(signature).decode("ascii")})


@dataclass(frozen=True)
class Anchor:
    """What a holder is installed with, out of band: the federation and its directory keys."""

    federation: str
    keys: tuple[Ed25519PublicKey, ...]

    def to_bytes(self) -> bytes:
        return _canonical({"format": ANCHOR_FORMAT, "federation": self.federation,
                           "keys": [_raw(k) for k in self.keys]})

    @classmethod
    def from_bytes(cls, data: bytes) -> Anchor:
        try:
            parsed = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
            raise DirectoryError("malformed", "anchor") from exc
        if not isinstance(parsed, dict) or parsed.get("format") != ANCHOR_FORMAT:
            raise DirectoryError("malformed", "anchor")
        keys = parsed.get("keys")
        if not isinstance(keys, list) or not keys:
            raise DirectoryError("malformed", "anchor keys")
        return cls(_text(parsed.get("federation"), "federation"), tuple(_public(k) for k in keys))


def verify(data: bytes, anchor: Anchor, now: dt.datetime, held: Directory | None = None) -> Directory:
    """The directory in ``data`` if the anchor's keys signed it, it is current at ``now``,
    and it is not older than ``held`` (the copy the caller already trusts)."""
    if len(data) > MAX_DIRECTORY_BYTES:
        raise DirectoryError("malformed", "too large")
    try:
        outer = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise DirectoryError("malformed") from exc
    if not isinstance(outer, dict) or not isinstance(outer.get("directory"), dict):
        raise DirectoryError("malformed")
    signer = next((k for k in anchor.keys if key_id(k) == outer.get("key_id")), None)
    if signer is None:
        raise DirectoryError("unknown_signer")
    try:
        signature = base64.b64decode(str(outer.get("signature")), validate=True)
        ed25519.verify(signer, signature, SIGNATURE_CONTEXT + _canonical(outer["directory"]))
    except (InvalidSignature, ValueError) as exc:
        raise DirectoryError("bad_signature") from exc
    directory = Directory.from_json(outer["directory"])
    if directory.federation != anchor.federation:
        raise DirectoryError("wrong_federation")
    if now < directory.issued_at - dt.timedelta(minutes=5):  # a little clock skew is tolerated
        raise DirectoryError("not_yet_valid")
    if now >= directory.expires_at:
        raise DirectoryError("expired")
    if held is not None and directory.serial < held.serial:
        raise DirectoryError("rollback")
    return directory


def issuer_keys_for_serial(directory: Directory, serial: str, issued: dt.date) -> Iterable[PublishedKey]:
    """The keys that may have signed the document numbered ``serial`` (``<code>-<year>-<n>``,
    the municipality's code first), issued on ``issued``: a verifier tries these only."""
    member = directory.member(serial.split("-", 1)[0])
    return member.issuer_keys_for(issued) if member is not None else ()
