"""Buffers for secrets that can be zeroed.

``str`` and ``bytes`` are immutable and Python copies them freely, so they cannot be
wiped; a ``bytearray`` can be overwritten in place. Secrets (the PIN, document bytes)
live in bytearrays and are zeroed with :func:`zero` as soon as they are no longer needed.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager


def zero(buf: bytearray | memoryview) -> None:
    """Overwrite ``buf`` with zeros in place (not optimised away: it is a C call)."""
    n = len(buf)
    if n == 0:
        return
    view = memoryview(buf).cast("B")
    address = ctypes.addressof(ctypes.c_char.from_buffer(view))
    ctypes.memset(address, 0, n)
    view.release()


@contextmanager
def wiped(buf: bytearray) -> Iterator[bytearray]:
    """Yield ``buf`` and zero it when the block ends, however it ends."""
    try:
        yield buf
    finally:
        zero(buf)
