"""The speech port: what the kiosk asks of a voice, whichever engine speaks.

A :class:`Synthesiser` turns a sentence of one language into :class:`Audio` (16-bit mono
PCM); a :class:`Player` sends audio to the speaker or to the earphone. Both are given only
the kiosk's own sentences: screen texts, choices, amounts, "digit entered". The callers
never pass a PIN digit, a name or an address (the UI holds none; the tests check the
sentences handed over).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Route(StrEnum):
    """Where speech goes. With an earphone plugged in, only to the earphone (EN 301 549
    5.1.3.9: private listening), so nothing of the session is heard around the terminal."""

    SPEAKER = "speaker"
    EARPHONE = "earphone"


class SpeechError(Exception):
    """A voice could not be made or played; the screen goes on without it."""


@dataclass(frozen=True)
class Audio:
    """Signed 16-bit little-endian mono samples at ``rate`` Hz."""

    pcm: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / 2 / self.rate if self.rate else 0.0


class Synthesiser(Protocol):
    """One engine's voices. ``languages`` are the kiosk's language codes it speaks."""

    name: str
    languages: frozenset[str]

    def synthesise(self, text: str, language: str) -> Audio: ...

    def identity(self, language: str) -> str:
        """What this engine's audio of a text depends on (engine, voice, speed, rate): the
        phrase cache's key, so a new voice or speed never plays an old phrase."""
        ...

    def with_speed(self, speed: float) -> Synthesiser:
        """The same voice at ``speed`` times this one's rate (a customer's rate key)."""
        ...


class Player(Protocol):
    """Plays audio on a route. ``play`` blocks until the audio ended or :meth:`stop` was
    called (from another thread); ``on_start`` is called as the first sample is handed
    over."""

    def play(self, audio: Audio, route: Route, on_start: OnStart | None = None) -> None: ...

    def stop(self) -> None: ...


class OnStart(Protocol):
    def __call__(self) -> None: ...
