"""Draw a PDF's pages in a child process with a memory and a time limit.

pdfium is C++: on a hostile PDF it can allocate without bound or loop for a long time,
and when an allocation fails it aborts the whole process. So the PDF is handed to a
child (``python -m protocol.paper.verification.pdf_raster``) that limits its own address
space (:data:`~limits.RASTER_MEMORY_BYTES`) and CPU time before it loads pdfium, checks
the page count, each page's size and the pixels of each image on it, and draws the pages
in grey. Whatever happens to the child, the caller gets pages or an
:class:`~limits.InputRefused` naming the bound.

The child writes, per page, one JSON line (width, height, stride, resolution, whether the
page draws text or is a scan) and the raster's bytes; a refusal is one JSON line with a
reason and a message.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from protocol.paper.verification import limits, pdf_guard
from protocol.paper.verification.limits import InputRefused

MM_PER_PT = 25.4 / 72
#: Pages that draw text are drawn at twice the resolution of the scrambled image on the
#: back (720 pixels over 130 mm, :mod:`protocol.paper.scramble`): each of its pixels then
#: falls on two by two of ours, all in the same phase, so every block is sampled alike.
#: (A number here: the child imports nothing it can do without. A test keeps it true.)
DRAWN_DPI = 2 * 720 / (130 / 25.4)
#: A scan inside a PDF is drawn at its own resolution, within these bounds.
SCAN_DPI = (100, limits.WORK_DPI)
_INVISIBLE = 3  # FPDF_TEXTRENDERMODE_INVISIBLE: an OCR layer under a scan


@dataclass(frozen=True)
class Raster:
    """One page drawn in grey: ``data`` rows of ``stride`` bytes."""

    width: int
    height: int
    stride: int
    dpi: float
    scan: bool  # no visible text: a scanned page inside a PDF
    data: bytes


def rasterise(data: bytes, on_peak: Callable[[int], None] | None = None) -> list[Raster]:
    """The pages of the PDF ``data``, or :class:`InputRefused`. ``on_peak`` is told the
    child's peak resident memory in KiB when it ends by itself (benchmarks and tests:
    ``getrusage`` cannot tell it, a child inherits its parent's high-water mark)."""
    pdf_guard.check(data)
    # no site initialisation (a tenth of a second): the child gets this process's path
    # (an editable install finds this package by a hook that -S skips: its folder is added)
    path = [str(Path(__file__).resolve().parents[3]), *(p for p in sys.path if p)]
    env = {"PYTHONPATH": os.pathsep.join(path), "PATH": os.environ.get("PATH", "")}
    try:
        done = subprocess.run([sys.executable, "-S", "-m", __name__], input=data, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, timeout=limits.RASTER_SECONDS, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise InputRefused("pdf-too-slow", "drawing the PDF took more than "
                           f"{limits.RASTER_SECONDS:.0f} s (RASTER_SECONDS)") from None
    pages, error, peak = _parse(done.stdout)
    if peak is not None and on_peak is not None:
        on_peak(peak)
    if error is not None:
        raise error
    if done.returncode != 0:
        raise InputRefused("pdf-too-demanding", "drawing the PDF needed more than "
                           f"{limits.RASTER_MEMORY_BYTES >> 20} MiB or {limits.RASTER_SECONDS:.0f} s "
                           "(RASTER_MEMORY_BYTES, RASTER_SECONDS)")
    return pages


def _parse(out: bytes) -> tuple[list[Raster], InputRefused | None, int | None]:
    pages: list[Raster] = []
    pos = 0
    while pos < len(out):
        end = out.find(b"\n", pos)
        if end < 0:
            break
        head = json.loads(out[pos:end])
        pos = end + 1
        if "error" in head:
            return pages, InputRefused(head["error"], head["message"]), head.get("peak_kb")
        if head.get("end"):
            return pages, None, head.get("peak_kb")
        size = head["stride"] * head["height"]
        pages.append(Raster(head["width"], head["height"], head["stride"], head["dpi"], head["scan"],
                            out[pos : pos + size]))
        pos += size
    return pages, InputRefused("pdf-too-demanding", "the PDF could not be drawn within "
                               f"{limits.RASTER_MEMORY_BYTES >> 20} MiB (RASTER_MEMORY_BYTES)"), None


# --- the child ------------------------------------------------------------------------
def _peak_kb() -> int:
    """This process's peak resident memory (the kernel's high-water mark)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def _refuse(reason: str, message: str) -> None:
    sys.stdout.buffer.write(json.dumps({"error": reason, "message": message, "peak_kb": _peak_kb()}).encode()
                            + b"\n")
    sys.stdout.flush()


def _page_facts(page: object, index: int) -> tuple[float, float, bool, float | None]:
    """The page's size in points, whether it is a scan, and its largest image's dpi."""
    import ctypes

    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    assert isinstance(page, pdfium.PdfPage)
    w, h = page.get_size()
    if not (w > 0 and h > 0) or max(w, h) * MM_PER_PT > limits.MAX_PAGE_SIDE_MM:
        raise InputRefused("page-too-large", f"page {index + 1} is {w * MM_PER_PT:.0f} × {h * MM_PER_PT:.0f} mm; "
                           f"pages up to {limits.MAX_PAGE_SIDE_MM:.0f} mm are read (MAX_PAGE_SIDE_MM)")
    visible_text = False
    best: tuple[float, float] | None = None  # (area in pt², dpi) of the largest image
    for count, obj in enumerate(page.get_objects(max_depth=limits.MAX_FORM_DEPTH)):
        if count >= limits.MAX_PAGE_OBJECTS:
            raise InputRefused("too-many-objects", f"page {index + 1} holds more than "
                               f"{limits.MAX_PAGE_OBJECTS} objects (MAX_PAGE_OBJECTS)")
        if obj.type == raw.FPDF_PAGEOBJ_TEXT:
            if raw.FPDFTextObj_GetTextRenderMode(obj.raw) != _INVISIBLE:
                visible_text = True
        elif obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            pw, ph = ctypes.c_uint(), ctypes.c_uint()
            if not raw.FPDFImageObj_GetImagePixelSize(obj.raw, ctypes.byref(pw), ctypes.byref(ph)):
                continue
            if pw.value * ph.value > limits.MAX_IMAGE_PIXELS:
                raise InputRefused("image-too-large", f"an image on page {index + 1} has "
                                   f"{pw.value * ph.value / 1e6:.0f} million pixels; at most "
                                   f"{limits.MAX_IMAGE_PIXELS // 1_000_000} million are read (MAX_IMAGE_PIXELS)")
            left, bottom, right, top = obj.get_bounds()
            area = max(0.0, right - left) * max(0.0, top - bottom)
            if area > 0 and (best is None or area > best[0]):
                best = (area, pw.value / max(1e-6, (right - left) / 72))
    scan = not visible_text
    return w, h, scan, best[1] if best is not None and best[0] >= 0.5 * w * h else None


def child() -> None:
    """Set the limits, then draw every page of the PDF read from standard input."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.RASTER_MEMORY_BYTES, limits.RASTER_MEMORY_BYTES))
    cpu = math.ceil(limits.RASTER_SECONDS)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    data = sys.stdin.buffer.read(limits.MAX_FILE_BYTES + 1)
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return _refuse("not-a-pdf", "the file is not a readable PDF")
    out = sys.stdout.buffer
    try:
        if raw.FPDF_GetSecurityHandlerRevision(pdf.raw) != -1:
            return _refuse("encrypted", "the PDF is encrypted: a certificate PDF never is")
        n = len(pdf)
        if n == 0:
            return _refuse("no-pages", "the PDF has no page")
        if n > limits.MAX_PAGES:
            return _refuse("too-many-pages", f"the PDF has {n} pages; at most {limits.MAX_PAGES} are read (MAX_PAGES)")
        budget = limits.MAX_RASTER_PIXELS_TOTAL / n
        for i in range(n):
            page = pdf[i]
            try:
                w, h, scan, image_dpi = _page_facts(page, i)
                dpi = float(DRAWN_DPI)
                if scan and image_dpi is not None:
                    dpi = min(max(image_dpi, SCAN_DPI[0]), SCAN_DPI[1])
                dpi = min(dpi, 72 * math.sqrt(min(budget, limits.MAX_IMAGE_PIXELS) / (w * h)))
                bitmap = page.render(scale=dpi / 72, grayscale=True, may_draw_forms=True)
                try:
                    head = {"width": bitmap.width, "height": bitmap.height, "stride": bitmap.stride, "dpi": dpi,
                            "scan": scan}
                    out.write(json.dumps(head).encode() + b"\n")
                    out.write(bytes(bitmap.buffer)[: bitmap.stride * bitmap.height])
                finally:
                    bitmap.close()
            finally:
                page.close()
        out.write(json.dumps({"end": True, "peak_kb": _peak_kb()}).encode() + b"\n")
        out.flush()
    except InputRefused as exc:
        return _refuse(exc.reason, exc.message)
    except pdfium.PdfiumError:
        return _refuse("broken-pdf", "a page of the PDF cannot be read (a broken or self-referring page tree)")
    finally:
        pdf.close()
    return None


if __name__ == "__main__":
    child()
