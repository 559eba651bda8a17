"""Listening sockets with connection hygiene, for every listener of the relay.

A connection that never finishes its TLS handshake, or sends a header a byte a second,
costs the relay a file descriptor and nothing else; a few thousand of them stopped
issuing once (the kiosk API ran out of descriptors and asyncio logged an error for every
refused accept). So each listener here:

- accepts in its own loop and caps the connections it holds: in total and per source
  address. At the total cap, a new connection displaces the oldest one that has not yet
  sent a complete request head (a handshake or a header still under way); a connection
  that has sent one is never displaced. Over the per-source cap, the new connection is
  closed at once (reset, no handshake);
- gives the TLS handshake ``handshake_timeout`` seconds, the request head
  ``header_timeout`` seconds from the connection (or from its first byte, on a kept-alive
  connection), and an idle kept-alive connection ``idle_timeout`` seconds;
- answers every error of the HTTP parser (a header over the size limit, too many
  headers, Content-Length with chunked encoding …) as the protocol's JSON error, with a
  code and never a byte of the request;
- counts connection errors by kind and logs one summary line per kind per interval, so a
  flood writes a few lines a minute instead of thousands a second.

The caps are per process; :func:`relay.connection_limits.check_descriptor_limit` refuses to start a process whose
open-file limit is below what its caps need.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import socket
import ssl
import struct
from collections import Counter
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestHandler

from protocol import log, wire
from relay.connection_limits import ConnectionLimits

LOG = logging.getLogger("relay.connections")
#: No access log: a line per request would be a line per flood connection too.
NO_ACCESS_LOG = logging.getLogger("relay.access")
NO_ACCESS_LOG.disabled = True
SUMMARY_INTERVAL = 10.0
MAX_HEADERS = 64  # the kiosk sends five; a browser about twenty
MAX_FIELD_SIZE = 8190


class ErrorTally:
    """Connection errors counted by kind; one log line per kind per interval.

    ``flush`` runs every ``SUMMARY_INTERVAL`` seconds from :meth:`Listener.start`; the
    asyncio loop's exception handler reports here too, so nothing about connections is
    logged once per event."""

    def __init__(self, listener: str) -> None:
        self.listener = listener
        self.counts: Counter[str] = Counter()
        self.total: Counter[str] = Counter()  # since start (tests, benchmarks)

    def note(self, kind: str) -> None:
        self.counts[kind] += 1
        self.total[kind] += 1

    def flush(self) -> None:
        for kind, count in sorted(self.counts.items()):
            log.event(LOG, "relay.connection_errors", logging.WARNING, mode=self.listener, kind=kind, count=count,
                      ms=int(SUMMARY_INTERVAL * 1000))
        self.counts.clear()

    def loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The event loop's exception handler: counted, never logged one by one."""
        exc = context.get("exception")
        self.note("loop_" + (type(exc).__name__ if exc is not None else "error"))


def error_response(status: int, code: str, field: str | None = None) -> web.Response:
    """The protocol's error answer: ``{"error": {"code", "field"?}}``, nothing else."""
    error: dict[str, str] = {"code": code}
    if field:
        error["field"] = field
    body = json.dumps({"error": error}, separators=(",", ":")).encode()
    return web.Response(status=status, body=body, content_type="application/json")


def parser_error(exc: BaseException | None, status: int) -> tuple[int, str]:
    """The status and code of an error aiohttp met before any handler ran."""
    if isinstance(exc, LineTooLong):
        return 431, wire.HEADER_TOO_LARGE
    if isinstance(exc, HttpProcessingError):
        if "too many headers" in str(exc.message).lower():
            return 431, wire.TOO_MANY_HEADERS
        return 400, wire.BAD_HTTP
    if status == 504:
        return 503, wire.TIMEOUT
    return 500, wire.INTERNAL


