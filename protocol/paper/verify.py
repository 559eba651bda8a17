"""Check a certificate offline: a PDF we rendered, or a scan of the paper.

For any input the QR code on the back is found (pyzbar on a raster) and its Ed25519
signature checked with the issuer's public key; the signed claims say which document
this should be. The PDF carries no copy of the document (its metadata holds only the
serial and the type), so the face can only be compared with the claims by a person;
``unscramble_back``
recovers the face from the back with the document's own scramble key, which the
verification service derives from its master secret and the signed serial
(:mod:`protocol.scramble_key`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pypdfium2 as pdfium
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PIL import Image, ImageOps
from pyzbar import pyzbar

from protocol.documents import qr_payload
from protocol.paper import render as renderer
from protocol.paper import scramble
from protocol.paper.layout import PAGE_H, PAGE_W

VALID, INVALID, UNREADABLE = 0, 1, 2
QR_DPI = 150
_SPACE = re.compile(r"\s+")


@dataclass
class Verdict:
    status: int  # VALID, INVALID or UNREADABLE (the exit code of ``kiosk verify``)
    reason: str  # a keyword: ok, signature, document-hash, face-text, no-qr …
    claims: qr_payload.Claims | None = None
    document: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def read_qr(images: list[Image.Image]) -> list[str]:
    """Texts of our QR codes found in ``images`` (several attempts per image for scans)."""
    found: list[str] = []
    for img in images:
        grey = img.convert("L")
        attempts = [grey, ImageOps.autocontrast(grey)]
        if max(grey.size) > 2600:
            attempts.append(grey.resize((grey.width // 2, grey.height // 2), Image.Resampling.LANCZOS))
        for attempt in attempts:
            texts = [r.data.decode("ascii", "replace") for r in pyzbar.decode(attempt)
                     if r.type == "QRCODE"]
            texts = [t for t in texts if t.startswith(qr_payload.PREFIX)]
            if texts:
                found.extend(texts)
                break
    return found


def _page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        return _SPACE.sub("", textpage.get_text_range())
    finally:
        textpage.close()
        page.close()


def _render_page(pdf: pdfium.PdfDocument, index: int, dpi: int) -> Image.Image:
    page = pdf[index]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        img: Image.Image = bitmap.to_pil().convert("L")  # pypdfium2 is untyped
        bitmap.close()
        return img
    finally:
        page.close()


def _check_claims(texts: list[str], key: Ed25519PublicKey) -> Verdict:
    if not texts:
        return Verdict(UNREADABLE, "no-qr")
    if len(set(texts)) > 1:
        return Verdict(INVALID, "qr-differ")
    try:
        claims = qr_payload.decode_and_verify(texts[0], key)
    except qr_payload.QrPayloadError:
        return Verdict(INVALID, "qr-malformed")
    except qr_payload.QrSignatureInvalid:
        return Verdict(INVALID, "signature")
    return Verdict(VALID, "ok", claims)


def verify_pdf(data: bytes | bytearray, key: Ed25519PublicKey) -> Verdict:
    try:
        pdf = pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError:
        return Verdict(UNREADABLE, "not-a-pdf")
    try:
        n = len(pdf)
        backs = [_render_page(pdf, i, QR_DPI) for i in range(1, n, 2)]
        return _check_claims(read_qr(backs), key)
    finally:
        pdf.close()


def verify_image(img: Image.Image, key: Ed25519PublicKey) -> Verdict:
    verdict = _check_claims(read_qr([img]), key)
    if verdict.status == VALID:
        verdict.notes.append("scan: compare the paper's face with the claims above")
    return verdict


def verify_bytes(data: bytes | bytearray, key: Ed25519PublicKey) -> Verdict:
    """A PDF (by its signature) or an image file's bytes."""
    if bytes(data[:5]) == b"%PDF-":
        return verify_pdf(data, key)
    import io

    try:
        with Image.open(io.BytesIO(bytes(data))) as img:
            img.load()
            return verify_image(img, key)
    except (OSError, Image.DecompressionBombError, ValueError):
        return Verdict(UNREADABLE, "not-an-image")


def back_frame_box(page_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Where the scrambled image's frame is on a raster of a whole back page."""
    sx, sy = page_size[0] / PAGE_W, page_size[1] / PAGE_H
    frame, gap = scramble.frame_widths(renderer.SCRAMBLE_W)
    outer = frame + gap
    left = (renderer.SCRAMBLE_X - outer) * sx
    right = (renderer.SCRAMBLE_X + renderer.SCRAMBLE_W + outer) * sx
    top = (PAGE_H - renderer.SCRAMBLE_Y - renderer.SCRAMBLE_H - outer) * sy
    bottom = (PAGE_H - renderer.SCRAMBLE_Y + outer) * sy
    return (round(left), round(top), round(right), round(bottom))


def unscramble_back(back: Image.Image, key: bytes, serial: str, page: int = 1) -> Image.Image:
    """The face image recovered from a raster or scan of a whole back page; ``key`` is the
    document's own scramble key (``document_scramble_key(master, serial)``), not the master."""
    crop = scramble.locate(back, back_frame_box(back.size))
    return scramble.unscramble(crop, key, renderer.scramble_salt(serial, page), trim=1)
