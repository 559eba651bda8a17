"""The scrambled image of the face, printed on the back.

As on the real certificates, the back carries the face as an image that only the
verification service can turn back: the picture is cut into a grid of blocks which are
permuted and some of them inverted (negative), both chosen by a keyed pseudo-random
stream (HMAC-SHA256 of the key). In service the key is the document's own, which the relay
derives from the secret only its verification service holds
(:mod:`protocol.scramble_key`), so the kiosk never holds that secret. An
optional ``salt`` (we use the document serial) gives every certificate its own
permutation, so one known face does not reveal the permutation of the others.

Everything is done on a fixed grid (``SIZE``, ``BLOCK``). The grid is as fine as a scan
can read back: printed 130 mm wide it is 140 dpi on paper, so a 200-dpi scan still
samples every pixel about 1.4 times, and the face it holds is 87 dpi (a digit of the
10.5-point text is about 12 pixels tall). Blocks are large (30 pixels, 8.8 mm of the
face) so that the rim a print and a scan blur into the neighbouring blocks stays a small
share of each. :mod:`protocol.paper.verification.backside` finds the grid on a scan.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

import numpy as np
from numpy.typing import NDArray
from PIL import Image

Grey = NDArray[np.uint8]

#: Scrambled images are this size (A4 proportions) on a grid of BLOCK-pixel blocks.
SIZE = (720, 1020)
BLOCK = 30
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


@functools.lru_cache(maxsize=64)
def plan(key: bytes, salt: bytes) -> tuple[tuple[int, ...], tuple[bool, ...]]:
    """``perm[i]`` is the destination of source block i; ``invert[i]`` whether it is negated."""
    stream = _KeyStream(key, b"certificate-kiosk/scramble/v2\n" + salt + b"\n")
    n = COLUMNS * ROWS
    perm = list(range(n))
    for i in range(n - 1, 0, -1):
        j = stream.below(i + 1)
        perm[i], perm[j] = perm[j], perm[i]
    invert = tuple(stream.below(2) == 1 for _ in range(n))
    return tuple(perm), invert


def _blocks(grid: Grey, block: int) -> Grey:
    """The blocks of ``grid`` as an array (block index, y, x), in reading order."""
    return grid.reshape(ROWS, block, COLUMNS, block).swapaxes(1, 2).reshape(-1, block, block)


def _grid(blocks: Grey, block: int) -> Grey:
    return np.ascontiguousarray(blocks.reshape(ROWS, COLUMNS, block, block).swapaxes(1, 2)
                                .reshape(ROWS * block, COLUMNS * block))


def scramble(img: Image.Image, key: bytes, salt: bytes = b"") -> Image.Image:
    """The scrambled grey-scale ``SIZE`` image of ``img`` (resized to ``SIZE`` first)."""
    src = img.convert("L")
    if src.size != SIZE:
        src = src.resize(SIZE, Image.Resampling.LANCZOS)
    perm, invert = plan(key, salt)
    blocks = _blocks(np.asarray(src), BLOCK)
    out = np.empty_like(blocks)
    out[np.asarray(perm)] = blocks  # source block i goes to perm[i] …
    flip = np.asarray(perm)[np.asarray(invert)]
    out[flip] = 255 - out[flip]  # … negated when invert[i]
    return Image.fromarray(_grid(out, BLOCK))


def unscramble_grid(grid: Grey, key: bytes, salt: bytes = b"", oversample: int = 1) -> Grey:
    """Undo :func:`scramble` on a grey array of ``oversample`` × ``SIZE`` pixels."""
    perm, invert = plan(key, salt)
    b = BLOCK * oversample
    out = _blocks(grid, b)[np.asarray(perm)]  # block i was put at perm[i]
    flip = np.asarray(invert)
    out[flip] = 255 - out[flip]
    return _grid(out, b)


def unscramble(img: Image.Image, key: bytes, salt: bytes = b"") -> Image.Image:
    """Undo :func:`scramble` on an image of exactly ``SIZE``."""
    return Image.fromarray(unscramble_grid(np.asarray(img.convert("L")), key, salt))


def frame_widths(image_width: float) -> tuple[float, float]:
    """Widths of the black frame line and of the white gap inside it, for a printed width."""
    return image_width * FRAME_RATIO, image_width * GAP_RATIO
