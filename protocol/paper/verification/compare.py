"""Compare a front with the face recovered from its back: where do they differ?

Both are brought to the scrambled image's own grid (:data:`scramble.SIZE`, 87 dpi on
the face: the recovered face holds no finer detail). The front is first reduced to
about that scale, then registered to the recovered face with OpenCV's enhanced
correlation coefficient (an affine map, found coarse to fine: a scan's turn, scale and
shift); its grey levels are mapped so that its histogram is the face's (paper tint,
ground pattern, a scanner's contrast and gamma; for the character check, on the text
and the fine ground only). Both are then blurred by a pixel
(the ground's dots melt), light ink is dropped (the ground's tint, light fills), and
the sharper of the two is blurred to the other's sharpness. What differs then, by more
than a print and a scan explain, is a region: the difference is divided by how much
stroke edge is around (dense bold text differs most between a face printed twice as
small and a front), thresholded (:data:`DIFFERENCE`), pieces closer than a character
joined, and a piece kept when it holds :data:`MIN_MASS`. Each region is named after
where it lies on the layout: the header, a row of the table (label or value), or the
closing part (certifying sentence, date, mayor's seal).

Block rims are left out (:func:`rim_mask`): a print and a scan blur each block of the
scrambled image into its neighbours, which after unscrambling lie elsewhere.

The thresholds were set on the tests' genuine scans (largest region 3.3) and forgeries
(a name whitened or replaced: 4.8 and more). A digit changed into another stays below
them; a second check at the scale of one character, each block aligned on its own
(:mod:`.glyphs`), finds it. docs/security-printing.md has the margins and rates.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from protocol.paper import ground, layout, scramble
from protocol.paper.verification import glyphs
from protocol.paper.verification.backside import OVERSAMPLE, Grey

Float = NDArray[np.float32]
PAGE_MM = (layout.PAGE_W * 25.4 / 72, layout.PAGE_H * 25.4 / 72)
MM_PER_PX = PAGE_MM[0] / scramble.SIZE[0]
#: A registered front correlates with its own face above this (a scan: 0.8 and more).
MATCHES = 0.5
#: Ink difference (0..1) that marks a pixel, after the blur.
DIFFERENCE = 0.125
#: A region must hold this much differing ink (pixels times their weighted difference):
#: the genuine scans of the tests stay under 3.5, a name whitened or replaced is 5 and more.
MIN_MASS = 4.0


@dataclass(frozen=True)
class Region:
    """A part of a face page that differs, in millimetres from the page's top left."""

    page: int
    box_mm: tuple[float, float, float, float]  # left, top, right, bottom
    where: str  # e.g. "table row 3 (value)"
    mass: float  # how much ink differs (0..1 per pixel, summed)


@dataclass(frozen=True)
class Comparison:
    """One front against one recovered face."""

    page: int
    correlation: float  # of the registered front with the face (1 = identical)
    regions: tuple[Region, ...]
    face: Grey  # the recovered face, SIZE
    front: Grey  # the front, registered onto the face's grid, SIZE

    @property
    def matches(self) -> bool:
        return self.correlation >= MATCHES


def _ink(grey: Grey) -> Float:
    return (255.0 - grey.astype(np.float32)) / 255.0


