"""What a relay (the single relay or the centre) says it is in ``/v1/version``: its version
and the build id a kiosk can hold against its approved list."""

from __future__ import annotations

import hashlib
from pathlib import Path

RELAY_VERSION = "0.1.0"


def build_id() -> str:
    """SHA-256 (first 16 hex digits) over the code that decides issuance: the relay and the
    protocol package it shares with the kiosk. Two relays answer the same build only if
    they run the same code, which a kiosk can hold against its approved list (the Munakata
    lesson: a fix deployed in one place and not another). The kiosk's own code is not part
    of it: changing the kiosk's HTTPS client does not change what the relay is."""
    import protocol

    digest = hashlib.sha256()
    for package in (Path(__file__).parent, Path(protocol.__file__).parent):
        for source in sorted(package.rglob("*.py")):
            name = source.relative_to(package.parent).as_posix()
            digest.update(name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]
