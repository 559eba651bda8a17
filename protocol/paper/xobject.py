"""Image XObjects handed to reportlab ready-made.

reportlab's ``drawImage`` converts every image to 8-bit RGB and hashes it to name it;
for the 300-dpi bilevel ground pattern (8.7 million pixels) that alone costs more than
the rest of the page. Here the caller gives the pixel data already packed and
Flate-compressed, at its own bit depth, under a name it chooses; the object is written
once per PDF however many pages draw it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from PIL import Image
from reportlab.pdfbase import pdfdoc
from reportlab.pdfgen.canvas import Canvas


@dataclass(frozen=True)
class RawImage:
    name: str
    width: int
    height: int
    bits: int  # 1 (bilevel, 0 = black) or 8 (grey)
    data: bytes  # Flate-compressed rows

    @classmethod
    def from_pil(cls, name: str, img: Image.Image, level: int = 6) -> RawImage:
        if img.mode == "1":
            bits = 1
        else:
            img, bits = img.convert("L"), 8
        return cls(name, img.width, img.height, bits, zlib.compress(img.tobytes(), level))


@runtime_checkable
class _CanvasInternals(Protocol):
    """The private parts of reportlab's ``Canvas`` that its own ``drawImage`` uses and
    :func:`draw` uses the same way (types-reportlab leaves them out)."""

    _doc: pdfdoc.PDFDocument
    _code: list[str]
    _formsinuse: list[str]
    _currentPageHasImages: int

    def _setXObjects(self, thing: pdfdoc.PDFObject) -> None: ...


def draw(canvas: Canvas, image: RawImage, x: float, y: float, width: float, height: float) -> None:
    """Draw ``image`` into the box (points, origin bottom left)."""
    if not isinstance(canvas, _CanvasInternals):
        raise TypeError("this reportlab Canvas lacks the internals drawImage uses")
    doc = canvas._doc
    reg_name = doc.getXObjectName(image.name)
    if doc.idToObject.get(reg_name) is None:
        obj = pdfdoc.PDFImageXObject(image.name)
        obj.width, obj.height = image.width, image.height
        obj.bitsPerComponent = image.bits
        obj.colorSpace = "DeviceGray"
        obj._filters = ("FlateDecode",)  # type: ignore[attr-defined]  # private, absent from types-reportlab
        obj.streamContent = image.data  # type: ignore[assignment]  # the stub says str; a stream is bytes
        obj.mask = None
        canvas._setXObjects(obj)
        doc.Reference(obj, reg_name)  # type: ignore[no-untyped-call]  # unannotated in types-reportlab
        doc.addForm(image.name, obj)
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{reg_name} Do")
    canvas.restoreState()
    canvas._formsinuse.append(image.name)
