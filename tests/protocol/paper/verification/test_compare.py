"""Where the character-scale check looks (:func:`protocol.paper.verification.compare.value_mask`),
and where it matches grey levels (``compare._plain_ground``)."""

from __future__ import annotations

import cv2
import numpy as np
from reportlab.lib.units import mm

from protocol.paper import ground, layout, scramble
from protocol.paper.verification import compare

PER_PT = 25.4 / 72 / compare.MM_PER_PX


def _at(x_pt: float, y_pt: float) -> bool:
    """The mask at a point of the page (PDF points, origin at the bottom left)."""
    return bool(compare.value_mask()[round((layout.PAGE_H - y_pt) * PER_PT), round(x_pt * PER_PT)])


def test_values_are_checked_labels_and_serial_are_not() -> None:
    middle = (layout.BODY_TOP + layout.BODY_BOTTOM) / 2
    assert _at(layout.TABLE_X + layout.LABEL_W + 20 * mm, middle)  # the value column
    assert _at(layout.DATE_X + 10 * mm, layout.BODY_BOTTOM - 24 * mm + 4)  # the issue date
    assert not _at(layout.TABLE_X + 10 * mm, middle)  # the label column
    assert not _at(layout.SERIAL_X + 30 * mm, layout.SERIAL_Y + 3)  # the serial
    assert not _at(layout.PAGE_W / 2, layout.PAGE_H - 28 * mm + 6)  # the title


def test_the_plain_ground_is_the_face_without_its_coarse_parts() -> None:
    """Built in strips (a verifier holds no page-sized mask), it is the whole printed
    face's word cells and camouflage squares reduced to the face's grid and grown by a
    pixel, left out: the same, pixel for pixel."""
    ink = np.asarray(ground.pattern(True).convert("L")) == 0
    coarse = (np.asarray(ground.word_mask(True)) > 0) | (ink & ~_fine_dots(ink))  # the squares: ink not lone
    small = cv2.resize(coarse.astype(np.uint8), scramble.SIZE, interpolation=cv2.INTER_AREA) > 0
    expected = ~(cv2.dilate(small.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    assert np.array_equal(compare._plain_ground(), expected)
    assert 0.7 < compare._plain_ground().mean() < 0.95  # most of the face; values and labels alike


def _fine_dots(ink: np.ndarray) -> np.ndarray:
    """Inked pixels with no inked neighbour (the fine ground's lone dots)."""
    neighbours = cv2.filter2D(ink.astype(np.uint8), -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT)
    lone: np.ndarray = ink & (neighbours == 1)
    return lone
