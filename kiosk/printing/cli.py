"""``kiosk verify``: a verifier checks a printed certificate (PDF or scans) offline.

Exit codes: 0 valid (signature and every face compared), 1 invalid, 2 unreadable (one
line says what was wrong: a bound of :mod:`protocol.paper.verification.limits`, a file
that is not a certificate), 3 the signature is valid but the face was not compared (no
scramble key, or no front given), 4 not verified: the federation directory given does not
list the key that signed the paper (no key of its municipality valid on its issue date, or
none of those it lists verifies) and may be out of date (a line says how to update it; a
directory published after that date makes it 1 instead).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.documents.catalogue import CATALOGUE

#: What --face-out and --diff-out may be called: the picture's format goes by its name.
PICTURE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg"})

if TYPE_CHECKING:  # the verifier is imported by the command that uses it
    from kiosk.config import RelayConfig
    from protocol.federation.directory import Anchor, Directory
    from protocol.paper.verify import FaceKey, Verdict


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser("verify", help="check a certificate PDF or scans (exit 0 valid, 1 invalid, "
                                      "2 unreadable, 3 signature valid but the face not compared, 4 not verified: "
                                      "the issuer or its key is not in the federation directory given, update it)")
    v.add_argument("files", type=Path, nargs="+", metavar="FILE",
                   help="a PDF, or PNG/JPEG scans of the front and the back, in any order")
    v.add_argument("--issuer-key", type=Path, default=None, help="issuer public key (PEM)")
    v.add_argument("--world", type=Path, default=None,
                   help="take the issuer key, and the scramble master secret, from a test world")
    v.add_argument("--anchor", type=Path, default=None,
                   help="a federation's anchor (instead of --issuer-key): a certificate of any member municipality "
                        "verifies with the keys the signed directory lists for it")
    v.add_argument("--directory", default=None, metavar="FILE_OR_URL",
                   help="with --anchor: the signed federation directory, a file or the https:// URL a centre "
                        "serves it at (e.g. https://host:8444/v1/directory)")
    v.add_argument("--directory-ca", type=Path, default=None,
                   help="with an https:// --directory: the CA file its server certificate is checked with "
                        "(default: the system's)")
    keys = v.add_mutually_exclusive_group()
    keys.add_argument("--scramble-key", type=Path, default=None,
                      help="a file holding the document's own scramble key in hex (as the relay issued it with "
                           "the document)")
    keys.add_argument("--scramble-master", type=Path, default=None,
                      help="verification service only: a file holding the scramble master secret in hex; the "
                           "document's key is derived from the serial in the QR code. With --world and neither "
                           "option, the world's pki/scramble.key is used so")
    v.add_argument("--face-out", type=Path, default=None, help="where to write the face recovered from the back")
    v.add_argument("--diff-out", type=Path, default=None,
                   help="where to write the recovered face beside each front, differing regions boxed")
    v.set_defaults(func=cmd_verify)


def _error(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _hex_key(path: Path) -> bytes:
    """The key in the file ``path`` (hex); ``ValueError`` naming the file and what is wrong
    (never the file's content: it is a secret)."""
    try:
        text = path.read_text(encoding="ascii")
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({exc.strerror or type(exc).__name__}): give a file holding the "
                         "key in hex") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} does not hold a key in hex") from None
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise ValueError(f"{path} does not hold a key in hex") from None


def _directory(args: argparse.Namespace) -> Directory | None:
    """The federation directory ``--anchor`` and ``--directory`` name (or a federation
    kiosk's own copy, with ``--config``), verified now; ``ValueError`` with a reason."""
    from protocol.federation.directory import DirectoryError, verify

    if args.anchor is None:
        if args.directory is not None:
            raise ValueError("--directory needs --anchor (the key that signs it)")
        relay = _config_relay(args)
        if relay is None or relay.anchor is None or relay.directory_cache is None:
            return None
        try:  # a federation terminal's own copy, as its relay client keeps it
            return verify(_fetch(str(relay.directory_cache), None), _anchor(relay.anchor), dt.datetime.now(dt.UTC))
        except DirectoryError as exc:
            raise ValueError(f"this terminal holds no valid federation directory ({exc.code})") from exc
    if args.issuer_key is not None:
        raise ValueError("give --issuer-key (one municipality) or --anchor (a federation), not both")
    if args.directory is None:
        raise ValueError("--anchor needs --directory FILE_OR_URL (the signed directory)")
    anchor = _anchor(args.anchor)
    data = _fetch(args.directory, args.directory_ca)
    try:
        return verify(data, anchor, dt.datetime.now(dt.UTC))
    except DirectoryError as exc:
        # the part a malformed one fails on tells its operator what to fix
        raise ValueError(f"the federation directory is refused: {exc.code}"
                         + (f" ({exc.detail})" if exc.detail else "")) from exc


