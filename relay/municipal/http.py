"""The municipal issuing server over HTTPS: one endpoint, one signed message in and out.

Only a client with a certificate from the federation CA completes the TLS handshake; the
message itself must then be signed by a centre key the directory lists
(:meth:`relay.municipal.server.MunicipalServer.handle`). A message that cannot be trusted
is answered ``403`` with its reason code, and nothing is done. A call the database could
not serve (unreachable, a restart, a lock not granted in time) is answered ``503``: nothing
of the request was kept, and the centre sends the same message to the municipality's next node.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from aiohttp import web

from protocol import log
from protocol.federation.envelope import EnvelopeError
from relay.federation_tls import MAX_MESSAGE_BYTES, MESSAGE_PATH
from relay.store.protocol import StoreError

LOG = logging.getLogger("relay.municipal.http")
#: Seconds between two scrubs of the history's deleted documents.
SCRUB_PERIOD = 5.0


def application(handle: Callable[[Any], dict[str, Any]], scrub: Callable[[], None]) -> web.Application:
    """``handle``: :meth:`MunicipalServer.handle` (a test harness may wrap it); ``scrub``:
    :meth:`IssuanceHistory.scrub`, run every :data:`SCRUB_PERIOD` seconds and once when
    the server stops."""

    async def message(request: web.Request) -> web.Response:
        try:
            body = msgspec.json.decode(await request.read())
        except (ValueError, web.HTTPRequestEntityTooLarge):  # msgspec.DecodeError is a ValueError
            return web.json_response({"error": {"code": "malformed"}}, status=400)
        try:
            answer = await asyncio.to_thread(handle, body)
        except EnvelopeError as exc:
            log.event(LOG, "municipal.message_refused", logging.WARNING, code=exc.code)
            return web.json_response({"error": {"code": exc.code}}, status=403)
        except StoreError as exc:
            log.event(LOG, "municipal.store_unavailable", logging.ERROR, kind=type(exc).__name__)
            return web.json_response({"error": {"code": "unavailable"}}, status=503)
        return web.Response(body=msgspec.json.encode(answer), content_type="application/json")

    app = web.Application(client_max_size=MAX_MESSAGE_BYTES)
    async def scrubbing(app: web.Application) -> AsyncIterator[None]:
        async def loop() -> None:
            while True:
                await asyncio.sleep(SCRUB_PERIOD)
                try:
                    await asyncio.to_thread(scrub)
                except StoreError as exc:  # busy or unreachable: next round, never stop
                    log.event(LOG, "municipal.scrub_failed", logging.ERROR, kind=type(exc).__name__)

        task = asyncio.get_running_loop().create_task(loop())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # once more at stop: a document deleted by an outcome in the last period would
        # otherwise stay in the write-ahead log on disk until the server's next start
        try:
            await asyncio.to_thread(scrub)
        except StoreError as exc:
            log.event(LOG, "municipal.scrub_failed", logging.ERROR, kind=type(exc).__name__)

    app.router.add_post(MESSAGE_PATH, message)
    app.cleanup_ctx.append(scrubbing)
    return app
