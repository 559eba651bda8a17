"""Copiers, a phone and the eye, as models: what becomes of the ground pattern.

All work on the pattern's ink coverage at printer resolution (300 dpi, 1 = ink). The
printer spreads each dot a little (dot gain); reflectance is 1 − 0.95 × ink. A copier
scans with a Gaussian blur (its optics: σ 0.08, 0.11 or 0.15 mm) and reproduces:

- in *photo* mode with highlight suppression: reflectances above 0.85 print as paper
  white, the rest is stretched over the full range (what keeps a copy's background
  clean);
- in *text* mode it binarises at 50 %.

A phone photo blurs more (σ 0.2 mm), and the document app's "enhance" sets its white
point at the 90th percentile and its black point at the 1st, then binarises at 60 %.
The eye at print size sees through σ 0.1 mm (one minute of arc at 35 cm); a screen
shows the page at 80 dpi, each pixel the mean of its area.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float32]
DPI = 300
MM = DPI / 25.4  # pixels per millimetre
DOT_GAIN_MM = 0.02


def reflectance(ink: Array) -> Array:
    return np.asarray(1 - 0.95 * ink, dtype=np.float32)


def lightness(y: Array | float) -> Array:
    """CIE L* of a reflectance (paper white is 100)."""
    y = np.asarray(y, dtype=np.float32)
    f = np.where(y > (6 / 29) ** 3, np.cbrt(y), y / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.asarray(116 * f - 16, dtype=np.float32)


def _blur(img: Array, sigma_mm: float) -> Array:
    return np.asarray(cv2.GaussianBlur(img, (0, 0), sigma_mm * MM), dtype=np.float32)


def printed(ink: NDArray[np.bool_] | Array) -> Array:
    """The page's reflectance as printed."""
    return reflectance(np.clip(_blur(np.asarray(ink, dtype=np.float32), DOT_GAIN_MM) * 1.1, 0, 1))


@dataclass(frozen=True)
class Copier:
    name: str
    blur_mm: float
    text_mode: bool

    def copy(self, paper: Array) -> Array:
        scanned = _blur(paper, self.blur_mm)
        if self.text_mode:
            return np.where(scanned < 0.5, 0.05, 1.0).astype(np.float32)
        return np.asarray(np.clip((scanned - 0.05) / (0.85 - 0.05), 0.05, 1.0), dtype=np.float32)


COPIERS = tuple(Copier(f"{mode} {blur:.2f} mm", blur, mode == "text")
                for blur in (0.08, 0.11, 0.15) for mode in ("photo", "text"))


def phone_photo(paper: Array) -> Array:
    seen = _blur(paper, 0.2)
    black, white = np.percentile(seen, (1, 90))
    enhanced = np.clip((seen - black) / max(1e-3, white - black), 0, 1)
    return np.where(enhanced < 0.6, 0.05, 1.0).astype(np.float32)


def eye(paper: Array) -> Array:
    return _blur(paper, 0.1)


def screen(paper: Array, dpi: int = 80) -> Array:
    size = (round(paper.shape[1] * dpi / DPI), round(paper.shape[0] * dpi / DPI))
    return np.asarray(cv2.resize(paper, size, interpolation=cv2.INTER_AREA), dtype=np.float32)


def contrast(img: Array, word: NDArray[np.bool_]) -> tuple[float, float]:
    """ΔL* between the word and the background (mean reflectance of each, in L*), and
    the word's texture relative to the background's (standard deviation of L*)."""
    background = ~word
    tone = float(abs(lightness(float(img[word].mean())) - lightness(float(img[background].mean()))))
    light = lightness(img)
    texture = float(light[word].std() / max(1e-6, light[background].std()))
    return tone, texture


def masks(word: NDArray[np.bool_], erode_px: int) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """The word's inside and the background's, each kept ``erode_px`` from the edge."""
    kernel = np.ones((2 * erode_px + 1, 2 * erode_px + 1), np.uint8)
    inner = cv2.erode(word.astype(np.uint8), kernel) > 0
    outer = cv2.erode((~word).astype(np.uint8), kernel) > 0
    return inner, outer


def away_from(boxes: list[tuple[int, int, int, int]], margin: int, shape: tuple[int, int]) -> NDArray[np.bool_]:
    """True on a page of ``shape`` (rows, columns) except within ``margin`` pixels of the
    ``boxes`` (left, top, right, bottom, inclusive): where a face's ground is measured
    away from its values, which lie on a lighter plain ground."""
    keep = np.ones(shape, bool)
    for left, top, right, bottom in boxes:
        keep[max(top - margin, 0) : bottom + margin + 1, max(left - margin, 0) : right + margin + 1] = False
    return keep