def _reduce(img: Grey, size: tuple[int, int]) -> Grey:
    return np.asarray(cv2.resize(img, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _f32(img: object) -> Float:
    """An OpenCV result as the float32 array it is (its stubs say any number type)."""
    return np.asarray(img, dtype=np.float32)


def _register(face: Float, front: Float) -> tuple[NDArray[np.float32], float]:
    """The affine map from the face's grid into ``front`` (both near the same scale)
    and the correlation reached; coarse to fine."""
    warp = np.eye(2, 3, dtype=np.float32)
    score = -1.0
    # the fine levels only polish: they stop when the correlation gains less than EPS
    # (the full level costs most; on three of the tests' scans and the PDF, 1e-5 moved the map
    # by 0.001 px at most more)
    for level, iterations in ((4, 60), (2, 30), (1, 12)):
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, iterations, 1e-5 if level > 1 else 1e-4)
        size = (face.shape[1] // level, face.shape[0] // level)
        t = cv2.GaussianBlur(cv2.resize(face, size, interpolation=cv2.INTER_AREA), (0, 0), 1.0)
        fsize = (front.shape[1] // level, front.shape[0] // level)
        i = cv2.GaussianBlur(cv2.resize(front, fsize, interpolation=cv2.INTER_AREA), (0, 0), 1.0)
        scaled = warp.copy()
        scaled[:, 2] /= level
        try:
            score, found = cv2.findTransformECC(t, i, scaled, cv2.MOTION_AFFINE, criteria)
            scaled = _f32(found)
        except cv2.error:
            return warp, -1.0
        warp = scaled.copy()
        warp[:, 2] *= level
    return warp, float(score)


def match_levels(front: Grey, face: Grey, usable: NDArray[np.bool_]) -> Grey:
    """``front``'s grey levels mapped so that their histogram is the face's: paper tint,
    the ground pattern's tone, a scanner's contrast and gamma all fall away, and what
    remains is where the ink is. A forged region is too small a share of the page to
    move the histogram."""
    def cdf(img: Grey) -> NDArray[np.float64]:
        return np.cumsum(np.bincount(img[usable], minlength=256)) / max(1, int(usable.sum()))

    lut = np.searchsorted(cdf(face), cdf(front) - 1e-9).clip(0, 255).astype(np.uint8)
    return lut[front]


#: Nothing is printed this close to the page's edge; a scan's edge is left out.
EDGE_MM = 6.0


#: Pixels at each block's edge (at SIZE) left out of the comparison: a print and a scan
#: blur them with what were the block's neighbours in the scrambled image.
RIM_PX = 2


@functools.lru_cache(maxsize=4)
def rim_mask(rim: int = RIM_PX) -> NDArray[np.bool_]:
    """True where a difference counts: inside blocks (``rim`` pixels away from their
    edges) and away from the page's edge (at SIZE)."""
    w, h = scramble.SIZE
    ys, xs = np.mgrid[0:h, 0:w]
    b = scramble.BLOCK
    edge = round(EDGE_MM / MM_PER_PX)
    inside = (xs >= edge) & (xs < w - edge) & (ys >= edge) & (ys < h - edge)
    mask: NDArray[np.bool_] = inside & (xs % b >= rim) & (xs % b < b - rim) & (ys % b >= rim) & (
        ys % b < b - rim)
    mask.flags.writeable = False  # shared by every comparison
    return mask


@functools.lru_cache(maxsize=4)
def _usable(rim: int) -> Float:
    weight = rim_mask(rim).astype(np.float32)
    weight.flags.writeable = False
    return weight


@functools.lru_cache(maxsize=32)
def _usable_blurred(rim: int, sigma: float) -> Float:
    """The blurred weight of :func:`_blur` (the same for every image)."""
    weight = _f32(cv2.GaussianBlur(_usable(rim), (0, 0), sigma))
    weight = np.maximum(weight, 1e-3)
    weight.flags.writeable = False
    return weight


def _blur(img: Float, rim: int, sigma: float) -> Float:
    """A Gaussian blur that takes only the pixels of :func:`rim_mask` (``rim``) into
    account (normalised convolution): the rims left out do not bleed into their
    neighbours."""
    if sigma == 0:
        return img
    return _f32(_f32(cv2.GaussianBlur(img * _usable(rim), (0, 0), sigma)) / _usable_blurred(rim, sigma))


def compare(face_grid: Grey, front: Image.Image, dpi: float, page: int) -> Comparison:
    """Register ``front`` (a raster of a face at ``dpi``) to ``face_grid`` (a face recovered
    at ``OVERSAMPLE`` × SIZE) and find where they differ."""
    w, h = scramble.SIZE
    face_grey = _reduce(face_grid, (w, h))
    face = _ink(face_grey)
    grey = np.asarray(front.convert("L"))
    # the front at the face's scale, and the map from the face's grid onto it
    px_per_grid = dpi / 25.4 * MM_PER_PX
    nominal = (max(1, round(grey.shape[1] / px_per_grid)), max(1, round(grey.shape[0] / px_per_grid)))
    # the front at twice the grid (every front pixel counts once), and at the grid
    k = OVERSAMPLE
    fine = _reduce(grey, (nominal[0] * k, nominal[1] * k))
    small = _ink(_reduce(fine, nominal))
    warp, score = _register(face, small)
    warp_k = warp.copy()
    warp_k[:, 2] = warp_k[:, 2] * k + (k - 1) / 2 * (1 - warp_k[:, :2].sum(axis=1))
    sampled = np.asarray(cv2.warpAffine(fine, warp_k, (w * k, h * k), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                        borderValue=255), dtype=np.uint8)
    seen = _seen(fine.shape, warp_k)
    rims = rim_mask() & seen
    front_grey = _reduce(sampled, (w, h))
    registered = match_levels(front_grey, face_grey, rims)
    regions: tuple[Region, ...] = ()
    if score >= MATCHES:
        regions = _regions(face, _ink(registered), rims, page)
        # the character check's grey levels are matched on the text and the fine ground
        # only: the camouflage squares (a tenth of the page, its darkest ground) and the
        # word's grey blocks made the histogram theirs as much as the text's, and moved
        # the levels at a stroke's edge (docs/security-printing.md)
        on_plain = match_levels(front_grey, face_grey, rims & _plain_ground())
        regions += _glyph_regions(face, _ink(on_plain), page, regions, seen)
    return Comparison(page, score, regions, face_grey, registered)


@functools.cache
def _plain_ground() -> NDArray[np.bool_]:
    """True (at SIZE) where a face's ground is its fine dots only: the hidden word's
    cells and the camouflage squares (:mod:`protocol.paper.ground`), and a pixel around
    them, left out. The same on every certificate: the ground is."""
    # in strips of the page whose edges fall on the face's rows too (877 rows to 255), so
    # the area reduction of each is that of the whole page: no page-sized mask is held
    page_h, (w, h) = ground.SIZE[1], scramble.SIZE
    strips = math.gcd(page_h, h)
    small = np.zeros((h, w), np.uint8)
    for n in range(strips):
        rows = ground.coarse_rows(n * page_h // strips, (n + 1) * page_h // strips)
        small[n * h // strips : (n + 1) * h // strips] = cv2.resize(
            rows.view(np.uint8), (w, h // strips), interpolation=cv2.INTER_AREA)
    grown = cv2.dilate((small > 0).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    plain: NDArray[np.bool_] = ~grown
    plain.flags.writeable = False
    return plain


#: Pixels (at SIZE) kept clear of where a front ends.
SEEN_MARGIN = 2


def _seen(shape: tuple[int, ...], warp_k: NDArray[np.float32]) -> NDArray[np.bool_]:
    """True (at SIZE) where the registered front holds the scan, at least
    :data:`SEEN_MARGIN` pixels in: a sheet turned and enlarged on the scanner's glass
    loses a strip at its edge, which the registration fills with white; it was never
    seen, so it is not compared (a genuine 400-dpi scan, turned 1.9° and scaled 1.019,
    had the ground's clusters of its margin flagged)."""
    w, h = scramble.SIZE
    k = OVERSAMPLE
    inside = cv2.warpAffine(np.full(shape[:2], 255, np.uint8), warp_k, (w * k, h * k),
                            flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0)
    full = (_reduce(np.asarray(inside, dtype=np.uint8), (w, h)) == 255).astype(np.uint8)
    margin = 2 * SEEN_MARGIN + 1
    kept: NDArray[np.bool_] = cv2.erode(full, np.ones((margin, margin), np.uint8)) > 0
    return kept


#: Blurs tried on the sharper of the two images so that both are equally sharp.
BLURS = (0.0, 0.4, 0.6, 0.8, 1.0, 1.3, 1.6)


def _equally_sharp(a: Float, b: Float, rim: int, judged: int | None = None) -> tuple[Float, Float]:
    """``a`` and ``b`` with the sharper one blurred to the other's sharpness: the face
    went through a print and a scan twice as small as the front did. The blur that
    leaves the least difference is taken, judged away from the rims (``judged``
    pixels of each, ``rim`` when None): what the rim repair did must not choose the
    sharpness of the whole page (with the rims judged too, a household 住民票 scanned at
    200 dpi had its front left unblurred and a table rule flagged, 0.020)."""
    best: tuple[float, Float, Float] | None = None
    weight = _usable(rim if judged is None else judged)
    for sigma in BLURS:
        for first in (True, False):
            if sigma == 0 and not first:
                continue
            x = _blur(a, rim, sigma) if first else a
            y = _blur(b, rim, sigma) if not first else b
            error = float((np.abs(x - y) * weight).sum())
            if best is None or error < best[0]:
                best = (error, x, y)
    assert best is not None
    return best[1], best[2]


#: Ink lighter than this counts as none: the ground pattern's background tint (its single
#: dots melt into about 0.14 at this grid) and the light fills under which it does not show.
FLOOR = 0.12
#: The blur (pixels) applied to both before they are compared.
SMOOTH = 1.0


def _solid(ink: Float) -> Float:
    return _f32(np.maximum(ink - FLOOR, 0) / (1 - FLOOR))


#: How much a stroke's edge raises the difference that counts there: dense bold text
#: differs most between a face that went through a print and a scan at 140 dpi and a
#: front that went through one at the verifier's resolution.
EDGE_WEIGHT = 8.0


def _edges(img: Float, rim: int) -> Float:
    """How much edge there is around each pixel (blurred gradient magnitude)."""
    gx = _f32(cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)) / 8
    gy = _f32(cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)) / 8
    return _blur(np.sqrt(gx * gx + gy * gy), rim, 2.0)


def _regions(face: Float, front: Float, rims: NDArray[np.bool_], page: int) -> tuple[Region, ...]:
    original = face
    # a pixel is 0.29 mm: this blur melts the ground pattern's single dots (0.24 mm apart;
    # the word's blocks and the camouflage squares stay, on both) and keeps every stroke
    # of a 10.5-point digit apart from its neighbour
    face, front = _solid(_blur(face, RIM_PX, SMOOTH)), _solid(_blur(front, RIM_PX, SMOOTH))
    a, b = _equally_sharp(face, front, RIM_PX)
    diff = np.abs(a - b) / (1 + EDGE_WEIGHT * _edges(a, RIM_PX)) * rims
    marked = (diff > DIFFERENCE).astype(np.uint8)
    # pieces closer than about a character join into one region
    joined = cv2.dilate(marked, np.ones((7, 7), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for label in range(1, count):
        x, y, bw, bh, _ = stats[label]
        inside = (labels[y : y + bh, x : x + bw] == label) & (marked[y : y + bh, x : x + bw] > 0)
        mass = float(diff[y : y + bh, x : x + bw][inside].sum())
        if mass < MIN_MASS:
            continue
        box = (x * MM_PER_PX, y * MM_PER_PX, (x + bw) * MM_PER_PX, (y + bh) * MM_PER_PX)
        out.append(Region(page, box, where(original, box), mass))
    return tuple(sorted(out, key=lambda r: -r.mass))


#: The light blur before the character-scale check (pixels): the ground's dots melt, a
#: stroke keeps its place.
GLYPH_SMOOTH = 0.5


@functools.lru_cache(maxsize=1)
def value_mask() -> NDArray[np.bool_]:
    """True (at SIZE) where a value is drawn (:func:`protocol.paper.layout.value_regions`,
    without the clearance around them): the character check looks there only. Not on
    the serial: its 9-point digits lie on a block's edge at the same place on every
    page, and on the first face of two household PDFs (bench.digits, both seeds) the
    check scored 0.0151 there, genuine; the serial is the QR code's, signed, and the
    page-wide check covers the line.

    Values are what a forger changes a digit of (an amount, a date, an address), and
    there the ground is plain (:mod:`protocol.paper.ground` keeps the hidden word's
    cells and the camouflage squares out of them and of the clearance, wider than half
    the check's window). Elsewhere the ground's coarse dots lie among the title's and
    the labels' dense bold type, where a print and a scan move their edges by more than
    a changed stroke: on bench.digits's corpus the check found nothing but genuine pages
    there. (A block
    heading in bold that runs across the value column, 戸籍's 「戸籍に記録されている者」,
    is checked with the values.)"""
    w, h = scramble.SIZE
    per_pt = 25.4 / 72 / MM_PER_PX
    mask = np.zeros((h, w), dtype=bool)
    for region in layout.value_regions(serial=False, clearance=0):
        left, top, right, bottom = (round(v * per_pt) for v in layout.from_top(region))
        mask[max(0, top) : bottom, max(0, left) : right] = True
    mask.flags.writeable = False
    return mask


def _glyph_regions(face: Float, front: Float, page: int, found: tuple[Region, ...],
                   seen: NDArray[np.bool_]) -> tuple[Region, ...]:
    """Characters that differ (:mod:`.glyphs`), outside the regions already ``found``,
    inside the values (:func:`value_mask`), where each window lies inside what the front
    holds (``seen``).

    The light blur and the sharpness match take every pixel, the block rims too: the
    face's rims were freed of their neighbours' bleed (:func:`.backside.repair_rims`),
    so a stroke lying across a block's edge keeps its ink there. Left out of the blur,
    such a stroke lost its half on the rim on the face and none on a front that draws
    it in the next column (a 12-digit My Number, dense and narrow, puts a stem on some
    block edge): a genuine 個人番号 row scored 0.016–0.025. Only the score leaves the
    rims out (:data:`.glyphs.RIM`)."""
    a, b = (_solid(_blur(img, 0, GLYPH_SMOOTH)) for img in (face, front))
    a, b = _equally_sharp(a, b, 0, judged=RIM_PX)
    score, excess = glyphs.scores(a, b, _usable(glyphs.RIM))
    whole = cv2.erode(seen.astype(np.uint8), np.ones((glyphs.WINDOW, glyphs.WINDOW), np.uint8)) > 0
    marked = ((score > glyphs.SCORE) & whole & value_mask()).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(marked, connectivity=8)
    out: list[Region] = []
    for label in range(1, count):
        x, y, bw, bh, _ = stats[label]
        # the window reaches half its width around what differs
        half = glyphs.WINDOW // 2
        box = ((x - half) * MM_PER_PX, (y - half) * MM_PER_PX, (x + bw + half) * MM_PER_PX,
               (y + bh + half) * MM_PER_PX)
        if any(box[0] < r.box_mm[2] and r.box_mm[0] < box[2] and box[1] < r.box_mm[3] and r.box_mm[1] < box[3]
               for r in found):
            continue
        inside = labels[y : y + bh, x : x + bw] == label
        out.append(Region(page, box, where(face, box), float(excess[y : y + bh, x : x + bw][inside].sum())))
    return tuple(out)


def where(face: Float, box: tuple[float, float, float, float]) -> str:
    """The part of the layout a box lies in: header, table row N (label or value), closing."""
    top_of_body = PAGE_MM[1] - layout.BODY_TOP * 25.4 / 72
    closing = PAGE_MM[1] - layout.BODY_BOTTOM * 25.4 / 72
    cy = (box[1] + box[3]) / 2
    if cy < top_of_body - 2:
        return "header (title, serial, municipality)"
    table_left = layout.TABLE_X * 25.4 / 72
    table_right = table_left + layout.TABLE_W * 25.4 / 72
    lines = _row_lines(face, table_left, table_right)
    rows = [(y0, y1) for y0, y1 in zip(lines, lines[1:], strict=False) if y1 - y0 > 4]  # not the gaps
    for n, (y0, y1) in enumerate(rows, 1):
        if y0 <= cy < y1:
            label_right = table_left + layout.LABEL_W * 25.4 / 72
            cx = (box[0] + box[2]) / 2
            column = "label" if cx < label_right else "value"
            return f"table row {n} ({column})"
    if cy >= closing - 2:
        return "closing (certifying sentence, date, mayor and seal)"
    return "body, outside the table"


#: A rule of the table is darker than this on the face (the ground's tint is about 0.14).
RULE_INK = 0.25


def _row_lines(face: Float, left_mm: float, right_mm: float) -> list[float]:
    """The y (mm) of the table's horizontal rules, read off the recovered face: rows
    across at least four fifths of the table's width."""
    x0, x1 = round(left_mm / MM_PER_PX), round(right_mm / MM_PER_PX)
    across = (face[:, x0:x1] > RULE_INK).mean(axis=1)
    ys = np.flatnonzero(across > 0.6)
    lines: list[float] = []
    for y in ys:
        mm = (float(y) + 0.5) * MM_PER_PX
        if not lines or mm - lines[-1] > 1.5:
            lines.append(mm)
    return lines
