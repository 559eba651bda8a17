"""The port to a municipal issuing server over mutual TLS, pinned to the directory.

One HTTP client per municipality (its own connection pool: a slow server holds only its
own connections), presenting the centre's federation certificate and accepting the server
only if its certificate chains to the federation CA *and* its SHA-256 is the one the
directory lists now (``Member.tls_cert_sha256``); the pin is checked at the handshake,
before the message is sent. A new pin in a new directory starts a new client.

A server run as several nodes on one database lists each node (``Member.endpoints``):
when a node cannot be reached, does not answer within its share of the deadline or
answers 5xx, the *same* signed message (same request id) goes to the next node. That is
safe because the nodes share the history: a request the first node stored before it died
gets the stored answer from the next, never new numbers. A refusal at the handshake (the
pin), a 4xx or an answer that is no JSON object is not passed on: another node would
say the same.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from typing import Any

import aiohttp
import msgspec

from protocol import log
from protocol.federation.directory import Member
from relay.centre.port import MessageRefused, MunicipalityUnavailable
from relay.federation_tls import MAX_MESSAGE_BYTES, MESSAGE_PATH

LOG = logging.getLogger("relay.centre.remote")
#: Messages are encoded by msgspec (a tenth of the standard library's time, on the centre's
#: event loop); what is signed is the body's canonical form, not these bytes.
_JSON = {"Content-Type": "application/json"}


class _NextNode(Exception):
    """This node could not answer; the next one may."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def _whole_body(resp: aiohttp.ClientResponse) -> bytes | None:
    """The answer's whole body, or None once it passes :data:`MAX_MESSAGE_BYTES`. (The
    stream's ``read(n)`` returns what has arrived so far: a document answer larger than a
    few TLS records came cut, and was taken for a malformed one.)"""
    if resp.content_length is not None and resp.content_length > MAX_MESSAGE_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_any():
        size += len(chunk)
        if size > MAX_MESSAGE_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class RemoteMunicipality:
    def __init__(self, member: Callable[[], Member | None], tls: ssl.SSLContext, connections: int = 32,
                 deadline: float | None = None) -> None:
        """``deadline``: the seconds one exchange may take in all (the centre's bulkhead
        deadline); each node gets an equal share, so a node that hangs leaves the next
        its time. None: no limit here (the caller's)."""
        self._member = member
        self._tls = tls
        self._connections = connections
        self._deadline = deadline
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
        share = None if self._deadline is None else self._deadline / len(member.endpoints)
        reason = "connection"
        for n, endpoint in enumerate(member.endpoints):
            try:
                data = await self._post(client, endpoint, message, share)
            except _NextNode as exc:
                reason = exc.reason
                log.event(LOG, "centre.municipal_node_failed", logging.WARNING, municipality=member.code, step=n,
                          reason=reason, count=len(member.endpoints))
                continue
            try:
                answer = msgspec.json.decode(data)
            except ValueError as exc:  # msgspec.DecodeError is a ValueError
                raise MunicipalityUnavailable("malformed") from exc
            if not isinstance(answer, dict):
                raise MunicipalityUnavailable("malformed")
            return answer
        raise MunicipalityUnavailable(reason)

    async def _post(self, client: aiohttp.ClientSession, endpoint: str, message: dict[str, Any],
                    timeout: float | None) -> bytes:
        """The answer's bytes from one node; :class:`_NextNode` if it could not answer."""
        limit = client.timeout if timeout is None else aiohttp.ClientTimeout(total=timeout)
        try:
            async with client.post(endpoint.rstrip("/") + MESSAGE_PATH, data=msgspec.json.encode(message),
                                   headers=_JSON, ssl=self._tls, timeout=limit) as resp:
                data = await _whole_body(resp)
                if resp.status >= 500:
                    raise _NextNode(f"http_{resp.status}")
                if resp.status == 403:
                    raise MessageRefused("http_403")
                if resp.status != 200:
                    raise MunicipalityUnavailable(f"http_{resp.status}")
                if data is None:
                    raise MunicipalityUnavailable("too_large")
                return data
        except aiohttp.ServerFingerprintMismatch as exc:
            raise MunicipalityUnavailable("tls_pin") from exc
        except TimeoutError as exc:  # this node's share of the deadline (the caller's own ends in a cancel)
            raise _NextNode("timeout") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _NextNode("connection") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
