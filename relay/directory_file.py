"""The federation directory as the centre and each municipal server hold it: the signed file
the operator publishes, checked against the anchor whenever it changes (never an older one
than the copy held; a copy that does not verify is logged and the last good one kept), and
the held copy until it expires. The same file the centre serves to kiosks
(:mod:`relay.federation.served`), seen as the checked :class:`Directory` it routes by."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from protocol.federation.directory import Anchor, Directory, DirectoryError
from relay.federation import served


class DirectoryFile:
    def __init__(self, path: Path, anchor: Anchor, now: Callable[[], dt.datetime]) -> None:
        self._source = served.DirectoryFile(path, anchor, now)
        self.served = served.directory_handler(self._source)  # GET /v1/directory, the same file
        self.current()  # refuse to start without a valid directory

    def current(self) -> Directory:
        """The held directory; ``DirectoryError("unavailable")`` when no valid, unexpired
        copy was ever read (nothing may be routed or trusted then)."""
        published = self._source.current()
        if published is None or published.directory is None:
            raise DirectoryError("unavailable")
        return published.directory
