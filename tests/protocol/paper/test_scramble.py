"""Keyed block scrambling of the face image."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw, ImageStat

from protocol.paper import scramble

KEY = bytes(range(32))


def _face() -> Image.Image:
    img = Image.new("L", scramble.SIZE, 255)
    draw = ImageDraw.Draw(img)
    for y in range(40, 960, 30):
        draw.rectangle((40, y, 40 + (y * 7) % 600, y + 12), fill=0)
    return img


def _diff(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean[0]


def test_round_trip_is_exact() -> None:
    face = _face()
    scrambled = scramble.scramble(face, KEY, b"S1")
    assert _diff(scrambled, face) > 40
    assert _diff(scramble.unscramble(scrambled, KEY, b"S1"), face) == 0


def test_wrong_key_or_salt_does_not_unscramble() -> None:
    face = _face()
    scrambled = scramble.scramble(face, KEY, b"S1")
    assert _diff(scramble.unscramble(scrambled, bytes(32), b"S1"), face) > 40
    assert _diff(scramble.unscramble(scrambled, KEY, b"S2"), face) > 40


def test_oversampled_grid() -> None:
    """The verifier samples the grid at twice its size: blocks are twice as large."""
    import numpy as np

    face = _face()
    scrambled = scramble.scramble(face, KEY, b"S1").resize((2 * scramble.SIZE[0], 2 * scramble.SIZE[1]),
                                                          Image.Resampling.NEAREST)
    back = scramble.unscramble_grid(np.asarray(scrambled), KEY, b"S1", 2)
    assert _diff(Image.fromarray(back).resize(scramble.SIZE, Image.Resampling.BOX), face) == 0


def test_short_key_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        scramble.scramble(_face(), b"short")
