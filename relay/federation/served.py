"""The centre serves the current signed federation directory: ``GET /v1/directory``.

The operator publishes a new ``directory.json`` (``relay federation publish``) and copies it
to the centre; every centre process notices the change on the next request (the file's
inode, size and modification time) and serves the new copy, with no restart. With the
anchor, a file that does not verify (a bad copy, an older serial, an expired directory) is
not served: the last good copy is, and the refusal is logged. Holders verify what they get
anyway; the check here only keeps a mistake from reaching them.

The answer carries an ``ETag`` (the SHA-256 of the file): a holder that sends it back in
``If-None-Match`` gets ``304`` and nothing else, so polling costs a few bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web

from protocol import log, wire
from protocol.federation.directory import MAX_DIRECTORY_BYTES, Anchor, Directory, DirectoryError, verify
from protocol.federation.fetch import etag_of

LOG = logging.getLogger("relay.federation")


@dataclass(frozen=True)
class Published:
    data: bytes
    etag: str
    directory: Directory | None  # None when served without an anchor (not checked here)


class DirectorySource(Protocol):
    """Where a listener takes the directory it serves: a file the operator copies
    (:class:`DirectoryFile`) or the centre's URL followed
    (:class:`relay.federation.follow.DirectoryFollower`)."""

    def current(self) -> Published | None:
        """The copy to serve now; None when there is no valid one."""


class DirectoryFile:
    """The signed directory at ``path``, re-read when the file changes."""

    def __init__(self, path: Path, anchor: Anchor | None = None,
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.path = path
        self.anchor = anchor
        self._now = now
        self._stamp: tuple[int, int, int] | None = None
        self._current: Published | None = None
        self._lock = threading.Lock()

    def current(self) -> Published | None:
        """The copy to serve, or None when there has never been a good one (or the good
        one has expired)."""
        with self._lock:
            try:
                st = os.stat(self.path)
                stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._load()
            except OSError as exc:
                if self._stamp is not None:
                    log.event(LOG, "relay.directory_unreadable", logging.ERROR, kind=type(exc).__name__)
                self._stamp = None
            current = self._current
        if current is not None and current.directory is not None and self._now() >= current.directory.expires_at:
            return None
        return current

    def _load(self) -> None:
        with open(self.path, "rb") as f:
            data = f.read(MAX_DIRECTORY_BYTES + 1)
        directory = None
        if self.anchor is not None:
            held = self._current.directory if self._current is not None else None
            try:
                directory = verify(data, self.anchor, self._now(), held)
            except DirectoryError as exc:
                log.event(LOG, "relay.directory_refused", logging.ERROR, code=exc.code)
                return
        self._current = Published(data, etag_of(data), directory)
        if directory is not None:
            log.event(LOG, "relay.directory_loaded", serial=str(directory.serial))


def directory_handler(source: DirectorySource) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """``GET /v1/directory``: the signed bytes as published, or ``304`` when unchanged."""

    async def handler(request: web.Request) -> web.StreamResponse:
        current = source.current()
        if current is None:
            return web.json_response({"error": {"code": wire.UNAVAILABLE}}, status=503)
        headers = {"ETag": current.etag, "Cache-Control": "no-cache"}
        if request.headers.get("If-None-Match") == current.etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=current.data, content_type="application/json", headers=headers)

    return handler
