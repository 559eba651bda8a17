"""``bench.lean_http`` reads exactly the announced body of each answer on one connection,
and turns answers it cannot trust into errors, never into a wrong result or a hang."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bench.lean_http import Connection, HttpError

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _with_server(answer: Answer, calls: Callable[[Connection], Awaitable[object]]) -> object:
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Connection("127.0.0.1", port, None) as connection:
            return await asyncio.wait_for(calls(connection), 30)
    finally:
        server.close()
        await server.wait_closed()


async def _request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length"))
    return await reader.readexactly(length)


async def _close(writer: asyncio.StreamWriter) -> None:
    await writer.drain()
    writer.close()
    await writer.wait_closed()


def test_several_requests_on_one_connection() -> None:
    seen: list[bytes] = []

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for n in range(2):
            body = await _request(reader)
            seen.append(body)
            answer = b'{"n":%d,"got":%s}' % (n, body)
            writer.write(b"HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                         % (200 if n == 0 else 409, len(answer), answer))
        await _close(writer)

    async def calls(c: Connection) -> object:
        return [await c.post("/v1/a", {"x": 1}), await c.post("/v1/b", {"y": "é"})]

    assert asyncio.run(_with_server(echo, calls)) == [(200, {"n": 0, "got": {"x": 1}}),
                                                      (409, {"n": 1, "got": {"y": "é"}})]
    assert len(seen) == 2


@pytest.mark.parametrize("answer, error", [
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", HttpError),
    (b"SMTP ready\r\n\r\n", HttpError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", HttpError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}", ConnectionResetError),
    (b"HTTP/1.1 200 OK\r\nContent-Len", ConnectionResetError),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n{x}", ValueError),
])
def test_an_answer_it_cannot_trust_is_an_error(answer: bytes, error: type[Exception]) -> None:
    async def bad(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(answer)
        await _close(writer)

    async def calls(c: Connection) -> object:
        return await c.post("/v1/a", {})

    with pytest.raises(error):
        asyncio.run(_with_server(bad, calls))
