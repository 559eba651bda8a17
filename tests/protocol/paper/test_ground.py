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
#: sentence, left of the value column (the word is kept out of the column's whole
#: height); on the back between the scrambled image and the QR code's caption.
BANDS = {0: (0, 1450, 620, 2600), 1: (0, 2530, 2480, 2700)}


def _tone(img: NDArray[np.float32], a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    """ΔL* between the mean reflectances of ``img`` in ``a`` and in ``b``."""
    return float(abs(copier.lightness(float(img[a].mean())) - copier.lightness(float(img[b].mean()))))


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
    assert 0.08 < 1 - float(paper[outer].mean()) < 0.2  # a light tint
    assert _tone(copier.eye(paper), inner, outer) <= 1  # even: the word does not show
    for model in copier.COPIERS:
        assert _tone(model.copy(paper), inner, outer) >= 4, model.name


@pytest.mark.parametrize("face", [True, False], ids=["face", "back"])
def test_the_copier_models_on_the_ground(face: bool) -> None:
    """The models of ``hardware_mocks.paper.copier`` applied to the ground pattern (a band
    of the page): the word stays hidden in tone on the original, at print size and on an
    80-dpi screen, and a phone photo shows it. What the copiers show is recorded in
    docs/security-printing.md: ΔL* 4.5 and more on all six)."""
    band = np.s_[600:1800, :]
    ink = (np.asarray(ground.pattern(face).convert("L")) < 128)[band]
    word = (np.asarray(ground.word_mask(face)) > 128)[band]
    inner, outer = copier.masks(word, 6)
    paper = copier.printed(ink)

    tone = _tone
    assert tone(copier.eye(paper), inner, outer) <= 1
    screen = copier.screen(paper)
    shape = (screen.shape[1], screen.shape[0])
    small = [cv2.resize(m.astype(np.uint8), shape, interpolation=cv2.INTER_NEAREST) > 0 for m in (inner, outer)]
    assert tone(screen, small[0], small[1]) <= 1
    assert tone(copier.phone_photo(paper), inner, outer) >= 4
    for model in copier.COPIERS:
        assert tone(model.copy(paper), inner, outer) >= 4, model.name


def test_no_word_near_a_value() -> None:
    """On a face, the word's clusters stay out of every region that holds a value (a
    verifier compares each digit on plain ground there), and whole words remain above,
    beside and below the table; a back has the word all over."""
    word = np.asarray(ground.word_mask()) > 128
    for left, top, right, bottom in ground.value_boxes():
        assert not word[top : bottom + 1, left : right + 1].any()
    left, top, right, bottom = ground.value_boxes()[0]  # the table's value column
    assert word[:top].mean() > 0.05
    assert word[:, :left].mean() > 0.05
    assert word[bottom:].mean() > 0.05
    back = np.asarray(ground.word_mask(face=False)) > 128
    assert back[top:bottom, left:right].mean() > 0.1
