"""Writing a benchmark's results into its section of ``docs/benchmarks.md``."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def record(section: str, text: str, doc: Path = DOC) -> None:
    """Replace the body of ``## <section>`` in place, leaving the other sections alone."""
    content = doc.read_text(encoding="utf-8")
    heading = f"## {section}\n"
    if heading not in content:
        raise SystemExit(f"{doc} has no '## {section}' section")
    start = content.index(heading) + len(heading)
    nxt = content.find("\n## ", start)
    end = len(content) if nxt == -1 else nxt + 1
    doc.write_text(content[:start] + "\n" + text.rstrip("\n") + "\n\n" + content[end:], encoding="utf-8")
