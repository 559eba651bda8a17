"""In-process adapters: a card object in this process instead of PC/SC.

Any object with ``process(apdu) -> bytes`` (an R-APDU: data then SW1 SW2) can be a card,
typically ``hardware_mocks.vcard.VirtualCard``. :class:`InProcessReader` adds what a
physical reader has and tests need: insertion, removal, a card pulled during the N-th
command, presence waiting for the watcher, and stale handles after a swap.
"""

from __future__ import annotations

import threading
from typing import Protocol

from kiosk.card.apdu import split_response
from kiosk.card.errors import CardRemoved
from kiosk.card.transport import trace


class CardLike(Protocol):
    def process(self, apdu: bytes | bytearray) -> bytes: ...


class InProcessTransport:
    """Transport straight into ``card.process``; traced like the PC/SC transport."""

    def __init__(self, card: CardLike, name: str = "in-process") -> None:
        self._card: CardLike | None = card
        self.name = name

    def transmit(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        if self._card is None:
            raise CardRemoved()
        data, sw = split_response(self._card.process(apdu))
        trace(self.name, apdu, data, sw)
        return data, sw

    def close(self) -> None:
        self._card = None


class InProcessReader:
    """A software reader holding at most one card object.

    ``pull_after(n)``: the n-th command from now reaches the card (its effects, e.g. a
    wrong-PIN count, happen) but the answer is lost: the card is gone and ``transmit``
    raises ``CardRemoved``, as when a customer pulls the card mid-command.
    """

    name = "In-process Virtual Reader"

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            self.name = name
        self._cond = threading.Condition()
        self._card: CardLike | None = None
        self._generation = 0
        self._pull_countdown: int | None = None
        self._cancelled = False
        self.commands = 0  # APDUs delivered to cards, for tests and benchmarks

    @property
    def virtual(self) -> bool:
        return True

    def insert(self, card: CardLike) -> None:
        with self._cond:
            self._card = card
            self._generation += 1
            self._pull_countdown = None
            self._cond.notify_all()

    def remove(self) -> None:
        with self._cond:
            if self._card is not None:
                self._card = None
                self._generation += 1
                self._pull_countdown = None
                self._cond.notify_all()

    def pull_after(self, n: int) -> None:
        if n < 1:
            raise ValueError("pull_after needs n >= 1")
        with self._cond:
            self._pull_countdown = n

    @property
    def card(self) -> CardLike | None:
        return self._card

    def card_present(self) -> bool:
        return self._card is not None

    def atr(self) -> bytes | None:
        card = self._card
        if card is None:
            return None
        return bytes(getattr(card, "atr", b"\x3b\x00"))

    def connect(self) -> _ReaderTransport:
        with self._cond:
            if self._card is None:
                raise CardRemoved()
            reset = getattr(self._card, "reset", None)
            if reset is not None:
                reset()
            return _ReaderTransport(self, self._generation)

    def status(self) -> dict[str, object]:
        return {"reader": self.name, "present": self._card is not None,
                "pull_after": self._pull_countdown, "commands": self.commands}

    def wait_for_change(self, present: bool, timeout: float) -> bool:
        with self._cond:
            self._cancelled = False
            self._cond.wait_for(lambda: (self._card is not None) != present or self._cancelled,
                                timeout)
            return self._card is not None

    def cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            self._cond.notify_all()

    def _transmit(self, generation: int, apdu: bytes | bytearray) -> bytes:
        with self._cond:
            card = self._card
            if card is None or generation != self._generation:
                raise CardRemoved()
            self.commands += 1
            response = card.process(apdu)
            if self._pull_countdown is not None:
                self._pull_countdown -= 1
                if self._pull_countdown == 0:
                    self._card = None
                    self._generation += 1
                    self._pull_countdown = None
                    self._cond.notify_all()
                    raise CardRemoved()
            return response


class _ReaderTransport:
    """A handle on the card that was present at connect time; stale once it is gone."""

    def __init__(self, reader: InProcessReader, generation: int) -> None:
        self._reader: InProcessReader | None = reader
        self._generation = generation

    def transmit(self, apdu: bytes | bytearray) -> tuple[bytes, int]:
        reader = self._reader
        if reader is None:
            raise CardRemoved()
        try:
            response = reader._transmit(self._generation, apdu)
        except CardRemoved:
            trace(reader.name, apdu, None, None)
            raise
        data, sw = split_response(response)
        trace(reader.name, apdu, data, sw)
        return data, sw

    def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            with reader._cond:
                card = reader._card
                if card is not None and reader._generation == self._generation:
                    reset = getattr(card, "reset", None)
                    if reset is not None:
                        reset()
