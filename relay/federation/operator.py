"""The federation operator's directory: its source, its keys and its signed publications.

Everything lives in one directory the operator keeps (``relay federation init DIR``)::

    DIR/federation.json        the source: the last published directory's content, edited
                               by admit, suspend, resume, set-endpoints and the key
                               commands
    DIR/directory.json         the latest signed directory (what the centre serves)
    DIR/anchor.json            the anchor to install, out of band, on every kiosk, server
                               and verifier
    DIR/ca.pem                 the federation CA (mTLS between centre and municipal servers)
    DIR/operations.jsonl       every change, one JSON line each (what, when, which member)
    DIR/private/               0700: the directory signing key, the CA key, the centre's
                               message key (0600 each)

A change to the source reaches nobody until ``publish`` signs a new directory with the next
serial: holders refuse an older serial than the one they hold, so a directory published
before a suspension can never be replayed after it. Mutating commands take an exclusive
lock on the directory, so two operators cannot publish the same serial.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol.federation.codes import code_problem
from protocol.federation.directory import (
    KEY_KINDS,
    MAX_ENDPOINTS,
    Anchor,
    Directory,
    DirectoryError,
    Member,
    PublishedKey,
    RevokedKey,
    endpoint_problem,
    key_id,
    reason_problem,
    sign,
)
from relay.federation import ca
from relay.federation.report import ReportError, verify_report

SOURCE = "federation.json"
PUBLISHED = "directory.json"
ANCHOR = "anchor.json"
CA_CERT = "ca.pem"
OPERATIONS = "operations.jsonl"
PRIVATE = "private"
SIGNING_KEY = "directory-signing.key"
CA_KEY = "ca.key"
CENTRE_MESSAGE_KEY = "centre-message.key"


class OperatorError(Exception):
    """A command that cannot be done; the message says why, for the operator."""


def _check_endpoints(endpoints: tuple[str, ...] | list[str]) -> None:
    if not 0 < len(endpoints) <= MAX_ENDPOINTS:
        raise OperatorError(f"a member lists 1 to {MAX_ENDPOINTS} endpoints")
    for endpoint in endpoints:
        if problem := endpoint_problem(endpoint):
            raise OperatorError(f"the member's endpoint {endpoint[:80]} needs {problem}")
    if len(set(endpoints)) != len(endpoints):
        raise OperatorError("the member's endpoints are listed twice")


def _write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Atomically: a reader sees the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _private_pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM file (a municipality's new issuer or message key)."""
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except OSError as exc:
        raise OperatorError(f"cannot read {path} ({exc.strerror or type(exc).__name__})") from exc
    except ValueError as exc:
        raise OperatorError(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise OperatorError(f"{path} is not an Ed25519 public key")
    return key


class Federation:
    """One operator directory (see the module's docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- creation ----------------------------------------------------------------------------
    @classmethod
    def init(cls, root: Path, name: str, now: dt.datetime, ca_days: int = 3650,
             centre_key_days: int = 730) -> Federation:
        """A new federation: CA, directory signing key, anchor, centre message key and an
        empty source (serial 0, nothing published yet)."""
        if not name or len(name) > 128 or not name.isprintable():
            raise OperatorError("the federation name must be 1-128 printable characters")
        if (root / SOURCE).exists():
            raise OperatorError(f"{root} already holds a federation ({SOURCE}); nothing was changed")
        if root.exists() and not root.is_dir():
            raise OperatorError(f"{root} is a file, not a directory; nothing was changed")
        root.mkdir(parents=True, exist_ok=True)
        private = root / PRIVATE
        private.mkdir(mode=0o700, exist_ok=True)
        os.chmod(private, 0o700)
        signing = Ed25519PrivateKey.generate()
        centre = Ed25519PrivateKey.generate()
        ca_key, ca_cert = ca.new_ca(name, now, ca_days)
        _write(private / SIGNING_KEY, _private_pem(signing), 0o600)
        _write(private / CA_KEY, _private_pem(ca_key), 0o600)
        _write(private / CENTRE_MESSAGE_KEY, _private_pem(centre), 0o600)
        _write(root / CA_CERT, ca_cert.public_bytes(serialization.Encoding.PEM))
        _write(root / ANCHOR, Anchor(name, (signing.public_key(),)).to_bytes())
        centre_key = PublishedKey(centre.public_key(), now, now + dt.timedelta(days=centre_key_days))
        federation = cls(root)
        federation._save(Directory(name, 0, now, now, (centre_key,), ()))
        federation._record(now, "init", federation=name, signing_key=key_id(signing.public_key()),
                           centre_message_key=centre_key.key_id)
        return federation

    # -- the source --------------------------------------------------------------------------
    def source(self) -> Directory:
        path = self.root / SOURCE
        try:
            return Directory.from_json(json.loads(path.read_bytes()))
        except FileNotFoundError:
            raise OperatorError(f"{self.root} holds no federation (relay federation init {self.root})") from None
        except (OSError, ValueError, DirectoryError) as exc:
            raise OperatorError(f"{path} cannot be read ({exc})") from exc

    def _save(self, directory: Directory) -> None:
        _write(self.root / SOURCE, json.dumps(directory.to_json(), indent=1, ensure_ascii=False).encode())

    def _record(self, now: dt.datetime, action: str, **fields: Any) -> None:
        line = json.dumps({"at": now.isoformat(), "action": action, **fields}, ensure_ascii=False, sort_keys=True)
        fd = os.open(self.root / OPERATIONS, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line + "\n")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Directory]:
        """The source under an exclusive lock (one operator command at a time)."""
        self.source()  # a clear error before the lock file is made in a wrong directory
        fd = os.open(self.root / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield self.source()
        finally:
            os.close(fd)

    def _member(self, directory: Directory, code: str) -> Member:
        member = directory.member(code)
        if member is None:
            raise OperatorError(f"no municipality {code} in the federation")
        return member

    def _refuse_known_keys(self, directory: Directory, *keys: PublishedKey) -> None:
        """A key goes in the directory once: never a key another member (or this one)
        publishes already, nor one that was withdrawn (it stays withdrawn for good)."""
        published = {k.key_id for m in directory.members for k in m.issuer_keys + m.message_keys}
        for key in keys:
            if key.key_id in published:
                raise OperatorError(f"key {key.key_id} is already published")
            withdrawn = next((r for r in directory.revoked_keys if r.key.key_id == key.key_id), None)
            if withdrawn is not None:
                raise OperatorError(f"key {key.key_id} was revoked on {withdrawn.revoked_at.isoformat()}: a withdrawn "
                                    "key is never published again")

    def _with_member(self, directory: Directory, member: Member) -> Directory:
        others = tuple(m for m in directory.members if m.code != member.code)
        return replace(directory, members=tuple(sorted(others + (member,), key=lambda m: m.code)))

    # -- members -----------------------------------------------------------------------------
    def admit(self, member_json: bytes, now: dt.datetime, conformance_report: bytes | None,
              skip_conformance_check: bool = False) -> Member:
        """Add a municipality from the ``member.json`` its ``relay municipality init`` wrote.

        It must have passed the conformance kit: ``conformance_report`` is the report
        ``relay municipality check --report`` wrote and the centre signed, current, passed,
        about its code and this very entry (:func:`relay.federation.report.verify_report`).
        ``skip_conformance_check`` admits without one (a test federation) and says so in
        the operations log."""
        try:
            member = Member.from_json(json.loads(member_json))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
            raise OperatorError("the member file is not JSON") from exc
        except DirectoryError as exc:
            raise OperatorError(f"the member file is not a valid member ({exc.code}: {exc})") from exc
        if problem := code_problem(member.code):
            raise OperatorError(problem)
        _check_endpoints(member.endpoints)
        if not member.issuer_keys or not member.message_keys:
            raise OperatorError("the member must publish at least one issuer key and one message key")
        conformance = self._conformance(member, conformance_report, skip_conformance_check, now)
        with self._locked() as directory:
            if directory.member(member.code) is not None:
                raise OperatorError(f"municipality {member.code} is already in the federation")
            self._refuse_known_keys(directory, *member.issuer_keys, *member.message_keys)
            member = replace(member, status="active")
            self._save(self._with_member(directory, member))
            self._record(now, "admit", code=member.code, conformance=conformance)
        return member

    def _conformance(self, member: Member, report: bytes | None, skip: bool, now: dt.datetime) -> str:
        """The admission's conformance evidence: the report's SHA-256, or ``skipped``. The
        report must be signed by a centre key of this federation (its source lists them)."""
        if report is None:
            if skip:
                return "skipped"
            raise OperatorError("a municipality is admitted only after it has passed the conformance check: "
                                "give --conformance-report FILE (written by relay municipality check)")
        try:
            verify_report(report, member, self.source().centre_key, now)
        except ReportError as exc:
            raise OperatorError(str(exc)) from exc
        return "sha256:" + hashlib.sha256(report).hexdigest()

    def set_status(self, code: str, status: str, now: dt.datetime, reason: str = "") -> Member:
        """Suspend (no request is routed to it) or resume a municipality."""
        with self._locked() as directory:
            member = replace(self._member(directory, code), status=status)
            self._save(self._with_member(directory, member))
            self._record(now, "suspend" if status == "suspended" else "resume", code=code, reason=reason)
        return member

    def set_endpoints(self, code: str, endpoints: list[str], now: dt.datetime) -> Member:
        """The URLs of a municipality's issuing server nodes, the first one first (the centre
        tries them in this order; each must present the member's pinned certificate)."""
        _check_endpoints(endpoints)
        with self._locked() as directory:
            member = replace(self._member(directory, code), endpoint=endpoints[0],
                             more_endpoints=tuple(endpoints[1:]))
            self._save(self._with_member(directory, member))
            self._record(now, "set_endpoints", code=code, endpoints=list(endpoints))
        return member

    # -- keys --------------------------------------------------------------------------------
    def add_key(self, code: str, kind: str, public_key: Ed25519PublicKey, not_before: dt.datetime,
                not_after: dt.datetime, now: dt.datetime) -> PublishedKey:
        """Publish one more issuer or message key of ``code`` (old ones stay, so both are
        trusted in their overlap)."""
        if kind not in KEY_KINDS:
            raise OperatorError(f"the key kind must be one of {', '.join(KEY_KINDS)}")
        if not_after <= not_before:
            raise OperatorError("the key's period must end after it begins")
        key = PublishedKey(public_key, not_before, not_after)
        with self._locked() as directory:
            member = self._member(directory, code)
            self._refuse_known_keys(directory, key)
            if kind == "issuer":
                member = replace(member, issuer_keys=member.issuer_keys + (key,))
            else:
                member = replace(member, message_keys=member.message_keys + (key,))
            self._save(self._with_member(directory, member))
            self._record(now, "add_key", code=code, kind=kind, key_id=key.key_id,
                         not_before=not_before.isoformat(), not_after=not_after.isoformat())
        return key

    def rotate_issuer_key(self, code: str, public_key: Ed25519PublicKey, at: dt.datetime, overlap: dt.timedelta,
                          valid_for: dt.timedelta, now: dt.datetime) -> PublishedKey:
        """The new issuer key signs from ``at``; every older key may still sign until
        ``at + overlap`` (servers that have not switched yet) and stays listed, so the
        documents it signed keep verifying. ``revoke_key`` is for a compromised key."""
        key = PublishedKey(public_key, at, at + valid_for)
        end = at + overlap
        with self._locked() as directory:
            member = self._member(directory, code)
            self._refuse_known_keys(directory, key)
            old = []
            for k in member.issuer_keys:
                if k.not_after > end:
                    if k.not_before > end:
                        raise OperatorError(f"issuer key {k.key_id} begins after the overlap ends: revoke it "
                                            "or choose a later --at")
                    k = replace(k, not_after=end)
                old.append(k)
            member = replace(member, issuer_keys=(*old, key))
            self._save(self._with_member(directory, member))
            self._record(now, "rotate_issuer_key", code=code, key_id=key.key_id, at=at.isoformat(),
                         old_keys_end=end.isoformat())
        return key

    def revoke_key(self, code: str, kid: str, now: dt.datetime, reason: str = "") -> RevokedKey:
        """Withdraw a (compromised) key: once published, nothing it signed verifies any more,
        documents included; the municipality re-issues what it must. The key leaves the
        member's lists and the directory records it, with ``now`` and ``reason`` (published:
        a verifier holding a paper it signed is told so, and when and why)."""
        if problem := reason_problem(reason):
            raise OperatorError("the reason is published in the directory: at most 512 printable characters, "
                                f"on one line ({problem})")
        with self._locked() as directory:
            member = self._member(directory, code)
            listed = [("issuer", k) for k in member.issuer_keys if k.key_id == kid]
            listed += [("message", k) for k in member.message_keys if k.key_id == kid]
            if not listed:
                earlier = next((r for r in directory.revoked_keys if r.code == code and r.key.key_id == kid), None)
                if earlier is not None:
                    raise OperatorError(f"key {kid} of municipality {code} was revoked already, "
                                        f"on {earlier.revoked_at.isoformat(timespec='seconds')}")
                raise OperatorError(f"municipality {code} has no key {kid}")
            kind, key = listed[0]
            revoked = RevokedKey(code, kind, key, now, reason)
            member = replace(member, issuer_keys=tuple(k for k in member.issuer_keys if k.key_id != kid),
                             message_keys=tuple(k for k in member.message_keys if k.key_id != kid))
            self._save(replace(self._with_member(directory, member),
                               revoked_keys=(*directory.revoked_keys, revoked)))
            self._record(now, "revoke_key", code=code, key_id=kid, reason=reason)
        return revoked

    # -- publication -------------------------------------------------------------------------
    def publish(self, now: dt.datetime, valid_for: dt.timedelta) -> Directory:
        """Sign the source as the next directory (serial + 1), valid from now for ``valid_for``."""
        if valid_for <= dt.timedelta(0):
            raise OperatorError("the directory must be valid for a positive time")
        self.source()  # no federation here: say so, not that a key is missing
        signing = self._private_key(SIGNING_KEY)
        if not isinstance(signing, Ed25519PrivateKey):
            raise OperatorError("the directory signing key is not an Ed25519 key")
        with self._locked() as directory:
            published = replace(directory, serial=directory.serial + 1, issued_at=now, expires_at=now + valid_for)
            signed = sign(published, signing)
            self._save(published)
            _write(self.root / PUBLISHED, signed)
            self._record(now, "publish", serial=published.serial, expires_at=published.expires_at.isoformat(),
                         sha256=hashlib.sha256(signed).hexdigest())
        return published

    # -- the CA ------------------------------------------------------------------------------
    def sign_csr(self, csr_data: bytes, role: str, hosts: list[str], now: dt.datetime, days: int) -> x509.Certificate:
        key = self._private_key(CA_KEY)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise OperatorError("the CA key is not an EC key")
        try:
            ca_cert = x509.load_pem_x509_certificate((self.root / CA_CERT).read_bytes())
            cert = ca.sign_csr(ca.load_csr(csr_data), key, ca_cert, role, hosts, now, days)
        except OSError as exc:
            raise OperatorError(f"the CA certificate cannot be read ({exc.strerror or type(exc).__name__})") from exc
        except ca.CaError as exc:
            raise OperatorError(str(exc)) from exc
        self._record(now, "sign_csr", role=role, subject=cert.subject.rfc4514_string(),
                     tls_cert_sha256=ca.certificate_sha256(cert), not_after=cert.not_valid_after_utc.isoformat())
        return cert

    def _private_key(self, name: str) -> Any:
        path = self.root / PRIVATE / name
        try:
            return serialization.load_pem_private_key(path.read_bytes(), None)
        except OSError as exc:
            raise OperatorError(f"cannot read {path} ({exc.strerror or type(exc).__name__})") from exc
        except (ValueError, TypeError) as exc:
            raise OperatorError(f"{path} is not a usable private key") from exc
