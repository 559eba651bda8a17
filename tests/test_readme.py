"""The README keeps showing what the code does."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _mermaid(text: str) -> str:
    match = re.search(r"```mermaid\n.*?```\n", text, re.S)
    assert match, "no Mermaid diagram"
    return match.group(0)


def test_readme_state_diagram_is_the_generated_one() -> None:
    # docs/state-diagram.md is checked against the state machine by the session tests
    generated = _mermaid((ROOT / "docs" / "state-diagram.md").read_text(encoding="utf-8"))
    assert _mermaid((ROOT / "README.md").read_text(encoding="utf-8")) == generated


def test_readme_pictures_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pictures = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)
    assert len(pictures) >= 12
    for picture in pictures:
        assert (ROOT / picture).is_file(), picture


def test_readme_names_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
