"""Where the layout draws its values (:func:`protocol.paper.layout.value_regions`): the
ground keeps its hidden word out of these regions and the verifier checks each
character there, so every value drawn must lie inside one."""

from __future__ import annotations

from typing import Any

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from protocol.paper import fonts, layout
from protocol.paper.render import render
from tests.fixtures.documents import DocumentFactory, Keys

TYPES = [
    ("shiken-ichiro", "juminhyo", {"scope": "household", "honseki": "include", "relationship": "include",
                                   "my_number": "include"}),
    ("shiken-hanako", "juminhyo_kisai", {}),
    ("canary", "inkan", {}),
    ("shiken-ichiro", "koseki_zenbu", {}),
    ("shiken-ichiro", "koseki_fuhyo", {}),
    ("shiken-ichiro", "shotoku", {}),
]


def _inside(region: tuple[float, float, float, float], x: float, y: float, text: str, font: str,
            size: float) -> bool:
    x0, y0, x1, y1 = region
    return x0 <= x and x + stringWidth(text, font, size) <= x1 and y0 <= y - 0.2 * size and y + size <= y1


@pytest.mark.parametrize(("persona", "cert_type", "options"), TYPES, ids=[t[1] for t in TYPES])
def test_every_value_lies_in_a_value_region(persona: str, cert_type: str, options: dict[str, str],
                                            make_document: DocumentFactory, keys: Keys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[tuple[float, float, str, str, float]] = []
    original = layout._text

    def recording(c: Any, x: float, y: float, text: str, font: str = fonts.MINCHO,
                  size: float = layout.FONT_SIZE) -> None:
        drawn.append((x, y, text, font, size))
        original(c, x, y, text, font, size)

    monkeypatch.setattr(layout, "_text", recording)
    render(make_document(persona, cert_type, **options), keys.issuer, keys.scramble)
    column, date, serial = layout.value_regions()
    values = [d for d in drawn if d[0] == layout.TABLE_X + layout.LABEL_W + layout.PAD]
    dates = [d for d in drawn if d[0] == layout.DATE_X]
    serials = [d for d in drawn if d[0] == layout.SERIAL_X]
    assert values and dates and serials
    for region, texts in ((column, values), (date, dates), (serial, serials)):
        for x, y, text, font, size in texts:
            assert _inside(region, x, y, text, font, size), text
