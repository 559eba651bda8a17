"""The character-scale check (:mod:`protocol.paper.verification.glyphs`) on drawn strokes:
what a changed digit adds is marked, a stroke's end one pixel longer is not."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from protocol.paper import scramble
from protocol.paper.verification import glyphs

B = scramble.BLOCK


def _page() -> NDArray[np.float32]:
    """Ink (0..1) of two by two blocks, the first holding one digit-sized figure on plain
    ground: a vertical stem and a bar across, so that its alignment is solvable (the
    empty blocks keep theirs)."""
    ink = np.zeros((2 * B, 2 * B), np.float32)
    ink[10:20, 20] = 0.5
    ink[10, 16:25] = 0.5
    return ink


def _score(face: NDArray[np.float32], front: NDArray[np.float32]) -> float:
    score, _ = glyphs.scores(face, front, np.ones_like(face))
    return float(score.max())


def test_the_same_figure_scores_nothing() -> None:
    assert _score(_page(), _page()) == 0


def test_a_stroke_end_one_pixel_longer_is_not_a_changed_character(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pixel past the stem's end, just beyond the dead zone, on plain ground (a
    renderer's stroke end): in a window this sparse the ratio alone marks it; its sum is
    under :data:`glyphs.MIN_EXCESS`."""
    front = _page()
    front[20, 20] = glyphs.DEAD + 0.08
    assert _score(_page(), front) < glyphs.SCORE
    monkeypatch.setattr(glyphs, "MIN_EXCESS", 0.0)
    assert _score(_page(), front) > glyphs.SCORE


def test_a_difference_just_over_the_minimum_is_marked() -> None:
    """Two pixels beside the stem, each 0.06 past the dead zone: 0.12 in all, about what
    the weakest forgery bench.digits catches sums to (0.108)."""
    front = _page()
    front[14:16, 23] = glyphs.DEAD + 0.06
    assert 2 * 0.06 > glyphs.MIN_EXCESS
    assert _score(_page(), front) > glyphs.SCORE


def test_a_stroke_added_to_a_digit_is_marked() -> None:
    """A second stem beside the first (a 1 made into a 4-like figure): four pixels of
    half ink that the face does not hold."""
    front = _page()
    front[13:17, 16] = 0.5
    assert _score(_page(), front) > glyphs.SCORE
