"""From files to grey page rasters, within the bounds of :mod:`.limits`.

A file is read with a bound (never more than :data:`~limits.MAX_FILE_BYTES` + 1 bytes), then
taken as a PDF (its pages drawn by the sandboxed child of :mod:`.pdf_raster`) or as a PNG
or JPEG scan (its size checked from the header before a pixel is decoded). Every page
comes out in grey at no more than :data:`~limits.WORK_DPI`, with what it is: a page a
PDF draws (``pdf``), a scan inside a PDF (``pdf-scan``) or a scan (``image``), so that the
verdict can say truly what was looked at.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from protocol.paper.verification import limits, pdf_raster, sharp_image
from protocol.paper.verification.limits import InputRefused

Kind = Literal["pdf", "pdf-scan", "image"]
A4_INCHES = (210 / 25.4, 297 / 25.4)


@dataclass(frozen=True)
class Page:
    """One side as the verifier sees it."""

    image: Image.Image  # mode L
    dpi: float
    kind: Kind
    file: int  # which of the files given (0-based)
    number: int  # its page in that file (1-based)


def read_file(path: Path) -> bytes:
    """The file's bytes, read with a bound: a larger file (or ``/dev/zero``) is refused."""
    try:
        with open(path, "rb") as f:
            data = f.read(limits.MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputRefused("cannot-read", f"cannot read {path.name}: {exc.strerror or type(exc).__name__}") from None
    return check_size(data)


def check_size(data: bytes) -> bytes:
    if len(data) > limits.MAX_FILE_BYTES:
        raise InputRefused("file-too-large", f"the file is larger than {limits.MAX_FILE_BYTES >> 20} MiB "
                           "(MAX_FILE_BYTES)")
    if not data:
        raise InputRefused("empty-file", "the file is empty")
    return data


def pages_of(data: bytes, file: int = 0) -> list[Page]:
    """The sides in one file: every page of a PDF, or the one side a scan shows."""
    check_size(data)
    if data[:5] == b"%PDF-":
        pages = []
        for number, raster in enumerate(pdf_raster.rasterise(data), 1):
            img = Image.frombuffer("L", (raster.width, raster.height), raster.data, "raw", "L", raster.stride, 1)
            if raster.scan:  # a scan, as a scan given as an image is
                pages.append(Page(_softened(img, raster.dpi), raster.dpi, "pdf-scan", file, number))
            else:
                pages.append(Page(img, raster.dpi, "pdf", file, number))
        return pages
    if data[:8] == b"\x89PNG\r\n\x1a\n" or data[:3] == b"\xff\xd8\xff":
        return [_scan(data, file)]
    raise InputRefused("not-a-certificate-file", "the file is neither a PDF nor a PNG or JPEG image")


def _scan(data: bytes, file: int) -> Page:
    too_large = InputRefused("image-too-large", "the image has more than "
                             f"{limits.MAX_IMAGE_PIXELS // 1_000_000} million pixels (MAX_IMAGE_PIXELS)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_large from None
    except (OSError, ValueError):
        raise InputRefused("not-an-image", "the image cannot be read (not a PNG or JPEG, or damaged)") from None
    # closed explicitly: leaving a ``with`` block only closes the file, and the decoded
    # image (four bytes a pixel for RGBA) would stay in memory beside its grey copy
    try:
        w, h = img.size
        if w * h > limits.MAX_IMAGE_PIXELS:
            raise InputRefused("image-too-large", f"the image has {w * h / 1e6:.0f} million pixels; at most "
                               f"{limits.MAX_IMAGE_PIXELS // 1_000_000} million are read (MAX_IMAGE_PIXELS)")
        if w < 200 or h < 200:
            raise InputRefused("image-too-small", f"the image is {w} × {h} pixels: too small to hold a certificate")
        dpi = _dpi(img)
        if img.format == "JPEG" and dpi > 1.5 * limits.WORK_DPI:
            # libjpeg decodes straight to a half or a quarter: less memory and time
            img.draft("L", (round(w * limits.WORK_DPI / dpi), round(h * limits.WORK_DPI / dpi)))
            dpi *= img.size[0] / w
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img.load()
            grey = img.convert("L")
        except (OSError, ValueError, Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InputRefused("not-an-image", "the image cannot be read (damaged or cut short)") from None
    finally:
        img.close()
    # a renderer's raster whose enlarged image is runs of repeated pixels, smoothed first
    grey = Image.fromarray(sharp_image.smoothed(np.asarray(grey)))
    if dpi > 1.1 * limits.WORK_DPI:
        # Pillow's bicubic filter (widened to the reduction): a box of 1.33 pixels (400 dpi
        # to 300) takes one pixel or two of a renderer's sharp image in turn and beats with
        # the scrambled image's pixels (a clean 400-dpi render of the back failed)
        factor = limits.WORK_DPI / dpi
        grey = grey.resize((round(grey.width * factor), round(grey.height * factor)), Image.Resampling.BICUBIC)
        dpi = limits.WORK_DPI
    return Page(_softened(grey, dpi), dpi, "image", file, 1)


def _softened(grey: Image.Image, dpi: float) -> Image.Image:
    """At least a scanner's optical softness: an image drawn straight from the PDF (a
    screenshot, a renderer's raster) is sharper than any scan the comparison's thresholds
    were set on, and its hard edges alias against the face's grid into differences
    nobody printed. (OpenCV's blur, in place: a fraction of the time of Pillow's on a
    300-dpi page.)"""
    pixels = np.array(grey, dtype=np.uint8)
    cv2.GaussianBlur(pixels, (0, 0), limits.SCAN_SOFTNESS_MM / 25.4 * dpi, dst=pixels)
    return Image.fromarray(pixels)


def _dpi(img: Image.Image) -> float:
    """The resolution a scanner wrote, when plausible; else the one at which the image
    would be an A4 side."""
    written = img.info.get("dpi")
    if isinstance(written, tuple) and written and 100 <= float(written[0]) <= 1200:
        return float(written[0])
    long_px, short_px = max(img.size), min(img.size)
    return (long_px / A4_INCHES[1] + short_px / A4_INCHES[0]) / 2
