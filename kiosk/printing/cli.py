"""``kiosk verify``: a verifier checks a printed certificate (PDF or scan) offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from protocol.documents.catalogue import CATALOGUE

if TYPE_CHECKING:  # the verifier is imported by the command that uses it
    from protocol.paper.verify import Verdict


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    v = sub.add_parser("verify", help="check a certificate PDF or scan (exit 0 valid, 1 invalid, "
                                      "2 unreadable)")
    v.add_argument("file", type=Path, help="PDF, PNG or JPEG")
    v.add_argument("--issuer-key", type=Path, default=None, help="issuer public key (PEM)")
    v.add_argument("--world", type=Path, default=None, help="take the issuer key from a test world")
    keys = v.add_mutually_exclusive_group()
    keys.add_argument("--scramble-key", type=Path, default=None,
                      help="the document's own scramble key (hex, as the relay issued it with the document), "
                           "to recover the face")
    keys.add_argument("--scramble-master", type=Path, default=None,
                      help="verification service only: the scramble master secret (hex); the document's key "
                           "is derived from the serial in the QR code. With --world and --face-out and neither "
                           "option, the world's pki/scramble.key is used so")
    v.add_argument("--face-out", type=Path, default=None, help="where to write the recovered face")
    v.set_defaults(func=cmd_verify)


def _error(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _scramble_key(path: Path) -> bytes:
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


EXPLAIN = {
    "ok": "the QR code is signed by the issuer (the face was not compared)",
    "no-qr": "no certificate QR code was found",
    "not-a-pdf": "the file is not a readable PDF",
    "not-an-image": "the file is neither a PDF nor a PNG/JPEG image",
    "qr-differ": "the pages carry different QR codes",
    "qr-malformed": "the QR code is not a valid certificate payload",
    "signature": "the QR code's signature does not verify: forged or altered",
    "page-count": "pages were added or removed",
}


def _describe(verdict: Verdict) -> None:
    from protocol.paper.era import wareki
    from protocol.paper.layout import sheet_of

    claims = verdict.claims
    if claims is not None:
        print(f"serial:       {claims.serial}")
        print(f"type:         {claims.type.value} ({CATALOGUE[claims.type].title_ja})")
        print(f"municipality: {claims.municipality_code}")
        print(f"issued on:    {wareki(claims.issued_on)} ({claims.issued_on.isoformat()})")
        print(f"document:     sha256 {claims.document_sha256}")
    if verdict.document is not None:
        print("the document says:")
        for block in sheet_of(verdict.document).blocks:
            if block.heading:
                print(f"  [{block.heading}]")
            for row in block.rows:
                print(f"  {row.label}: {row.value or (row.seal[0] if row.seal else '')}")
    for note in verdict.notes:
        print(f"note: {note}")


def cmd_verify(args: argparse.Namespace) -> int:
    from protocol.paper import verify

    try:
        key = _public_key(args)
    except (OSError, ValueError) as exc:
        return _error(f"cannot read the issuer key: {exc.__class__.__name__}")
    if key is None:
        return _error("give the issuer's Ed25519 public key: --issuer-key PEM or --world DIR")
    try:
        data = args.file.read_bytes()
    except OSError:
        return _error(f"cannot read {args.file}")
    verdict = verify.verify_bytes(data, key)
    label = {verify.VALID: "VALID", verify.INVALID: "INVALID", verify.UNREADABLE: "UNREADABLE"}
    print(f"{label[verdict.status]} ({verdict.reason}): {EXPLAIN.get(verdict.reason, verdict.reason)}")
    _describe(verdict)
    if verdict.status == verify.VALID and args.face_out and verdict.claims:
        try:
            face_key = _face_key(args, verdict.claims.serial)
        except (OSError, ValueError) as exc:
            return _error(f"cannot read the scramble key: {exc.__class__.__name__}")
        if face_key is None:
            return _error("--face-out needs --scramble-key, --scramble-master or --world")
        _recover_face(args, data, verdict.claims.serial, face_key)
    return verdict.status


def _face_key(args: argparse.Namespace, serial: str) -> bytes | None:
    """The key that scrambled this document's face: given as is, or derived from the master
    secret and the serial the issuer signed (:mod:`protocol.scramble_key`)."""
    from protocol.scramble_key import document_scramble_key

    if args.scramble_key is not None:
        return _scramble_key(args.scramble_key)
    master = args.scramble_master
    if master is None and args.world is not None:
        master = args.world / "pki" / "scramble.key"
    return None if master is None else document_scramble_key(_scramble_key(master), serial)


def _recover_face(args: argparse.Namespace, data: bytes, serial: str, key: bytes) -> None:
    import io

    import pypdfium2 as pdfium
    from PIL import Image

    from protocol.paper import verify

    if data[:5] == b"%PDF-":
        pdf = pdfium.PdfDocument(data)
        try:
            page = pdf[1]
            back = page.render(scale=300 / 72, grayscale=True).to_pil().convert("L")
            page.close()
        finally:
            pdf.close()
    else:
        back = Image.open(io.BytesIO(data)).convert("L")
    face = verify.unscramble_back(back, key, serial)
    face.save(args.face_out)
    print(f"face recovered from the back: {args.face_out}")
