"""bench.ground measures what tests/protocol/paper/test_ground.py asserts, and more."""

from __future__ import annotations

import numpy as np

from bench import ground as bench
from protocol.paper import ground


def test_the_bench_measures_the_pattern_in_service_as_the_tests_do() -> None:
    """On the pattern in service, rows 600–1800 of each side (a face's away from its
    values), every criterion holds, texture included, as test_ground asserts."""
    for face in (True, False):
        word = (np.asarray(ground.word_mask(face)) > 128)[bench.BAND]
        keep = bench.outside_values()[bench.BAND] if face else None
        measured = bench.measure(np.asarray(ground.pattern(face).convert("L"))[bench.BAND] < 128, word, keep)
        assert measured.hidden() and measured.shown(), (face, measured)


def test_the_pattern_in_service_is_the_benchs_last_cells() -> None:
    """The service draws the cells pattern the bench found (the back: the word everywhere)."""
    rows = slice(600, 1100)
    glyphs = np.asarray(ground.glyph_mask(face=False)) > 128
    word = bench.cells_word(bench.CELLS[-1], glyphs, rows)
    assert (word == (np.asarray(ground.word_mask(face=False)) > 128)[rows]).all()
    assert (bench.cells_ink(bench.CELLS[-1], word, rows) == (np.asarray(ground.pattern(face=False)) == 0)[rows]).all()


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
    glyphs = np.asarray(ground.glyph_mask(face=False)) > 128
    for top, bottom in bench.CELL_BANDS:
        rows = slice(top, bottom)
        word = bench.cells_word(cells, glyphs, rows)
        measured = bench.measure(bench.cells_ink(cells, word, rows), word)
        assert measured.hidden() and measured.shown(), (top, bottom, measured)
        assert 0.08 < measured.tint < 0.2
