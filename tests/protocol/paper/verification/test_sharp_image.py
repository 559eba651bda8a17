"""An image a renderer enlarged by repeating pixels (:mod:`protocol.paper.verification.sharp_image`):
found and drawn again smoothly at its true place; a scan's noisy raster is left alone."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from protocol.paper.verification import sharp_image

#: The enlargement pdfium draws the back's 140-dpi image with at 400 dpi.
SCALE = 400 / 140
PAGE = (1000, 700)  # rows, columns
START = (180.3, 150.6)  # where the image's top left corner lies on the page (pixels)
SOURCE = (240, 140)  # the image's pixels (rows, columns)


def _source() -> NDArray[np.uint8]:
    """A dark image of blocks and strokes, as a scrambled face is."""
    rng = np.random.default_rng(5)
    return rng.integers(0, 120, SOURCE, dtype=np.uint8)


def _page(enlarged: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A page with a dotted light ground and ``enlarged`` pasted at :data:`START`."""
    page = np.full(PAGE, 240, np.uint8)
    page[::4, ::4] = 200
    y, x = (int(np.ceil(v - 0.5)) for v in START)
    page[y : y + enlarged.shape[0], x : x + enlarged.shape[1]] = enlarged
    return page


def _nearest() -> NDArray[np.uint8]:
    """The image enlarged by :data:`SCALE`, each device pixel taking the image pixel its
    centre falls in (a renderer drawing without smoothing), from its rounded corner."""
    y0, x0 = (int(np.ceil(v - 0.5)) for v in START)
    rows = np.floor((np.arange(y0, y0 + int(SOURCE[0] * SCALE)) + 0.5 - START[0]) / SCALE).astype(int)
    cols = np.floor((np.arange(x0, x0 + int(SOURCE[1] * SCALE)) + 0.5 - START[1]) / SCALE).astype(int)
    return _source()[np.ix_(rows.clip(0, SOURCE[0] - 1), cols.clip(0, SOURCE[1] - 1))]


def _smooth() -> NDArray[np.uint8]:
    """The same enlargement drawn smoothly: each image pixel's value at its true centre,
    interpolated between (the part the redrawing covers)."""
    y0, x0 = (int(np.ceil(v - 0.5)) for v in START)
    ys = (np.arange(y0, y0 + int(SOURCE[0] * SCALE)) + 0.5 - START[0]) / SCALE - 0.5
    xs = (np.arange(x0, x0 + int(SOURCE[1] * SCALE)) + 0.5 - START[1]) / SCALE - 0.5
    map_x = np.tile(xs.astype(np.float32), (len(ys), 1))
    map_y = np.tile(ys.astype(np.float32)[:, None], (1, len(xs)))
    out = cv2.remap(_source().astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _inner(page: NDArray[np.uint8]) -> NDArray[np.float32]:
    """The image's part away from its edge (where the redrawing lies in any case)."""
    y, x = (int(np.ceil(v - 0.5)) for v in START)
    m = 8
    h, w = int(SOURCE[0] * SCALE), int(SOURCE[1] * SCALE)
    return page[y + m : y + h - m, x + m : x + w - m].astype(np.float32)


def test_an_image_drawn_as_repeated_pixels_is_drawn_again_smoothly_at_its_place() -> None:
    drawn = _page(_nearest())
    smoothed = sharp_image.smoothed(drawn)
    smooth = _inner(_page(_smooth()))
    before = float(np.abs(_inner(drawn) - smooth).mean())
    after = float(np.abs(_inner(smoothed) - smooth).mean())
    assert after < 1.0 < before  # grey levels: within rounding of the smooth drawing
    assert (smoothed[:100] == drawn[:100]).all()  # the page outside the image is kept


def test_a_scan_with_noise_is_left_alone() -> None:
    rng = np.random.default_rng(6)
    noisy = np.clip(_page(_nearest()) + rng.normal(0, 3, PAGE), 0, 255).astype(np.uint8)
    assert sharp_image.smoothed(noisy) is noisy


def test_an_image_enlarged_little_is_left_alone() -> None:
    """Runs of one or two pixels (an enlargement by 1.5): nothing worth undoing."""
    src = _source()
    enlarged = cv2.resize(src, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_NEAREST)
    page = np.full((600, 400), 240, np.uint8)
    page[100 : 100 + enlarged.shape[0], 100 : 100 + enlarged.shape[1]] = enlarged
    assert sharp_image.smoothed(page) is page
