"""What a PDF's raw bytes must pass before pdfium is given them.

pdfium inflates a compressed stream whole when it needs it, however large it declares
itself, and aborts the process when memory runs out; a few megabytes of Flate can
inflate to gigabytes. So every stream that starts like zlib data is inflated here
first, in bounded steps that keep nothing but a count, through at most
:data:`~limits.MAX_FILTER_DEPTH` layers, and the whole PDF is refused once the count
passes :data:`~limits.MAX_INFLATED_BYTES`. Encrypted PDFs are refused too: their streams
cannot be counted before decryption, and no certificate is encrypted.

What this scan cannot see (a stream wrapped in another filter first, an unusual syntax)
is still bounded: pdfium runs in a child process with a memory and time limit
(:mod:`protocol.paper.verification.pdf_raster`).
"""

from __future__ import annotations

import re
import zlib

from protocol.paper.verification import limits
from protocol.paper.verification.limits import InputRefused

_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
#: A name written with ``#xx`` escapes, which PDF readers decode (``/Encr#79pt``).
_ESCAPED_NAME = re.compile(rb"/[^\s/<>\[\]()%{}]*#[0-9A-Fa-f]{2}[^\s/<>\[\]()%{}]*")
_CHUNK = 1 << 16
_OUT = 1 << 20


def _zlib_header(head: bytes | memoryview) -> bool:
    return len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] * 256 + head[1]) % 31 == 0


class _Counter:
    def __init__(self) -> None:
        self.left = limits.MAX_INFLATED_BYTES

    def take(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise InputRefused("inflated-too-large", "the PDF's compressed streams inflate to more than "
                               f"{limits.MAX_INFLATED_BYTES >> 20} MiB (MAX_INFLATED_BYTES)")


class _Inflater:
    """One layer of Flate: counts what it gives out, and hands it on to the next layer
    when that output is zlib data itself."""

    def __init__(self, counter: _Counter, depth: int) -> None:
        self._z = zlib.decompressobj()
        self._counter, self._depth = counter, depth
        self._next: _Inflater | None = None
        self._started = False
        self.done = False

    def feed(self, data: bytes | memoryview) -> None:
        while data and not self.done:
            try:
                out = self._z.decompress(data, _OUT)
            except zlib.error:
                self.done = True
                return
            data = self._z.unconsumed_tail
            self._pass_on(out)
            if self._z.eof:
                self.done = True

    def _pass_on(self, out: bytes) -> None:
        if not out:
            return
        self._counter.take(len(out))
        if not self._started:
            self._started = True
            if _zlib_header(out[:2]):
                if self._depth + 1 >= limits.MAX_FILTER_DEPTH:
                    raise InputRefused("filter-depth", "a stream of the PDF is compressed more than "
                                       f"{limits.MAX_FILTER_DEPTH} times over (MAX_FILTER_DEPTH)")
                self._next = _Inflater(self._counter, self._depth + 1)
        if self._next is not None and not self._next.done:
            self._next.feed(out)


def _names(data: bytes) -> set[bytes]:
    """The escaped names of the file, decoded."""
    out = set()
    for m in _ESCAPED_NAME.finditer(data):
        out.add(re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h.group(1), 16)]), m.group()))
    return out


def check(data: bytes) -> None:
    """Raise :class:`InputRefused` for an encrypted PDF or one that inflates too far."""
    if b"/Encrypt" in data or b"/Encrypt" in _names(data):
        raise InputRefused("encrypted", "the PDF is encrypted: a certificate PDF never is")
    counter = _Counter()
    view = memoryview(data)
    for m in _STREAM.finditer(data):
        start = m.end()
        if not _zlib_header(view[start : start + 2]):
            continue
        inflater = _Inflater(counter, 0)
        pos = start
        while not inflater.done and pos < len(data):
            inflater.feed(view[pos : pos + _CHUNK])
            pos += _CHUNK
