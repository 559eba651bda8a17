"""Render a certificate document to a print-ready PDF, in memory.

Each face page is followed by its back (print duplex, long edge):

- face: the ground pattern (:mod:`protocol.paper.ground`) under the layout of
  :mod:`protocol.paper.layout`;
- back: the ground pattern, the face scrambled with the verification service's key
  (:mod:`protocol.paper.scramble`, salted with serial and page) inside a black frame,
  and the QR code with the signed payload (:mod:`protocol.documents.qr_payload`).

The PDF's metadata names only the document (its serial, as Title) and its type (as
Subject): it passes through CUPS and the printer, and nothing there needs the personal
data. Whatever ``kiosk verify`` needs comes from the QR code and the visible pages.

The scrambled image is made from a first rendering of the faces on their ground (no
back), rasterised with pdfium, so it shows exactly the printed face.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import qrcode
import qrcode.constants
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from reportlab.lib.colors import black, white
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from protocol.documents import qr_payload
from protocol.paper import fonts, ground, layout, scramble, xobject
from protocol.paper.layout import PAGE_H, PAGE_W
from protocol.sensitive import zero

SCRAMBLE_W = 130 * mm  # 140 dpi on paper for the grid of :data:`scramble.SIZE`
SCRAMBLE_H = SCRAMBLE_W * scramble.SIZE[1] / scramble.SIZE[0]
SCRAMBLE_X = (PAGE_W - SCRAMBLE_W) / 2
SCRAMBLE_Y = PAGE_H - 20 * mm - SCRAMBLE_H
QR_SIZE = 42 * mm
QR_X = PAGE_W - 20 * mm - QR_SIZE
QR_Y = 22 * mm


@dataclass(frozen=True)
class Rendered:
    """The PDF (zero it when done) and its page counts."""

    pdf: bytearray
    face_pages: int

    @property
    def pages(self) -> int:
        """Physical page sides: every face has a back."""
        return 2 * self.face_pages


def _canvas(buffer: io.BytesIO) -> Canvas:
    c = Canvas(buffer, pagesize=(PAGE_W, PAGE_H), pageCompression=1, invariant=1,
               initialFontName=fonts.MINCHO,  # type: ignore[arg-type]  # a font name; the stub says float
               initialFontSize=10, lang="ja-JP")
    c.setCreator("certificate-kiosk")
    c.setTitle("certificate")
    c.setAuthor("")
    return c


def _faces(sheet: layout.Sheet, pages: list[list[layout.Block]], with_ground: bool, c: Canvas) -> None:
    for i, blocks in enumerate(pages, 1):
        if with_ground:
            xobject.draw(c, ground.pattern_image(), 0, 0, PAGE_W, PAGE_H)
        layout.draw_face(c, sheet, blocks, i, len(pages))
        c.showPage()


def _face_only(document: Mapping[str, Any], with_ground: bool = False) -> io.BytesIO:
    fonts.register()
    sheet = layout.sheet_of(document)
    buffer = io.BytesIO()
    c = _canvas(buffer)
    _faces(sheet, sheet.pages(), with_ground, c)
    c.save()
    buffer.seek(0)
    return buffer


def face_only_pdf(document: Mapping[str, Any]) -> bytes:
    """The faces on their ground (no back): what gets scrambled."""
    return _face_only(document, with_ground=True).getvalue()


def _wipe(buffer: io.BytesIO) -> None:
    """Zero a BytesIO's buffer in place (reportlab's own intermediate copies cannot be;
    the session worker's exit takes them)."""
    view = buffer.getbuffer()
    try:
        zero(view)
    finally:
        view.release()


#: The face is drawn this many times finer than the scrambled grid, then averaged down:
#: each grid pixel holds the share of ink over its area, as a scan of the face reduced
#: to the grid does (drawn straight at the grid's 58 dpi, pdfium widens every hairline
#: to a whole pixel and a verifier's comparison would see every rule differ).
FACE_SUPERSAMPLE = 3


def _face_images(face_pdf: bytes | io.BytesIO) -> list[Any]:
    pdf = pdfium.PdfDocument(face_pdf)
    try:
        scale = scramble.SIZE[0] / PAGE_W * FACE_SUPERSAMPLE
        images = []
        for i in range(len(pdf)):
            page = pdf[i]
            bitmap = page.render(scale=scale, grayscale=True)
            fine = bitmap.to_pil().convert("L")
            images.append(fine.resize(scramble.SIZE, Image.Resampling.BOX))
            bitmap.close()
            page.close()
        return images
    finally:
        pdf.close()


def scramble_salt(serial: str, page: int) -> bytes:
    return f"{serial}/{page}".encode()


