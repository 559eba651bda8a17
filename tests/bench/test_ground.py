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



def test_cells_are_drawn_as_they_say() -> None:
    """A word of whole cells, each with a grey block at its centre; camouflage squares
    on every other cell corner, in the word and the background alike; fine dots in the
    background only, none near the camouflage."""
    cells = bench.Cells(32, 16, 10, 48, 12, keep=2, widen=0)
    glyphs = np.zeros((256, 256), bool)
    glyphs[:, 128:] = True
    rows = slice(0, 256)
    word = bench.cells_word(cells, glyphs, rows)
    assert (word == glyphs).all()  # the glyphs' edge falls between cells
    ink = bench.cells_ink(cells, word, rows)
    assert ink[12:20, 136:152].mean() == 48 / 64  # inside a word cell's block (rows 11-20, columns 8-23 of the cell)
    assert not ink[0:11, 136:152].any() and not ink[21:26, 128:160].any()  # around it, up to the camouflage
    assert ink[26:38, 26:38].all() and ink[26:38, 154:166].all()  # camouflage on corners (32, 32) and (32, 160)
    assert ink[26:38, 90:102].all() and ink[26:38, 58:70].mean() == 2 / 16  # (32, 96) too; (32, 64): fine dots
    ring = np.ones((16, 16), bool)
    ring[2:14, 2:14] = False
    assert not ink[24:40, 24:40][ring].any()  # no fine dot within 2 pixels of a camouflage square
    assert ink[42:54, 42:54].mean() == 2 / 16  # a background cell's middle: the fine dots


def test_the_cells_on_a_42_pixel_lattice_meet_every_criterion_on_every_band() -> None:
    """The last cells pattern of the bench hides the word in tone and texture, to the eye
    and on screen, and shows it on five copiers and the phone, on each of its bands,
    with a tint under the tests' 0.2 (docs/security-printing.md)."""
    cells = bench.CELLS[-1]
    assert cells.pitch == 42
    glyphs = np.asarray(ground.word_mask(face=False)) > 128
    for top, bottom in bench.CELL_BANDS:
        rows = slice(top, bottom)
        word = bench.cells_word(cells, glyphs, rows)
        measured = bench.measure(bench.cells_ink(cells, word, rows), word)
        assert measured.hidden() and measured.shown(), (top, bottom, measured)
        assert 0.08 < measured.tint < 0.2
