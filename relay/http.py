"""The relay over HTTPS: mutual TLS 1.3, strict bodies, one deadline per call.

The TLS context requires a client certificate from the operator CA, so a client without
one never gets an HTTP answer at all: the handshake fails. The kiosk is the one the client
certificate names, checked strictly and against the kiosk register on every request
(:mod:`relay.kiosk_identity`), and is read from nowhere else; its calls are within its
rate limits (:mod:`relay.kiosk_watch`); this transport is shared with the federation's centre
(:mod:`relay.kiosk_api`).

Each call runs in its own task with its own context and a deadline around all of it
(``Settings.request_timeout``): when the deadline passes, the call is cancelled as a whole
and answers ``503 timeout``; nothing it started is kept (see :mod:`relay.service`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from protocol import log, wire
from protocol.tls_chain import send_own_certificate_only
from relay.federation.served import DirectoryFile
from relay.kiosk_api import KioskApi, errors
from relay.kiosk_identity import KioskIdentity
from relay.kiosk_watch import KioskWatch
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
    send_own_certificate_only(ctx)  # without the operator's root: 30 % of each handshake
    return ctx


class RelayApp(KioskApi):
    def __init__(self, core: RelayCore, identity: KioskIdentity, watch: KioskWatch,
                 delay: InjectedDelay | None = None, answer_delay: InjectedDelay | None = None,
                 directory: DirectoryFile | None = None) -> None:
        """``delay``: before issuing commits; ``answer_delay``: after issuing or recording an
        outcome has committed, before the answer leaves (a node that dies then);
        ``directory``: the signed federation directory served at ``GET /v1/directory``."""
        super().__init__(identity, watch, core.settings.request_timeout, core.record_timeout, LOG, "relay")
        self.core = core
        self.delay = delay or InjectedDelay()
        self.answer_delay = answer_delay or InjectedDelay()
        self.directory = directory

    def close(self) -> None:
        self.core.storage.close()
        self.identity.register.close()
        self.watch.store.close()

    def application(self) -> web.Application:
        app = web.Application(client_max_size=wire.MAX_BODY_BYTES)
        app.router.add_get(wire.VERSION_PATH, self._version(self.core.version, self.directory))
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
        app.middlewares.append(errors(LOG, "relay"))
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
        try:  # a stop within a scrub period of an outcome leaves its document in no file
            self.core.purge(scrub=True)
        except StoreError as exc:
            log.event(LOG, "relay.purge_failed", logging.ERROR, kind=type(exc).__name__)

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
