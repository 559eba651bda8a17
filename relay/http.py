"""The relay over HTTPS: mutual TLS 1.3, strict bodies, one deadline per call.

The TLS context requires a client certificate from the operator CA, so a client without
one never gets an HTTP answer at all: the handshake fails. The kiosk id is read from the
client certificate (its common name, with the client-auth usage) and from nowhere else.

Each call runs in its own task with its own context and a deadline around all of it
(``Settings.request_timeout``): when the deadline passes, the call is cancelled as a whole
and answers ``503 timeout``; nothing it started is kept (see :mod:`relay.service`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import re
import sqlite3
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from protocol import log, wire
from relay import schema
from relay.schema import ApiError
from relay.service import RelayCore

LOG = logging.getLogger("relay.http")
KIOSK_ID = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")
PURGE_INTERVAL = 1.0
SCRUB_EVERY = 5  # purges: the write-ahead log is emptied every five seconds


@dataclass(frozen=True)
class InjectedDelay:
    """Test-only: a slow back end (registry, JPKI centre) before issuing commits."""

    min_s: float = 0.0
    max_s: float = 0.0
    rate: float = 0.0  # the share of document requests that are slowed

    async def wait(self) -> None:
        if self.rate and random.random() < self.rate:
            await asyncio.sleep(random.uniform(self.min_s, self.max_s))


def server_tls_context(cert: Path, key: Path, client_ca: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(cert, key)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=str(client_ca))
    # Every customer session is a fresh worker process with a fresh connection: no kiosk
    # resumes a TLS session, so issuing tickets would only cost a third of each handshake.
    ctx.num_tickets = 0
    return ctx


def kiosk_id_of(cert_der: bytes | None) -> str | None:
    """The kiosk id in a verified client certificate, if it is a kiosk's certificate."""
    if not cert_der:
        return None
    cert = x509.load_der_x509_certificate(cert_der)
    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usages:
        return None
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = names[0].value if names else ""
    return value if isinstance(value, str) and KIOSK_ID.fullmatch(value) else None


#: One endpoint of the kiosk API: (kiosk id, request body) → answer body.
Endpoint = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class RelayApp:
    def __init__(self, core: RelayCore, delay: InjectedDelay | None = None) -> None:
        self.core = core
        self.delay = delay or InjectedDelay()
        self._kiosk_cache: dict[bytes, str | None] = {}

    def application(self) -> web.Application:
        app = web.Application(client_max_size=wire.MAX_BODY_BYTES)
        app.router.add_get(wire.VERSION_PATH, self._version)
        for path, handler in (
            (wire.SESSION_PATH, self._open), (wire.AUTH_PATH, self._auth), (wire.MENU_PATH, self._menu),
            (wire.DOCUMENTS_PATH, self._documents), (wire.OUTCOME_PATH, self._outcome),
            (wire.TECHNICIAN_EVENTS_PATH, self._technician_events), (wire.LOG_EXPORT_PATH, self._log_export),
        ):
            app.router.add_post(path, self._endpoint(handler))
        app.middlewares.append(_errors)
        app.cleanup_ctx.append(self._purger)
        return app

    async def _purger(self, app: web.Application) -> Any:
        async def loop() -> None:
            n = 0
            while True:
                try:
                    self.core.purge(scrub=n % SCRUB_EVERY == 0)
                except sqlite3.Error as exc:  # busy or full: try again next round, never stop purging
                    log.event(LOG, "relay.purge_failed", logging.ERROR, kind=type(exc).__name__)
                n += 1
                await asyncio.sleep(PURGE_INTERVAL)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _kiosk(self, request: web.Request) -> str:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der is None:
            raise ApiError(403, wire.NO_CLIENT_CERTIFICATE)
        if der not in self._kiosk_cache:
            if len(self._kiosk_cache) > 10_000:
                self._kiosk_cache.clear()
            self._kiosk_cache[der] = kiosk_id_of(der)
        kiosk = self._kiosk_cache[der]
        if kiosk is None:
            raise ApiError(403, wire.NOT_A_KIOSK_CERTIFICATE)
        return kiosk

    async def _version(self, request: web.Request) -> web.Response:
        self._kiosk(request)
        return _json(200, self.core.version())

    def _endpoint(self, handler: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            kiosk = self._kiosk(request)
            started = time.monotonic()
            body: dict[str, Any] = {}
            try:
                async with asyncio.timeout(self.core.settings.request_timeout):
                    if request.content_length is not None and request.content_length > wire.MAX_BODY_BYTES:
                        raise ApiError(413, wire.TOO_LARGE)
                    body = schema.parse_body(await _read_limited(request))
                    answer = await handler(kiosk, body)
            except TimeoutError:
                self.core.record_timeout(kiosk, body)
                log.event(LOG, "relay.timeout", logging.WARNING, kiosk=kiosk, code=wire.TIMEOUT,
                          ms=int((time.monotonic() - started) * 1000))
                raise ApiError(503, wire.TIMEOUT) from None
            return _json(200, answer)

        return endpoint

    async def _open(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.core.open_session(kiosk, body)

    async def _auth(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.core.authenticate(kiosk, body)

    async def _menu(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.core.menu(kiosk, body)

    async def _documents(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        prepared = self.core.prepare_request(kiosk, body)
        if prepared.replay is None:
            await self.delay.wait()  # the slow back end: a deadline here aborts everything
        return self.core.commit_request(prepared)

    async def _outcome(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.core.outcome(kiosk, body)

    async def _technician_events(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.core.technician_events(kiosk, body)

    async def _log_export(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.core.log_export(kiosk, body)


async def _read_limited(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError(413, wire.TOO_LARGE) from exc


def _json(status: int, value: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=schema_dumps(value), content_type="application/json")


def schema_dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        log.event(LOG, "relay.error", logging.INFO, code=exc.code, reason=request.path)
        return _json(exc.status, exc.body())
    except web.HTTPNotFound:
        return _json(404, {"error": {"code": wire.NOT_FOUND}})
    except web.HTTPMethodNotAllowed:
        return _json(405, {"error": {"code": wire.METHOD_NOT_ALLOWED}})
    except web.HTTPRequestEntityTooLarge:
        return _json(413, {"error": {"code": wire.TOO_LARGE}})
    except web.HTTPException as exc:
        return _json(exc.status, {"error": {"code": wire.BAD_HTTP}})
    except Exception as exc:
        log.event(LOG, "relay.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
        return _json(500, {"error": {"code": wire.INTERNAL}})
