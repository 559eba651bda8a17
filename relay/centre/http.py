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
municipality's issuer keys from the centre it talks to; its version answer names the
serial of that directory (``directory_serial``), so a kiosk holding an older copy fetches
the new one at its next version check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web

from protocol import log, wire
from relay.centre.core import CentreCore
from relay.federation.served import DirectoryFile
from relay.kiosk_api import KioskApi, errors
from relay.kiosk_identity import KioskIdentity
from relay.kiosk_watch import KioskWatch
from relay.store.protocol import StoreError

LOG = logging.getLogger("relay.centre.http")
PURGE_INTERVAL = 1.0
FORWARD_EVERY = 10  # purges: outcomes a municipality missed are sent again every ten seconds


class CentreApp(KioskApi):
    def __init__(self, core: CentreCore, identity: KioskIdentity, watch: KioskWatch,
                 directory: DirectoryFile | None = None) -> None:
        """``directory``: the signed file served at ``GET /v1/directory`` (the one the
        centre routes by)."""
        super().__init__(identity, watch, core.settings.request_timeout, core.record_timeout, LOG, "centre")
        self.core = core
        self.directory = directory

    def close(self) -> None:
        self.core.store.close()
        self.core.messages.close()
        self.identity.register.close()
        self.watch.store.close()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=wire.MAX_BODY_BYTES, middlewares=[errors(LOG, "centre")])
        app.router.add_get(wire.VERSION_PATH, self._version(self.core.version, self.directory))
        if self.directory is not None:
            app.router.add_get(wire.DIRECTORY_PATH, self._directory(self.directory))

        async def session(kiosk: str, body: dict[str, Any]) -> dict[str, Any]:
            return await self.core.open_session(kiosk, body)

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
                    await self.core.purge()
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
        await self.core.outcomes.close(self.core.settings.municipal_deadline)
        for port in self.core.municipalities.values():
            await port.close()
