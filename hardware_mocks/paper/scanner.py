"""A printed page, then scanned: what a verifier uploads.

The page is drawn by pdfium at twice the scan resolution (the "paper"), then moved as a
sheet on a flatbed moves (rotation, scale from a scanner's calibration, a shift), blurred
by the scanner's optics, given the paper's and the ink's grey levels and sensor noise,
and saved as JPEG or PNG: the cases of issue 13 are rotation 0.5–2°, scale 0.97–1.02,
noise, JPEG quality 40–75 and 200–600 dpi.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageFilter


@dataclass(frozen=True)
class Scan:
    """How one side is scanned."""

    dpi: int = 300
    rotation: float = 0.0  # degrees, anticlockwise
    scale: float = 1.0
    shift_mm: tuple[float, float] = (0.0, 0.0)
    blur_mm: float = 0.08  # the optics' Gaussian sigma
    paper: int = 238  # the grey of blank paper
    ink: int = 28  # the grey of solid black ink
    noise: float = 3.0  # sensor noise, standard deviation in grey levels
    jpeg: int | None = 75  # JPEG quality, None for PNG
    seed: int = 1


def page_of(pdf: bytes | bytearray, index: int, dpi: float) -> Image.Image:
    """Page ``index`` of ``pdf`` drawn in grey at ``dpi``."""
    doc = pdfium.PdfDocument(bytes(pdf))
    try:
        page = doc[index]
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        img: Image.Image = bitmap.to_pil().convert("L")
        bitmap.close()
        page.close()
        return img
    finally:
        doc.close()


def scanned(paper: Image.Image, paper_dpi: float, scan: Scan) -> Image.Image:
    """``paper`` (a page drawn at ``paper_dpi``) as the scanner sees it, before encoding."""
    ratio = paper_dpi / scan.dpi  # paper pixels per scan pixel
    out_size = (round(paper.width / ratio), round(paper.height / ratio))
    # scan pixel (u, v) sees paper point centre + R(-θ)·((u, v) - centre)·ratio / scale - shift
    theta = math.radians(scan.rotation)
    c, s = math.cos(theta) * ratio / scan.scale, math.sin(theta) * ratio / scan.scale
    cx, cy = out_size[0] / 2, out_size[1] / 2
    px, py = paper.width / 2, paper.height / 2
    dx, dy = (v / 25.4 * paper_dpi for v in scan.shift_mm)
    coeffs = (c, -s, px - c * cx + s * cy - dx, s, c, py - s * cx - c * cy - dy)
    smooth = paper.filter(ImageFilter.GaussianBlur(max(0.3, ratio / 2.5)))
    img = smooth.transform(out_size, Image.Transform.AFFINE, coeffs, Image.Resampling.BILINEAR, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(scan.blur_mm / 25.4 * scan.dpi))
    span = (scan.paper - scan.ink) / 255
    img = img.point(lambda v: round(scan.ink + v * span))
    if scan.noise:
        grey = np.asarray(img, dtype=np.float32)
        grey += np.random.default_rng(scan.seed).normal(0.0, scan.noise, grey.shape).astype(np.float32)
        img = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8))
    return img


def encode(img: Image.Image, scan: Scan) -> bytes:
    buf = io.BytesIO()
    if scan.jpeg is None:
        img.save(buf, "PNG", dpi=(scan.dpi, scan.dpi))
    else:
        img.save(buf, "JPEG", quality=scan.jpeg, dpi=(scan.dpi, scan.dpi))
    return buf.getvalue()


def scan_side(pdf: bytes | bytearray, index: int, scan: Scan) -> bytes:
    """Page ``index`` of ``pdf`` printed and scanned, as the scanner's file."""
    paper_dpi = min(2 * scan.dpi, 600)
    return encode(scanned(page_of(pdf, index, paper_dpi), paper_dpi, scan), scan)
