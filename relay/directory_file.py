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
        self.current()  # refuse to start without a valid directory

    @property
    def served(self) -> served.DirectoryFile:
        """The same file as the signed bytes served to kiosks (``GET /v1/directory``)."""
        return self._source

    def current(self) -> Directory:
        """The held directory; ``DirectoryError("unavailable")`` when no valid, unexpired
        copy was ever read (nothing may be routed or trusted then)."""
        published = self._source.current()
        if published is None or published.directory is None:
            raise DirectoryError("unavailable")
        return published.directory


def not_verified(directory: Path, anchor: Path, exc: DirectoryError) -> str:
    """Why the directory file cannot be used with the anchor file, for an operator: the
    files named, and what the refusal's code means (never a value from either file)."""
    does_not = f"the anchor {anchor} does not verify the directory {directory}"
    reasons = {
        "wrong_federation": f"{does_not}: the anchor is another federation's (wrong_federation)",
        "unknown_signer": f"{does_not}: no key of the anchor signed it (unknown_signer)",
        "bad_signature": f"{does_not}: its signature does not match its contents (bad_signature)",
        "expired": f"the directory {directory} has expired (expired: publish a new one, relay federation publish)",
        "not_yet_valid": f"the directory {directory} is not valid yet (not_yet_valid: is this machine's clock right?)",
    }
    if exc.code in reasons:
        return reasons[exc.code]
    said = str(exc).removeprefix("federation directory refused: ")
    if exc.code == "malformed":
        return f"the directory {directory} is not a signed federation directory ({said})"
    return f"{does_not} ({said})"
