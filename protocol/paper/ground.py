"""The copy-deterrent ground pattern (けん制文字 / 地紋) printed on both sides.

At printer resolution (300 dpi) the page is covered with dots of nearly equal tone:
single pixels, two in every 4 × 4 cell (12.5 % of the area), in the background, and
10 × 10 clusters on a 26-pixel pitch (15 %) inside the hidden word 「複写」. The eye sees
an even tint (ΔL* under 1 at print size and on an 80-dpi screen). A copier blurs and
then drops highlights or binarises: the lone pixels fall below its threshold and
vanish, the clusters are big enough (0.85 mm) to survive even a 0.15-mm blur, so the
word stands out on the copy (ΔL* 4.5 and more on each of the six copier models of
``hardware_mocks.paper.copier``). The clusters are seen as a coarser texture on the
original: docs/security-printing.md has the numbers. ``tests/protocol/paper/
test_ground.py`` runs the models.

There are two patterns, the same for every certificate, each built and compressed once
per process: a face's, where no word is drawn near a value (so that the verifier compares
a changed digit on the plain fine ground, :func:`value_boxes`), and a back's, with the
word everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol, TypeVar

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from protocol.paper import fonts, layout
from protocol.paper.xobject import RawImage

DPI = 300
SIZE = (2480, 3508)  # A4 at 300 dpi
WORD = "複写"
#: Background: single pixels on a 4-pixel pitch, every other row of them shifted by half
#: (two dots in each 4 × 4 cell: 12.5 % of the area).
FINE_PITCH = 4
#: Inside the word: 10 × 10 clusters on a 26-pixel pitch (15 % of the area).
COARSE_PITCH = 26
COARSE_DOT = 10
WORD_PX = 260  # glyph height, about 22 mm
#: Tiling of the word, staggered by half a step. Steps and origin are multiples of
#: two coarse pitches (and of the mask's 4-pixel grid), so every instance of the word
#: lies on the clusters' grid the same way: the same share of clusters fills each (its
#: tone is the same everywhere; with other phases it ranged from ΔL* 0.3 to 1.5 to the
#: eye). On a face the origin puts a row of words above the table; on a back, one
#: between the scrambled image and the QR code's caption.
WORD_STEP = (14 * 2 * COARSE_PITCH, 10 * 2 * COARSE_PITCH)
WORD_ORIGIN = {True: (-WORD_STEP[0], -6 * 2 * COARSE_PITCH), False: (-WORD_STEP[0], -2 * 2 * COARSE_PITCH)}


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


def _tiled(tile: Image.Image) -> Image.Image:
    page = Image.new("1", SIZE, 1)
    for y in range(0, SIZE[1], tile.height):
        for x in range(0, SIZE[0], tile.width):
            page.paste(tile, (x, y))
    return page


def _dot_tile(pitch: int, dot: int, repeat: int = 32, staggered: bool = False) -> Image.Image:
    """Square dots of ``dot`` pixels on a ``pitch`` grid; ``staggered`` adds one in the
    middle of each cell."""
    tile = Image.new("1", (pitch * repeat, pitch * repeat), 1)
    draw = ImageDraw.Draw(tile)
    offsets = (0, pitch // 2) if staggered else (0,)
    for y in range(0, tile.height, pitch):
        for x in range(0, tile.width, pitch):
            for o in offsets:
                draw.rectangle((x + o, y + o, x + o + dot - 1, y + o + dot - 1), fill=0)
    return tile


@_per_side
def word_mask(face: bool) -> Image.Image:
    """White where the hidden word is (mode ``L``, page size); on a ``face``, no word
    near a value (:func:`value_boxes`)."""
    # drawn at a quarter of the resolution (the strokes only need to hold 2x2 clusters)
    q = 4
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
            # a whole word or none: a word cut at a value region's edge is an odd sample
            if not any(left - q <= b[2] and b[0] <= right + q and top - q <= b[3] and b[1] <= bottom + q
                       for b in kept_out):
                draw.text((x, y), WORD, font=font, fill=255)
    # thicken the strokes so that each holds several coarse clusters
    small = small.filter(ImageFilter.MaxFilter(3)).point(lambda v: 255 if v >= 128 else 0)
    return small.resize(SIZE, Image.Resampling.NEAREST)


def value_boxes() -> list[tuple[int, int, int, int]]:
    """The regions that hold values (:func:`protocol.paper.layout.value_regions`) in
    pixels from the top left (inclusive corners), each edge moved outward onto the coarse
    clusters' grid (a margin of up to one pitch): no word touches them."""
    scale, p = DPI / 72, COARSE_PITCH
    boxes = []
    for x0, y0, x1, y1 in map(layout.from_top, layout.value_regions()):
        left, top = int(x0 * scale) // p * p, int(y0 * scale) // p * p
        right, bottom = -(-int(x1 * scale) // p) * p, -(-int(y1 * scale) // p) * p
        boxes.append((left, top, right - 1, bottom - 1))
    return boxes


@_per_side
def pattern(face: bool) -> Image.Image:
    """The bilevel pattern (mode ``1``, 0 = ink) at 300 dpi, of a face or of a back."""
    fine = _tiled(_dot_tile(FINE_PITCH, 1, staggered=True))
    coarse = _tiled(_dot_tile(COARSE_PITCH, COARSE_DOT, repeat=8))
    return Image.composite(coarse, fine, word_mask(face))


@_per_side
def pattern_image(face: bool) -> RawImage:
    """The pattern as the PDF's image, compressed once per process."""
    return RawImage.from_pil(f"kiosk-ground-{'face' if face else 'back'}-v3", pattern(face), level=9)
