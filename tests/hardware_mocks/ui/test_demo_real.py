"""``kiosk demo --headless --devices real``: the real pieces, embedded, print a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from hardware_mocks.services.cupsd import Cupsd
from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.ui import demo

pytestmark = [pytest.mark.qt, pytest.mark.slow]


@pytest.mark.pcscd
@pytest.mark.cupsd
@pytest.mark.relay
def test_headless_demo_on_the_real_pieces_prints_a_pdf(qtbot: QtBot, world_dir: Path, tmp_path: Path,
                                                      pcscd: Pcscd, cupsd_clean: Cupsd) -> None:
    import shutil

    world = tmp_path / "world"
    shutil.copytree(world_dir, world)
    out = tmp_path / "out"
    summary = demo.headless(out, "real", ("ja",), world=world,
                            services={"pcscd": pcscd, "cupsd": cupsd_clean})
    assert summary["outcome"]["result"] == "printed"
    pdfs = list((out / "printed").glob("*.pdf"))
    assert pdfs and pdfs[0].read_bytes().startswith(b"%PDF")
