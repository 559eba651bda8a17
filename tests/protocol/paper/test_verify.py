"""``kiosk verify``: valid PDFs and scans pass, any change fails, junk is unreadable."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image, ImageChops, ImageFilter, ImageStat

from hardware_mocks.world import World
from kiosk.cli import main as kiosk_main
from protocol.paper import render as renderer
from protocol.paper import verify
from protocol.paper.render import render
from tests.fixtures.documents import DocumentFactory, Keys

Original = tuple[dict[str, Any], bytearray]  # a document and its rendered PDF


def _page(pdf_bytes: bytes | bytearray, index: int, dpi: int) -> Image.Image:
    pdf = pdfium.PdfDocument(bytes(pdf_bytes))
    page = pdf[index]
    img: Image.Image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    page.close()
    pdf.close()
    return img


@pytest.fixture(scope="module")
def original(make_document: DocumentFactory, keys: Keys) -> Original:
    document = make_document("shiken-ichiro", "juminhyo", scope="household")
    return document, render(document, keys.issuer, keys.scramble).pdf


def test_valid_pdf(original: Original, keys: Keys) -> None:
    document, pdf = original
    verdict = verify.verify_pdf(pdf, keys.public)
    assert (verdict.status, verdict.reason) == (verify.VALID, "ok")
    assert verdict.claims is not None and verdict.claims.matches(document)


def test_other_signer_fails(original: Original, keys: Keys) -> None:
    document, _ = original
    pdf = render(document, Ed25519PrivateKey.generate(), keys.scramble).pdf
    assert verify.verify_pdf(pdf, keys.public).reason == "signature"


def test_scan_of_the_back(original: Original, keys: Keys) -> None:
    document, pdf = original
    scan = _page(pdf, 1, 300).rotate(0.4, fillcolor=255).filter(ImageFilter.GaussianBlur(0.7))
    buf = io.BytesIO()
    scan.save(buf, "JPEG", quality=85)
    verdict = verify.verify_bytes(buf.getvalue(), keys.public)
    assert verdict.status == verify.VALID and verdict.claims is not None
    assert verdict.claims.serial == document["serial"]


def test_face_recovered_from_a_300_dpi_raster_of_the_back(original: Original,
                                                         keys: Keys) -> None:
    document, pdf = original
    face = verify.unscramble_back(_page(pdf, 1, 300), keys.scramble, document["serial"], 1)
    expected = renderer._face_images(renderer.face_only_pdf(document))[0]
    diff = ImageStat.Stat(ImageChops.difference(face, expected.resize(face.size))).mean[0]
    assert diff < 12  # edge blur only; a wrong key gives ~100
    scan = _page(pdf, 1, 300).rotate(0.7, fillcolor=255, translate=(9, -6)).filter(ImageFilter.GaussianBlur(0.7))
    skewed = verify.unscramble_back(scan, keys.scramble, document["serial"], 1)
    assert ImageStat.Stat(ImageChops.difference(skewed, expected.resize(face.size))).mean[0] < 12
    wrong = verify.unscramble_back(_page(pdf, 1, 300), bytes(32), document["serial"], 1)
    assert ImageStat.Stat(ImageChops.difference(wrong, expected.resize(face.size))).mean[0] > 40


def test_junk_is_unreadable(keys: Keys) -> None:
    assert verify.verify_bytes(b"hello", keys.public).status == verify.UNREADABLE
    assert verify.verify_bytes(b"%PDF-1.4 broken", keys.public).status == verify.UNREADABLE
    buf = io.BytesIO()
    Image.new("L", (200, 200), 255).save(buf, "PNG")
    assert verify.verify_bytes(buf.getvalue(), keys.public).reason == "no-qr"


def test_cli_exit_codes(original: Original, world: World, tmp_path: Path,
                        keys: Keys, capsys: pytest.CaptureFixture[str]) -> None:
    document, pdf = original
    good = tmp_path / "good.pdf"
    good.write_bytes(pdf)
    assert kiosk_main(["verify", str(good), "--world", str(world.root)]) == 0
    out = capsys.readouterr().out
    assert "VALID (ok)" in out and "令和8年11月26日" in out
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(render(document, Ed25519PrivateKey.generate(), keys.scramble).pdf)
    assert kiosk_main(["verify", str(bad), "--world", str(world.root)]) == 1
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    assert kiosk_main(["verify", str(junk), "--world", str(world.root)]) == 2
    assert kiosk_main(["verify", str(tmp_path / "missing.pdf"), "--world", str(world.root)]) == 2


def test_cli_render(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sample.pdf"
    assert kiosk_main(["render", "--world", str(world.root), "--persona", "shiken-ichiro", "--type",
                       "juminhyo", "--option", "scope=household", "--out", str(out)]) == 0
    assert kiosk_main(["verify", str(out), "--world", str(world.root)]) == 0
    assert kiosk_main(["render", "--world", str(world.root), "--persona", "mihon-gaiji", "--type",
                       "inkan", "--out", str(tmp_path / "g.pdf")]) == 1
    assert "U+E000" in capsys.readouterr().err
    assert not (tmp_path / "g.pdf").exists()
    assert kiosk_main(["render", "--world", str(world.root), "--persona", "nobody", "--type",
                       "inkan", "--out", str(out)]) == 2
