"""The check at the scale of one character: catches a digit altered into another.

The page-wide comparison (:mod:`.compare`) tolerates what a print and a scan do to
dense bold text, and a digit changed into another in the same font (3 into 8, 4 into
7: a few pixels of 0.2–0.5 ink at the face's 87 dpi) stays under its tolerance. Here
each block of the recovered face is aligned on its own before the two are compared:
the blocks were printed apart on the back, each scanned at its own sub-pixel offset
and, when it was printed inverted, with strokes thinned instead of thickened. So each
block is shifted onto the front (Lucas–Kanade, a few steps, at most
:data:`MAX_SHIFT` pixels) and its ink scaled and offset (least squares); what still
differs by more than :data:`DEAD` is summed over a window the size of a character
(:data:`WINDOW`) and divided by the ink in that window (a stroke that differs in a
sparse digit counts more than the same in a dense kanji). A window above
:data:`SCORE` whose excess sums to :data:`MIN_EXCESS` or more marks the place. Only
the values are checked (:func:`.compare.value_mask`): there the ground is plain.

The numbers were set on bench.digits's corpus (84 genuine pages and 70 single-digit
forgeries a seed, PDFs and scans across the issue's range; docs/security-printing.md
has the rates). One pixel of each block's rim is left out of the score here (:data:`RIM`), so
a digit lying across two blocks is still mostly seen; the blur before it takes the
rims too (:func:`.compare._glyph_regions`).
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from numpy.typing import NDArray

from protocol.paper import scramble

Float = NDArray[np.float32]
#: Pixels of each block's rim left out of the score. (Two would clear every genuine page
#: of the corpus, but a changed stroke lying next to a block's edge then goes unseen:
#: 4,800,000→4,300,000 was missed on most scans.)
RIM = 1
#: Lucas–Kanade steps, and the largest shift of a block (pixels at SIZE).
STEPS, MAX_SHIFT = 3, 1.5
#: A pixel counts only by how much its ink differs beyond this (0..1).
DEAD = 0.2
#: The window summed (pixels at SIZE, about one 10.5-point character).
WINDOW = 9
#: Ink in the window is added to this before it divides (a window without ink).
INK_FLOOR = 2.0
#: A window scoring above this marks a differing character: on bench.digits's corpus
#: (every option of every certificate, two seeds) genuine pages reach 0.011 in the
#: values, single-digit forgeries mostly 0.02–0.1 (docs/security-printing.md).
SCORE = 0.014
#: A window whose excess sums to less than this scores nothing, however little ink it
#: holds: the ratio above makes a sparse window (a stroke's end on plain ground) count
#: one pixel just past :data:`DEAD` as a changed character. On bench.digits's corpus
#: (value regions, two seeds) genuine windows sum to 0.067 at most and every caught
#: forgery to 0.108 or more; a pdfium 400-dpi render's stroke end, one pixel, to 0.074.
MIN_EXCESS = 0.1


def _f32(img: object) -> Float:
    return np.asarray(img, dtype=np.float32)


def _block_sums(img: Float) -> Float:
    b = scramble.BLOCK
    rows, cols = img.shape[0] // b, img.shape[1] // b
    return _f32(img.reshape(rows, b, cols, b).sum(axis=(1, 3)))


def _per_pixel(values: Float) -> Float:
    b = scramble.BLOCK
    return _f32(np.repeat(np.repeat(values, b, axis=0), b, axis=1))


@functools.lru_cache(maxsize=2)
def _coordinates(w: int, h: int) -> tuple[Float, Float]:
    """Each pixel's x and y (for :func:`cv2.remap`)."""
    xs = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    ys = np.tile(np.arange(h, dtype=np.float32)[:, None], (1, w))
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


def aligned(face: Float, front: Float, usable: Float) -> Float:
    """``face`` with each block shifted onto ``front`` and its ink scaled and offset to
    fit it (only ``usable`` pixels count in the fit)."""
    h, w = face.shape
    xs, ys = _coordinates(w, h)
    shape = (h // scramble.BLOCK, w // scramble.BLOCK)
    dx, dy = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    moved = face
    for _ in range(STEPS):
        gx = _f32(cv2.Sobel(moved, cv2.CV_32F, 1, 0, ksize=3)) / 8
        gy = _f32(cv2.Sobel(moved, cv2.CV_32F, 0, 1, ksize=3)) / 8
        error = (front - moved) * usable
        sxx, sxy, syy = (_block_sums(_f32(v * usable)) for v in (gx * gx, gx * gy, gy * gy))
        bx, by = _block_sums(gx * error), _block_sums(gy * error)
        det = sxx * syy - sxy * sxy
        solvable = det > 1e-3  # a block without strokes in two directions keeps its shift
        safe = np.where(solvable, det, 1.0)
        # moved(x - d) ≈ moved - g·d: the d for which that is the front
        ux = np.where(solvable, -(syy * bx - sxy * by) / safe, 0.0)
        uy = np.where(solvable, -(sxx * by - sxy * bx) / safe, 0.0)
        dx = np.clip(dx + np.clip(ux, -0.5, 0.5), -MAX_SHIFT, MAX_SHIFT).astype(np.float32)
        dy = np.clip(dy + np.clip(uy, -0.5, 0.5), -MAX_SHIFT, MAX_SHIFT).astype(np.float32)
        moved = _f32(cv2.remap(face, xs - _per_pixel(dx), ys - _per_pixel(dy), cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE))
    n = np.maximum(_block_sums(usable), 1.0)
    sa, sb = _block_sums(moved * usable), _block_sums(front * usable)
    saa, sab = _block_sums(moved * moved * usable), _block_sums(moved * front * usable)
    spread = saa - sa * sa / n
    gain = np.where(spread > 1e-2, (sab - sa * sb / n) / np.maximum(spread, 1e-6), 1.0).clip(0.7, 1.4)
    offset = (sb - gain * sa) / n
    return _f32(moved * _per_pixel(_f32(gain)) + _per_pixel(_f32(offset)))


def scores(face: Float, front: Float, usable: Float) -> tuple[Float, Float]:
    """Per pixel: the window score (above :data:`SCORE`: a character differs) and the
    ink difference beyond :data:`DEAD` it sums."""
    moved = aligned(face, front, usable)
    excess = _f32(np.maximum(np.abs(moved - front) - DEAD, 0) * usable)
    window = (WINDOW, WINDOW)
    ink = _f32(cv2.boxFilter(np.maximum(face, front) * usable, -1, window, normalize=False))
    summed = _f32(cv2.boxFilter(excess, -1, window, normalize=False))
    return _f32(np.where(summed >= MIN_EXCESS, summed / (INK_FLOOR + ink), 0)), excess
