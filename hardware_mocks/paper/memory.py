"""Peak memory of a verification, for the tests and the benchmark.

``getrusage`` cannot tell it: a process started from a large one reports that one's
high-water mark (Linux keeps it across exec). So the verifier's own peak is read from
``/proc/self/status`` (VmHWM), and its pdfium child's is the one the child reports of
itself when the same files are drawn again; a child stopped by its limit used at most
that limit.
"""

from __future__ import annotations

from pathlib import Path

from protocol.paper.verification import limits, pdf_raster
from protocol.paper.verification.limits import InputRefused


def self_peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child_peak_mb(files: list[Path]) -> float:
    """The largest peak of the pdfium child over the PDFs among ``files`` (0 when none
    starts one)."""
    peak = 0.0
    for path in files:
        with open(path, "rb") as f:
            data = f.read(limits.MAX_FILE_BYTES + 1)
        if data[:5] != b"%PDF-" or len(data) > limits.MAX_FILE_BYTES:
            continue
        seen: list[int] = []
        try:
            pdf_raster.rasterise(data, seen.append)
        except InputRefused as exc:
            if not seen and exc.reason in ("pdf-too-demanding", "pdf-too-slow"):
                seen.append(limits.RASTER_MEMORY_BYTES // 1024)  # stopped at its limit
        peak = max(peak, (seen[0] if seen else 0) / 1024)
    return peak
