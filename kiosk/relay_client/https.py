"""The real relay adapter: mutual TLS 1.3 with the standard library.

- Only the relay CA is trusted (no system store); the server certificate must name the
  relay host, and may further be pinned by the SHA-256 of its public key (SPKI). The pin is
  checked right after the handshake, before a single request byte is written.
- This kiosk's identity is its client certificate; the kiosk id used in every check is
  read from that certificate, never configured separately.
- Connect and read timeouts are separate. Only idempotent calls are retried (version,
  menu, documents by request id, outcome); opening and authenticating are not.
- Several centre nodes on one database: the client is given their addresses in order and
  talks to one at a time. A connection error, a timeout or a 5xx moves it to the next one
  (failover), where an idempotent call is repeated as it was, with the same request id: a
  node that died after issuing leaves the documents in the shared database, and the next
  node answers the repeat with the very same documents. A call that is not idempotent
  moves on only when the relay surely kept nothing of it (the connection failed, or the
  node answered ``503 unavailable``: it could not reach its database). The client stays
  on the node that answered for the rest of the session.
- Answers are size-limited strict JSON; documents pass the binding check of
  :mod:`kiosk.relay_client.verify` before they are returned.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import json
import ssl
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import NameOID

from kiosk.config import RelayConfig
from kiosk.relay_client.client import SessionClient, error_for, load_issuer_public_key
from kiosk.relay_client.directory import CACHE_NAME, FederationDirectory, load_anchor
from kiosk.relay_client.errors import RelayProtocolError, RelayTimeout, RelayUnavailable
from protocol import wire
from protocol.federation.issuers import IssuerTrust
from protocol.tls_chain import send_own_certificate_only

RETRY_BACKOFF = (0.2, 0.5)
#: Failures after which the relay kept nothing (the call never reached a node, or the node
#: could not reach its database): safe to send any call to another node.
NOTHING_KEPT = frozenset({"connect", "connect_timeout", wire.UNAVAILABLE})
IDLE_REUSE = 15.0  # seconds a kept-alive connection is reused (the relay closes it after 20 s idle)


def client_tls_context(ca_file: Path, cert_file: Path, key_file: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and hostname checks on
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(cafile=str(ca_file))  # the relay CA only: no system store
    ctx.load_cert_chain(str(cert_file), str(key_file))
    send_own_certificate_only(ctx)  # without the operator's root, which the relay has: 30 % of each handshake
    return ctx


def spki_sha256(cert_der: bytes) -> str:
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def kiosk_id_from_certificate(cert_file: Path) -> str:
    cert = x509.load_pem_x509_certificate(Path(cert_file).read_bytes())
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or not isinstance(names[0].value, str):
        raise ValueError("the kiosk certificate has no common name")
    return names[0].value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RelayProtocolError(wire.DUPLICATE_KEY)
        out[key] = value
    return out


def _bad_constant(_: str) -> Any:
    raise RelayProtocolError(wire.BAD_JSON)


def parse_answer(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_bad_constant)
    except RelayProtocolError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RelayProtocolError(wire.BAD_JSON) from exc


def issuer_trust(config: RelayConfig) -> Ed25519PublicKey | FederationDirectory:
    """What documents are checked with: the configured issuer key (one municipality), or
    the federation directory held under ``directory_cache`` and checked with ``anchor``.
    ``ValueError`` when neither is configured or a file cannot be used."""
    if config.anchor is not None:
        cache = config.directory_cache or Path(config.anchor).with_name(CACHE_NAME)
        return FederationDirectory(load_anchor(config.anchor), cache,
                                   dt.timedelta(seconds=config.directory_refresh))
    if config.issuer_public_key is None:
        raise ValueError("the relay configuration needs issuer_public_key or anchor")
    return load_issuer_public_key(config.issuer_public_key)


class HttpsRelayClient(SessionClient):
    def __init__(
        self,
        url: str | Sequence[str],
        *,
        ca_file: Path,
        cert_file: Path,
        key_file: Path,
        issuer_key: Ed25519PublicKey | IssuerTrust,
        pins: frozenset[str] = frozenset(),
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        retries: int = 2,
        approved_builds: frozenset[str] = frozenset(),
    ) -> None:
        """``url``: one centre node, or several in the order they are tried. ``retries``:
        how many more times an idempotent call is tried after its first failure (at least
        once on every other node)."""
        super().__init__(kiosk_id_from_certificate(cert_file), issuer_key, approved_builds)
        self._endpoints: list[tuple[str, int]] = []
        for one in [url] if isinstance(url, str) else url:
            parts = urlsplit(one)
            if parts.scheme != "https" or not parts.hostname:
                raise ValueError("the relay URL must be https://host:port")
            self._endpoints.append((parts.hostname, parts.port or 443))
        if not self._endpoints:
            raise ValueError("no relay URL")
        self._current = 0  # the node in use
        #: (path, reason) of every move to another node, for diagnostics and tests.
        self.failovers: list[tuple[str, str]] = []
        self._ctx = client_tls_context(ca_file, cert_file, key_file)
        self._pins = pins
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._retries = retries
        self._conn: http.client.HTTPSConnection | None = None
        self._last_used = 0.0

    @classmethod
    def from_config(cls, config: RelayConfig, pins: frozenset[str] = frozenset()) -> HttpsRelayClient:
        """The client the configuration describes, its key pins and approved relay builds
        included (``pins``: more pins on top of the configured ones)."""
        if not (config.client_configured and config.ca_file and config.cert_file and config.key_file):
            raise ValueError("the relay configuration needs ca_file, cert_file, key_file and issuer_public_key"
                             " or anchor")
        return cls(
            config.endpoints, ca_file=config.ca_file, cert_file=config.cert_file, key_file=config.key_file,
            issuer_key=issuer_trust(config),
            pins=frozenset(config.pins) | pins,
            approved_builds=frozenset(config.approved_builds),
            connect_timeout=config.connect_timeout, read_timeout=config.read_timeout,
        )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> HttpsRelayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ------------------------------------------------------------------------
    def _connect(self) -> http.client.HTTPSConnection:
        host, port = self._endpoints[self._current]
        conn = http.client.HTTPSConnection(host, port, context=self._ctx, timeout=self._connect_timeout)
        try:
            conn.connect()  # TCP and the TLS handshake, with the server certificate checked
        except ssl.SSLCertVerificationError as exc:
            conn.close()
            raise RelayUnavailable("server_certificate") from exc
        except ssl.SSLError as exc:
            conn.close()
            raise RelayUnavailable("tls") from exc
        except TimeoutError as exc:
            conn.close()
            raise RelayUnavailable("connect_timeout") from exc
        except OSError as exc:
            conn.close()
            raise RelayUnavailable("connect") from exc
        if self._pins:
            der = conn.sock.getpeercert(binary_form=True) if conn.sock else None
            if der is None or spki_sha256(der) not in self._pins:
                conn.close()  # nothing was sent
                raise RelayUnavailable("server_certificate")
        assert conn.sock is not None
        conn.sock.settimeout(self._read_timeout)
        return conn

    def _call(self, path: str, body: dict[str, Any] | None, idempotent: bool) -> Any:
        nodes = len(self._endpoints)
        attempts = max(1 + self._retries, nodes) if idempotent else nodes
        untried = nodes - 1  # other nodes this call has not been to yet
        for attempt in range(attempts):
            try:
                return self._exchange(path, body)
            except (RelayUnavailable, RelayTimeout) as exc:
                reason = exc.reason if isinstance(exc, RelayUnavailable) else "timeout"
                if reason in ("server_certificate", "tls") or attempt + 1 >= attempts:
                    raise
                if not idempotent and reason not in NOTHING_KEPT:
                    raise  # it may have run: only the session engine may decide what comes next
                if nodes > 1:
                    self._fail_over(path, reason)
                if untried > 0:
                    untried -= 1  # straight to a node not yet tried: it is likely fine
                else:
                    time.sleep(RETRY_BACKOFF[min(attempt, len(RETRY_BACKOFF) - 1)])
        raise AssertionError("unreachable")

    def _fail_over(self, path: str, reason: str) -> None:
        self.close()
        self._current = (self._current + 1) % len(self._endpoints)
        self.failovers.append((path, reason))

    def _exchange(self, path: str, body: dict[str, Any] | None) -> Any:
        conn, self._conn = self._conn, None
        if conn is not None and time.monotonic() - self._last_used > IDLE_REUSE:
            conn.close()
            conn = None
        reused = conn is not None
        conn = conn or self._connect()
        payload = None if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        response: http.client.HTTPResponse | None = None

        def drop() -> None:
            """Close the connection and the answer: with ``Connection: close`` the answer,
            not the connection, holds the socket (left to the collector, it warned)."""
            if response is not None:
                response.close()
            conn.close()

        try:
            conn.request("GET" if payload is None else "POST", path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read(wire.MAX_RESPONSE_BYTES + 1)
        except TimeoutError as exc:
            drop()
            raise RelayTimeout("read_timeout") from exc
        except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine) as exc:
            drop()
            if reused:  # a kept-alive connection the relay had closed: once more, on a fresh one
                return self._exchange(path, body)
            raise RelayUnavailable("connection_lost") from exc
        except (ssl.SSLError, http.client.HTTPException, OSError) as exc:
            drop()
            raise RelayUnavailable("connection_lost") from exc
        if len(raw) > wire.MAX_RESPONSE_BYTES:
            drop()
            raise RelayProtocolError(wire.TOO_LARGE)
        if response.length:  # the relay hung up before the length it announced
            drop()
            raise RelayUnavailable("truncated")
        if response.will_close:
            drop()
        else:
            self._conn, self._last_used = conn, time.monotonic()
        data = parse_answer(raw) if raw else None
        if response.status != 200:
            code = data.get("error", {}).get("code") if isinstance(data, dict) and isinstance(
                data.get("error"), dict) else None
            raise error_for(response.status, code)
        if not isinstance(data, dict):
            raise RelayProtocolError("bad_response")
        return data
