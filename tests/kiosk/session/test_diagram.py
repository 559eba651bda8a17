"""The committed state diagram is the one the machine generates, and ``kiosk session
diagram`` prints it."""

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.session.machine import mermaid

DOC = Path(__file__).resolve().parents[3] / "docs" / "state-diagram.md"


def test_diagram_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "```mermaid\n" + mermaid() in text, "run: kiosk session diagram (see docs/state-diagram.md)"


def test_the_cli_prints_the_diagram(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", "diagram"]) == 0
    assert capsys.readouterr().out == mermaid()
