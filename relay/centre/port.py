"""The port through which the centre reaches one municipality's issuing server.

An adapter carries one signed message (:mod:`protocol.federation.envelope`) and brings back
the signed answer; it does not open or trust either: the centre seals and checks. The
in-process adapter (:mod:`relay.federation_local`) calls a server in the same process, the
remote one (:mod:`relay.centre.remote`) speaks mutual TLS to the server's endpoint.
"""

from __future__ import annotations

from typing import Any, Protocol


class MunicipalityUnavailable(Exception):
    """The municipality's server could not answer (down, slow, overloaded, circuit open,
    or it answered something that is not a message). Nothing was issued for the kiosk."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MessageRefused(MunicipalityUnavailable):
    """The server answered, refusing the message as such (its envelope, kind or signature:
    HTTP 403): the same message would be refused again, here or at another node. A server
    from before a message kind refuses that kind this way."""


class Municipality(Protocol):
    async def exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        """Deliver ``message`` and return the server's signed answer; raises
        :class:`MunicipalityUnavailable` when there is none."""

    async def close(self) -> None: ...
