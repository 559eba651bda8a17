"""The conformance report: written and signed by the centre that ran the conformance kit
(``relay municipality check --report``), taken by the operator's ``relay federation admit``.

The centre signs it with its message key (``CENTRE/message.key``), whose public half the
federation already lists (``Directory.centre_keys``), so no new key has to be distributed:
``admit`` believes a report only if one of its own federation's centre keys, valid when the
kit ran, signed it. The signature covers the whole report under its own context string (a
report can never pass for a signed message, nor a message for a report). The report names
what it is about, and ``admit`` refuses it for any other:

- the municipality's code, and the member entry checked: its SHA-256 (keys, TLS pin and
  endpoint, :func:`member_digest`), with the TLS pin and the issuer and message key ids
  spelled out for the reader;
- a validity window (``checked_at`` … ``valid_until``): a report older than that says
  nothing about the server as it is now, so a stale one is refused and the kit run again.

So an edited report (its signature fails), a foreign one (signed by a key that is not a
centre key of this federation: another federation's, the candidate's own) and a stale one
are refused, as are one that did not pass or is about another entry.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol import ed25519
from protocol.federation.directory import Member, PublishedKey, key_id

FORMAT = "certificate-kiosk/conformance-report/2"
CONTEXT = b"certificate-kiosk/conformance-report/v2\n"
VALID_FOR = dt.timedelta(days=7)
MAX_VALID_FOR = dt.timedelta(days=31)  # a window longer than this is not a report about the server as it is
CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_REPORT_BYTES = 1024 * 1024


class ReportError(Exception):
    """Why a report admits no one, said for the operator."""


@dataclass(frozen=True)
class Check:
    check: str
    ok: bool
    detail: str = ""


def member_digest(member: Member) -> str:
    """SHA-256 of a member entry in canonical JSON (status aside): what a conformance report
    names, so it admits the entry the kit checked (its keys, pin and endpoint) and no other."""
    entry = {k: v for k, v in member.to_json().items() if k != "status"}
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def sign_report(member: Member, reached: str, checks: Sequence[Check], key: Ed25519PrivateKey,
                now: dt.datetime, valid_for: dt.timedelta = VALID_FOR) -> bytes:
    """The signed report about ``member`` (the entry as listed in its ``member.json``),
    reached at ``reached``, with every check's result."""
    report = {"format": FORMAT, "code": member.code, "passed": bool(checks) and all(c.ok for c in checks),
              "member_sha256": member_digest(member), "endpoint": reached, "tls_cert_sha256": member.tls_cert_sha256,
              "issuer_keys": [k.key_id for k in member.issuer_keys],
              "message_keys": [k.key_id for k in member.message_keys],
              "checked_at": _time(now), "valid_until": _time(now + valid_for),
              "checks": [{"check": c.check, "ok": c.ok, "detail": c.detail} for c in checks]}
    signature = key.sign(CONTEXT + _canonical(report))
    signed = {"report": report, "key_id": key_id(key.public_key()),
              "signature": base64.b64encode(signature).decode("ascii")}
    return json.dumps(signed, ensure_ascii=False, indent=1).encode("utf-8")


def is_report_file(path: Path) -> bool:
    """Whether ``path`` holds a conformance report (any, valid or not): one that may be
    written over by the next run of the kit, unlike any other file named by mistake."""
    try:
        signed = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deep
        return False
    return isinstance(signed, dict) and isinstance(signed.get("report"), dict) and \
        str(signed["report"].get("format")).startswith(FORMAT.rpartition("/")[0] + "/")


def _parsed_time(report: dict[str, Any], name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(report[name])
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportError(f"the conformance report has no valid {name}") from exc
    if value.tzinfo is None:
        raise ReportError(f"the conformance report's {name} has no time zone")
    return value


def verify_report(data: bytes, member: Member, centre_key: Callable[[str, dt.datetime], PublishedKey | None],
                  now: dt.datetime) -> dict[str, Any]:
    """The report, if a centre key of this federation (``centre_key(key_id, when)``, valid
    when the kit ran) signed it as it is, it is current at ``now``, it passed and it is
    about this very ``member`` entry; ``ReportError`` saying why not otherwise."""
    if len(data) > MAX_REPORT_BYTES:
        raise ReportError("the conformance report is too large to be one relay municipality check wrote")
    try:
        signed = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        raise ReportError("the conformance report is not JSON") from exc
    report = signed.get("report") if isinstance(signed, dict) else None
    if not isinstance(report, dict) or report.get("format") != FORMAT:
        raise ReportError("the conformance report is not a signed one relay municipality check wrote: run the kit"
                          " again from the centre")
    kid, signature = signed.get("key_id"), signed.get("signature")
    if not isinstance(kid, str) or not isinstance(signature, str):
        raise ReportError("the conformance report is not signed")
    checked_at = _parsed_time(report, "checked_at")
    key = centre_key(kid, checked_at)
    if key is None:
        raise ReportError("the conformance report is not signed by a centre key of this federation")
    try:
        ed25519.verify(key.public_key, base64.b64decode(signature, validate=True), CONTEXT + _canonical(report))
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise ReportError("the conformance report was changed after the centre signed it") from exc
    valid_until = _parsed_time(report, "valid_until")
    if checked_at > now + CLOCK_SKEW or valid_until - checked_at > MAX_VALID_FOR or valid_until < checked_at:
        raise ReportError("the conformance report's validity window is not one the kit gives")
    if now >= valid_until:
        raise ReportError(f"the conformance report is stale (valid until {valid_until.isoformat()}):"
                          " run relay municipality check again")
    if report.get("code") != member.code:
        raise ReportError("the conformance report is about another municipality")
    if (report.get("member_sha256") != member_digest(member)
            or report.get("tls_cert_sha256") != member.tls_cert_sha256
            or report.get("issuer_keys") != [k.key_id for k in member.issuer_keys]):
        raise ReportError("the conformance report checked another member entry (other keys, TLS pin or endpoint):"
                          " run relay municipality check against this member.json")
    if report.get("passed") is not True:
        raise ReportError("the municipality did not pass the conformance check: it is not admitted")
    return report
