"""The kiosk's copy of the signed federation directory: fetched from the centre, checked
against the anchor, kept on disk, used until it expires and never after (the holding is
:mod:`protocol.federation.held`'s, shared with a municipality's public service).

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

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.relay_client.errors import DirectoryUnavailable
from protocol.documents import qr_payload
from protocol.federation.directory import Anchor, Directory, DirectoryError
from protocol.federation.held import CACHE_NAME, HeldDirectory
from protocol.federation.issuers import DirectoryIssuers

LOG = logging.getLogger("kiosk.relay_client.directory")
__all__ = ["CACHE_NAME", "FederationDirectory", "load_anchor"]


def load_anchor(path: Path) -> Anchor:
    """The anchor file; ``ValueError`` with a one-line reason."""
    try:
        return Anchor.from_bytes(Path(path).read_bytes())
    except OSError as exc:
        raise ValueError(f"cannot read the federation anchor ({exc.strerror or type(exc).__name__})") from exc
    except DirectoryError as exc:
        raise ValueError("the federation anchor file is not an anchor") from exc


class FederationDirectory(HeldDirectory):
    """The held directory (:class:`~protocol.federation.held.HeldDirectory`, shared with the
    relay's public service), and the issuer keys it gives (an ``IssuerTrust``)."""

    def __init__(self, anchor: Anchor, cache: Path, refresh_after: dt.timedelta = dt.timedelta(minutes=10),
                 now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        super().__init__(anchor, cache, refresh_after, now, holder="kiosk", log=LOG)

    def current(self) -> Directory:
        """The held copy if it is still valid; ``DirectoryUnavailable`` otherwise."""
        try:
            return self.usable()
        except DirectoryError as exc:
            raise DirectoryUnavailable(exc.code) from None

    # -- IssuerTrust: documents this terminal is about to print come from active members only
    def keys_for_document(self, document: Mapping[str, Any]) -> Sequence[Ed25519PublicKey]:
        return DirectoryIssuers(self.current(), active_only=True).keys_for_document(document)

    def keys_for_claims(self, claims: qr_payload.Claims) -> Sequence[Ed25519PublicKey]:
        return DirectoryIssuers(self.current(), active_only=True).keys_for_claims(claims)
