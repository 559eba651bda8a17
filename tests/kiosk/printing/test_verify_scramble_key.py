"""``kiosk verify --face-out``: the face comes back with the document's own key, given as
is or derived from the master secret and the signed serial; never with the master itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat

from hardware_mocks.world import World
from kiosk.cli import main as kiosk_main
from protocol.paper import render as renderer
from protocol.paper.render import render
from protocol.scramble_key import document_scramble_key
from tests.fixtures.documents import DocumentFactory, Keys

Printed = tuple[dict[str, Any], bytes, Path]  # a document, its scramble key, its PDF


@pytest.fixture(scope="module")
def printed(make_document: DocumentFactory, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Printed:
    document = make_document("shiken-ichiro", "juminhyo", serial="139998-20261126-000321")
    key = document_scramble_key(keys.scramble, document["serial"])
    pdf = tmp_path_factory.mktemp("verify-key") / "doc.pdf"
    pdf.write_bytes(render(document, keys.issuer, key).pdf)
    return document, key, pdf


def _difference(face_file: Path, document: dict[str, Any]) -> float:
    face = Image.open(face_file).convert("L")
    expected = renderer._face_images(renderer.face_only_pdf(document))[0].convert("L").resize(face.size)
    return float(ImageStat.Stat(ImageChops.difference(face, expected)).mean[0])


def test_the_derivation_is_the_documented_one(keys: Keys) -> None:
    import hashlib
    import hmac

    serial = "139998-2026-0000001"
    expected = hmac.new(keys.scramble, b"scramble/v1/" + serial.encode(), hashlib.sha256).digest()
    assert document_scramble_key(keys.scramble, serial) == expected
    assert len(expected) == 32 and document_scramble_key(keys.scramble, serial + "1") != expected
    with pytest.raises(ValueError):
        document_scramble_key(b"short", serial)


def test_face_with_the_world_master_derived_per_serial(printed: Printed, world: World,
                                                       tmp_path: Path) -> None:
    document, _, pdf = printed
    out = tmp_path / "face.png"
    assert kiosk_main(["verify", str(pdf), "--world", str(world.root), "--face-out", str(out)]) == 0
    assert _difference(out, document) < 12


def test_face_with_an_explicit_master_secret(printed: Printed, world: World,
                                             tmp_path: Path) -> None:
    document, _, pdf = printed
    out = tmp_path / "face.png"
    assert kiosk_main(["verify", str(pdf), "--world", str(world.root), "--scramble-master",
                       str(world.pki("scramble.key")), "--face-out", str(out)]) == 0
    assert _difference(out, document) < 12


def test_face_with_the_documents_own_key(printed: Printed, world: World,
                                         tmp_path: Path) -> None:
    document, key, pdf = printed
    key_file = tmp_path / "doc.key"
    key_file.write_text(key.hex() + "\n")
    out = tmp_path / "face.png"
    assert kiosk_main(["verify", str(pdf), "--world", str(world.root), "--scramble-key", str(key_file),
                       "--face-out", str(out)]) == 0
    assert _difference(out, document) < 12
    # the master secret given as if it were the document's key: the face stays scrambled
    assert kiosk_main(["verify", str(pdf), "--world", str(world.root), "--scramble-key",
                       str(world.pki("scramble.key"))]) == 1


def test_face_out_without_any_key_is_an_error(printed: Printed, world: World,
                                              tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, pdf = printed
    assert kiosk_main(["verify", str(pdf), "--issuer-key", str(world.pki("issuer.pub")), "--face-out",
                       str(tmp_path / "f.png")]) == 2  # the verdict alone would be 3: not compared
    assert "--scramble-key" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one key or the other, not both
        kiosk_main(["verify", str(pdf), "--world", str(world.root), "--scramble-key", str(world.pki("scramble.key")),
                    "--scramble-master", str(world.pki("scramble.key"))])


@pytest.mark.parametrize("name", ["adir", "face", "x.txt"])
def test_a_picture_path_that_is_no_picture_file_is_refused_before_the_verdict(
        printed: Printed, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """A folder, or a name without a picture's suffix: one line, exit 2, no verdict printed
    (a VALID followed by a traceback and exit 1 would read as INVALID)."""
    _, _, pdf = printed
    (tmp_path / "adir").mkdir()
    for option in ("--face-out", "--diff-out"):
        assert kiosk_main(["verify", str(pdf), "--world", str(world.root), option, str(tmp_path / name)]) == 2
        out, err = capsys.readouterr()
        assert out == "" and "name a picture file" in err and "Traceback" not in err
