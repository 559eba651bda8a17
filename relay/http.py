"""The relay over HTTPS: mutual TLS 1.3, strict bodies, one deadline per call.

The TLS context requires a client certificate from the operator CA, so a client without
one never gets an HTTP answer at all: the handshake fails. The kiosk is the one the client
certificate names, checked strictly and against the kiosk register on every request
(:mod:`relay.kiosk_identity`), and is read from nowhere else; its calls are within its
rate limits (:mod:`relay.kiosk_watch`).

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
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from protocol import log, wire
from relay import schema
from relay.federation.served import DirectoryFile, directory_handler
from relay.kiosk_identity import KioskIdentity
from relay.kiosk_register import Standing
from relay.kiosk_watch import KioskWatch
from relay.schema import ApiError
from relay.service import RelayCore
from relay.store.protocol import StoreError

LOG = logging.getLogger("relay.http")
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


#: One endpoint of the kiosk API: (kiosk id, request body) → answer body.
Endpoint = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class RelayApp:
    def __init__(self, core: RelayCore, identity: KioskIdentity, watch: KioskWatch,
                 delay: InjectedDelay | None = None, answer_delay: InjectedDelay | None = None,
                 directory: DirectoryFile | None = None) -> None:
        """``delay``: before issuing commits; ``answer_delay``: after issuing or recording an
        outcome has committed, before the answer leaves (a node that dies then);
        ``directory``: the signed federation directory served at ``GET /v1/directory``."""
        self.core = core
        self.identity = identity
        self.watch = watch
        self.delay = delay or InjectedDelay()
        self.answer_delay = answer_delay or InjectedDelay()
        self.directory = directory

    def close(self) -> None:
        self.core.storage.close()
        if self.core.issued is not None:
            self.core.issued.close()
        self.identity.register.close()
        self.watch.store.close()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=wire.MAX_BODY_BYTES)
        app.router.add_get(wire.VERSION_PATH, self._version)
        if self.directory is not None:
            app.router.add_get(wire.DIRECTORY_PATH, self._directory(self.directory))
        for path, call, handler in (
            (wire.SESSION_PATH, "session", self._open), (wire.AUTH_PATH, "authenticate", self._auth),
            (wire.MENU_PATH, "menu", self._menu), (wire.DOCUMENTS_PATH, "documents", self._documents),
            (wire.OUTCOME_PATH, "outcome", self._outcome),
            (wire.TECHNICIAN_EVENTS_PATH, "technician", self._technician_events),
            (wire.LOG_EXPORT_PATH, "log_export", self._log_export),
        ):
            app.router.add_post(path, self._endpoint(call, handler))
        app.middlewares.append(_errors)
        app.cleanup_ctx.append(self._purger)
        return app

    async def _purger(self, app: web.Application) -> Any:
        async def loop() -> None:
            n = 0
            while True:
                try:
                    self.core.purge(scrub=n % SCRUB_EVERY == 0)
                except StoreError as exc:  # busy, full or unreachable: try again next round, never stop purging
                    log.event(LOG, "relay.purge_failed", logging.ERROR, kind=type(exc).__name__)
                n += 1
                await asyncio.sleep(PURGE_INTERVAL)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def _kiosk(self, request: web.Request) -> Standing:
        """The calling kiosk, checked against the register on every request."""
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        return self.identity.kiosk_for(ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None)

    async def _version(self, request: web.Request) -> web.Response:
        self._kiosk(request)
        return _json(200, self.core.version())

    def _directory(self, source: DirectoryFile) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        serve = directory_handler(source)

        async def directory(request: web.Request) -> web.StreamResponse:
            self._kiosk(request)  # registered kiosks only, like every call of this endpoint
            return await serve(request)

        return directory

    def _endpoint(self, call: str, handler: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            kiosk = self._kiosk(request)
            self.watch.admit(kiosk, call)
            started = time.monotonic()
            body: dict[str, Any] = {}
            try:
                async with asyncio.timeout(self.core.settings.request_timeout):
                    if request.content_length is not None and request.content_length > wire.MAX_BODY_BYTES:
                        raise ApiError(413, wire.TOO_LARGE)
                    body = schema.parse_body(await _read_limited(request))
                    answer = await handler(kiosk.kiosk_id, body)
            except TimeoutError:
                self.core.record_timeout(kiosk.kiosk_id, body)
                log.event(LOG, "relay.timeout", logging.WARNING, kiosk=kiosk.kiosk_id, code=wire.TIMEOUT,
                          ms=int((time.monotonic() - started) * 1000))
                raise ApiError(503, wire.TIMEOUT) from None
            except ApiError as exc:
                self.watch.observe(kiosk, call, exc.code)
                raise
            self.watch.observe(kiosk, call, None)
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
        answer = self.core.commit_request(prepared)
        await self.answer_delay.wait()
        return answer

    async def _outcome(self, kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.core.outcome(kiosk, body)
        await self.answer_delay.wait()
        return answer

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
    except StoreError as exc:  # the database is down or unreachable: nothing was kept, try again
        log.event(LOG, "relay.store_unavailable", logging.ERROR, code=wire.UNAVAILABLE, kind=type(exc).__name__)
        return _json(503, {"error": {"code": wire.UNAVAILABLE}})
    except Exception as exc:
        log.event(LOG, "relay.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
        return _json(500, {"error": {"code": wire.INTERNAL}})