class _Connection:
    """One accepted connection, from accept to close."""

    __slots__ = ("source", "task", "handler", "waiting_head", "released")

    def __init__(self, source: str) -> None:
        self.source = source
        self.task: asyncio.Task[None] | None = None  # the handshake, until it ends
        self.handler: GuardedHandler | None = None
        self.waiting_head = True  # no complete request head yet: may be displaced
        self.released = False

    def abort(self) -> None:
        if self.handler is not None and self.handler.transport is not None:
            self.handler.transport.abort()
        elif self.task is not None:
            self.task.cancel()  # cancelling the handshake aborts its transport


class GuardedHandler(RequestHandler):
    """aiohttp's connection handler with deadlines on the request head and on idleness,
    and JSON answers for the errors aiohttp meets itself."""

    def __init__(self, manager: web.Server, *, listener: Listener, connection: _Connection,
                 loop: asyncio.AbstractEventLoop) -> None:
        limits = listener.limits
        super().__init__(manager, loop=loop, keepalive_timeout=limits.idle_timeout,
                         access_log=NO_ACCESS_LOG,
                         max_headers=MAX_HEADERS, max_field_size=MAX_FIELD_SIZE, max_line_size=MAX_FIELD_SIZE,
                         lingering_time=1.0)
        self._listener = listener
        self._connection = connection
        self._timer: asyncio.TimerHandle | None = None
        self._head_started = False
        self._busy = 0

    # -- deadlines ------------------------------------------------------------------------
    def _arm(self, seconds: float, kind: str) -> None:
        self._disarm()
        self._timer = self._loop.call_later(seconds, self._expire, kind)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expire(self, kind: str) -> None:
        self._timer = None
        if kind != "idle_timeout":  # an idle kiosk connection closing is normal
            self._listener.errors.note(kind)
        if self.transport is not None:
            self.transport.abort()  # no TLS shutdown to wait for

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._connection.handler = self
        self._head_started = True  # the first head's deadline runs from the handshake
        self._arm(self._listener.limits.header_timeout, "header_timeout")

    def data_received(self, data: bytes) -> None:
        if not self._busy and not self._head_started and data:
            self._head_started = True  # the next head has begun: it must end in time
            self._arm(self._listener.limits.header_timeout, "header_timeout")
        super().data_received(data)

    def request_started(self) -> None:
        self._busy += 1
        self._disarm()
        self._connection.waiting_head = False
        self._listener.established(self._connection)

    def request_finished(self) -> None:
        self._busy -= 1
        if not self._busy:
            self._head_started = False
            self._arm(self._listener.limits.idle_timeout, "idle_timeout")

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm()
        super().connection_lost(exc)
        self._listener.release(self._connection)

    # -- errors ---------------------------------------------------------------------------
    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """aiohttp's own error answers (a malformed request, an unhandled exception) as
        the protocol's JSON: a code, never the request's bytes nor a traceback."""
        status, code = parser_error(exc, status)
        self._listener.errors.note(code)
        if request.writer.output_size > 0:
            raise ConnectionError("an answer was already started")
        response = error_response(status, code)
        response.force_close()
        return response


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tell the connection a request head is complete (its head deadline ends) and when
    its answer is ready (the idle deadline starts)."""
    protocol = request.protocol
    if not isinstance(protocol, GuardedHandler):
        return await handler(request)
    protocol.request_started()
    try:
        return await handler(request)
    finally:
        protocol.request_finished()


class Listener:
    """Serve one aiohttp application on one listening socket, with the limits above."""

    def __init__(self, runner: web.AppRunner, sock: socket.socket, tls: ssl.SSLContext | None,
                 limits: ConnectionLimits, name: str) -> None:
        self.runner = runner
        self.sock = sock
        self.tls = tls
        self.limits = limits
        self.errors = ErrorTally(name)
        self._open: dict[_Connection, None] = {}  # in accept order
        self._waiting: dict[_Connection, None] = {}  # not yet a complete head, oldest first
        self._per_source: Counter[str] = Counter()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def open_connections(self) -> int:
        return len(self._open)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.sock.setblocking(False)
        self._tasks = [loop.create_task(self._accept_loop()), loop.create_task(self._summaries())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for connection in list(self._open):
            connection.abort()
        self.errors.flush()

    async def _summaries(self) -> None:
        while True:
            await asyncio.sleep(SUMMARY_INTERVAL)
            self.errors.flush()

    async def _accept_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                conn, address = await loop.sock_accept(self.sock)
            except OSError as exc:  # out of descriptors or memory: wait, never spin or log each
                self.errors.note("accept_" + (errno.errorcode.get(exc.errno or 0, "failed")).lower())
                await asyncio.sleep(0.1)
                continue
            source = str(address[0]) if isinstance(address, tuple) else "local"
            if not await self._admit(source):
                _reset(conn)
                continue
            connection = _Connection(source)
            self._open[connection] = None
            self._waiting[connection] = None
            self._per_source[source] += 1
            connection.task = loop.create_task(self._handshake(connection, conn))

    async def _admit(self, source: str) -> bool:
        if self._per_source[source] >= self.limits.max_per_source:
            self.errors.note("refused_per_source")
            return False
        if len(self._open) < self.limits.max_connections:
            return True
        oldest = next(iter(self._waiting), None)
        if oldest is None:
            self.errors.note("refused_at_cap")
            return False
        del self._waiting[oldest]
        self.errors.note("displaced")
        oldest.abort()
        await asyncio.sleep(0)  # let the displaced connection close before the new one opens
        return True

    async def _handshake(self, connection: _Connection, conn: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        server = self.runner.server
        assert server is not None

        def factory() -> GuardedHandler:
            return GuardedHandler(server, listener=self, connection=connection, loop=loop)

        try:
            if self.tls is None:
                await loop.connect_accepted_socket(factory, conn)
            else:
                await loop.connect_accepted_socket(factory, conn, ssl=self.tls,
                                                   ssl_handshake_timeout=self.limits.handshake_timeout,
                                                   ssl_shutdown_timeout=self.limits.handshake_timeout)
        except asyncio.CancelledError:
            conn.close()
            self.release(connection)
        except (OSError, ssl.SSLError, TimeoutError) as exc:
            conn.close()
            self.errors.note(_handshake_error(exc))
            self.release(connection)
        finally:
            connection.task = None

    def established(self, connection: _Connection) -> None:
        self._waiting.pop(connection, None)

    def release(self, connection: _Connection) -> None:
        if connection.released:
            return
        connection.released = True
        self._open.pop(connection, None)
        self._waiting.pop(connection, None)
        self._per_source[connection.source] -= 1
        if self._per_source[connection.source] <= 0:
            del self._per_source[connection.source]


def _handshake_error(exc: BaseException) -> str:
    if isinstance(exc, ConnectionAbortedError | TimeoutError):  # asyncio's handshake deadline
        return "handshake_timeout"
    if isinstance(exc, ssl.SSLError) and not isinstance(exc, ssl.SSLEOFError):
        return "handshake_failed"  # not TLS 1.3, no or a foreign client certificate, not TLS at all
    return "handshake_closed"  # the client went away


def _reset(conn: socket.socket) -> None:
    """Close at once with a reset: no handshake, no TIME_WAIT."""
    with contextlib.suppress(OSError):
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


async def serve(app: web.Application, sock: socket.socket, tls: ssl.SSLContext | None, limits: ConnectionLimits,
                name: str) -> tuple[web.AppRunner, Listener]:
    """Set up ``app`` (its middlewares get :func:`guard_middleware` first) and start
    listening on ``sock``; stop with :func:`stop`."""
    app.middlewares.insert(0, guard_middleware)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    listener = Listener(runner, sock, tls, limits, name)
    asyncio.get_running_loop().set_exception_handler(listener.errors.loop_exception)
    await listener.start()
    return runner, listener


async def stop(runner: web.AppRunner, listener: Listener) -> None:
    await listener.close()
    await runner.cleanup()

