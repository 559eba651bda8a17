"""The copy-deterrent ground pattern (けん制文字 / 地紋) printed on both sides.

At printer resolution (300 dpi) the page is a lattice of 42-pixel cells (3.6 mm). The
hidden word 「複写」 is made of whole cells, each holding a grey block at its centre
(20 × 14 pixels, three pixels in four inked by an ordered dither); the background holds
single pixels, two in every 4 × 4 cell; and everywhere, word and background alike,
a solid 19-pixel square (1.6 mm, the camouflage) sits on every other cell corner. The
eye sees an even tint and an even texture: the squares are the coarsest thing on the
page on both sides of the word's edge (ΔL* under 1, texture contrast within 25 % of
the background's, at print size and on an 80-dpi screen). A copier blurs and then
drops highlights or binarises: the lone pixels vanish, the grey blocks are large and
dense enough to survive, so the word stands out on a copy (ΔL* 4 and more on five of
the six copier models of ``hardware_mocks.paper.copier``, and on a phone photo).
docs/security-printing.md has the numbers; ``tests/protocol/paper/test_ground.py``
runs the models.

There are two patterns, the same for every certificate, each built and compressed once
per process: a face's, where neither the word nor the camouflage comes near a value
(the verifier compares each digit on the plain fine ground there, :func:`value_boxes`),
and a back's, with both everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol, TypeVar

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from protocol.paper import fonts, layout
from protocol.paper.xobject import RawImage

DPI = 300
SIZE = (2480, 3508)  # A4 at 300 dpi
WORD = "複写"
#: The lattice (pixels): the word is whole cells of it.
CELL = 42
#: The grey block at a word cell's centre: width, height, and its share of inked pixels
#: (of 64, on an 8 × 8 Bayer matrix).
BLOCK = (20, 14)
BLOCK_GREY = 48
#: The camouflage square (pixels), on every other cell corner.
CAMO = 19
#: No fine dot within this many pixels of a camouflage square (a dot touching a square
#: would widen it on a copy).
CAMO_KEEP = 2
#: A word cell is one whose centre lies within this many pixels of the glyphs.
WIDEN = 4
#: Background: single pixels on a 4-pixel pitch, every other row of them shifted by half
#: (two dots in each 4 × 4 cell: 12.5 % of the area).
FINE_PITCH = 4
WORD_PX = 260  # glyph height, about 22 mm
#: Tiling of the word, staggered by half a step. Each instance of the word falls on
#: the lattice a little differently; the tone criteria were measured on six bands of
#: the page with this tiling (docs/security-printing.md). On a face the origin puts a
#: row of words above the table; on a back, one between the scrambled image and the QR
#: code's caption.
WORD_STEP = (728, 520)
WORD_ORIGIN = {True: (-728, -312), False: (-728, -104)}
#: Every periodic part of the pattern repeats on this many pixels (lattice, dither, dots).
_PERIOD = 168

Mask = NDArray[np.bool_]
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _Side(Protocol[T_co]):
    def __call__(self, face: bool = True) -> T_co: ...


def _per_side(build: Callable[[bool], T]) -> _Side[T]:
    """``build`` for a face (the default) or a back, built once per process and side
    (whatever truthy value names the side)."""
    cached = functools.cache(build)

    @functools.wraps(build)
    def side(face: bool = True) -> T:
        return cached(bool(face))

    return side


def _bayer() -> NDArray[np.float64]:
    m = np.zeros((1, 1))
    while m.shape[0] < 8:
        m = np.block([[4 * m, 4 * m + 2], [4 * m + 3, 4 * m + 1]])
    return m / m.size


@functools.cache
def _tiles() -> tuple[Mask, Mask, Mask, Mask]:
    """One period of the word cells' blocks, of the camouflage, of the fine dots away
    from the camouflage, and of the fine dots alone (True = ink)."""
    yy, xx = np.mgrid[0:_PERIOD, 0:_PERIOD]
    ry, rx = yy % CELL, xx % CELL
    half = CELL / 2 - 0.5
    blocks = (np.abs(ry - half) < BLOCK[1] / 2) & (np.abs(rx - half) < BLOCK[0] / 2)
    blocks &= _bayer()[yy % 8, xx % 8] < BLOCK_GREY / 64
    shift = CAMO // 2
    camo = ((yy + shift) % CELL < CAMO) & ((xx + shift) % CELL < CAMO)
    camo &= ((yy + shift) // CELL + (xx + shift) // CELL) % 2 == 0
    fine = ((yy % FINE_PITCH == 0) & (xx % FINE_PITCH == 0)) | ((yy % FINE_PITCH == 2) & (xx % FINE_PITCH == 2))
    near = _grown(camo, CAMO_KEEP)
    return blocks, camo, fine & ~near, fine


def _grown(tile: Mask, by: int) -> Mask:
    """A periodic ``tile`` widened by ``by`` pixels in each direction (a square
    neighbourhood, wrapping round as the tiling does)."""
    out = tile.copy()
    for dy in range(-by, by + 1):
        for dx in range(-by, by + 1):
            out |= np.roll(tile, (dy, dx), axis=(0, 1))
    return out


def _page(tile: Mask) -> Mask:
    reps = (-(-SIZE[1] // _PERIOD), -(-SIZE[0] // _PERIOD))
    return np.tile(tile, reps)[: SIZE[1], : SIZE[0]]


#: The glyphs are drawn at a quarter of the resolution (the strokes only need to decide
#: whole cells); the page is exactly four times their image.
_GLYPH_Q = 4


def glyph_mask(face: bool = True) -> Image.Image:
    """White where the glyphs of the hidden word are (mode ``L``, page size), tiled on
    :data:`WORD_STEP`; on a ``face``, whole words only, none near a value
    (:func:`value_boxes`). The word as printed is made of the cells they cover
    (:func:`word_mask`)."""
    return _small_glyphs(face).resize(SIZE, Image.Resampling.NEAREST)


@_per_side
def _small_glyphs(face: bool) -> Image.Image:
    q = _GLYPH_Q
    font = ImageFont.truetype(str(fonts.font_file(fonts.GOTHIC)), WORD_PX // q)
    small = Image.new("L", (SIZE[0] // q, SIZE[1] // q), 0)
    draw = ImageDraw.Draw(small)
    step_x, step_y = WORD_STEP[0] // q, WORD_STEP[1] // q
    kept_out = value_boxes() if face else []
    origin_x, origin_y = WORD_ORIGIN[face]
    for row, y in enumerate(range(origin_y // q, small.height, step_y)):
        offset = (step_x // 2) * (row % 2)
        for x in range(origin_x // q + offset, small.width, step_x):
            left, top, right, bottom = (v * q for v in draw.textbbox((x, y), WORD, font=font))
            # a whole word or none (a word cut at a value region's edge is an odd sample);
            # its cells reach past the glyphs by up to half a cell, the widening and the
            # thickening below
            m = CELL // 2 + WIDEN + q
            if not any(left - m <= b[2] and b[0] <= right + m and top - m <= b[3] and b[1] <= bottom + m
                       for b in kept_out):
                draw.text((x, y), WORD, font=font, fill=255)
    return small.filter(ImageFilter.MaxFilter(3)).point(lambda v: 255 if v >= 128 else 0)


@_per_side
def word_mask(face: bool) -> Image.Image:
    """White on the cells that make the hidden word (mode ``L``, page size): those whose
    centre lies within :data:`WIDEN` pixels of the glyphs."""
    return Image.fromarray(np.where(_word(face), np.uint8(255), np.uint8(0)))


@_per_side
def _word(face: bool) -> Mask:
    word = _word_rows(0, SIZE[1], face)
    word.flags.writeable = False  # shared by every caller
    return word


def _word_rows(top: int, bottom: int, face: bool) -> Mask:
    """Rows ``top`` to ``bottom`` of the page: True on the word's cells."""
    return _cells(face)[np.ix_(np.arange(top, bottom) // CELL, np.arange(SIZE[0]) // CELL)]


@_per_side
def _cells(face: bool) -> Mask:
    """The lattice's cells (rows × columns) that make the word."""
    glyphs = np.asarray(_small_glyphs(face)) > 128
    rows, cols = -(-SIZE[1] // CELL), -(-SIZE[0] // CELL)
    centre_y = np.arange(rows) * CELL + CELL // 2
    centre_x = np.arange(cols) * CELL + CELL // 2
    cells = np.zeros((rows, cols), bool)
    for d in range(-WIDEN, WIDEN + 1):
        for e in range(-WIDEN, WIDEN + 1):
            ys = np.clip(centre_y + d, 0, SIZE[1] - 1) // _GLYPH_Q
            xs = np.clip(centre_x + e, 0, SIZE[0] - 1) // _GLYPH_Q
            cells |= glyphs[np.ix_(ys, xs)]
    if face:  # whole words were kept out already; this makes sure of it (boxes lie on the lattice)
        for left, top, right, bottom in value_boxes():
            cells[top // CELL : (bottom + 1) // CELL, left // CELL : (right + 1) // CELL] = False
    cells.flags.writeable = False
    return cells


def value_boxes() -> list[tuple[int, int, int, int]]:
    """The regions that hold values (:func:`protocol.paper.layout.value_regions`) in
    pixels from the top left (inclusive corners), each edge moved outward onto the
    lattice (a margin of up to one cell): no word cell and no camouflage touches them."""
    scale, p = DPI / 72, CELL
    boxes = []
    for x0, y0, x1, y1 in map(layout.from_top, layout.value_regions()):
        left, top = int(x0 * scale) // p * p, int(y0 * scale) // p * p
        right, bottom = -(-int(x1 * scale) // p) * p, -(-int(y1 * scale) // p) * p
        boxes.append((left, top, right - 1, bottom - 1))
    return boxes


@_per_side
def pattern(face: bool) -> Image.Image:
    """The bilevel pattern (mode ``1``, 0 = ink) at 300 dpi, of a face or of a back."""
    camo, fine = _layers(face)
    ink = camo | np.where(_word(face), _page(_tiles()[0]), fine)
    return Image.fromarray(~ink)


def coarse_rows(top: int, bottom: int, face: bool = True) -> Mask:
    """Rows ``top`` to ``bottom`` of the page: True on the word's cells and the camouflage
    squares (the ground's coarse parts, which a verifier leaves out where it matches grey
    levels), built for those rows only: a verifier needs no page-sized masks."""
    out: Mask = _camo_rows(top, bottom, face) | _word_rows(top, bottom, face)
    return out


def _camo_rows(top: int, bottom: int, face: bool) -> Mask:
    """Rows ``top`` to ``bottom`` of the page: True on the camouflage squares."""
    camo = _tiles()[1][np.ix_(np.arange(top, bottom) % _PERIOD, np.arange(SIZE[0]) % _PERIOD)]
    for y0, y1, x0, x1 in _left_out_squares(face):
        if y0 < bottom and y1 > top:
            camo[max(y0 - top, 0) : y1 - top, x0:x1] = False
    return camo


@_per_side
def _left_out_squares(face: bool) -> tuple[tuple[int, int, int, int], ...]:
    """The camouflage squares (rows y0..y1, columns x0..x1) left out of a side: on a face,
    every square that overlaps a value's box (the values lie on the plain fine ground)."""
    if not face:
        return ()
    shift, h, w = CAMO // 2, SIZE[1], SIZE[0]
    squares = []
    for left, top, right, bottom in value_boxes():
        # the corners whose square overlaps the box
        for cy in range(-(-(top + shift - CAMO + 1) // CELL) * CELL, bottom + shift + 1, CELL):
            for cx in range(-(-(left + shift - CAMO + 1) // CELL) * CELL, right + shift + 1, CELL):
                squares.append((max(cy - shift, 0), min(cy - shift + CAMO, h),
                                max(cx - shift, 0), min(cx - shift + CAMO, w)))
    return tuple(squares)


@_per_side
def _layers(face: bool) -> tuple[Mask, Mask]:
    """The camouflage squares and the background's fine dots of a side."""
    _, _, fine_away, fine_tile = _tiles()
    camo, fine = _camo_rows(0, SIZE[1], face), _page(fine_away)
    if face:
        every_dot = _page(fine_tile)
        h, w = SIZE[1], SIZE[0]
        for y0, y1, x0, x1 in _left_out_squares(face):
            ring = np.s_[max(y0 - CAMO_KEEP, 0):min(y1 + CAMO_KEEP, h), max(x0 - CAMO_KEEP, 0):min(x1 + CAMO_KEEP, w)]
            fine[ring] = every_dot[ring]  # the fine dots back where the square's keep-out was
    camo.flags.writeable = fine.flags.writeable = False  # shared by every caller
    return camo, fine


@_per_side
def pattern_image(face: bool) -> RawImage:
    """The pattern as the PDF's image, compressed once per process."""
    return RawImage.from_pil(f"kiosk-ground-{'face' if face else 'back'}-v4", pattern(face), level=9)
