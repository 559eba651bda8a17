"""What every kiosk-facing HTTPS API of the back end does the same way: the single relay
(:mod:`relay.http`) and the federation's centre (:mod:`relay.centre.http`).

The kiosk is the one its client certificate names, checked strictly and against the kiosk
register on every request (:mod:`relay.kiosk_identity`), and read from nowhere else; its
calls are within its rate limits (:mod:`relay.kiosk_watch`). Each call has one deadline
around all of it: when it passes, the call is cancelled as a whole and answers ``503
timeout``. Every error, a handler's or the HTTP layer's, is the protocol's JSON error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from protocol import log, wire
from relay import schema
from relay.federation.served import DirectoryFile, directory_handler
from relay.kiosk_identity import KioskIdentity
from relay.kiosk_register import Standing
from relay.kiosk_watch import KioskWatch
from relay.schema import ApiError
from relay.store.protocol import StoreError

_ENCODER = msgspec.json.Encoder()

#: One endpoint of the kiosk API: (kiosk id, request body) → answer body.
Endpoint = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def json_response(status: int, value: dict[str, Any]) -> web.Response:
    """Compact UTF-8 JSON; msgspec's encoder takes a tenth of the standard library's time,
    and an answer with documents is encoded once a session on the centre's event loop.
    (A float NaN would be written ``null``, where ``json.dumps(allow_nan=False)`` raised: no
    answer of this API carries a float that can be one.)"""
    return web.Response(status=status, body=_ENCODER.encode(value), content_type="application/json")


def errors(logger: logging.Logger, prefix: str) -> Middleware:
    """The middleware answering every error as the protocol's JSON error; its log events
    are ``<prefix>.error``, ``.store_unavailable`` and ``.internal``."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            log.event(logger, f"{prefix}.error", logging.INFO, code=exc.code, reason=request.path)
            return json_response(exc.status, exc.body())
        except web.HTTPNotFound:
            return json_response(404, {"error": {"code": wire.NOT_FOUND}})
        except web.HTTPMethodNotAllowed:
            return json_response(405, {"error": {"code": wire.METHOD_NOT_ALLOWED}})
        except web.HTTPRequestEntityTooLarge:
            return json_response(413, {"error": {"code": wire.TOO_LARGE}})
        except web.HTTPException as exc:
            return json_response(exc.status, {"error": {"code": wire.BAD_HTTP}})
        except StoreError as exc:  # the database is busy or unreachable: nothing was kept, try again
            log.event(logger, f"{prefix}.store_unavailable", logging.ERROR, code=wire.UNAVAILABLE,
                      kind=type(exc).__name__)
            return json_response(503, {"error": {"code": wire.UNAVAILABLE}})
        except Exception as exc:
            log.event(logger, f"{prefix}.internal", logging.ERROR, code=wire.INTERNAL, kind=type(exc).__name__)
            return json_response(500, {"error": {"code": wire.INTERNAL}})

    return middleware


async def _read_limited(request: web.Request) -> bytes:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise ApiError(413, wire.TOO_LARGE) from exc


class KioskApi:
    """The kiosk's identity, rate limits, deadline and directory route, for an application
    whose core answers the endpoints. ``record_timeout(kiosk, body)`` audits a call its
    deadline aborted."""

    def __init__(self, identity: KioskIdentity, watch: KioskWatch, request_timeout: float,
                 record_timeout: Callable[[str, dict[str, Any]], None], logger: logging.Logger,
                 prefix: str) -> None:
        self.identity = identity
        self.watch = watch
        self._request_timeout = request_timeout
        self._record_timeout = record_timeout
        self._logger = logger
        self._prefix = prefix

    def _kiosk(self, request: web.Request) -> Standing:
        """The calling kiosk, checked against the register on every request."""
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        return self.identity.kiosk_for(ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None)

    def _version(self, answer: Callable[[], dict[str, Any]],
                 source: DirectoryFile | None) -> Callable[[web.Request], Awaitable[web.Response]]:
        """``GET /v1/version``: the core's answer, with the serial of the signed directory
        served at ``GET /v1/directory`` when there is one (checked with the anchor and
        current), so a kiosk that holds an older copy fetches the new one at once instead
        of up to ``directory_refresh`` later. The serial is a hint only: the kiosk believes
        the directory it then fetches and verifies, never the number."""

        async def version(request: web.Request) -> web.Response:
            self._kiosk(request)
            body = answer()
            published = source.current() if source is not None else None
            if published is not None and published.directory is not None:
                body = {**body, wire.DIRECTORY_SERIAL: published.directory.serial}
            return json_response(200, body)

        return version

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
            started = time.monotonic()
            body: dict[str, Any] = {}
            try:
                async with asyncio.timeout(self._request_timeout):
                    if request.content_length is not None and request.content_length > wire.MAX_BODY_BYTES:
                        raise ApiError(413, wire.TOO_LARGE)
                    body = schema.parse_body(await _read_limited(request))
                    answer = await handler(kiosk.kiosk_id, body)
            except TimeoutError:
                self._record_timeout(kiosk.kiosk_id, body)
                log.event(self._logger, f"{self._prefix}.timeout", logging.WARNING, kiosk=kiosk.kiosk_id,
                          code=wire.TIMEOUT, ms=int((time.monotonic() - started) * 1000))
                raise ApiError(503, wire.TIMEOUT) from None
            except ApiError as exc:
                self.watch.observe(kiosk, call, exc.code)
                raise
            self.watch.observe(kiosk, call, None)
            return json_response(200, answer)

        return endpoint
