"""The scrambled image of the face, printed on the back.

As on the real certificates, the back carries the face as an image that only the
verification service can turn back: the picture is cut into a grid of blocks which are
permuted and some of them inverted (negative), both chosen by a keyed pseudo-random
stream (HMAC-SHA256 of the key). In service the key is the document's own, which the relay
derives from the secret only its verification service holds
(:mod:`protocol.scramble_key`), so the kiosk never holds that secret. An
optional ``salt`` (we use the document serial) gives every certificate its own
permutation, so one known face does not reveal the permutation of the others.

Everything is done on a fixed grid (``SIZE``, ``BLOCK``): ``unscramble`` first resizes
whatever it gets (a crop of a rasterised PDF or of a 300-dpi scan, see
:func:`locate`) to ``SIZE``, so the blocks fall back into place as long as the crop
follows the printed frame. Blocks are large (20 px of a 480 px wide image) so resampling
blur at their edges stays small.
"""

from __future__ import annotations

import hashlib
import hmac
import math

from PIL import Image, ImageOps, ImageStat

#: Scrambled images are this size (A4 proportions) on a grid of BLOCK-pixel blocks.
SIZE = (480, 680)
BLOCK = 20
COLUMNS, ROWS = SIZE[0] // BLOCK, SIZE[1] // BLOCK
#: The printed frame line and the white gap inside it, as shares of the image width.
FRAME_RATIO = 0.03
GAP_RATIO = 0.02


class _KeyStream:
    """Deterministic integers from HMAC-SHA256(key, context || counter)."""

    def __init__(self, key: bytes, context: bytes) -> None:
        if len(key) < 16:
            raise ValueError("scramble key must be at least 16 bytes")
        self._key, self._context, self._counter, self._buf = key, context, 0, b""

    def _take(self, n: int) -> bytes:
        while len(self._buf) < n:
            block = hmac.new(self._key, self._context + self._counter.to_bytes(8, "big"), hashlib.sha256)
            self._buf += block.digest()
            self._counter += 1
        out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def below(self, n: int) -> int:
        """Uniform in [0, n) by rejection sampling."""
        limit = (1 << 32) - ((1 << 32) % n)
        while True:
            v = int.from_bytes(self._take(4), "big")
            if v < limit:
                return v % n


