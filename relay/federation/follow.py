"""A municipality's public verification service following the centre's directory URL.

``relay public serve --directory https://centre.example:8444/v1/directory --anchor …``
holds the signed directory as a kiosk does (:class:`~protocol.federation.held.HeldDirectory`):
fetched from the centre's public listener (``relay centre serve --public-port``), believed
only when the anchor's key signed it and its serial is not older than the copy held, the
last verified copy kept on disk (``--directory-cache``) so a restart while the centre is
out of reach still has it, and used until it expires, never after.

Every ``--directory-refresh`` seconds (60) the service asks the centre again, sending the
held copy's ``ETag``: the centre answers ``304`` (a few bytes) until it serves another
file, and then the new copy, which is checked like the first. So a newer serial the
centre takes (a member admitted, suspended, re-keyed, a key revoked) reaches the service
within that interval, with no restart and nothing copied by hand; a copy the anchor
refuses (tampered, another federation's, older) is logged and the held one kept; a centre
out of reach changes nothing until the held copy expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from pathlib import Path

from protocol import log
from protocol.federation.directory import Anchor, DirectoryError
from protocol.federation.fetch import etag_of, fetch_directory, tls_context
from protocol.federation.held import CACHE_NAME, HeldDirectory
from relay.federation.served import Published

LOG = logging.getLogger("relay.public.directory")


class DirectoryFollower:
    """The centre's signed directory at ``url``, held and re-fetched; a
    :class:`~relay.federation.served.DirectorySource` for the service's own
    ``GET /v1/directory`` and its checks."""

    def __init__(self, url: str, anchor: Anchor, cache: Path, ca_file: Path | None, refresh: float) -> None:
        if not url.startswith("https://"):
            raise ValueError(f"{url}: the centre's directory is fetched over https:// only")
        if not refresh > 0:
            raise ValueError("--directory-refresh: give seconds above 0")
        self.url, self.ca_file, self.refresh_every = url, ca_file, refresh
        self.held = HeldDirectory(anchor, cache, dt.timedelta(seconds=refresh), holder="relay.public", log=LOG)
        self.last_error: str | None = None  # why the last fetch got nothing to use
        self._published: Published | None = None

    def refresh(self) -> None:
        """One conditional fetch (blocking: a thread's work): a newer verified copy replaces
        the held one, a ``304`` confirms it; anything else leaves it as it is."""
        try:
            data = fetch_directory(self.url, self.ca_file, self.held.held_bytes)
        except ValueError as exc:
            self.last_error = str(exc)
            log.event(LOG, "relay.public.directory_unreachable", logging.WARNING, code="fetch_failed")
            return
        if data is None:
            self.held.confirmed()
            self.last_error = None
            return
        try:
            self.held.accept(data)
            self.last_error = None
        except DirectoryError as exc:  # logged by accept; the held copy stays
            self.last_error = f"the centre's directory is refused: {exc.code}"

    def current(self) -> Published | None:
        """The held copy while it is valid (None otherwise), as the service serves it."""
        try:
            directory, data = self.held.usable_signed()
        except DirectoryError:
            return None
        published = self._published
        if published is None or published.data is not data:
            published = self._published = Published(data, etag_of(data), directory)
        return published

    async def follow(self, stop: asyncio.Event) -> None:
        """Fetch every ``refresh`` seconds until ``stop`` is set."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.refresh_every)
            if not stop.is_set():
                await asyncio.to_thread(self.refresh)


def start_following(url: str, anchor_path: Path, cache: Path | None, ca_file: Path | None,
                    refresh: float) -> DirectoryFollower:
    """The follower the options describe, with a valid copy to start from: the cached one,
    or one fetched now (when there is none, or it is due). ``ValueError`` with a one-line
    reason when there is neither, or when ``ca_file`` (``--directory-ca``) cannot be used:
    checked first, so that a service starting from its cached copy does not find out only
    at its next refresh, and then at every one."""
    if ca_file is not None:
        try:
            tls_context(ca_file)
        except ValueError as exc:
            raise ValueError(f"--directory-ca: {exc}") from exc
    try:
        anchor = Anchor.from_bytes(Path(anchor_path).read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read the anchor {anchor_path} ({exc.strerror})") from exc
    except DirectoryError as exc:
        raise ValueError(f"{anchor_path} is not a federation anchor") from exc
    follower = DirectoryFollower(url, anchor, cache or Path(anchor_path).with_name(CACHE_NAME), ca_file, refresh)
    if follower.held.cache_foreign:
        raise ValueError(f"{follower.held.cache} is not a copy of a federation directory: the cache is written"
                         " over, so name a file of its own (or none)")
    if follower.held.needs_refresh():
        follower.refresh()
    try:
        follower.held.usable()
    except DirectoryError as exc:
        reason = follower.last_error or f"the cached copy: {exc.code}"
        raise ValueError(f"no valid federation directory to start with ({reason})") from exc
    return follower
