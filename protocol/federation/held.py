"""A holder's copy of the signed federation directory, fetched from the centre.

Kiosks (:mod:`kiosk.relay_client.directory`) and a municipality's public verification
service (:mod:`relay.federation.follow`) hold the directory the same way; only how they
fetch it differs (a kiosk over its mutual-TLS session, the service from the centre's
public listener). A fetched copy is believed only when the anchor's key signed it, it is
the anchor's federation, it is current and its serial is not older than the copy already
held (:func:`~protocol.federation.directory.verify`). The last valid copy is kept on disk
(written whole, then renamed), so a holder that restarts while the centre is out of reach
still knows every municipality's keys, until that copy expires; after that it holds
nothing it may use.

A copy is due for a fetch when it is older than ``refresh_after`` or past half of its
validity, or at once when the centre announces a newer serial than the one held (a kiosk
reads ``directory_serial`` in the version answer). The announcement only triggers the
fetch; the fetched copy is checked as any other, and one announced serial triggers one
fetch that got an answer, so a centre announcing a serial it does not serve costs no
fetch per check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protocol.federation.directory import MAX_DIRECTORY_BYTES, Anchor, Directory, DirectoryError, verify
from protocol.log import event

#: The cached copy's usual file name (a kiosk's state directory, beside a service's anchor).
CACHE_NAME = "federation-directory.json"


class HeldDirectory:
    """The held directory, its signed bytes, and when it was last confirmed current."""

    def __init__(self, anchor: Anchor, cache: Path, refresh_after: dt.timedelta = dt.timedelta(minutes=10),
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC), holder: str = "kiosk",
                 log: logging.Logger | None = None) -> None:
        """``holder``: the first part of the events logged (``kiosk.directory_accepted`` …);
        ``log``: the logger they go to (default ``HOLDER.directory``)."""
        self.anchor = anchor
        self.cache = cache
        self.refresh_after = refresh_after
        self._now = now
        self._holder = holder
        self._log = log or logging.getLogger(f"{holder}.directory")
        # the copy and its bytes change together: readers on other threads see both or neither
        self._copy: tuple[Directory, bytes] | None = None
        self._fetched_at: dt.datetime | None = None
        self._refused = "missing"  # why nothing is held, for the out-of-service code and diagnostics
        self._chased: int | None = None  # the last announced serial a fetch was answered for
        #: the cache path names a file that is no directory copy (an anchor, a document …
        #: given by mistake): it is never written over
        self.cache_foreign = False
        self._load_cache()

    def _event(self, name: str, level: int = logging.INFO, **fields: Any) -> None:
        event(self._log, f"{self._holder}.{name}", level, **fields)

    def _load_cache(self) -> None:
        try:
            with open(self.cache, "rb") as f:
                data = f.read(MAX_DIRECTORY_BYTES + 1)
            fetched = dt.datetime.fromtimestamp(os.stat(self.cache).st_mtime, dt.UTC)
        except FileNotFoundError:
            return
        except OSError as exc:
            self._event("directory_cache_unreadable", logging.ERROR, kind=type(exc).__name__)
            return
        try:
            self._copy = verify(data, self.anchor, self._now()), data
            self._fetched_at = fetched
        except DirectoryError as exc:
            self._refused = exc.code
            self.cache_foreign = not _shaped_as_a_copy(data)
            self._event("directory_cache_refused", logging.WARNING, code="foreign" if self.cache_foreign else exc.code)

    @property
    def held(self) -> Directory | None:
        """The last valid copy, expired or not."""
        return self._copy[0] if self._copy is not None else None

    @property
    def held_bytes(self) -> bytes | None:
        """The signed bytes of :attr:`held`, as they were fetched."""
        return self._copy[1] if self._copy is not None else None

    def needs_refresh(self, announced: int | None = None) -> bool:
        """Whether to fetch now: nothing held, the copy is due, or ``announced`` (the
        centre's ``directory_serial``) is newer than the held copy and not already chased."""
        held, fetched, now = self.held, self._fetched_at, self._now()
        if held is None or fetched is None or now - fetched >= self.refresh_after:
            return True
        if announced is not None and announced > held.serial and announced != self._chased:
            return True
        return now >= held.issued_at + (held.expires_at - held.issued_at) / 2

    def accept(self, data: bytes, announced: int | None = None) -> Directory:
        """Take a fetched copy if the anchor's key signed it and it is no older than the one
        held; keep it on disk. ``DirectoryError`` otherwise (the held copy stays).
        ``announced``: the serial the centre announced before this fetch, chased now
        whatever the copy turns out to be."""
        self._chased = announced if announced is not None else self._chased
        held = self.held
        try:
            directory = verify(data, self.anchor, self._now(), held)
        except DirectoryError as exc:
            self._event("directory_refused", logging.ERROR, code=exc.code)
            if held is None:
                self._refused = exc.code
            raise
        self._write_cache(data)
        if held is None or directory.serial != held.serial:
            self._event("directory_accepted", version=str(directory.serial))
        self._copy, self._fetched_at = (directory, data), self._now()
        return directory

    def confirmed(self) -> None:
        """The centre answered that the held copy is still the one it serves (``304``):
        it is not due again before ``refresh_after``."""
        if self._copy is not None:
            self._fetched_at = self._now()

    def _write_cache(self, data: bytes) -> None:
        if self.cache_foreign:
            self._event("directory_cache_unwritable", logging.ERROR, kind="foreign")
            return
        tmp = self.cache.with_name(f".{self.cache.name}.tmp")
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.cache)
        except OSError as exc:  # the copy in memory still serves this process
            self._event("directory_cache_unwritable", logging.ERROR, kind=type(exc).__name__)
            with contextlib.suppress(OSError):
                tmp.unlink()

    def usable(self) -> Directory:
        """The held copy if it is still valid; ``DirectoryError`` otherwise, its code why
        (``expired``, or the reason nothing is held: ``missing``, ``bad_signature`` …)."""
        return self.usable_signed()[0]

    def usable_signed(self) -> tuple[Directory, bytes]:
        """:meth:`usable` with the signed bytes of that same copy (one snapshot, though
        another thread takes a newer copy meanwhile)."""
        copy = self._copy
        if copy is None:
            raise DirectoryError(self._refused)
        if self._now() >= copy[0].expires_at:
            raise DirectoryError("expired")
        return copy

    def status(self) -> dict[str, Any]:
        """For diagnostics: the held serial and expiry, and whether it is usable."""
        try:
            directory = self.usable()
        except DirectoryError as exc:
            held = self.held
            return {"ok": False, "code": exc.code, "serial": held.serial if held else None,
                    "expires_at": held.expires_at.isoformat() if held else None}
        return {"ok": True, "code": "ok", "serial": directory.serial, "expires_at": directory.expires_at.isoformat(),
                "members": len(directory.members)}


def _shaped_as_a_copy(data: bytes) -> bool:
    """Whether ``data`` is a signed directory at all (whatever its signature, age or
    federation): a JSON object holding a ``directory`` object and a ``signature``."""
    try:
        outer = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        return False
    return isinstance(outer, dict) and isinstance(outer.get("directory"), dict) and "signature" in outer
