"""The scrambled image's block rims, freed of what a print and a scan blur in from the
neighbours (:func:`protocol.paper.verification.backside.repair_rims`).

The truth is a real face, scrambled; the "print and scan" is a Gaussian blur of the
grid, centred on the block edges or put half a grid pixel off them (a renderer that
rounded the image's place)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from protocol.paper import render as renderer
from protocol.paper import scramble
from protocol.paper.verification import backside
from tests.fixtures.documents import DocumentFactory

KEY = bytes(range(32))
Grid = NDArray[np.uint8]


@pytest.fixture(scope="module")
def truth(make_document: DocumentFactory) -> Grid:
    """A scrambled face at the grid's size (each image pixel 2 × 2 grid pixels, as
    :func:`backside.find` samples it)."""
    document = make_document("shiken-ichiro", "juminhyo", scope="household", my_number="include")
    face = renderer._face_images(renderer.face_only_pdf(document))[0]
    scrambled = np.asarray(scramble.scramble(face, KEY, b"test"))
    k = backside.OVERSAMPLE
    return np.repeat(np.repeat(scrambled, k, axis=0), k, axis=1)


def _printed(truth: Grid, sigma: float, shift: float = 0.0) -> Grid:
    moved = truth
    if shift:
        h, w = truth.shape
        to = np.array([[1, 0, shift], [0, 1, shift]], dtype=np.float32)
        moved = np.asarray(cv2.warpAffine(truth, to, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    blurred = cv2.GaussianBlur(moved.astype(np.float32), (0, 0), sigma)
    return np.asarray(np.clip(np.rint(blurred), 0, 255), dtype=np.uint8)


def _rims(shape: tuple[int, ...], depth: int) -> NDArray[np.bool_]:
    """Pixels within ``depth`` of a block edge inside the image (the image's own border
    left out: it lies on the white gap)."""
    b = scramble.BLOCK * backside.OVERSAMPLE
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]

    def near(v: NDArray[np.int_], n: int) -> NDArray[np.bool_]:
        edge: NDArray[np.bool_] = (v % b < depth) & (v >= b) | (v % b >= b - depth) & (v < n - b)
        return edge

    inside = (xs >= depth) & (xs < shape[1] - depth) & (ys >= depth) & (ys < shape[0] - depth)
    rim: NDArray[np.bool_] = (near(xs, shape[1]) | near(ys, shape[0])) & inside
    return rim


def _error(grid: Grid, truth: Grid, where: NDArray[np.bool_]) -> float:
    return float(np.abs(grid.astype(np.float32) - truth.astype(np.float32))[where].mean())


def test_a_clean_grid_has_no_bleed(truth: Grid) -> None:
    for axis in (0, 1):
        before, after = backside.bleed(truth, axis)
        assert max(before.max(), after.max()) < backside.BLEED_CLEAN
    assert np.array_equal(backside.repair_rims(truth), truth)  # nothing to undo: left as it is


@pytest.mark.parametrize("sigma", [0.7, 1.0, 1.3])
def test_bleed_is_measured(truth: Grid, sigma: float) -> None:
    """The outermost pixel holds a third of its neighbour or so, the share falls
    inwards, and it grows with the blur."""
    before, after = backside.bleed(_printed(truth, sigma), 1)
    for side in (before, after):
        assert 0.15 < side[0] < 0.5
        assert side[0] > side[1] > side[2] - 0.01


@pytest.mark.parametrize(("sigma", "shift"), [(0.7, 0.0), (1.0, 0.0), (1.3, 0.0), (0.7, 0.5), (1.0, 0.5)])
def test_repaired_rims_are_closer_to_the_truth(truth: Grid, sigma: float, shift: float) -> None:
    """Against the blurred grid and against the old repair (the pixel inside copied over
    two rim pixels), the rims come nearer the truth; the inside of each block is left
    as it was printed."""
    printed = _printed(truth, sigma, shift)
    repaired = backside.repair_rims(printed)
    rims = _rims(truth.shape, 2)
    copied = printed.copy()
    b = scramble.BLOCK * backside.OVERSAMPLE
    for edge in range(0, truth.shape[1], b):
        copied[:, edge : edge + 2] = copied[:, edge + 2 : edge + 3]
        copied[:, edge + b - 2 : edge + b] = copied[:, edge + b - 3 : edge + b - 2]
    for edge in range(0, truth.shape[0], b):
        copied[edge : edge + 2] = copied[edge + 2 : edge + 3]
        copied[edge + b - 2 : edge + b] = copied[edge + b - 3 : edge + b - 2]
    assert _error(repaired, truth, rims) < 0.75 * _error(printed, truth, rims)
    assert _error(repaired, truth, rims) < _error(copied, truth, rims)
    inside = ~_rims(truth.shape, backside.BLEED_DEPTH)
    inside[: backside.BLEED_DEPTH] = inside[-backside.BLEED_DEPTH :] = False
    inside[:, : backside.BLEED_DEPTH] = inside[:, -backside.BLEED_DEPTH :] = False
    assert np.array_equal(repaired[inside], printed[inside])
