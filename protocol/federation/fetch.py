"""Fetching the signed federation directory from a centre's public listener over HTTPS.

``GET /v1/directory`` needs no client certificate there (``relay centre serve
--public-port``); the server is checked with the system's CAs or the CA file given. What
comes back is only bytes: the holder believes them after checking them against its
anchor (:func:`protocol.federation.directory.verify`). Used by ``kiosk verify --directory
URL`` and by a municipality's public service that follows the centre
(:mod:`relay.federation.follow`).
"""

from __future__ import annotations

import hashlib
import http.client
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from protocol.federation.directory import MAX_DIRECTORY_BYTES

#: Seconds to connect and for each read.
FETCH_TIMEOUT = 10.0


def etag_of(data: bytes) -> str:
    """The ``ETag`` a centre gives these bytes (their SHA-256, quoted): a holder sends it
    back for the copy it holds and gets ``304`` while that copy is still the one served."""
    return '"' + hashlib.sha256(data).hexdigest() + '"'


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The context the centre's certificate is checked with: the system's CAs, or those of
    ``ca_file``. ``ValueError`` naming the file when it cannot be read as one (missing, a
    directory, unreadable, or no PEM certificate in it)."""
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except OSError as exc:  # ssl.SSLError too
        if ca_file is None:
            raise ValueError(f"the system's CA certificates cannot be read ({type(exc).__name__})") from exc
        if isinstance(exc, ssl.SSLError):
            reason = "no PEM certificate in it"
        elif Path(ca_file).is_dir():
            reason = "a directory, not a file"
        else:
            reason = exc.strerror or type(exc).__name__
        raise ValueError(f"the CA file {ca_file} cannot be used ({reason})") from exc


def fetch_directory(url: str, ca_file: Path | None = None, held: bytes | None = None,
                    timeout: float = FETCH_TIMEOUT) -> bytes | None:
    """The directory's bytes at the https:// ``url`` (at most ``MAX_DIRECTORY_BYTES`` and
    one byte more, so an oversized one is refused by the check, never held); None when the
    centre answers ``304``: ``held``, the copy the caller holds, is still the one served.
    ``ValueError`` with a one-line reason when there is no answer to use."""
    if not url.startswith("https://"):
        raise ValueError(f"{url} is not an https:// URL")
    headers = {"If-None-Match": etag_of(held)} if held is not None else {}
    ctx = tls_context(ca_file)
    try:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout, context=ctx) as answer:  # https only
            return bytes(answer.read(MAX_DIRECTORY_BYTES + 1))
    except urllib.error.HTTPError as exc:
        if exc.code == 304 and held is not None:
            return None
        raise ValueError(f"cannot fetch the directory from {url} (HTTP {exc.code})") from exc
    except ValueError as exc:  # the URL cannot be parsed (an IPv6 address's bracket not closed)
        raise ValueError(f"cannot fetch the directory from {url} ({exc})") from exc
    except (urllib.error.URLError, OSError, ssl.SSLError, http.client.HTTPException) as exc:
        # HTTPException: a URL http.client refuses (a space in the host), or an answer that is not HTTP
        reason = getattr(exc, "reason", None) or type(exc).__name__
        raise ValueError(f"cannot fetch the directory from {url} ({reason})") from exc
