"""A transport that answers from a script and records every command, for exact-byte tests."""

from __future__ import annotations

from kiosk.card.errors import CardLayerError


class ScriptedTransport:
    def __init__(self, *replies: str | CardLayerError) -> None:
        self.replies = list(replies)
        self.sent: list[bytes] = []
        self.closed = False

    def transmit(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        self.sent.append(bytes(apdu))
        reply = self.replies.pop(0)
        if isinstance(reply, CardLayerError):
            raise reply
        raw = bytes.fromhex(reply)
        return raw[:-2], int.from_bytes(raw[-2:], "big")

    def close(self) -> None:
        self.closed = True

    def hex(self) -> list[str]:
        return [a.hex().upper() for a in self.sent]
