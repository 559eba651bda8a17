"""bench.ground measures what tests/protocol/paper/test_ground.py asserts, and more."""

from __future__ import annotations

import numpy as np

from bench import ground as bench
from protocol.paper import ground


def test_the_bench_measures_the_pattern_in_service_as_the_tests_do() -> None:
    """On the pattern in service: the tone criteria hold (as test_ground asserts) and the
    texture is measured, far from the background's (the criterion not met, recorded in
    docs/security-printing.md)."""
    word = (np.asarray(ground.word_mask()) > 128)[bench.BAND]
    measured = bench.measure(np.asarray(ground.pattern().convert("L"))[bench.BAND] < 128, word)
    assert measured.eye[0] <= 1 and measured.screen[0] <= 1
    assert measured.shown() and min(measured.copies) >= 4
    assert measured.eye[1] > 10 and measured.screen[1] > 10 and not measured.hidden()


def test_a_candidate_is_drawn_as_it_says() -> None:
    """Two dots in each 4 × 4 cell outside the word, one 10 × 10 cluster in each 26 × 26
    inside, and the camouflage's clusters everywhere."""
    word = np.zeros((104, 208), bool)
    word[:, 104:] = True
    plain = bench.candidate_ink(bench.Candidate(10, 26), word)
    assert plain[:, :104].mean() == 2 / 16
    assert plain[:, 104:].mean() == 100 / 26**2
    camo = bench.candidate_ink(bench.Candidate(10, 26, camo_dot=10, camo_pitch=26), word)
    assert camo[:, 104:].mean() == 2 * plain[:, 104:].mean()
