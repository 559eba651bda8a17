"""``kiosk verify``: a verifier checks a printed certificate (PDF or scans) offline.

Exit codes: 0 valid (signature and every face compared), 1 invalid, 2 unreadable (one
line says what was wrong: a bound of :mod:`protocol.paper.verification.limits`, a file
that is not a certificate), 3 the signature is valid but the face was not compared (no
scramble key, or no front given).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.documents.catalogue import CATALOGUE

if TYPE_CHECKING:  # the verifier is imported by the command that uses it
    from protocol.paper.verify import FaceKey, Verdict


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser("verify", help="check a certificate PDF or scans (exit 0 valid, 1 invalid, "
                                      "2 unreadable, 3 signature valid but the face not compared)")
    v.add_argument("files", type=Path, nargs="+", metavar="FILE",
                   help="a PDF, or PNG/JPEG scans of the front and the back, in any order")
    v.add_argument("--issuer-key", type=Path, default=None, help="issuer public key (PEM)")
    v.add_argument("--world", type=Path, default=None,
                   help="take the issuer key, and the scramble master secret, from a test world")
    keys = v.add_mutually_exclusive_group()
    keys.add_argument("--scramble-key", type=Path, default=None,
                      help="the document's own scramble key (hex, as the relay issued it with the document)")
    keys.add_argument("--scramble-master", type=Path, default=None,
                      help="verification service only: the scramble master secret (hex); the document's key "
                           "is derived from the serial in the QR code. With --world and neither option, the "
                           "world's pki/scramble.key is used so")
    v.add_argument("--face-out", type=Path, default=None, help="where to write the face recovered from the back")
    v.add_argument("--diff-out", type=Path, default=None,
                   help="where to write the recovered face beside each front, differing regions boxed")
    v.set_defaults(func=cmd_verify)


def _error(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _hex_key(path: Path) -> bytes:
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def _public_key(args: argparse.Namespace) -> Ed25519PublicKey | None:
    path = args.issuer_key
    if path is None and args.world is not None:
        path = args.world / "pki" / "issuer.pub"
    if path is None and getattr(args, "config", None):
        from kiosk.config import load

        path = load(args.config).relay.issuer_public_key
    if path is None:
        return None
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    return key if isinstance(key, Ed25519PublicKey) else None


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


def _describe(verdict: Verdict) -> None:
    from protocol.paper.era import wareki
    from protocol.paper.verification import wording

    claims = verdict.claims
    if claims is not None:
        print(f"serial:       {claims.serial}")
        print(f"type:         {claims.type.value} ({CATALOGUE[claims.type].title_ja})")
        print(f"municipality: {claims.municipality_code}")
        print(f"issued on:    {wareki(claims.issued_on)} ({claims.issued_on.isoformat()})")
        print(f"document:     sha256 {claims.document_sha256}")
    for n, region in enumerate(verdict.regions, 1):
        left, top, right, bottom = region.box_mm
        print(f"region {n}:     face page {region.page}, {wording.where(region.where)}: "
              f"{left:.0f}–{right:.0f} mm from the left, {top:.0f}–{bottom:.0f} mm from the top")


def cmd_verify(args: argparse.Namespace) -> int:
    from protocol.paper import verify
    from protocol.paper.verification import drawing, intake, wording
    from protocol.paper.verification.limits import InputRefused

    try:
        key = _public_key(args)
    except (OSError, ValueError) as exc:
        return _error(f"cannot read the issuer key: {exc.__class__.__name__}")
    if key is None:
        return _error("give the issuer's Ed25519 public key: --issuer-key PEM or --world DIR")
    try:
        face_key = _face_key(args)
    except (OSError, ValueError) as exc:
        return _error(f"cannot read the scramble key: {exc.__class__.__name__}")
    try:
        files = [intake.read_file(path) for path in args.files]
    except InputRefused as exc:
        print(f"UNREADABLE ({exc.reason}): {exc.message}")
        return verify.UNREADABLE
    verdict = verify.verify_files(files, key, face_key)
    print(f"{wording.STATUS['en'][verdict.status]} ({verdict.reason}): {wording.explain(verdict)}")
    if verdict.status == verify.UNREADABLE:
        return verdict.status
    _describe(verdict)
    for path, image in ((args.face_out, drawing.faces(verdict)), (args.diff_out, drawing.comparison(verdict))):
        if path is None:
            continue
        if image is None:
            return _error(f"nothing to write to {path.name}: " + (
                "no face was recovered (a scramble key is needed: --scramble-key, --scramble-master or --world)"
                if face_key is None else "no face was recovered or compared"))
        image.save(path)
        print(f"written:      {path}")
    return verdict.status
