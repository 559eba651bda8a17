"""An image a renderer enlarged without smoothing, drawn again as if smoothed.

A renderer draws an image it enlarges a lot by repeating each of its pixels (pdfium,
above about 2.8 times): the back's scrambled image (140 dpi on paper) becomes runs of
two or three identical pixels at 400 dpi, four or five at 600, their edges rounded to
the renderer's pixels. Each of the image's pixels then lies up to half a device pixel
off its place, unevenly from one to the next, and the face recovered from it has its
columns and rows jittered within a block: the character check (:mod:`.glyphs`) shifts
each block as a whole and flags a genuine value. No scanner draws such runs (its noise
makes neighbours differ), so they are found on the raster itself, whatever drew it:
inside the page's large dark area (the scrambled image), the boundaries between
neighbouring columns (rows) where no pixel changes come between the ones where most
do, spaced evenly at two pixels or more. Each run's value is then put back at its
true centre (a straight line fitted through the runs' starts) and the image is
interpolated between them, as a renderer that smooths would have drawn it.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

Grey = NDArray[np.uint8]
#: A boundary where at least this share of the area's lines change is a run's edge.
CUT = 0.5
#: ... and one where at most this share change lies inside a run.
INSIDE = 0.002
#: Runs shorter than this (pixels) are not an enlargement worth undoing.
MIN_RUN = 1.8
#: Rows redrawn at a time (bounds the interpolation maps' memory).
STRIP = 256


def _runs(lines: Grey) -> tuple[NDArray[np.float64], float, float] | None:
    """Along axis 1 of ``lines`` (the page's middle): each run's start, and the fitted
    start ``p`` and length ``s`` (run j starts at about p + j·s); None when the lines
    are not runs."""
    changes = (lines[:, 1:] != lines[:, :-1]).mean(axis=0)
    cut = changes >= CUT
    if int(cut.sum()) < 8 or float(((changes > INSIDE) & ~cut).mean()) > 0.02:
        return None
    starts = np.flatnonzero(cut).astype(np.float64) + 1
    s0 = (starts[-1] - starts[0]) / (len(starts) - 1)
    if s0 < MIN_RUN or np.abs(np.diff(starts) - s0).max() >= 1.0:
        return None
    j = np.round((starts - starts[0]) / s0)
    s, p = np.polyfit(j, starts, 1)
    return starts, float(p), float(s)


def _extent(lines: Grey, starts: NDArray[np.float64], p: float, s: float) -> tuple[NDArray[np.float64], float, float]:
    """The runs' ``starts`` found in the page's middle, on the lattice ``p + j·s``,
    followed outwards along the whole of ``lines`` (axis 1), run by run, as long as a run fits:
    no pixel changes inside it and it starts within a pixel of the lattice; their starts,
    and the start ``p`` and length ``s`` fitted again on all of them."""
    changes = (lines[:, 1:] != lines[:, :-1]).mean(axis=0)
    n = lines.shape[1] - 1
    found = [int(v) for v in starts]
    for step in (1, -1):
        while True:
            edge_now = found[-1] if step == 1 else found[0]
            options = []
            for length in sorted({int(np.floor(s)), int(np.ceil(s))}):
                edge = edge_now + step * length  # where the next run starts (or this one ends)
                lo, hi = sorted((edge_now, edge))
                off = abs((edge - p) / s - round((edge - p) / s)) * s
                if 0 < lo and hi <= n and off <= 1.0 and (changes[lo : hi - 1] <= INSIDE).all():
                    # two runs alike leave their edge unseen: the lattice then decides
                    options.append((bool(changes[edge - 1] <= INSIDE), off, edge))
            if not options:
                break
            edge = min(options)[2]
            found = found + [edge] if step == 1 else [edge] + found
    every = np.array(found, dtype=np.float64)
    fitted_s, fitted_p = np.polyfit(np.round((every - p) / s), every, 1)
    return every, float(fitted_p), float(fitted_s)


def smoothed(grey: Grey) -> Grey:
    """``grey`` with its large image drawn again smoothly when a renderer drew it as runs
    of repeated pixels; else ``grey`` itself."""
    h, w = grey.shape
    rows, cols = (h * 2 // 10, h * 6 // 10), (w * 3 // 10, w * 7 // 10)
    middle = grey[rows[0] : rows[1], cols[0] : cols[1]]
    across, down = _runs(middle), _runs(np.ascontiguousarray(middle.T))
    if across is None or down is None:
        return grey
    cx, px, sx = _extent(grey[rows[0] : rows[1]], across[0] + cols[0], across[1] + cols[0], across[2])
    cy, py, sy = _extent(np.ascontiguousarray(grey[:, cols[0] : cols[1]].T), down[0] + rows[0], down[1] + rows[0],
                         down[2])
    # each run's middle pixel holds its value
    mid_x = (cx[:-1] + (np.diff(cx) - 1) // 2).astype(int)
    mid_y = (cy[:-1] + (np.diff(cy) - 1) // 2).astype(int)
    samples = np.ascontiguousarray(grey[np.ix_(mid_y, mid_x)]).astype(np.float32)
    xs = np.arange(int(cx[0]), int(cx[-1]))
    ys = np.arange(int(cy[0]), int(cy[-1]))
    # run j has its centre at p + (j + 0.5)·s; sample 0 is the run starting at cx[0]
    j0x, j0y = round((cx[0] - px) / sx), round((cy[0] - py) / sy)
    u = ((xs + 0.5 - px) / sx - 0.5 - j0x).astype(np.float32)
    v = ((ys + 0.5 - py) / sy - 0.5 - j0y).astype(np.float32)
    out = grey.copy()
    # in strips of rows: the maps of a whole page (two floats a pixel) would take 320 MB on
    # an image of the largest size read (limits.MAX_IMAGE_PIXELS)
    for top in range(0, len(v), STRIP):
        rows_v = v[top : top + STRIP]
        map_x = np.tile(u, (len(rows_v), 1))
        map_y = np.tile(rows_v[:, None], (1, len(u)))
        redrawn = cv2.remap(samples, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        y0 = int(ys[0]) + top
        out[y0 : y0 + len(rows_v), xs[0] : xs[-1] + 1] = np.clip(np.rint(redrawn), 0, 255).astype(np.uint8)
    return out
