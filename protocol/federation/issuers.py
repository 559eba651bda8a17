"""Which issuer keys may have signed a document: one configured key, or the directory's.

A kiosk of one municipality is configured with that municipality's issuer key
(``SingleIssuer``: every document is checked against it, as before the federation). A
kiosk, verifier or public service of a federation trusts the directory instead
(``DirectoryIssuers``): the document's serial (``<code>-<year>-<n>``) names its
municipality, the serial's code must be the municipality the document itself names, and
only that member's issuer keys whose period covers the document's issue date are tried.
So a key of municipality X never verifies a document numbered as Y's, a key that is
rotated out still verifies what it signed while it could, and a key the directory no
longer lists (revoked after a compromise) verifies nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.documents import qr_payload
from protocol.federation.directory import Directory


class IssuerTrust(Protocol):
    """The issuer keys a document or a QR code may be checked with (none: refuse it)."""

    def keys_for_document(self, document: Mapping[str, Any]) -> Sequence[Ed25519PublicKey]: ...

    def keys_for_claims(self, claims: qr_payload.Claims) -> Sequence[Ed25519PublicKey]: ...


@dataclass(frozen=True)
class SingleIssuer:
    """One municipality's issuer key, configured on the holder (no federation)."""

    key: Ed25519PublicKey

    def keys_for_document(self, document: Mapping[str, Any]) -> Sequence[Ed25519PublicKey]:
        return (self.key,)

    def keys_for_claims(self, claims: qr_payload.Claims) -> Sequence[Ed25519PublicKey]:
        return (self.key,)


def issuer_keys(directory: Directory, code: str, serial: str, issued_on: dt.date,
                active_only: bool = False) -> tuple[Ed25519PublicKey, ...]:
    """The directory's keys for a document of municipality ``code`` numbered ``serial``,
    issued on ``issued_on``; none when the serial is another municipality's (or, with
    ``active_only``, when the municipality is suspended)."""
    if serial.split("-", 1)[0] != code:
        return ()
    member = directory.active(code) if active_only else directory.member(code)
    return tuple(k.public_key for k in member.issuer_keys_for(issued_on)) if member is not None else ()


@dataclass(frozen=True)
class DirectoryIssuers:
    """Every member's issuer keys, from a verified directory.

    ``active_only``: a kiosk about to print a document it has just received takes it
    only from an active member (a suspended one's answer is refused, nothing printed);
    a verifier of paper already issued takes a suspended member's keys too (suspension
    stops issuing, it does not void paper; a removed key does)."""

    directory: Directory
    active_only: bool = False

    def keys_for_document(self, document: Mapping[str, Any]) -> Sequence[Ed25519PublicKey]:
        try:
            code, serial = document["municipality"]["code"], document["serial"]
            issued_on = dt.date.fromisoformat(document["issued_on"])
        except (KeyError, TypeError, ValueError):
            return ()
        if not isinstance(code, str) or not isinstance(serial, str):
            return ()
        return issuer_keys(self.directory, code, serial, issued_on, self.active_only)

    def keys_for_claims(self, claims: qr_payload.Claims) -> Sequence[Ed25519PublicKey]:
        return issuer_keys(self.directory, claims.municipality_code, claims.serial, claims.issued_on,
                           self.active_only)


def verify_qr(text: str, trust: IssuerTrust) -> qr_payload.Claims:
    """The QR code's claims if one of the keys ``trust`` gives for them signed it;
    ``QrPayloadError`` if unreadable, ``QrSignatureInvalid`` otherwise (no key, or none
    verifies)."""
    claims = qr_payload.parse(text)
    for key in trust.keys_for_claims(claims):
        try:
            return qr_payload.decode_and_verify(text, key)
        except qr_payload.QrSignatureInvalid:
            continue
    raise qr_payload.QrSignatureInvalid("no issuer key of this municipality signed it")


def as_trust(key: Ed25519PublicKey | IssuerTrust) -> IssuerTrust:
    """A configured key as a :class:`SingleIssuer`; a trust as it is."""
    return SingleIssuer(key) if isinstance(key, Ed25519PublicKey) else key

