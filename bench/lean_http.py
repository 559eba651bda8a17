"""A lean HTTP/1.1 client for load generators: one TLS connection, JSON requests one after
the other on it, nothing else.

The simulated kiosks of :mod:`bench.federation` run on the same cores as the services they
measure, so every millisecond of their own CPU is one the services do not get. aiohttp's
client (a session, a connector and a pool per kiosk session, its request and response
machinery) cost about 3.8 ms of CPU a session there; a kiosk's session needs only what this
module does — what the kiosk's own ``http.client`` adapter does, asynchronously: connect,
write a request with a ``Content-Length``, read the status line, the headers and exactly
the announced body.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from types import TracebackType
from typing import Any

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024


class HttpError(Exception):
    """The server's answer was not HTTP/1.1 with a JSON body of announced length."""


class Connection:
    """``async with Connection(host, port, tls) as c: status, answer = await c.post(path, body)``."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        """``tls`` None: plain TCP (tests)."""
        self._host, self._port, self._tls = host, port, tls
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection(
            self._host, self._port, ssl=self._tls, server_hostname=self._host if self._tls else None)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except (OSError, ssl.SSLError):  # the server closed first: nothing left to say
                pass

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The status and the JSON object the server answered ``body`` with."""
        assert self._reader is not None and self._writer is not None, "use the connection in 'async with'"
        payload = json.dumps(body, separators=(",", ":")).encode()
        self._writer.write(f"POST {path} HTTP/1.1\r\nHost: {self._host}:{self._port}\r\n"
                           f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode()
                           + payload)
        try:
            head = await self._reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise HttpError("headers too long") from exc
        except asyncio.IncompleteReadError as exc:
            raise ConnectionResetError("the server closed the connection") from exc
        if len(head) > MAX_HEADER_BYTES:
            raise HttpError("headers too long")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise HttpError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
        length = None
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length is None or not 0 <= length <= MAX_BODY_BYTES:
            raise HttpError("no Content-Length, or too long a body")
        try:
            data = await self._reader.readexactly(length)
        except asyncio.IncompleteReadError as exc:
            raise ConnectionResetError("the server closed the connection mid-body") from exc
        answer = json.loads(data)
        if not isinstance(answer, dict):
            raise HttpError("the answer is not a JSON object")
        return int(parts[1]), answer