def _plan(key: bytes, salt: bytes) -> tuple[list[int], list[bool]]:
    """``perm[i]`` is the destination of source block i; ``invert[i]`` whether it is negated."""
    stream = _KeyStream(key, b"certificate-kiosk/scramble/v1\n" + salt + b"\n")
    n = COLUMNS * ROWS
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = stream.below(i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    invert = [stream.below(2) == 1 for _ in range(n)]
    return perm, invert


def _box(index: int) -> tuple[int, int, int, int]:
    x, y = (index % COLUMNS) * BLOCK, (index // COLUMNS) * BLOCK
    return (x, y, x + BLOCK, y + BLOCK)


def _normalise(img: Image.Image) -> Image.Image:
    img = img.convert("L")
    if img.size != SIZE:
        img = img.resize(SIZE, Image.Resampling.LANCZOS)
    return img


def scramble(img: Image.Image, key: bytes, salt: bytes = b"") -> Image.Image:
    """The scrambled grey-scale ``SIZE`` image of ``img``."""
    src = _normalise(img)
    negative = ImageOps.invert(src)
    perm, invert = _plan(key, salt)
    out = Image.new("L", SIZE, 255)
    for i, dest in enumerate(perm):
        out.paste((negative if invert[i] else src).crop(_box(i)), _box(dest))
    return out


def unscramble(img: Image.Image, key: bytes, salt: bytes = b"", trim: int = 0) -> Image.Image:
    """Undo :func:`scramble`; ``img`` may be any size with the scrambled image's borders.

    ``trim`` (pixels) drops each block's rim and stretches the rest back: on a print or
    a scan the rim is blurred with the neighbouring block, often an inverted one, which
    would show as a grey grid over the recovered face.
    """
    src = _normalise(img)
    negative = ImageOps.invert(src)
    perm, invert = _plan(key, salt)
    out = Image.new("L", SIZE, 255)
    for i, dest in enumerate(perm):
        block = (negative if invert[i] else src).crop(_box(dest))
        if trim:
            block = block.crop((trim, trim, BLOCK - trim, BLOCK - trim)).resize(
                (BLOCK, BLOCK), Image.Resampling.BILINEAR)
        out.paste(block, _box(i))
    return out


def frame_widths(image_width: float) -> tuple[float, float]:
    """Widths of the black frame line and of the white gap inside it, for a printed width."""
    return image_width * FRAME_RATIO, image_width * GAP_RATIO


def _skew(grey: Image.Image, outer_box: tuple[int, int, int, int]) -> float:
    """Degrees the frame's left edge leans, from where it starts on two rows."""
    left, top, right, bottom = outer_box
    margin = max(6, (right - left) // 25)
    run = max(3, (right - left) // 80)  # well under the frame line, well over a ground dot
    xs = []
    for y in (top + (bottom - top) // 4, top + 3 * (bottom - top) // 4):
        row = grey.crop((left - margin, y, left + margin, y + 1)).point(lambda v: 1 if v < 110 else 0)
        values = list(row.tobytes())
        start = next((i for i in range(len(values) - run) if all(values[i : i + run])), None)
        if start is None:
            return 0.0
        xs.append(start)
    return math.degrees(math.atan2(xs[1] - xs[0], (bottom - top) / 2))


def locate(page: Image.Image, outer_box: tuple[int, int, int, int]) -> Image.Image:
    """Crop the scrambled image from a raster of the back.

    The layout prints the image inside a white gap and a solid black frame
    (:func:`frame_widths`). ``outer_box`` is where the frame's outer edge should be at this
    raster's resolution; on a scan it is off by a few pixels, so the outer edge of the frame
    is searched for on each side and the image box derived from it.
    """
    grey = page.convert("L")
    skew = _skew(grey, outer_box)
    if abs(skew) > 0.03:
        centre = ((outer_box[0] + outer_box[2]) / 2, (outer_box[1] + outer_box[3]) / 2)
        straight = grey.rotate(skew, resample=Image.Resampling.BICUBIC, center=centre, fillcolor=255)
        if abs(_skew(straight, outer_box)) > abs(skew):
            straight = grey.rotate(-skew, resample=Image.Resampling.BICUBIC, center=centre, fillcolor=255)
        grey = straight
    left, top, right, bottom = outer_box
    margin = max(6, (right - left) // 25)
    region = grey.crop((left - margin, top - margin, right + margin, bottom + margin))
    dark = region.point(lambda v: 255 if v < 110 else 0)
    w, h = region.size

    def dark_share(box: tuple[int, int, int, int]) -> float:
        return float(ImageStat.Stat(dark.crop(box)).mean[0]) / 255

    def first_dark(shares: list[float]) -> int:
        for idx, v in enumerate(shares):
            if v > 0.8:
                return idx
        raise ValueError("no frame found around the scrambled image")

    span = 2 * margin
    x0 = first_dark([dark_share((x, h // 4, x + 1, 3 * h // 4)) for x in range(span)])
    x1 = w - first_dark([dark_share((w - 1 - x, h // 4, w - x, 3 * h // 4)) for x in range(span)])
    y0 = first_dark([dark_share((w // 4, y, 3 * w // 4, y + 1)) for y in range(span)])
    y1 = h - first_dark([dark_share((w // 4, h - 1 - y, 3 * w // 4, h - y)) for y in range(span)])
    outer_w = x1 - x0
    inset_x = outer_w * (FRAME_RATIO + GAP_RATIO) / (1 + 2 * (FRAME_RATIO + GAP_RATIO))
    inset_y = (y1 - y0) * (FRAME_RATIO + GAP_RATIO) * SIZE[0] / SIZE[1] / (
        1 + 2 * (FRAME_RATIO + GAP_RATIO) * SIZE[0] / SIZE[1]
    )
    box = (round(x0 + inset_x), round(y0 + inset_y), round(x1 - inset_x), round(y1 - inset_y))
    return region.crop(box)
