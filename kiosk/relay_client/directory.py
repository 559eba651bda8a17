"""The kiosk's copy of the signed federation directory: fetched from the centre, checked
against the anchor, kept on disk, used until it expires and never after.

The anchor (``[relay] anchor``) reaches the terminal out of band, at installation; the
directory comes from the centre (``GET /v1/directory``) and is believed only when the
anchor's key signed it, it is the anchor's federation, it is current and its serial is not
older than the copy already held. The last valid copy is kept in the state directory
(``federation-directory.json``), so a terminal that restarts while the centre is out of
reach still knows every municipality's keys, until that copy expires. After that it
refuses to serve (``directory_unavailable``): it could not tell a good document from a
forged one. A copy is re-fetched when it is older than ``refresh_after`` or past half of
its validity, or at once when the relay's version answer announces a newer serial than the
one held (``directory_serial``): a member admitted, suspended or re-keyed reaches the
terminal at its next version check. The announcement only triggers the fetch; the fetched
copy is checked as any other, and one announced serial triggers one fetch that got an
answer, so a relay announcing a serial it does not serve costs no fetch per check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.relay_client.errors import DirectoryUnavailable
from protocol.documents import qr_payload
from protocol.federation.directory import MAX_DIRECTORY_BYTES, Anchor, Directory, DirectoryError, verify
from protocol.federation.issuers import DirectoryIssuers
from protocol.log import event

LOG = logging.getLogger("kiosk.relay_client.directory")
CACHE_NAME = "federation-directory.json"


def load_anchor(path: Path) -> Anchor:
    """The anchor file; ``ValueError`` with a one-line reason."""
    try:
        return Anchor.from_bytes(Path(path).read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read the federation anchor ({exc.strerror or type(exc).__name__})") from exc
    except DirectoryError as exc:
        raise ValueError("the federation anchor file is not an anchor") from exc


class FederationDirectory:
    """The held directory, and the issuer keys it gives (an ``IssuerTrust``)."""

    def __init__(self, anchor: Anchor, cache: Path, refresh_after: dt.timedelta = dt.timedelta(minutes=10),
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.anchor = anchor
        self.cache = cache
        self.refresh_after = refresh_after
        self._now = now
        self._held: Directory | None = None
        self._fetched_at: dt.datetime | None = None
        self._refused = "missing"  # why nothing is held, for the out-of-service code and diagnostics
        self._chased: int | None = None  # the last announced serial a fetch was answered for
        self._load_cache()

    def _load_cache(self) -> None:
        try:
            with open(self.cache, "rb") as f:
                data = f.read(MAX_DIRECTORY_BYTES + 1)
            fetched = dt.datetime.fromtimestamp(os.stat(self.cache).st_mtime, dt.UTC)
        except FileNotFoundError:
            return
        except OSError as exc:
            event(LOG, "kiosk.directory_cache_unreadable", logging.ERROR, kind=type(exc).__name__)
            return
        try:
            self._held = verify(data, self.anchor, self._now())
            self._fetched_at = fetched
        except DirectoryError as exc:
            self._refused = exc.code
            event(LOG, "kiosk.directory_cache_refused", logging.WARNING, code=exc.code)

    @property
    def held(self) -> Directory | None:
        """The last valid copy, expired or not."""
        return self._held

    def needs_refresh(self, announced: int | None = None) -> bool:
        """Whether to fetch now: nothing held, the copy is due, or ``announced`` (the
        relay's ``directory_serial``) is newer than the held copy and not already chased."""
        held, fetched, now = self._held, self._fetched_at, self._now()
        if held is None or fetched is None or now - fetched >= self.refresh_after:
            return True
        if announced is not None and announced > held.serial and announced != self._chased:
            return True
        return now >= held.issued_at + (held.expires_at - held.issued_at) / 2

    def accept(self, data: bytes, announced: int | None = None) -> Directory:
        """Take a fetched copy if the anchor's key signed it and it is no older than the one
        held; keep it on disk. ``DirectoryError`` otherwise (the held copy stays).
        ``announced``: the serial the relay announced before this fetch, chased now
        whatever the copy turns out to be."""
        self._chased = announced if announced is not None else self._chased
        try:
            directory = verify(data, self.anchor, self._now(), self._held)
        except DirectoryError as exc:
            event(LOG, "kiosk.directory_refused", logging.ERROR, code=exc.code)
            if self._held is None:
                self._refused = exc.code
            raise
        self._write_cache(data)
        if self._held is None or directory.serial != self._held.serial:
            event(LOG, "kiosk.directory_accepted", version=str(directory.serial))
        self._held, self._fetched_at = directory, self._now()
        return directory

    def _write_cache(self, data: bytes) -> None:
        tmp = self.cache.with_name(f".{self.cache.name}.tmp")
        try:
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.cache)
        except OSError as exc:  # the copy in memory still serves this process
            event(LOG, "kiosk.directory_cache_unwritable", logging.ERROR, kind=type(exc).__name__)
            with contextlib.suppress(OSError):
                tmp.unlink()

    def current(self) -> Directory:
        """The held copy if it is still valid; ``DirectoryUnavailable`` otherwise."""
        held = self._held
        if held is None:
            raise DirectoryUnavailable(self._refused)
        if self._now() >= held.expires_at:
            raise DirectoryUnavailable("expired")
        return held

    def status(self) -> dict[str, Any]:
        """For the diagnostic check: the held serial and expiry, and whether it is usable."""
        try:
            directory = self.current()
        except DirectoryUnavailable as exc:
            held = self._held
            return {"ok": False, "code": exc.reason, "serial": held.serial if held else None,
                    "expires_at": held.expires_at.isoformat() if held else None}
        return {"ok": True, "code": "ok", "serial": directory.serial, "expires_at": directory.expires_at.isoformat(),
                "members": len(directory.members)}

    # -- IssuerTrust: documents this terminal is about to print come from active members only
    def keys_for_document(self, document: Mapping[str, Any]) -> Sequence[Ed25519PublicKey]:
        return DirectoryIssuers(self.current(), active_only=True).keys_for_document(document)

    def keys_for_claims(self, claims: qr_payload.Claims) -> Sequence[Ed25519PublicKey]:
        return DirectoryIssuers(self.current(), active_only=True).keys_for_claims(claims)
