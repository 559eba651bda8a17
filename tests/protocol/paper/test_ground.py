"""The copy-deterrent ground pattern: even on the original, 「複写」 on a simulated copy."""

from __future__ import annotations

import cv2
import numpy as np
import pypdfium2 as pdfium
import pytest
from numpy.typing import NDArray

from hardware_mocks.paper import copier
from protocol.paper import ground
from protocol.paper.render import render
from tests.fixtures.documents import DocumentFactory, Keys

#: Bands with nothing but the ground: on the face below the table, above the certifying
#: sentence, left of the value column (the word
#: and the camouflage are kept a cell away from the column's whole height); on the back
#: between the scrambled image and the QR code's caption.
BANDS = {0: (0, 1450, 588, 2600), 1: (0, 2530, 2480, 2700)}
#: Issue 13: on copies the word shows on at least five of the six copier models.
COPIES_SHOWN = 5


def _tone(img: NDArray[np.float32], a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    """ΔL* between the mean reflectances of ``img`` in ``a`` and in ``b``."""
    return float(abs(copier.lightness(float(img[a].mean())) - copier.lightness(float(img[b].mean()))))


def _texture(img: NDArray[np.float32], a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    """The standard deviation of L* in ``a`` over that in ``b`` (1: the same texture)."""
    light = copier.lightness(img)
    return float(light[a].std() / light[b].std())


def _away_from_values(rows: slice) -> NDArray[np.bool_]:
    """A face's page a cell away from its values: they lie on the plain fine ground,
    lighter than the rest (no camouflage there), and hold no word."""
    return copier.away_from(ground.value_boxes(), ground.CELL, (ground.SIZE[1], ground.SIZE[0]))[rows]


@pytest.mark.parametrize("side", [0, 1], ids=["face", "back"])
def test_word_hidden_on_the_original_and_shown_on_a_copy(make_document: DocumentFactory,
                                                         keys: Keys, side: int) -> None:
    """The certificate as its PDF draws it at printer resolution, printed and copied
    (the models of ``hardware_mocks.paper.copier``): even to the eye, 「複写」 on every
    copier."""
    pdf = pdfium.PdfDocument(bytes(render(make_document("shiken-ichiro", "inkan"), keys.issuer,
                                          keys.scramble).pdf))
    page = pdf[side]
    original = page.render(scale=ground.DPI / 72, grayscale=True).to_pil().convert("L")
    page.close()
    pdf.close()
    left, top, right, bottom = BANDS[side]
    drawn = np.asarray(original.crop((0, 0, *ground.SIZE)), dtype=np.float32)[top:bottom, left:right]
    word = (np.asarray(ground.word_mask(face=side == 0)) > 128)[top:bottom, left:right]
    inner, outer = copier.masks(word, 6)
    assert inner.mean() > 0.03 and outer.mean() > 0.3  # the band holds the word, and ground around it
    paper = copier.printed(np.asarray(1 - drawn / 255, dtype=np.float32))
    assert 0.08 < 1 - float(paper[outer].mean()) < 0.25  # a light tint (0.19–0.21 as drawn)
    eye = copier.eye(paper)
    assert _tone(eye, inner, outer) <= 1  # even: the word does not show, in tone
    assert abs(_texture(eye, inner, outer) - 1) <= 0.25  # nor in texture
    shown = [model.name for model in copier.COPIERS if _tone(model.copy(paper), inner, outer) >= 4]
    assert len(shown) >= COPIES_SHOWN, shown


@pytest.mark.parametrize("face", [True, False], ids=["face", "back"])
def test_the_copier_models_on_the_ground(face: bool) -> None:
    """The models of ``hardware_mocks.paper.copier`` applied to the ground pattern (a band
    of the page; on a face, away from the values): the word stays hidden on the
    original, in tone and in texture, at print size and on an 80-dpi screen, and shows
    on a phone photo and on five copiers of six (the numbers of each:
    docs/security-printing.md)."""
    band = slice(600, 1800)
    ink = (np.asarray(ground.pattern(face).convert("L")) < 128)[band]
    word = (np.asarray(ground.word_mask(face)) > 128)[band]
    inner, outer = copier.masks(word, 6)
    if face:
        inner, outer = inner & _away_from_values(band), outer & _away_from_values(band)
    assert inner.mean() > 0.02 and outer.mean() > 0.2
    paper = copier.printed(ink)

    eye = copier.eye(paper)
    assert _tone(eye, inner, outer) <= 1 and abs(_texture(eye, inner, outer) - 1) <= 0.25
    screen = copier.screen(paper)
    shape = (screen.shape[1], screen.shape[0])
    small = [cv2.resize(m.astype(np.uint8), shape, interpolation=cv2.INTER_NEAREST) > 0 for m in (inner, outer)]
    assert _tone(screen, small[0], small[1]) <= 1 and abs(_texture(screen, small[0], small[1]) - 1) <= 0.25
    assert _tone(copier.phone_photo(paper), inner, outer) >= 4
    shown = [model.name for model in copier.COPIERS if _tone(model.copy(paper), inner, outer) >= 4]
    assert len(shown) >= COPIES_SHOWN, shown


def test_no_word_and_no_camouflage_near_a_value() -> None:
    """On a face, the word's cells and the camouflage squares stay out of every region
    that holds a value (a verifier compares each digit on the plain fine ground there:
    single dots, none touching another), and whole words remain above, beside and below
    the table; a back has the word all over."""
    word = np.asarray(ground.word_mask()) > 128
    ink = np.asarray(ground.pattern()) == 0
    for left, top, right, bottom in ground.value_boxes():
        assert not word[top : bottom + 1, left : right + 1].any()
        box = ink[top : bottom + 1, left : right + 1].astype(np.uint8)
        neighbours = cv2.filter2D(box, -1, np.ones((3, 3), np.float32), borderType=cv2.BORDER_CONSTANT)
        assert (neighbours[box > 0] == 1).all()  # lone dots only
        assert 0.1 < box.mean() <= 2 / 16  # the fine ground's two dots in each 4 × 4 cell
    assert (np.asarray(ground.pattern(face=False)) == 0)[ground.value_boxes()[0][1] :].mean() > 0.15  # a back: all
    left, top, right, bottom = ground.value_boxes()[0]  # the table's value column
    assert word[:top].mean() > 0.05
    assert word[:, :left].mean() > 0.05
    assert word[bottom:].mean() > 0.05
    back = np.asarray(ground.word_mask(face=False)) > 128
    assert back[top:bottom, left:right].mean() > 0.1
