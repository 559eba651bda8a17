"""The scrambled face on a back: found on any raster of the back, and unscrambled.

The back prints the scrambled image inside a white gap and a solid black frame
(:func:`protocol.paper.scramble.frame_widths`). On a scan the sheet is turned, scaled and
shifted a little, so the frame is looked for as what it is, the largest dark
four-sided outline on the page; each of its sides is fitted as a straight line through
the outline's points, and the four corners where they meet map the scrambled grid onto
the scan (a perspective transform, which also covers a phone photo's slant). The image
is sampled at twice its own resolution, with its levels stretched so that paper is
white and ink black on every scan; blocks are then put back with the document's key.

Which page of the document a back belongs to is part of the scramble (the salt holds
the page number), so each candidate page is tried and the one whose blocks join up is
kept (:func:`coherence`): with the wrong key or the wrong page the blocks are noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from protocol.paper import layout, scramble
from protocol.paper import render as renderer

#: The grid is sampled at this many pixels per scrambled-image pixel.
OVERSAMPLE = 2
#: Pixels (of the oversampled grid) at each block's edge that a print and a scan blur.
RIM = 2
#: Blocks join up (a real face) below this: about 1.5 on a scan, 8 and more with a wrong key.
COHERENT = 3.0
Grey = NDArray[np.uint8]


class NoFrame(Exception):
    """No frame around a scrambled image was found on the back."""


@dataclass(frozen=True)
class Recovered:
    """A face recovered from a back: ``face`` at ``OVERSAMPLE`` × :data:`scramble.SIZE`,
    its block rims repaired."""

    face: Grey
    page: int  # the face page it shows (1-based)
    coherence: float


def levels(grey: Grey, low: float, high: float) -> tuple[float, float]:
    """Two percentiles of a grey image, from its histogram (a sort of millions of
    pixels costs a tenth of a second)."""
    cumulative = np.cumsum(np.bincount(grey.ravel(), minlength=256)) / grey.size
    return float(np.searchsorted(cumulative, low / 100)), float(np.searchsorted(cumulative, high / 100))


def _outer_ratio() -> float:
    """Width over height of the frame's outer edge."""
    w, h = scramble.SIZE
    o = _outer_margin()
    return (w + 2 * o) / (h + 2 * o)


def _outer_margin() -> float:
    """From the image's edge to the frame's outer edge, in scrambled-image pixels."""
    frame, gap = scramble.frame_widths(renderer.SCRAMBLE_W)
    return (frame + gap) / renderer.SCRAMBLE_W * scramble.SIZE[0]


def _is_frame(dark: Grey, quad: NDArray[np.float64]) -> bool:
    """A quadrilateral of the frame's proportions whose rim is solid ink (a table's
    outline on a front is a thin line)."""
    top, right = np.hypot(*(quad[1] - quad[0])), np.hypot(*(quad[2] - quad[1]))
    bottom, left = np.hypot(*(quad[3] - quad[2])), np.hypot(*(quad[0] - quad[3]))
    ratio = (top + bottom) / (left + right)
    if abs(ratio / _outer_ratio() - 1) > 0.08:
        return False
    band = (top + bottom) / 2 * scramble.FRAME_RATIO / (1 + 2 * _outer_margin() / scramble.SIZE[0])
    centre = quad.mean(axis=0)
    inward = [quad[i] + (centre - quad[i]) * (band / 2) / np.hypot(*(centre - quad[i])) for i in range(4)]
    samples = []
    for i in range(4):  # points along each side, half a frame width inside the outer edge
        for t in np.linspace(0.1, 0.9, 24):
            x, y = inward[i] + (inward[(i + 1) % 4] - inward[i]) * t
            if 0 <= int(y) < dark.shape[0] and 0 <= int(x) < dark.shape[1]:
                samples.append(dark[int(y), int(x)])
    return len(samples) > 80 and float(np.mean(samples)) > 0.9


#: The frame is first looked for at about this width (pixels): the ground pattern's dots
#: melt into a light tint and the page has a few hundred outlines instead of a million.
SEARCH_WIDTH = 620


