"""The municipal issuing server over HTTPS: one endpoint, one signed message in and out.

Only a client with a certificate from the federation CA completes the TLS handshake; the
message itself must then be signed by a centre key the directory lists
(:meth:`relay.municipal.server.MunicipalServer.handle`). A message that cannot be trusted
is answered ``403`` with its reason code, and nothing is done.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from protocol import log
from protocol.federation.envelope import EnvelopeError
from relay.federation_tls import MAX_MESSAGE_BYTES, MESSAGE_PATH

LOG = logging.getLogger("relay.municipal.http")


def application(handle: Callable[[Any], dict[str, Any]]) -> web.Application:
    """``handle``: :meth:`MunicipalServer.handle` (a test harness may wrap it)."""

    async def message(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
        except (ValueError, web.HTTPRequestEntityTooLarge):
            return web.json_response({"error": {"code": "malformed"}}, status=400)
        try:
            answer = await asyncio.to_thread(handle, body)
        except EnvelopeError as exc:
            log.event(LOG, "municipal.message_refused", logging.WARNING, code=exc.code)
            return web.json_response({"error": {"code": exc.code}}, status=403)
        return web.Response(body=json.dumps(answer, ensure_ascii=False).encode(), content_type="application/json")

    app = web.Application(client_max_size=MAX_MESSAGE_BYTES)
    app.router.add_post(MESSAGE_PATH, message)
    return app
