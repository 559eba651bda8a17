"""The federation directory as one end holds it: the signed file, checked against the
anchor whenever it changes (never an older one than the copy held), and the held copy
until it expires. Both the centre and each municipal server read theirs through this."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

from protocol.federation.directory import Anchor, Directory, DirectoryError, verify


class DirectoryFile:
    def __init__(self, path: Path, anchor: Anchor, now: Callable[[], dt.datetime]) -> None:
        self._path = path
        self._anchor = anchor
        self._now = now
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._held: Directory | None = None
        self.current()  # refuse to start without a valid directory

    def current(self) -> Directory:
        st = self._path.stat()
        with self._lock:
            if (st.st_mtime_ns, st.st_size) != self._stamp:
                self._held = verify(self._path.read_bytes(), self._anchor, self._now(), self._held)
                self._stamp = (st.st_mtime_ns, st.st_size)
            assert self._held is not None
            if self._now() >= self._held.expires_at:
                raise DirectoryError("expired")
            return self._held
