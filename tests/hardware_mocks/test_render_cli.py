"""``kiosk render``: a sample certificate numbered as the issuing servers number theirs."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

import pytest

from hardware_mocks import render_cli
from hardware_mocks.world import World


def test_a_sample_is_numbered_like_an_issued_document(world: World, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sample.pdf"
    args = argparse.Namespace(world=world.root, persona="shiken-ichiro", type="juminhyo", option=[],
                              serial=None, date=dt.date(2026, 12, 3), out=out)
    assert render_cli.cmd_render(args) == 0
    serial = capsys.readouterr().out.rsplit("serial ", 1)[1].strip()
    assert serial == f"{world.data['municipality']['code']}-2026-0000001"
    assert re.fullmatch(r"\d{6}-\d{4}-\d{7}", serial)  # the relay's and the municipal servers' form
    assert out.read_bytes().startswith(b"%PDF")
