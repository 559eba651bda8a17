"""Where the character-scale check looks (:func:`protocol.paper.verification.compare.value_mask`)."""

from __future__ import annotations

from reportlab.lib.units import mm

from protocol.paper import layout
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