def qr_image(text: str) -> xobject.RawImage:
    """The QR code as a bilevel image, one pixel per module (PDF scales it unsmoothed).

    The mask is fixed (the checkerboard): choosing the best of eight costs 40 ms a page
    and the payload is Base45 text, which gives no long runs for a mask to break up."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    img = Image.new("1", (len(matrix), len(matrix)), 1)
    img.putdata([0 if dark else 1 for row in matrix for dark in row])
    return xobject.RawImage.from_pil("qr", img)


def _draw_qr(c: Canvas, qr: xobject.RawImage) -> None:
    quiet = 4 * QR_SIZE / qr.width
    c.setFillColor(white)
    c.rect(QR_X - quiet, QR_Y - quiet, QR_SIZE + 2 * quiet, QR_SIZE + 2 * quiet, stroke=0, fill=1)
    c.setFillColor(black)
    xobject.draw(c, qr, QR_X, QR_Y, QR_SIZE, QR_SIZE)


def _draw_back(c: Canvas, scrambled: xobject.RawImage, qr: xobject.RawImage, serial: str, page: int,
               pages: int) -> None:
    xobject.draw(c, ground.pattern_image(face=False), 0, 0, PAGE_W, PAGE_H)
    frame, gap = scramble.frame_widths(SCRAMBLE_W)
    outer = frame + gap
    c.setFillColor(white)
    c.rect(SCRAMBLE_X - outer, SCRAMBLE_Y - outer, SCRAMBLE_W + 2 * outer, SCRAMBLE_H + 2 * outer,
           stroke=0, fill=1)
    c.setFillColor(black)
    # the frame as four filled bars, so its outer edge is exact
    x0, y0 = SCRAMBLE_X - outer, SCRAMBLE_Y - outer
    w, h = SCRAMBLE_W + 2 * outer, SCRAMBLE_H + 2 * outer
    for bx, by, bw, bh in ((x0, y0, w, frame), (x0, y0 + h - frame, w, frame),
                           (x0, y0, frame, h), (x0 + w - frame, y0, frame, h)):
        c.rect(bx, by, bw, bh, stroke=0, fill=1)
    xobject.draw(c, scrambled, SCRAMBLE_X, SCRAMBLE_Y, SCRAMBLE_W, SCRAMBLE_H)
    _draw_qr(c, qr)
    c.setFont(fonts.GOTHIC, 9)
    c.drawString(20 * mm, QR_Y + QR_SIZE - 4 * mm, "偽造防止：スクランブル画像・署名付きQRコード")
    c.setFont(fonts.MINCHO, 8.5)
    c.drawString(20 * mm, QR_Y + QR_SIZE - 10 * mm, "QRコードは発行者の電子署名で検証できます（kiosk verify）。")
    c.drawString(20 * mm, QR_Y + QR_SIZE - 15 * mm, "スクランブル画像は検証サービスで表面の画像に復元されます。")
    c.drawString(20 * mm, QR_Y + QR_SIZE - 22 * mm, f"発行番号　{serial}")
    c.drawString(20 * mm, QR_Y + QR_SIZE - 27 * mm, f"裏面　{page}/{pages}")
    c.showPage()


def warm_up() -> None:
    """Load the fonts and build the ground patterns of faces and backs (0.4–0.7 s here,
    once per process): call it in the warm spare worker, before a customer is waiting."""
    fonts.register()
    ground.pattern_image()
    ground.pattern_image(face=False)


def render(document: Mapping[str, Any], issuer_key: Ed25519PrivateKey | None, scramble_key: bytes, *,
           qr_text: str | None = None) -> Rendered:
    """Lay out ``document`` with its security features; the PDF exists only in memory.

    ``qr_text`` is a payload the issuer already signed (the relay, in service); without
    it the payload is signed here with ``issuer_key`` (testers, the demo, ``kiosk
    render``). Raises :class:`~protocol.paper.fonts.UnsupportedCharacter` before
    anything is drawn if a character is outside the font.
    """
    fonts.register()
    fonts.check_document(document)
    if qr_text is None:
        if issuer_key is None:
            raise ValueError("either qr_text or issuer_key is needed")
        qr_text = qr_payload.encode(document, issuer_key)
    sheet = layout.sheet_of(document)
    pages = sheet.pages()
    # the face as printed, ground included: its coarse dots are large enough to show at the
    # scrambled image's 87 dpi, and a verifier compares what is printed with what is printed
    face_buffer = _face_only(document, with_ground=True)
    try:
        faces = _face_images(face_buffer)
    finally:
        _wipe(face_buffer)
    qr = qr_image(qr_text)
    buffer = io.BytesIO()
    c = _canvas(buffer)
    c.setTitle(sheet.serial)
    c.setSubject(sheet.cert_type.value)
    for i, blocks in enumerate(pages, 1):
        xobject.draw(c, ground.pattern_image(), 0, 0, PAGE_W, PAGE_H)
        layout.draw_face(c, sheet, blocks, i, len(pages))
        c.showPage()
        image = scramble.scramble(faces[i - 1], scramble_key, scramble_salt(sheet.serial, i))
        _draw_back(c, xobject.RawImage.from_pil(f"scrambled-{i}", image), qr, sheet.serial, i, len(pages))
    c.save()
    view = buffer.getbuffer()
    try:
        pdf = bytearray(view)
    finally:
        view.release()
        _wipe(buffer)
    return Rendered(pdf, len(pages))
