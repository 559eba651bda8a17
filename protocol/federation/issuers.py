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

When no key the directory lists verifies a QR code, :func:`verify_qr` says why as far as
the directory can tell, each a ``QrSignatureInvalid`` (so a caller that does not tell
them apart still refuses the paper):

- a key the operator withdrew verifies it (:class:`KeyRevoked`): the directory's
  revocation record names the key, when and why;
- the directory lists no key of the municipality valid on the issue date
  (:class:`IssuerNotListed`), or lists some and none verifies
  (:class:`IssuerKeyNotListed`). The QR code names no key, so a verifier whose copy is
  older than the paper may simply not know the municipality or its new key (a rotation
  since) yet, and must be told to update it, not that a genuine paper is forged
  (:attr:`SignerNotListed.postdates_paper` says when the copy is too recent for that).
  The centre's own copy is the current one whenever it checks (``current``): every key
  a genuine paper was checked with before it was printed is in it, so its word is final
  for paper of any date, today's included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.documents import qr_payload
from protocol.federation.directory import Directory, RevokedKey

#: A directory published this long after the start of a paper's issue date (its last
#: moment in any time zone, and a day more) was published after the paper was printed.
_AFTER_ISSUE_DATE = dt.timedelta(days=2)


class SignerNotListed(qr_payload.QrSignatureInvalid):
    """No key the directory lists for the municipality a QR code names, valid on the code's
    issue date, verifies it, and no key it records as revoked does: nothing verified the
    paper.

    ``postdates_paper`` tells the two causes apart as far as the directory can: a member's
    genuine paper is printed only after a kiosk checked it with a key a published
    directory listed, and every later directory keeps that key (rotation ends its period
    but keeps it listed) unless the operator withdrew it (``revoke-key``, which records
    the key). So a directory published after the paper's issue date that does not list
    the key that signed it is conclusive (the paper is not a member's, or its key was
    removed before revocations were recorded); an older one may only be out of date (the
    municipality admitted, or its key added or rotated, since)."""

    def __init__(self, message: str, code: str, issued_on: dt.date, directory: Directory,
                 current: bool = False) -> None:
        """``current``: the copy is the centre's current one at the moment of the check."""
        super().__init__(message)
        self.code = code
        self.issued_on = issued_on
        self.directory_serial = directory.serial
        self.directory_issued_at = directory.issued_at
        self.current = current

    @property
    def postdates_paper(self) -> bool:
        """The directory was current after the paper was printed: it is the centre's
        current copy (the paper exists, so it was printed before this check), or it was
        published after the paper's issue date had ended everywhere."""
        start = dt.datetime.combine(self.issued_on, dt.time(0), tzinfo=dt.UTC)
        return self.current or self.directory_issued_at >= start + _AFTER_ISSUE_DATE


class IssuerNotListed(SignerNotListed):
    """The directory lists no issuer key of the municipality valid on the issue date: none
    was tried (the municipality is not a member, or was admitted or given a key since)."""

    def __init__(self, code: str, issued_on: dt.date, directory: Directory, current: bool = False) -> None:
        super().__init__(f"the directory lists no issuer key of municipality {code} valid on {issued_on}",
                         code, issued_on, directory, current)


class IssuerKeyNotListed(SignerNotListed):
    """The directory lists issuer keys of the municipality valid on the issue date, and none
    verifies: forged or altered, or signed with a key the municipality rotated in after
    this copy of the directory was published (the QR code names no key)."""

    def __init__(self, code: str, issued_on: dt.date, directory: Directory, current: bool = False) -> None:
        super().__init__(f"none of the directory's issuer keys of municipality {code} valid on {issued_on} "
                         "verifies it", code, issued_on, directory, current)


class KeyRevoked(qr_payload.QrSignatureInvalid):
    """Only a key the operator withdrew verifies the QR code: the paper was signed with it
    (genuine or made with the stolen key, it cannot be relied on)."""

    def __init__(self, revoked: RevokedKey) -> None:
        super().__init__(f"signed with issuer key {revoked.key.key_id} of municipality {revoked.code}, "
                         f"revoked at {revoked.revoked_at.isoformat()}")
        self.revoked = revoked


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
    stops issuing, it does not void paper; a removed key does).

    ``current``: the holder is the directory's publisher, the centre, checking with the
    copy it serves, which is the current one at every check; any other holder's copy is
    known current only as of its issue time (a kept file, a municipal service's followed
    copy, a verifier's fetched one: a URL need not be the centre's)."""

    directory: Directory
    active_only: bool = False
    current: bool = False

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

    def refusal(self, text: str, claims: qr_payload.Claims, tried: bool) -> qr_payload.QrSignatureInvalid:
        """Why none of the keys given for ``claims`` verified ``text`` (``tried``: some were
        given), as far as the directory can tell: a revoked key of the municipality that
        verifies it, or the directory not knowing the key that signed it. A plain refusal
        when the claims are self-contradictory (a serial numbered as another
        municipality's: no genuine paper is, so that is not a matter of an out-of-date
        directory) or the member is only suspended (the kiosk's refusal)."""
        code = claims.municipality_code
        if claims.serial.split("-", 1)[0] != code:
            return qr_payload.QrSignatureInvalid("the serial is another municipality's")
        for revoked in self.directory.revoked_issuer_keys(code):
            if _verifies(text, revoked.key.public_key):
                return KeyRevoked(revoked)
        if tried:
            return IssuerKeyNotListed(code, claims.issued_on, self.directory, self.current)
        member = self.directory.member(code)
        if member is not None and member.issuer_keys_for(claims.issued_on):
            return qr_payload.QrSignatureInvalid("the member is suspended")
        return IssuerNotListed(code, claims.issued_on, self.directory, self.current)


def _verifies(text: str, key: Ed25519PublicKey) -> bool:
    try:
        qr_payload.decode_and_verify(text, key)
    except qr_payload.QrSignatureInvalid:
        return False
    return True


def verify_qr(text: str, trust: IssuerTrust) -> qr_payload.Claims:
    """The QR code's claims if one of the keys ``trust`` gives for them signed it;
    ``QrPayloadError`` if unreadable; with a directory, ``KeyRevoked`` if only a withdrawn
    key verifies it, ``SignerNotListed`` if the directory does not list the key that signed
    it (:class:`IssuerNotListed`, :class:`IssuerKeyNotListed`); ``QrSignatureInvalid``
    otherwise (none verifies)."""
    claims = qr_payload.parse(text)
    keys = trust.keys_for_claims(claims)
    for key in keys:
        try:
            return qr_payload.decode_and_verify(text, key)
        except qr_payload.QrSignatureInvalid:
            continue
    if isinstance(trust, DirectoryIssuers):
        raise trust.refusal(text, claims, tried=bool(keys))
    raise qr_payload.QrSignatureInvalid("no issuer key of this municipality signed it")


def as_trust(key: Ed25519PublicKey | IssuerTrust) -> IssuerTrust:
    """A configured key as a :class:`SingleIssuer`; a trust as it is."""
    return SingleIssuer(key) if isinstance(key, Ed25519PublicKey) else key

