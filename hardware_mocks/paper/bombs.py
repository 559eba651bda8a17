"""Hostile files for the verifier: each crosses one bound of
:mod:`protocol.paper.verification.limits`, small on disk and huge once read naively.

Every PDF here is valid enough for pdfium to open; the point is what opening it asks
for: a million pages, a page 70 m wide, a page tree that contains itself, an image of
a billion pixels, streams that inflate to gigabytes.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _zeros(n: int, layers: int = 1) -> bytes:
    """A zlib stream of ``n`` zero bytes (a multiple of 4 MiB), compressed ``layers``
    times over. One 4 MiB block is compressed and repeated (a full flush after each makes
    them alike), then closed with an empty final block and the checksum: a valid stream
    made in milliseconds."""
    chunk = b"\0" * (1 << 22)
    z = zlib.compressobj(9)
    head = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    block = z.compress(chunk) + z.flush(zlib.Z_FULL_FLUSH)
    count = n // len(chunk)
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(chunk, adler)
    data = head + block * (count - 1) + b"\x03\x00" + struct.pack(">I", adler)
    for _ in range(layers - 1):
        data = zlib.compress(data, 9)
    return data


CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"


def million_pages() -> bytes:
    """One page listed 1,000,000 times in the page tree (6 MB)."""
    kids = b" ".join([b"3 0 R"] * 1_000_000)
    return _pdf([CATALOG, b"<< /Type /Pages /Kids [" + kids + b"] /Count 1000000 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"])


def huge_page() -> bytes:
    """A page 200000 points (70 m) on each side."""
    return _pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200000 200000] >>"])


def page_tree_loop() -> bytes:
    """A page tree whose only child is itself."""
    return _pdf([CATALOG, b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def huge_image() -> bytes:
    """An A4 page drawing one image that declares 30000 × 30000 pixels (900 megapixels)."""
    return _pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
                 b"/Resources << /XObject << /I 5 0 R >> >> >>"),
                 _stream(b"<<", b"q 595 0 0 842 0 0 cm /I Do Q"),
                 _stream(b"<< /Type /XObject /Subtype /Image /Width 30000 /Height 30000 /ColorSpace /DeviceGray "
                         b"/BitsPerComponent 8 /Filter /FlateDecode", _zeros(1 << 22))])


def flate_bomb(layers: int = 1) -> bytes:
    """A page whose content stream inflates to 320 MB (twice over: 320 MB of a stream that
    is itself compressed, with ``layers=2``)."""
    return _pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                 _stream(b"<< /Filter " + b"[" + b"/FlateDecode " * layers + b"]", _zeros(320 << 20, layers))])


def hex_flate_bomb() -> bytes:
    """A content stream that inflates to 1 GiB behind an ASCIIHex layer: the pre-scan
    does not see through it, the child's memory limit stops it."""
    data = _zeros(1 << 30).hex().encode() + b">"
    return _pdf([CATALOG, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                 b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
                 _stream(b"<< /Filter [/ASCIIHexDecode /FlateDecode]", data)])


def huge_png() -> bytes:
    """A PNG whose header says 20000 × 20000 pixels (its data is a few bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


#: Each bomb, and the refusal's reason keyword it must get.
BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "million-pages": (million_pages, "too-many-pages"),
    "huge-page": (huge_page, "page-too-large"),
    "page-tree-loop": (page_tree_loop, "broken-pdf"),
    "huge-image": (huge_image, "image-too-large"),
    "flate-bomb": (flate_bomb, "inflated-too-large"),
    "double-flate-bomb": (lambda: flate_bomb(2), "inflated-too-large"),
    "hex-flate-bomb": (hex_flate_bomb, "pdf-too-demanding"),
    "huge-png": (huge_png, "image-too-large"),
}
