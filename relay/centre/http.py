"""The centre's kiosk API over HTTPS: the same paths and bodies as a single relay
(:mod:`relay.http`), so a kiosk needs no change to be served by the federation.

The kiosk is the one its client certificate (from the operator CA) names, checked against
the kiosk register on every call, and its calls are within its rate limits
(:mod:`relay.kiosk_watch`: sessions, technician events and log-export parts, with volume
and refusal alerts kept in the centre's event log). Each call has one deadline around all
of it, including the municipal server's part (which has its own, shorter one in its
bulkhead). The application is served by :func:`relay.listener.serve`, with the relay's
connection caps and deadlines; every error, of a handler or of the HTTP parser, is the
protocol's JSON error. The centre
also serves the signed federation directory it routes by (``GET /v1/directory``, as
``relay serve --directory`` does), so a kiosk with ``[relay] anchor`` learns every
municipality's issuer keys from the centre it talks to.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from protocol import log, wire
from relay import schema
from relay.centre.core import CentreCore
from relay.federation.served import DirectoryFile, directory_handler
from relay.kiosk_identity import KioskIdentity
from relay.kiosk_register import Standing
from relay.kiosk_watch import KioskWatch
from relay.schema import ApiError
from relay.store.protocol import StoreError

LOG = logging.getLogger("relay.centre.http")
PURGE_INTERVAL = 1.0
FORWARD_EVERY = 10  # purges: outcomes a municipality missed are sent again every ten seconds

#: One endpoint of the kiosk API: (kiosk id, request body) → answer body.
Endpoint = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _json(status: int, value: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(),
                        content_type="application/json")


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        log.event(LOG, "centre.error", logging.INFO, code=exc.code, reason=request.path)
        return _json(exc.status, exc.body())
    except web.HTTPRequestEntityTooLarge:
        return _json(413, {"error": {"code": wire.TOO_LARGE}})
    except web.HTTPException as exc:
        code = {404: wire.NOT_FOUND, 405: wire.METHOD_NOT_ALLOWED}.get(exc.status, wire.BAD_HTTP)
        return _json(exc.status, {"error": {"code": code}})
    except StoreError as exc:  # the database is busy or unreachable: nothing was kept, try again
        log.event(LOG, "centre.store_unavailable", logging.ERROR, code=wire.UNAVAILABLE, kind=type(exc).__name__)
        return _json(503, {"error": {"code": wire.UNAVAILABLE}})
    except Exception as exc:
        log.event(LOG, "centre.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
        return _json(500, {"error": {"code": wire.INTERNAL}})


class CentreApp:
    def __init__(self, core: CentreCore, identity: KioskIdentity, watch: KioskWatch,
                 directory: DirectoryFile | None = None) -> None:
        """``directory``: the signed file served at ``GET /v1/directory`` (the one the
        centre routes by)."""
        self.core = core
        self.identity = identity
        self.watch = watch
        self.directory = directory

    def close(self) -> None:
        self.core.store.close()
        self.core.messages.close()
        self.identity.register.close()
        self.watch.store.close()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=wire.MAX_BODY_BYTES, middlewares=[_errors])
        app.router.add_get(wire.VERSION_PATH, self._version)
        if self.directory is not None:
            app.router.add_get(wire.DIRECTORY_PATH, self._directory(self.directory))

        async def session(kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
            return self.core.open_session(kiosk, body)

        async def technician(kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
            return self.core.technician_events(kiosk, body)

        async def log_export(kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
            return self.core.log_export(kiosk, body)

        for path, call, handler in (
                (wire.SESSION_PATH, "session", session), (wire.AUTH_PATH, "authenticate", self.core.authenticate),
                (wire.MENU_PATH, "menu", self.core.menu), (wire.DOCUMENTS_PATH, "documents", self.core.documents),
                (wire.OUTCOME_PATH, "outcome", self.core.outcome),
                (wire.TECHNICIAN_EVENTS_PATH, "technician", technician),
                (wire.LOG_EXPORT_PATH, "log_export", log_export)):
            app.router.add_post(path, self._endpoint(call, handler))
        app.cleanup_ctx.append(self._purger)
        return app

    async def _purger(self, app: web.Application) -> Any:
        async def loop() -> None:
            n = 0
            while True:
                try:
                    self.core.purge()
                    if n % FORWARD_EVERY == 0:
                        await self.core.forward_pending()
                except StoreError as exc:  # busy or unreachable: try again next round, never stop purging
                    log.event(LOG, "centre.purge_failed", logging.ERROR, kind=type(exc).__name__)
                n += 1
                await asyncio.sleep(PURGE_INTERVAL)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for port in self.core.municipalities.values():
            await port.close()

    def _kiosk(self, request: web.Request) -> Standing:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        return self.identity.kiosk_for(der)

    async def _version(self, request: web.Request) -> web.Response:
        self._kiosk(request)
        return _json(200, self.core.version())

    def _directory(self, source: DirectoryFile) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        serve = directory_handler(source)

        async def directory(request: web.Request) -> web.StreamResponse:
            self._kiosk(request)  # registered kiosks only, like every call of this API
            return await serve(request)

        return directory

    def _endpoint(self, call: str, handler: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            kiosk = self._kiosk(request)
            self.watch.admit(kiosk, call)
            body: dict[str, Any] = {}
            try:
                async with asyncio.timeout(self.core.settings.request_timeout):
                    if request.content_length is not None and request.content_length > wire.MAX_BODY_BYTES:
                        raise ApiError(413, wire.TOO_LARGE)
                    body = schema.parse_body(await request.read())
                    answer = await handler(kiosk.kiosk_id, body)
            except TimeoutError:
                self.core.record_timeout(kiosk.kiosk_id, body)
                raise ApiError(503, wire.TIMEOUT) from None
            except ApiError as exc:
                self.watch.observe(kiosk, call, exc.code)
                raise
            self.watch.observe(kiosk, call, None)
            return _json(200, answer)

        return endpoint
