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

The pattern is the same for every certificate, so it is built and compressed once per
process.
"""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from protocol.paper import fonts
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
WORD_STEP = (760, 560)  # tiling of the word, staggered by half a step


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


@functools.cache
def word_mask() -> Image.Image:
    """White where the hidden word is (mode ``L``, page size)."""
    # drawn at a quarter of the resolution (the strokes only need to hold 2x2 clusters)
    q = 4
    font = ImageFont.truetype(str(fonts.font_file(fonts.GOTHIC)), WORD_PX // q)
    small = Image.new("L", (SIZE[0] // q, SIZE[1] // q), 0)
    draw = ImageDraw.Draw(small)
    step_x, step_y = WORD_STEP[0] // q, WORD_STEP[1] // q
    for row, y in enumerate(range(-step_y // 2, small.height, step_y)):
        offset = (step_x // 2) * (row % 2)
        for x in range(-step_x + offset, small.width, step_x):
            draw.text((x, y), WORD, font=font, fill=255)
    # thicken the strokes so that each holds several coarse clusters
    small = small.filter(ImageFilter.MaxFilter(3)).point(lambda v: 255 if v >= 128 else 0)
    return small.resize(SIZE, Image.Resampling.NEAREST)


@functools.cache
def pattern() -> Image.Image:
    """The bilevel pattern (mode ``1``, 0 = ink) at 300 dpi."""
    fine = _tiled(_dot_tile(FINE_PITCH, 1, staggered=True))
    coarse = _tiled(_dot_tile(COARSE_PITCH, COARSE_DOT, repeat=8))
    return Image.composite(coarse, fine, word_mask())


@functools.cache
def pattern_image() -> RawImage:
    return RawImage.from_pil("kiosk-ground-v2", pattern(), level=9)