def _anchor(path: Path) -> Anchor:
    from protocol.federation.directory import Anchor, DirectoryError

    try:
        return Anchor.from_bytes(Path(path).read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read the anchor {path} ({exc.strerror or type(exc).__name__})") from exc
    except DirectoryError as exc:
        raise ValueError(f"{path} is not a federation anchor") from exc


def _fetch(where: str, ca_file: Path | None) -> bytes:
    """The directory's bytes from a file or an https:// URL (bounded in size and time)."""
    from protocol.federation.directory import MAX_DIRECTORY_BYTES
    from protocol.federation.fetch import fetch_directory

    if not where.startswith("https://"):
        try:
            with open(where, "rb") as f:
                return f.read(MAX_DIRECTORY_BYTES + 1)
        except OSError as exc:
            raise ValueError(f"cannot read the directory {where} ({exc.strerror or type(exc).__name__})") from exc
    data = fetch_directory(where, ca_file)
    assert data is not None  # nothing held was named: never "not modified"
    return data


def _config_relay(args: argparse.Namespace) -> RelayConfig | None:
    if not getattr(args, "config", None):
        return None
    from kiosk.config import load

    return load(args.config).relay


def _public_key(args: argparse.Namespace) -> Ed25519PublicKey | None:
    path = args.issuer_key
    if path is None and args.world is not None:
        path = args.world / "pki" / "issuer.pub"
    if path is None and getattr(args, "config", None):
        relay = _config_relay(args)
        path = relay.issuer_public_key if relay is not None else None
    if path is None:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({exc.strerror or type(exc).__name__})") from None
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ValueError(f"{path} is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path} is not an Ed25519 public key")
    return key


def _face_key(args: argparse.Namespace) -> FaceKey | None:
    """How to get the key that scrambled a document's face: given as is, or derived from
    the master secret and the serial the issuer signed (:mod:`protocol.scramble_key`)."""
    from protocol.scramble_key import document_scramble_key

    if args.scramble_key is not None:
        key = _hex_key(args.scramble_key)
        return lambda serial: key
    master_file = args.scramble_master
    if master_file is None and args.world is not None:
        master_file = args.world / "pki" / "scramble.key"
    if master_file is None:
        return None
    master = _hex_key(master_file)
    return lambda serial: document_scramble_key(master, serial)


def _describe(verdict: Verdict, directory: Directory | None) -> None:
    from protocol.paper.era import wareki
    from protocol.paper.verification import wording

    claims = verdict.claims
    if claims is not None:
        print(f"serial:       {claims.serial}")
        print(f"type:         {claims.type.value} ({CATALOGUE[claims.type].title_ja})")
        member = directory.member(claims.municipality_code) if directory is not None else None
        print(f"municipality: {claims.municipality_code}" + (f" ({member.name})" if member is not None else ""))
        print(f"issued on:    {wareki(claims.issued_on)} ({claims.issued_on.isoformat()})")
        print(f"document:     sha256 {claims.document_sha256}")
    for n, region in enumerate(verdict.regions, 1):
        left, top, right, bottom = region.box_mm
        print(f"region {n}:     face page {region.page}, {wording.where(region.where)}: "
              f"{left:.0f}–{right:.0f} mm from the left, {top:.0f}–{bottom:.0f} mm from the top")


def cmd_verify(args: argparse.Namespace) -> int:
    from protocol.federation.issuers import DirectoryIssuers, IssuerTrust
    from protocol.paper import verify
    from protocol.paper.verification import intake
    from protocol.paper.verification.limits import InputRefused

    try:
        directory = _directory(args)
    except ValueError as exc:
        return _error(str(exc))
    key: Ed25519PublicKey | IssuerTrust | None
    if directory is not None:
        key = DirectoryIssuers(directory)
    else:
        try:
            key = _public_key(args)
        except ValueError as exc:
            return _error(f"the issuer key: {exc}")
    if key is None:
        return _error("give the issuer's Ed25519 public key (--issuer-key PEM or --world DIR), "
                      "or a federation's --anchor and --directory")
    try:
        face_key = _face_key(args)
    except ValueError as exc:
        return _error(f"the scramble key: {exc}")
    for out in (args.face_out, args.diff_out):
        # before any work: a verdict followed by a failure to write would read as INVALID
        if out is None:
            continue
        if not (out.parent.is_dir() and os.access(out.parent, os.W_OK)):
            return _error(f"cannot write {out}: its folder does not exist or is not writable")
        if out.is_dir() or out.suffix.lower() not in PICTURE_SUFFIXES:
            return _error(f"cannot write {out}: name a picture file ({', '.join(sorted(PICTURE_SUFFIXES))})")
    try:
        files = [intake.read_file(path) for path in args.files]
    except InputRefused as exc:
        print(f"UNREADABLE ({exc.reason}): {exc.message}")
        return verify.UNREADABLE
    verdict = verify.verify_files(files, key, face_key)
    try:
        update = _update_hint(args, verdict.reason) if verdict.status == verify.UNCHECKED else None
        code = _report(verdict, directory, face_key is not None, args.face_out, args.diff_out, update)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader took what it wanted (`| head -1`): the verdict stands
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = verdict.status
    return code


def _update_hint(args: argparse.Namespace, reason: str) -> str:
    """How this verifier gets a newer directory, for a paper whose issuer (``reason``
    ``issuer-unknown``) or signing key (``issuer-key-unknown``) its copy does not list: the
    command with the centre's URL, or, when the copy was fetched from a URL just now, that
    the centre's own copy does not list it yet. The command is quoted for a shell (a scan's
    name has spaces) and keeps the face's key, so that it checks what this one did."""
    if args.directory is not None and str(args.directory).startswith("https://"):
        listed = "the key that signed the paper" if reason == "issuer-key-unknown" else "the municipality"
        return (f"{args.directory} served this directory just now: check again once the federation publishes "
                f"one that lists {listed} (ask the municipality that issued the paper)")
    relay = _config_relay(args) if args.anchor is None else None  # a terminal's own copy: its anchor
    anchor = args.anchor if args.anchor is not None else relay.anchor if relay is not None else None
    again = [*map(str, args.files), "--anchor", str(anchor), "--directory", "https://CENTRE:8444/v1/directory"]
    for option, value in (("--scramble-key", args.scramble_key), ("--scramble-master", args.scramble_master),
                          ("--world", args.world)):  # the same check again: the face compared as it was asked
        again += [option, str(value)] if value is not None else []
    return f"fetch the federation centre's current directory and check again: kiosk verify {shlex.join(again)}"


def _report(verdict: Verdict, directory: Directory | None, with_face_key: bool, face_out: Path | None,
            diff_out: Path | None, update: str | None) -> int:
    """The verdict on standard output (``update``: how to get a directory that may list the
    issuer, right under it), and the pictures asked for; the exit code."""
    from protocol.paper import verify
    from protocol.paper.verification import drawing, wording

    print(f"{wording.heading(verdict.status, verdict.reason)} ({verdict.reason}): {wording.explain(verdict)}")
    if update is not None:
        print(f"update:       {update}")
    if verdict.status == verify.UNREADABLE:
        return verdict.status
    _describe(verdict, directory)
    for path, image in ((face_out, drawing.faces(verdict)), (diff_out, drawing.comparison(verdict))):
        if path is None:
            continue
        if image is None:
            return _error(f"nothing to write to {path.name}: " + (
                "no face was recovered (a scramble key is needed: --scramble-key, --scramble-master or --world)"
                if not with_face_key else "no face was recovered or compared"))
        try:
            image.save(path)
        except (OSError, ValueError) as exc:  # the verdict above stands
            _error(f"cannot write {path}: {getattr(exc, 'strerror', None) or type(exc).__name__}")
            continue
        print(f"written:      {path}")
    return verdict.status
