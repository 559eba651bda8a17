"""The centre's kiosk API over HTTPS: the same paths and bodies as a single relay
(:mod:`relay.http`), so a kiosk needs no change to be served by the federation.

The kiosk is the one its client certificate (from the operator CA) names, checked against
the kiosk register on every call; each call has one deadline around all of it, including
the municipal server's part (which has its own, shorter one in its bulkhead).
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
from relay.kiosk_identity import KioskIdentity
from relay.schema import ApiError

LOG = logging.getLogger("relay.centre.http")
PURGE_INTERVAL = 1.0
FORWARD_EVERY = 10  # purges: outcomes a municipality missed are sent again every ten seconds


def _json(status: int, value: dict[str, Any]) -> web.Response:
    return web.Response(status=status, body=json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(),
                        content_type="application/json")


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return _json(exc.status, exc.body())
    except web.HTTPRequestEntityTooLarge:
        return _json(413, {"error": {"code": wire.TOO_LARGE}})
    except web.HTTPException as exc:
        code = {404: wire.NOT_FOUND, 405: wire.METHOD_NOT_ALLOWED}.get(exc.status, wire.BAD_HTTP)
        return _json(exc.status, {"error": {"code": code}})
    except Exception as exc:
        log.event(LOG, "centre.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
        return _json(500, {"error": {"code": wire.INTERNAL}})


class CentreApp:
    def __init__(self, core: CentreCore, identity: KioskIdentity,
                 directory: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None) -> None:
        """``directory``: the handler serving the signed federation directory the centre
        routes by (``GET /v1/directory``), which a federation kiosk fetches and checks with
        its anchor before it trusts any municipality's document."""
        self.core = core
        self.identity = identity
        self.directory = directory

    def application(self) -> web.Application:
        app = web.Application(client_max_size=wire.MAX_BODY_BYTES, middlewares=[_errors])
        app.router.add_get(wire.VERSION_PATH, self._version)
        if self.directory is not None:
            app.router.add_get(wire.DIRECTORY_PATH, self._directory)

        async def session(kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
            return self.core.open_session(kiosk, body)

        for path, handler in ((wire.SESSION_PATH, session), (wire.AUTH_PATH, self.core.authenticate),
                              (wire.MENU_PATH, self.core.menu), (wire.DOCUMENTS_PATH, self.core.documents),
                              (wire.OUTCOME_PATH, self.core.outcome)):
            app.router.add_post(path, self._endpoint(handler))
        app.cleanup_ctx.append(self._purger)
        return app

    async def _purger(self, app: web.Application) -> Any:
        async def loop() -> None:
            n = 0
            while True:
                self.core.purge()
                if n % FORWARD_EVERY == 0:
                    await self.core.forward_pending()
                n += 1
                await asyncio.sleep(PURGE_INTERVAL)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for port in self.core.municipalities.values():
            await port.close()

    def _kiosk(self, request: web.Request) -> str:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        return self.identity.kiosk_for(der).kiosk_id

    async def _version(self, request: web.Request) -> web.Response:
        self._kiosk(request)
        return _json(200, self.core.version())

    async def _directory(self, request: web.Request) -> web.StreamResponse:
        self._kiosk(request)  # registered kiosks only, like every call of the kiosk API
        assert self.directory is not None
        return await self.directory(request)

    def _endpoint(self, handler: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
                  ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def endpoint(request: web.Request) -> web.Response:
            kiosk = self._kiosk(request)
            try:
                async with asyncio.timeout(self.core.settings.request_timeout):
                    body = schema.parse_body(await request.read())
                    return _json(200, await handler(kiosk, body))
            except TimeoutError:
                raise ApiError(503, wire.TIMEOUT) from None

        return endpoint
