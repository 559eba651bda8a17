"""``relay federation``: the federation operator's commands.

In the order an operator runs them (``docs/federation-onboarding.md``)::

    relay federation init DIR --name NAME          CA, signing key, anchor, empty source
    relay federation sign-csr DIR CSR --role centre|municipal --host H --out CERT
    relay federation admit DIR member.json --conformance-report REPORT
    relay federation publish DIR [--valid-for 7d]
    relay federation suspend|resume DIR CODE
    relay federation set-endpoints DIR CODE URL [URL …]
    relay federation add-key DIR CODE issuer|message PUB.pem
    relay federation rotate-issuer-key DIR CODE NEW.pub.pem [--overlap 1d]
    relay federation revoke-key DIR CODE KEY_ID [--reason TEXT]
    relay federation show DIR

A change reaches holders only with the next ``publish``; ``--publish`` on a change does
both. Every error is one line and exit code 2; nothing is half-written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from protocol.clock import JST

if TYPE_CHECKING:
    from relay.federation.operator import Federation
    from relay.federation.served import DirectoryFile


#: The longest period any federation command takes: keys, certificates and directories
#: are renewed far more often, and dates past it soon leave the calendar.
LONGEST = dt.timedelta(days=36500)


def duration(text: str) -> dt.timedelta:
    """An argparse type: ``90m``, ``12h``, ``7d`` (the federation commands' periods), up
    to :data:`LONGEST`."""
    m = re.fullmatch(r"(\d{1,9})([mhd])", text)
    if not m or int(m.group(1)) == 0:
        raise argparse.ArgumentTypeError("use a duration like 90m, 12h or 7d")
    period = dt.timedelta(seconds=int(m.group(1)) * {"m": 60, "h": 3600, "d": 86400}[m.group(2)])
    if period > LONGEST:
        raise argparse.ArgumentTypeError(f"at most {LONGEST.days}d")
    return period


def days(text: str) -> int:
    """An argparse type: a certificate's validity in whole days, 1 up to :data:`LONGEST`."""
    if not re.fullmatch(r"\d{1,9}", text) or not 1 <= int(text) <= LONGEST.days:
        raise argparse.ArgumentTypeError(f"a whole number of days, 1 to {LONGEST.days}")
    return int(text)


def _when(text: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError("use an ISO date or date-time, e.g. 2026-12-01T09:00+09:00") from exc
    return when if when.tzinfo else when.replace(tzinfo=JST)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    f = sub.add_parser("federation", help="the federation operator: CA, members, keys, the signed directory")
    fs = f.add_subparsers(dest="federation_command", required=True)

    def command(name: str, text: str, code: bool = False) -> argparse.ArgumentParser:
        p = fs.add_parser(name, help=text)
        p.add_argument("dir", type=Path, metavar="DIR", help="the federation operator's directory")
        if code:
            p.add_argument("code", metavar="CODE", help="the municipality's six-digit code")
        return p

    def publishing(p: argparse.ArgumentParser) -> None:
        p.add_argument("--publish", action="store_true", help="publish a new signed directory at once")
        p.add_argument("--valid-for", type=duration, default=duration("7d"),
                       help="with --publish: how long the directory is valid (7d)")

    i = command("init", "create the CA, the directory signing key, the anchor and an empty directory source")
    i.add_argument("--name", required=True, help="the federation's name (in the anchor: holders refuse any other)")
    i.add_argument("--ca-days", type=days, default=3650, help="the CA certificate's validity in days (3650)")
    a = command("admit", "add a municipality that passed the conformance check")
    a.add_argument("member", type=Path, help="the member.json its relay municipality init wrote")
    a.add_argument("--conformance-report", type=Path, help="the report its relay municipality check wrote")
    a.add_argument("--skip-conformance-check", action="store_true",
                   help="admit without a report (test federations only; recorded in operations.jsonl)")
    publishing(a)
    for name, text in (("suspend", "route nothing to a municipality"), ("resume", "route to it again")):
        s = command(name, text, code=True)
        s.add_argument("--reason", default="", help="recorded in operations.jsonl")
        publishing(s)
    e = command("set-endpoints", "list the URLs of a municipality's issuing server nodes (one database): the"
                " centre tries them in order", code=True)
    e.add_argument("endpoints", nargs="+", metavar="URL", help="an https URL of one node, the first one first")
    publishing(e)
    k = command("add-key", "publish one more issuer or message key of a municipality", code=True)
    k.add_argument("kind", choices=("issuer", "message"))
    k.add_argument("public_key", type=Path, help="the Ed25519 public key (PEM)")
    k.add_argument("--not-before", type=_when, help="when it may begin signing (now)")
    k.add_argument("--key-valid-for", type=duration, default=duration("730d"), help="how long it may sign (730d)")
    publishing(k)
    r = command("rotate-issuer-key", "a new issuer key; the old ones sign until the overlap ends and keep "
                "verifying the documents they signed", code=True)
    r.add_argument("public_key", type=Path, help="the new Ed25519 public key (PEM)")
    r.add_argument("--at", type=_when, help="when the new key begins (now)")
    r.add_argument("--overlap", type=duration, default=duration("1d"),
                   help="how long after --at the old keys may still sign (1d)")
    r.add_argument("--key-valid-for", type=duration, default=duration("730d"), help="the new key's period (730d)")
    publishing(r)
    v = command("revoke-key", "withdraw a compromised key: nothing it signed verifies any more, and the directory "
                "records when and why", code=True)
    v.add_argument("key_id", help="the key's id (relay federation show lists them)")
    v.add_argument("--reason", default="", help="published in the directory (verifiers of a paper the key signed "
                   "are told it) and recorded in operations.jsonl")
    publishing(v)
    p = command("publish", "sign the source as the next directory (serial + 1)")
    p.add_argument("--valid-for", type=duration, default=duration("7d"),
                   help="how long holders may use it without a newer one (7d)")
    c = command("sign-csr", "issue a centre's or municipal server's TLS certificate from the federation CA")
    c.add_argument("csr", type=Path, help="the server's certificate signing request (PEM or DER)")
    c.add_argument("--role", required=True, choices=("centre", "municipal"))
    c.add_argument("--host", action="append", default=[], required=True,
                   help="a DNS name or address the server is reached at (repeat for more)")
    c.add_argument("--days", type=days, default=397, help="validity in days (397)")
    c.add_argument("--out", type=Path, required=True, help="where to write the certificate (PEM)")
    command("show", "print the source: members, their status and keys, the last serial")


def run(args: argparse.Namespace) -> int:
    from relay.federation.operator import OperatorError

    try:
        return _run(args)
    except OperatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives import serialization

    from relay.federation import ca
    from relay.federation.operator import Federation, OperatorError, load_public_key

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    command = args.federation_command
    if command == "init":
        Federation.init(args.dir, args.name, now, args.ca_days)
        print(f"federation {args.name!r} created in {args.dir}")
        print(f"install {args.dir / 'anchor.json'} on every kiosk, server and verifier (out of band);")
        print(f"keep {args.dir / 'private'} offline: it holds the directory signing key and the CA key")
        return 0
    federation = Federation(args.dir)
    if command == "show":
        return _show(federation)
    if command == "admit":
        try:
            member_json = args.member.read_bytes()
            report = args.conformance_report.read_bytes() if args.conformance_report else None
        except OSError as exc:
            raise OperatorError(f"cannot read {exc.filename} ({exc.strerror})") from exc
        member = federation.admit(member_json, now, report, args.skip_conformance_check)
        print(f"admitted {member.code} {member.name} (active)")
    elif command in ("suspend", "resume"):
        member = federation.set_status(args.code, "suspended" if command == "suspend" else "active", now, args.reason)
        print(f"{member.code} {member.name}: {member.status}")
    elif command == "set-endpoints":
        member = federation.set_endpoints(args.code, args.endpoints, now)
        print(f"{member.code} {member.name}: {', '.join(member.endpoints)}")
    elif command == "add-key":
        start = args.not_before or now
        key = federation.add_key(args.code, args.kind, load_public_key(args.public_key), start,
                                 start + args.key_valid_for, now)
        print(f"{args.code}: {args.kind} key {key.key_id} from {key.not_before.isoformat()} "
              f"to {key.not_after.isoformat()}")
    elif command == "rotate-issuer-key":
        at = args.at or now
        key = federation.rotate_issuer_key(args.code, load_public_key(args.public_key), at, args.overlap,
                                           args.key_valid_for, now)
        print(f"{args.code}: issuer key {key.key_id} signs from {at.isoformat()}; older keys until "
              f"{(at + args.overlap).isoformat()}, and the documents they signed keep verifying")
    elif command == "revoke-key":
        federation.revoke_key(args.code, args.key_id, now, args.reason)
        print(f"{args.code}: key {args.key_id} revoked; once published, what it signed no longer verifies and "
              "verifiers are told it was withdrawn, when and why")
    elif command == "sign-csr":
        if args.out.exists() or args.out.is_symlink():  # before signing: a slip must not cost a key
            raise OperatorError(f"{args.out} exists: the certificate goes to a new file (a key, the CA's"
                                " too, would be lost under it); move the old one away first")
        cert = federation.sign_csr(_read(args.csr), args.role, args.host, now, args.days)
        try:
            with args.out.open("xb") as out:
                out.write(cert.public_bytes(serialization.Encoding.PEM))
        except OSError as exc:
            raise OperatorError(f"cannot write {args.out} ({exc.strerror})") from exc
        print(f"{args.out}: {cert.subject.rfc4514_string()}, until {cert.not_valid_after_utc.date()}, "
              f"sha256 {ca.certificate_sha256(cert)}")
        return 0
    if command == "publish" or getattr(args, "publish", False):
        published = federation.publish(now, args.valid_for if hasattr(args, "valid_for") else duration("7d"))
        print(f"published directory serial {published.serial}, valid until {published.expires_at.isoformat()}")
    elif command != "publish":
        print("not yet published: run relay federation publish")
    return 0


def _read(path: Path) -> bytes:
    from relay.federation.operator import OperatorError

    try:
        return path.read_bytes()
    except OSError as exc:
        raise OperatorError(f"cannot read {path} ({exc.strerror})") from exc


def _show(federation: Federation) -> int:
    source = federation.source()
    print(f"federation {source.federation}: last published serial {source.serial}"
          + (f", valid until {source.expires_at.isoformat()}" if source.serial else " (never published)"))
    for key in source.centre_message_keys:
        print(f"  centre message key {key.key_id}  {key.not_before.isoformat()} .. {key.not_after.isoformat()}")
    for m in source.members:
        print(f"{m.code} {m.name} [{m.status}] {' '.join(m.endpoints)} tls sha256 {m.tls_cert_sha256[:16]}…")
        for kind, keys in (("issuer", m.issuer_keys), ("message", m.message_keys)):
            for key in keys:
                print(f"  {kind:<7} key {key.key_id}  {key.not_before.isoformat()} .. {key.not_after.isoformat()}")
    for revoked in source.revoked_keys:
        print(f"revoked {revoked.kind} key {revoked.key.key_id} of {revoked.code} at {revoked.revoked_at.isoformat()}"
              + (f": {revoked.reason}" if revoked.reason else ""))
    return 0


def add_serving_options(p: argparse.ArgumentParser) -> None:
    """``--directory`` and ``--anchor`` of ``relay serve`` (``relay public serve`` has its
    own, which also take the centre's URL: :mod:`relay.public_service`)."""
    p.add_argument("--directory", type=Path,
                   help="the signed federation directory to serve at GET /v1/directory (re-read when it changes)")
    p.add_argument("--anchor", type=Path,
                   help="with --directory: the federation anchor; a directory that does not verify is not served")


def serving_arguments(args: argparse.Namespace) -> list[str]:
    """The same options for a child process (the public service ``relay serve`` starts)."""
    out: list[str] = []
    for name in ("directory", "anchor"):
        if getattr(args, name, None) is not None:
            out += ["--" + name, str(getattr(args, name))]
    return out


def directory_source(args: argparse.Namespace) -> DirectoryFile | None:
    """The served directory the options describe; ``ValueError`` with a one-line reason."""
    from protocol.federation.directory import Anchor, DirectoryError
    from relay.federation.served import DirectoryFile

    if getattr(args, "directory", None) is None:
        if getattr(args, "anchor", None) is not None:
            raise ValueError("--anchor needs --directory")
        return None
    anchor = None
    if args.anchor is not None:
        try:
            anchor = Anchor.from_bytes(Path(args.anchor).read_bytes())
        except OSError as exc:
            raise ValueError(f"cannot read the anchor {args.anchor} ({exc.strerror})") from exc
        except DirectoryError as exc:
            raise ValueError(f"{args.anchor} is not a federation anchor") from exc
    source = DirectoryFile(Path(args.directory), anchor)
    if source.current() is None:
        raise ValueError(f"{args.directory} holds no directory that can be served (missing, or refused by the "
                         "anchor: see the log)")
    return source
