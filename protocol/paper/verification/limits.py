"""Every bound on the work one verification may do, in one place.

``kiosk verify`` and the relay's public verification endpoint read files from anyone,
so nothing an input declares (its size, its page count, a page's size, an image's
pixels, a compressed stream's inflated size, a page tree that refers to itself) may
make the verifier use unbounded memory or time. Each bound has a name here and in
``docs/security-printing.md``; crossing one raises :class:`InputRefused`, whose
``reason`` is a keyword and whose message names the bound (never the file's content),
and which ``kiosk verify`` reports as exit 2 with one line.

A genuine certificate is inside each bound: a PDF of a few hundred kilobytes with two
pages per sheet; a 600-dpi scan of an A4 side is 35 megapixels, and as a grey PNG with a
scanner's noise 17–22 MiB (33.2 MiB if it did not compress at all).
"""

from __future__ import annotations

#: Bytes read from one file or one uploaded file; the rest is never read (``/dev/zero``
#: is safe). Above a grey 600-dpi A4 PNG even uncompressed (33.2 MiB).
MAX_FILE_BYTES = 40 * 1024 * 1024
#: Bytes of all files of one verification together: both sides scanned as above.
MAX_TOTAL_BYTES = 2 * MAX_FILE_BYTES
#: Pages of a PDF (ten sheets, front and back); more is refused before any is drawn.
MAX_PAGES = 20
#: Files given at once (a PDF, or a front and a back as images).
MAX_FILES = 4
#: The longer side of a PDF page, in millimetres (A3 is 420): a page is drawn only below it.
MAX_PAGE_SIDE_MM = 450.0
#: Pixels of one image: a PNG or JPEG, an image inside a PDF, a page drawn from a PDF.
MAX_IMAGE_PIXELS = 40_000_000
#: Bytes all compressed streams of a PDF inflate to, together (a decompression bomb).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
#: Compression layers of one stream (Flate inside Flate …): each layer multiplies.
MAX_FILTER_DEPTH = 2
#: Form XObjects inside form XObjects, followed when the images of a page are counted.
MAX_FORM_DEPTH = 8
#: Page objects looked at on one page (text runs, paths, images).
MAX_PAGE_OBJECTS = 200_000
#: The child process that draws a PDF's pages: its address space and its time.
RASTER_MEMORY_BYTES = 352 * 1024 * 1024  # leaves room for a verifier with more imported
RASTER_SECONDS = 30.0
#: Pixels of all pages drawn from one PDF together (pages are drawn at a lower
#: resolution when there are many).
MAX_RASTER_PIXELS_TOTAL = 60_000_000
#: The resolution pages are worked at: a finer scan is reduced to it first.
WORK_DPI = 300
#: Gaussian sigma (mm) every scanned image is softened by before it is compared: what a
#: flatbed's optics do (hardware_mocks.paper.scanner's model), so a perfectly sharp image
#: of the PDF compares like a scan of the paper.
SCAN_SOFTNESS_MM = 0.05


class InputRefused(Exception):
    """An input crosses one of the bounds above, or cannot be read at all.

    ``reason`` is a keyword (``file-too-large``, ``too-many-pages`` …); the message is
    one line for a person, naming the bound and never quoting the input."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