def _frame_corners(grey: Grey) -> NDArray[np.float64]:
    """The frame's outer corners (top left, top right, bottom right, bottom left), found
    on a reduced page and refined on the full one."""
    factor = max(1.0, grey.shape[1] / SEARCH_WIDTH)
    small = grey if factor == 1 else np.asarray(
        cv2.resize(grey, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    lo, hi = levels(small, 1, 90)
    if hi - lo < 40:
        raise NoFrame("the back has no contrast")
    dark = (small < (lo + hi) / 2).astype(np.uint8)
    contours, _ = cv2.findContours(dark, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    page_area = small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        if cv2.contourArea(contour) < 0.08 * page_area:
            break
        quad = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(quad) != 4 or not cv2.isContourConvex(quad):
            continue
        quad = quad.reshape(4, 2).astype(np.float64)
        # order: top left has the smallest x+y, bottom right the largest; top right the smallest y-x
        s, d = quad.sum(axis=1), quad[:, 1] - quad[:, 0]
        corners = np.array([quad[np.argmin(s)], quad[np.argmin(d)], quad[np.argmax(s)], quad[np.argmax(d)]])
        if _is_frame(dark, corners):
            # pixel centres: a reduced pixel i covers full pixels factor·i … factor·(i + 1)
            return _refined(grey, (corners + 0.5) * factor - 0.5, (lo + hi) / 2, factor)
    raise NoFrame("no frame around a scrambled image")


def _refined(grey: Grey, corners: NDArray[np.float64], middle: float, reach: float) -> NDArray[np.float64]:
    """Corners where lines through the frame's outer edge meet: along each side, the
    point where the grey crosses ``middle`` (between ink and paper) is found to a
    fraction of a pixel on profiles across the edge, within ``reach`` pixels of the
    rough corners' line, and a line is fitted through those points."""
    centre = corners.mean(axis=0)
    span = np.arange(-3 * reach - 3, 3 * reach + 4, 0.5)
    lines = []
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        direction = (b - a) / np.hypot(*(b - a))
        normal = np.array([-direction[1], direction[0]])
        if normal @ (a - centre) < 0:
            normal = -normal  # pointing out of the frame
        points = []
        for t in np.linspace(0.08, 0.92, 48):
            base = a + (b - a) * t
            xy = base + span[:, None] * normal
            profile = cv2.remap(grey, xy[:, 0].astype(np.float32).reshape(1, -1),
                                xy[:, 1].astype(np.float32).reshape(1, -1), cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REPLICATE).ravel().astype(np.float64)
            # the profile starts on the frame line (it is wider than the reach): the first
            # crossing from ink to paper is its outer edge, before any dot of the ground
            inside = profile < middle
            crossings = np.flatnonzero(inside[:-1] & ~inside[1:])
            if not inside[0] or len(crossings) == 0:
                continue
            k = crossings[0]
            frac = (middle - profile[k]) / (profile[k + 1] - profile[k])
            points.append(base + (span[k] + frac * (span[k + 1] - span[k])) * normal)
        if len(points) < 12:
            return corners
        vx, vy, x0, y0 = cv2.fitLine(np.asarray(points, np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((float(vx), float(vy), float(x0), float(y0)))
    out = np.empty((4, 2))
    for i in range(4):
        (vx1, vy1, x1, y1), (vx2, vy2, x2, y2) = lines[i - 1], lines[i]
        m = np.array([[vx1, -vx2], [vy1, -vy2]])
        if abs(np.linalg.det(m)) < 1e-9:
            return corners
        t = np.linalg.solve(m, np.array([x2 - x1, y2 - y1]))
        out[i] = (x1 + t[0] * vx1, y1 + t[0] * vy1)
    return out


@dataclass(frozen=True)
class Back:
    """What a back shows: the scrambled image (levels stretched, ``OVERSAMPLE`` × its
    size) and the part of the raster where its QR code should be."""

    grid: Grey
    qr_area: Image.Image


def _grid_units(x_pt: float, y_pt: float) -> tuple[float, float]:
    """A point of the back (points from the top left) in scrambled-image pixels."""
    per_pt = scramble.SIZE[0] / renderer.SCRAMBLE_W
    top = layout.PAGE_H - renderer.SCRAMBLE_Y - renderer.SCRAMBLE_H
    return (x_pt - renderer.SCRAMBLE_X) * per_pt, (y_pt - top) * per_pt


def _qr_area(grey: Grey, to_scan: NDArray[np.float64]) -> Image.Image:
    """The QR code's place on the back, with a wide margin, cut from the raster."""
    margin = renderer.QR_SIZE * 0.3
    left, right = renderer.QR_X - margin, renderer.QR_X + renderer.QR_SIZE + margin
    top = layout.PAGE_H - renderer.QR_Y - renderer.QR_SIZE - margin
    bottom = layout.PAGE_H - renderer.QR_Y + margin
    corners = np.array([_grid_units(x, y) for x, y in ((left, top), (right, top), (right, bottom), (left, bottom))])
    mapped = cv2.perspectiveTransform(corners.reshape(-1, 1, 2).astype(np.float64), to_scan).reshape(-1, 2)
    x0, y0 = np.clip(mapped.min(axis=0), 0, None).astype(int)
    x1, y1 = mapped.max(axis=0).astype(int)
    x1, y1 = min(x1, grey.shape[1]), min(y1, grey.shape[0])
    if x1 - x0 < 20 or y1 - y0 < 20:
        return Image.new("L", (1, 1), 255)
    return Image.fromarray(np.ascontiguousarray(grey[y0:y1, x0:x1]))


def find(back: Image.Image) -> Back:
    """The scrambled image and the QR code's area on a raster of a whole back; raises
    :class:`NoFrame` when the page has no frame (a front, or a back cut off)."""
    grey = np.asarray(back.convert("L"))
    corners = _frame_corners(grey)
    w, h = scramble.SIZE
    o = _outer_margin()
    outer = np.array([[-o, -o], [w + o, -o], [w + o, h + o], [-o, h + o]], dtype=np.float32)
    to_scan = cv2.getPerspectiveTransform(outer, corners.astype(np.float32)).astype(np.float64)
    k = OVERSAMPLE
    # grid pixel index i is at i + 0.5 oversampled units, (i + 0.5) / k image pixels
    index_to_units = np.array([[1 / k, 0, 0.5 / k], [0, 1 / k, 0.5 / k], [0, 0, 1]])
    transform = to_scan @ index_to_units
    scan_px = float(np.hypot(*(corners[1] - corners[0]))) / ((w + 2 * o) * k)
    src = grey
    if scan_px > 1.5:  # reduce first, so that every scan pixel counts
        factor = scan_px / 1.2
        src = cv2.resize(grey, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
        transform = np.diag([1 / factor, 1 / factor, 1.0]) @ transform
    grid = np.asarray(cv2.warpPerspective(src, transform, (w * k, h * k),
                                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=255),
                      dtype=np.uint8)
    grid = _on_block_lattice(grid, src, transform)
    lo, hi = levels(grid, 2, 98)
    if hi - lo < 40:
        raise NoFrame("the scrambled image has no contrast")
    stretched = (grid.astype(np.float32) - lo) * (255.0 / (hi - lo))
    return Back(np.clip(stretched, 0, 255).astype(np.uint8), _qr_area(grey, to_scan))


#: How far (grid pixels) a block edge may lie from where the frame puts it and still be
#: looked for.
LATTICE_REACH = 3
#: The blocks are put on their measured edges only when these lie this far (grid pixels,
#: half a pixel of the scrambled image) or more off the frame's map somewhere: a
#: renderer's rounding (1–2 px); the tests' scans lie within 0.8 and keep the frame's map.
LATTICE_OFF = 0.9


def block_edges(grid: Grey, axis: int) -> NDArray[np.float64]:
    """Where the edges between blocks lie on ``grid`` along ``axis`` (1: the columns'
    edges, 0: the rows'), in grid pixels, from the image's first edge to its last: the
    straight line through the edges found.

    Neighbouring blocks of a scrambled image show unrelated parts of the face (and some
    are inverted), so the grey jumps across a block edge far more than inside a block:
    averaged along the whole edge, the jump peaks where the edge is, found to a fraction
    of a pixel (a parabola through the peak)."""
    b = scramble.BLOCK * OVERSAMPLE
    n = grid.shape[axis] // b
    jump = np.abs(np.diff(grid.astype(np.float32), axis=axis)).mean(axis=1 - axis)  # jump[j]: at the edge j + 1
    expected = np.arange(n + 1, dtype=np.float64) * b
    at, found = [], []
    r = LATTICE_REACH
    for i in range(1, n):
        e = i * b
        window = jump[e - 1 - r : e + r]  # the edges e - r … e + r
        j = int(np.argmax(window))
        if 0 < j < len(window) - 1:
            y0, y1, y2 = (float(v) for v in window[j - 1 : j + 2])
            curve = y0 - 2 * y1 + y2
            if curve < 0:
                at.append(e)
                found.append(e - r + j + 0.5 * (y0 - y2) / curve)
    if len(at) < n // 2:
        return expected
    slope, offset = np.polyfit(at, found, 1)
    return np.asarray(offset + slope * expected, dtype=np.float64)


def _on_block_lattice(grid: Grey, src: Grey, transform: NDArray[np.float64]) -> Grey:
    """``grid`` sampled again so that its blocks' edges fall where the grid puts them.

    The frame is drawn as lines, the scrambled image as an image: a renderer (pdfium,
    poppler) rounds the image's place and size to its own pixels, so on a clean raster
    at a resolution that is not a multiple of the image's the image lies a pixel or two
    of the grid off what the frame says, and each block's rim takes in its neighbour
    deeper than :func:`repair_rims` mends. The edges between blocks are measured on the
    sampled grid (:func:`block_edges`) and, when they are off by :data:`LATTICE_OFF` or
    more, the grid is taken again from the raster with its pixels spread evenly between
    them."""
    h, w = grid.shape
    columns, rows = block_edges(grid, 1), block_edges(grid, 0)
    b = scramble.BLOCK * OVERSAMPLE
    off = max(np.abs(columns - np.arange(len(columns)) * b).max(), np.abs(rows - np.arange(len(rows)) * b).max())
    if off < LATTICE_OFF:
        return grid
    # grid pixel i (centre i + 0.5) is where the measured edges put it, in the old grid's pixels
    xs = np.interp(np.arange(w) + 0.5, np.arange(len(columns)) * b, columns) - 0.5
    ys = np.interp(np.arange(h) + 0.5, np.arange(len(rows)) * b, rows) - 0.5
    gx, gy = np.meshgrid(xs.astype(np.float32), ys.astype(np.float32))
    points = np.stack([gx, gy], axis=-1)
    mapped = cv2.perspectiveTransform(points.reshape(-1, 1, 2), transform.astype(np.float32)).reshape(h, w, 2)
    return np.asarray(cv2.remap(src, mapped[..., 0], mapped[..., 1], cv2.INTER_LINEAR, borderValue=255),
                      dtype=np.uint8)


#: How deep into each block (grid pixels) a neighbour's bleed is measured and undone;
#: deeper, every scan and render of the tests' corpus has under 3 % of its neighbour.
BLEED_DEPTH = 3
#: A block's own value is taken this far in (grid pixels), beyond every bleed.
BLEED_INNER = 4
#: Rim pixels holding less of their neighbour than this are kept as they are.
BLEED_CLEAN = 0.03
#: Rim pixels holding more than this are past recovering (a scan's outermost pixel,
#: 0.3–0.45): they take the repaired value just inside them.
BLEED_LOST = 0.3


def bleed(grid: Grey, axis: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """How much of its neighbour each rim pixel of the scrambled ``grid`` holds, across
    the block edges along ``axis`` (1: the edges between columns): for the pixels before
    an edge and for those after it, at 0, 1, … :data:`BLEED_DEPTH` - 1 pixels from it.

    Measured on the back itself, by least squares over every edge: a rim pixel's value
    against its own block's value further in and the neighbour's. A clean render bleeds
    about 0.27 into the outermost pixel and nothing beyond it; a print and a scan 0.3–0.45
    and 0.05–0.17 into the next; a renderer that put the image a fraction of a pixel off
    bleeds into one side only; on the unblurred image the fit finds 0–0.03 (what a face's
    content near an edge has in common with its own inside). The model is the blur's: a
    rim pixel shows its own value and its neighbour's, mixed."""
    f = grid.astype(np.float32)
    if axis == 0:
        f = f.T
    edges = np.arange(scramble.BLOCK * OVERSAMPLE, f.shape[1], scramble.BLOCK * OVERSAMPLE)
    before_inner, after_inner = f[:, edges - 1 - BLEED_INNER].ravel(), f[:, edges + BLEED_INNER].ravel()
    ones = np.ones_like(before_inner)
    fractions: list[list[float]] = [[], []]
    for d in range(BLEED_DEPTH):
        for side, (at, own, other) in enumerate(((edges - 1 - d, before_inner, after_inner),
                                                 (edges + d, after_inner, before_inner))):
            (a, b, _), *_ = np.linalg.lstsq(np.stack([own, other, ones], axis=1), f[:, at].ravel(), rcond=None)
            # a share is never negative: below 0 is the content's own structure, not bleed
            fractions[side].append(max(0.0, float(b / (a + b))) if a + b > 0 else 0.0)
    return np.asarray(fractions[0]), np.asarray(fractions[1])


def repair_rims(grid: Grey) -> Grey:
    """The scrambled ``grid`` with each block's rim freed of what a print and a scan (or a
    renderer's smoothing) blurred in from its neighbour, which after unscrambling lies
    elsewhere on the face.

    Each pair of pixels facing each other across an edge, at the same depth, holds the
    two blocks' values mixed in the measured shares (:func:`bleed`); the mix is undone
    (two equations, two values). A pixel that holds too much of its neighbour to undo
    (:data:`BLEED_LOST`) takes the repaired value just inside it. Copying the pixel
    inside over a fixed rim instead, as before, widened a stroke that starts just inside
    a block's edge and removed one that crosses it: a genuine character lying on an
    edge was flagged as altered."""
    out = grid.astype(np.float32)
    b = scramble.BLOCK * OVERSAMPLE
    for axis in (1, 0):
        work = out if axis == 1 else out.T
        before, after = bleed(work.astype(np.uint8), 1)  # work is within 0..255
        seen = work.copy()
        n = work.shape[1]
        edges = np.arange(b, n, b)
        for d in range(BLEED_DEPTH - 1, -1, -1):
            p, q = before[d], after[d]
            if max(p, q) < BLEED_CLEAN:
                continue
            at_p, at_q = edges - 1 - d, edges + d
            o_p, o_q = seen[:, at_p], seen[:, at_q]
            det = 1 - p - q
            lost_p, lost_q = p >= BLEED_LOST, q >= BLEED_LOST
            if lost_p:
                work[:, at_p] = work[:, at_p - 1]
            elif lost_q:  # the neighbour's value taken from further in
                work[:, at_p] = (o_p - p * work[:, at_q + 1]) / (1 - p)
            else:
                work[:, at_p] = ((1 - q) * o_p - p * o_q) / det
            if lost_q:
                work[:, at_q] = work[:, at_q + 1]
            elif lost_p:
                work[:, at_q] = (o_q - q * work[:, at_p - 1]) / (1 - q)
            else:
                work[:, at_q] = ((1 - p) * o_q - q * o_p) / det
        # the image's own border lies on the white gap inside the frame: nothing is
        # compared there (compare.EDGE_MM); its rim takes the pixels inside it
        for d in range(BLEED_DEPTH - 1, -1, -1):
            if max(before[d], after[d]) >= BLEED_CLEAN:
                work[:, d] = work[:, d + 1]
                work[:, n - 1 - d] = work[:, n - 2 - d]
        np.clip(work, 0, 255, out=work)
    return out.astype(np.uint8)


def coherence(face: Grey) -> float:
    """How much more the image jumps across block edges than next to them: about 1 for
    a face put back right, 2 and more for blocks in a wrong order."""
    b = scramble.BLOCK * OVERSAMPLE
    f = face.astype(np.int16)
    m = RIM + 1  # skip the rim a print and a scan blur
    cols = np.arange(b, f.shape[1], b)
    rows = np.arange(b, f.shape[0], b)
    across = (np.abs(f[:, cols - m] - f[:, cols + m - 1]).mean() + np.abs(f[rows - m] - f[rows + m - 1]).mean()) / 2
    inside = (np.abs(f[:, cols - m - b // 2] - f[:, cols + m - 1 - b // 2]).mean()
              + np.abs(f[rows - m - b // 2] - f[rows + m - 1 - b // 2]).mean()) / 2
    return float((across + 4) / (inside + 4))


def recover(grid: Grey, key: bytes, serial: str, pages: int) -> Recovered | None:
    """The face of the page (1..``pages``) whose scramble this grid is, or None when no
    page's blocks join up (another key: a swapped QR code, or an altered back)."""
    repaired = repair_rims(grid)
    for page in range(1, pages + 1):
        face = scramble.unscramble_grid(repaired, key, renderer.scramble_salt(serial, page), OVERSAMPLE)
        score = coherence(face)
        if score < COHERENT:
            return Recovered(face, page, score)
    return None
