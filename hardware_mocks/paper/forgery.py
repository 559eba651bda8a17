"""The forgeries a verifier must catch, made as a forger would make them.

On a PDF: a white box over a field, alone or with other text pasted over it as an
image (what an image editor or a PDF editor does: pdfium adds the objects, the text
layer underneath stays as it was). On paper: the same done to the page before it is
scanned, and a back swapped for another certificate's or its QR code replaced with
another certificate's. On both: a single digit altered, the face drawn again in the
same font and place (:func:`with_face_of`).
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from protocol.paper import fonts

Box = tuple[float, float, float, float]  # left, top, right, bottom in points from the top left


def text_box(pdf: bytes | bytearray, index: int, text: str, nth: int = 0) -> Box:
    """Where ``text`` is drawn on page ``index`` (its ``nth`` occurrence)."""
    doc = pdfium.PdfDocument(bytes(pdf))
    try:
        page = doc[index]
        height = page.get_height()
        textpage = page.get_textpage()
        try:
            full = textpage.get_text_range()
            start = -1
            for _ in range(nth + 1):
                start = full.index(text, start + 1)
            boxes = [textpage.get_charbox(i) for i in range(start, start + len(text))]
        finally:
            textpage.close()
            page.close()
    finally:
        doc.close()
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
    return (left - 1, height - top - 1, right + 1, height - bottom + 1)


#: The certificate's text size (points): a forger matches it.
TEXT_PT = 10.5


def _text_image(text: str, size_px: tuple[int, int], dpi: float) -> Image.Image:
    """White, with ``text`` in the certificate's font and size on the box's baseline."""
    img = Image.new("L", size_px, 255)
    if text:
        draw = ImageDraw.Draw(img)
        font = ImageFont.truetype(str(fonts.font_file(fonts.MINCHO)), round(TEXT_PT * dpi / 72))
        draw.text((1, size_px[1] - 1 - round(dpi / 72)), text, font=font, fill=0, anchor="ls")
    return img


def pdf_overlay(pdf: bytes | bytearray, index: int, box: Box, text: str = "") -> bytes:
    """``pdf`` with a white box over ``box`` on page ``index`` and ``text`` drawn in it,
    pasted as an image."""
    doc = pdfium.PdfDocument(bytes(pdf))
    try:
        page = doc[index]
        height = page.get_height()
        w_pt, h_pt = box[2] - box[0], box[3] - box[1]
        img = _text_image(text, (max(1, round(w_pt * 300 / 72)), max(1, round(h_pt * 300 / 72))), 300)
        image = pdfium.PdfImage.new(doc)
        bitmap = pdfium.PdfBitmap.from_pil(img)
        image.set_bitmap(bitmap)
        image.set_matrix(pdfium.PdfMatrix().scale(w_pt, h_pt).translate(box[0], height - box[3]))
        page.insert_obj(image)
        page.gen_content()
        page.close()
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()
    finally:
        doc.close()


def paper_overlay(paper: Image.Image, dpi: float, box: Box, text: str = "") -> Image.Image:
    """A page raster (drawn at ``dpi``) with a white box over ``box`` and ``text`` in it."""
    scale = dpi / 72
    px = (round(box[0] * scale), round(box[1] * scale), round(box[2] * scale), round(box[3] * scale))
    out = paper.copy()
    out.paste(_text_image(text, (px[2] - px[0], px[3] - px[1]), dpi), (px[0], px[1]))
    return out


def paste_region(target: Image.Image, source: Image.Image, box: Box, dpi: float) -> Image.Image:
    """``target`` with the part ``box`` of ``source`` pasted in (another certificate's QR code)."""
    scale = dpi / 72
    px = (round(box[0] * scale), round(box[1] * scale), round(box[2] * scale), round(box[3] * scale))
    out = target.copy()
    out.paste(source.crop(px), (px[0], px[1]))
    return out


def with_face_of(genuine: bytes | bytearray, altered: bytes | bytearray, index: int = 0) -> bytes:
    """``genuine`` with face page ``index`` taken from ``altered``: the document drawn
    again with one field changed (a digit of a date, an address, an amount), in the
    same font, size and place, on the same ground — the best a forger can make — put
    with the genuine back."""
    out = pdfium.PdfDocument.new()
    try:
        source, replacement = pdfium.PdfDocument(bytes(genuine)), pdfium.PdfDocument(bytes(altered))
        try:
            for page in range(len(source)):
                out.import_pages(replacement if page == index else source, [page])
        finally:
            source.close()
            replacement.close()
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
