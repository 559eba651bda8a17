"""``kiosk demo --headless --devices real``: the real pieces, embedded (the federation's
centre and three municipal issuing servers among them), print a PDF and record which
municipality issued it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hardware_mocks.federation_world import A, B, FederationWorld
from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.ui import demo

pytestmark = [pytest.mark.qt, pytest.mark.slow]


@pytest.mark.pcscd
@pytest.mark.cupsd
@pytest.mark.relay
@pytest.mark.parametrize(("relay", "persona", "pin", "code"), [
    ("processes", demo.PERSONA, demo.PIN, B),  # moved from 見本市 to 見本町: only 見本町 serves
    ("embedded", "shiken-hanako", "2580", A),
])
def test_headless_demo_on_the_real_pieces_prints_a_pdf(qtbot: QtBot, world_dir: Path, tmp_path: Path,
                                                      pcscd: Pcscd, cupsd_clean: Cupsd, federation: FederationWorld,
                                                      relay: str, persona: str, pin: str, code: str) -> None:
    import shutil

    world = tmp_path / "world"
    shutil.copytree(world_dir, world)
    out = tmp_path / "out"
    summary = demo.headless(out, "real", ("ja",), world=world, persona=persona, pin=pin, relay=relay,
                            services={"pcscd": pcscd, "cupsd": cupsd_clean, "federation": federation})
    assert summary["outcome"]["result"] == "printed"
    pdfs = list((out / "printed").glob("*.pdf"))
    assert pdfs and pdfs[0].read_bytes().startswith(b"%PDF")
    issued = json.loads((out / "demo.json").read_text(encoding="utf-8"))["issued_by"]
    assert issued["code"] == code and issued["outcome"] == "printed" and issued["serials"][0].startswith(code + "-")
    assert summary["relay"] == relay
