"""``kiosk render`` (a sample certificate from the test world) and ``kiosk verify``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.documents.catalogue import CATALOGUE, CertType


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    r = sub.add_parser("render", help="lay out a sample certificate from a test world (PDF)")
    r.add_argument("--world", type=Path, required=True, help="test world directory")
    r.add_argument("--persona", required=True, help="persona id, e.g. shiken-ichiro")
    r.add_argument("--type", required=True, choices=[t.value for t in CertType])
    r.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="certificate option, e.g. scope=household (repeatable)")
    r.add_argument("--serial", default=None, help="issue serial (default: code-date-000001)")
    r.add_argument("--date", type=dt.date.fromisoformat, default=None, help="issue date YYYY-MM-DD")
    r.add_argument("--out", type=Path, required=True, help="PDF file to write")
    r.set_defaults(func=cmd_render)

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


def cmd_render(args: argparse.Namespace) -> int:
    from hardware_mocks.world import World
    from kiosk.printing.fonts import UnsupportedCharacter
    from kiosk.printing.render import render

    try:
        from relay.documents import AssemblyError, assemble
    except ImportError:
        return _error("the relay package (relay.documents) is not installed")
    if not (args.world / "world.json").exists():
        return _error(f"{args.world} holds no test world (python -m hardware_mocks.world create DIR)")
    world = World(args.world)
    try:
        persona = world.persona(args.persona)
    except KeyError:
        return _error(f"no persona {args.persona!r}; see python -m hardware_mocks.world personas DIR")
    options: dict[str, str] = {}
    for item in args.option:
        key, sep, value = item.partition("=")
        if not sep:
            return _error(f"--option wants KEY=VALUE, got {item!r}")
        options[key] = value
    data = world.data
    issued_on = args.date or dt.date.fromisoformat(data["today"])
    serial = args.serial or f"{data['municipality']['code']}-{issued_on:%Y%m%d}-000001"
    try:
        document = assemble(data, persona["resident"], CertType(args.type), options, serial, issued_on)
    except AssemblyError as exc:
        return _error(f"the registry refuses this certificate: {exc.code}", 1)
    except ValueError as exc:
        return _error(str(exc))
    key = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        return _error("the world's issuer key is not Ed25519")
    try:
        from kiosk.relay_client.scramble_key import document_scramble_key

        scramble_key = document_scramble_key(_scramble_key(world.pki("scramble.key")), serial)
        rendered = render(dict(document), key, scramble_key)
    except UnsupportedCharacter as exc:
        return _error(f"cannot print: character {exc.codepoint} in {exc.field} is not in the "
                      "certificate font (a 外字 must be registered first)", 1)
    args.out.write_bytes(rendered.pdf)
    print(f"{args.out}: {CATALOGUE[CertType(args.type)].title_ja}, {rendered.face_pages} face page(s) "
          f"+ backs, {len(rendered.pdf) // 1024} KB, serial {serial}")
    return 0


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
    "ok": "signed by the issuer (a PDF: and its text matches the signed document)",
    "no-qr": "no certificate QR code was found",
    "not-a-pdf": "the file is not a readable PDF",
    "not-an-image": "the file is neither a PDF nor a PNG/JPEG image",
    "qr-differ": "the pages carry different QR codes",
    "qr-malformed": "the QR code is not a valid certificate payload",
    "signature": "the QR code's signature does not verify: forged or altered",
    "no-document": "the PDF does not carry its document",
    "document-hash": "the document differs from what the issuer signed",
    "document-malformed": "the signed document cannot be laid out",
    "page-count": "pages were added or removed",
    "face-text": "the printed text differs from the signed document",
}


def _describe(verdict: Any) -> None:
    from kiosk.printing.era import wareki
    from kiosk.printing.layout import sheet_of

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
    from kiosk.printing import verify

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
    secret and the serial the issuer signed (:mod:`kiosk.relay_client.scramble_key`)."""
    from kiosk.relay_client.scramble_key import document_scramble_key

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

    from kiosk.printing import verify

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
