"""Writing a benchmark's results into its section of ``docs/benchmarks.md``."""

from __future__ import annotations

import platform
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


def cpu_name() -> str:
    """The processor's model name, for the machine line of a result."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"
