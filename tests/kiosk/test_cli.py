"""``kiosk``'s entry point: a command stopped by Ctrl-C says so in one line and exits 130
(the shell's status for SIGINT), never with a traceback; ``kiosk verify`` is interrupted
while a PDF is drawn, the longest wait a verifier has."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import kiosk.printing.cli
from kiosk.cli import main


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(kiosk.printing.cli, "cmd_verify", interrupted)
    assert main(["verify", str(tmp_path / "paper.pdf")]) == 130
    captured = capsys.readouterr()
    assert captured.err == "kiosk: interrupted\n"
    assert captured.out == ""
