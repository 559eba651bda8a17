"""Fault injection for federation tests (never in production code): a municipal server
that answers one request with the documents of the one before (the same-second overwrite
of the 2023 incidents), signed as its own answer, and one that is down or hangs."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.clock import Clock
from protocol.federation.envelope import Envelope, seal
from relay.centre.port import MunicipalityUnavailable
from relay.federation_local import InProcessMunicipality
from relay.municipal.server import MunicipalServer


class Swapper:
    """Wraps a server's ``handle``: each issue answer after the first is replaced by the
    previous issue's answer body, sealed with the server's own message key."""

    def __init__(self, handle: Callable[[Any], dict[str, Any]], key: Ed25519PrivateKey, clock: Clock) -> None:
        self._handle = handle
        self._key = key
        self._clock = clock
        self._lock = threading.Lock()
        self._previous: dict[str, Any] | None = None

    def __call__(self, message: Any) -> dict[str, Any]:
        reply = self._handle(message)
        env = Envelope.from_json(reply["envelope"])
        if message["envelope"]["kind"] != "issue" or env.kind != "answer":
            return reply
        with self._lock:
            previous, self._previous = self._previous, reply["body"]
        if previous is None:
            return reply
        return seal(previous, sender=env.sender, recipient=env.recipient, key=self._key, kind="answer",
                    now=self._clock.now(), in_reply_to=env.in_reply_to)


class OutcomeLiar:
    """Wraps a server's ``handle``: an ``outcomes`` batch is answered "recorded" for each
    outcome, none of them recorded (what the conformance kit's outcomes check must catch)."""

    def __init__(self, handle: Callable[[Any], dict[str, Any]], key: Ed25519PrivateKey, clock: Clock,
                 code: str) -> None:
        self._handle = handle
        self._key = key
        self._clock = clock
        self._code = code

    def __call__(self, message: Any) -> dict[str, Any]:
        env = message["envelope"]
        if env["kind"] != "outcomes":
            return self._handle(message)
        results = [{"request_id": o["request_id"], "recorded": True} for o in message["body"]["outcomes"]]
        return seal({"results": results}, sender=self._code, recipient=env["sender"], key=self._key, kind="answer",
                    now=self._clock.now(), in_reply_to=env["message_id"])


class SwappingMunicipality(InProcessMunicipality):
    """The in-process port over a server that swaps its answers (:class:`Swapper`)."""

    def __init__(self, server: MunicipalServer, message_key: Ed25519PrivateKey) -> None:
        super().__init__(server)
        self.handle = Swapper(server.handle, message_key, server.clock)


class DownMunicipality:
    """A server that does not answer: refused at once, or hanging (``hang``) until the
    centre's deadline cancels the call."""

    def __init__(self, hang: bool = False) -> None:
        self.hang = hang
        self.calls = 0

    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        self.calls += 1
        if self.hang:
            await asyncio.Event().wait()
        raise MunicipalityUnavailable("connection_refused")

    async def close(self) -> None:
        return None


class KillableMunicipality(InProcessMunicipality):
    """An in-process server that can be killed and restarted (``down``): while down every
    call fails as a refused connection would."""

    def __init__(self, server: MunicipalServer) -> None:
        super().__init__(server)
        self.down = False

    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        if self.down:
            raise MunicipalityUnavailable("connection_refused")
        return await super().exchange(message)
