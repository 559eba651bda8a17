"""The port to a municipal issuing server over mutual TLS, pinned to the directory.

One HTTP client per municipality (its own connection pool: a slow server holds only its
own connections), presenting the centre's federation certificate and accepting the server
only if its certificate chains to the federation CA *and* its SHA-256 is the one the
directory lists now (``Member.tls_cert_sha256``); the pin is checked at the handshake,
before the message is sent. A new pin in a new directory starts a new client.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from typing import Any

import aiohttp

from protocol.federation.directory import Member
from relay.centre.port import MunicipalityUnavailable
from relay.federation_tls import MAX_MESSAGE_BYTES, MESSAGE_PATH


class RemoteMunicipality:
    def __init__(self, member: Callable[[], Member | None], tls: ssl.SSLContext, connections: int = 32) -> None:
        self._member = member
        self._tls = tls
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        self._pin: str | None = None

    async def _client(self, member: Member) -> aiohttp.ClientSession:
        if self._session is None or self._pin != member.tls_cert_sha256:
            if self._session is not None:
                await self._session.close()
            # enable_cleanup_closed: a connection refused for its pin is aborted, not left open
            connector = aiohttp.TCPConnector(ssl=aiohttp.Fingerprint(bytes.fromhex(member.tls_cert_sha256)),
                                             limit=self._connections, enable_cleanup_closed=True)
            self._session = aiohttp.ClientSession(connector=connector)
            self._pin = member.tls_cert_sha256
        return self._session

    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        member = self._member()
        if member is None:
            raise MunicipalityUnavailable("not_listed")
        client = await self._client(member)
        try:
            async with client.post(member.endpoint.rstrip("/") + MESSAGE_PATH, json=message, ssl=self._tls) as resp:
                data = await resp.content.read(MAX_MESSAGE_BYTES + 1)
                if resp.status != 200 or len(data) > MAX_MESSAGE_BYTES:
                    raise MunicipalityUnavailable(f"http_{resp.status}")
        except aiohttp.ServerFingerprintMismatch as exc:
            raise MunicipalityUnavailable("tls_pin") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise MunicipalityUnavailable("connection") from exc
        try:
            answer = json.loads(data)
        except ValueError as exc:
            raise MunicipalityUnavailable("malformed") from exc
        if not isinstance(answer, dict):
            raise MunicipalityUnavailable("malformed")
        return answer

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
