"""A speech engine for tests: it records every sentence it is asked to say.

:class:`RecordingVoice` stands in for the kiosk's offline voices (or wraps one of them,
``inner``, to make real audio). What it records is exactly what the synthesiser was
handed, so a test can check that no PIN digit, name or address was ever among it. On
its own it makes a quiet tone as long as the sentence would take to say, so the
playback path runs as in service.
"""

from __future__ import annotations

import copy
import math
import struct
import threading
from collections.abc import Mapping

from kiosk.speech.port import Audio, Synthesiser

LANGUAGES = frozenset({"ja", "en", "zh", "ko", "vi", "pt"})
RATE = 16000


def tone(seconds: float, freq: float = 440.0) -> Audio:
    n = max(1, int(RATE * seconds))
    pcm = b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * freq * i / RATE)))
                   for i in range(n))
    return Audio(pcm, RATE)


class RecordingVoice:
    """Records ``(language, text)`` of every request, and how long its audio is; speaks
    through ``inner`` (one engine per language, e.g. ``offline_voices()``) if given."""

    name = "recording"

    def __init__(self, inner: Mapping[str, Synthesiser] | None = None,
                 languages: frozenset[str] = LANGUAGES) -> None:
        self.inner = dict(inner) if inner is not None else None
        self.languages = languages if inner is None else frozenset(inner)
        self.said: list[tuple[str, str]] = []
        #: Each sentence with its audio's length, in the order made (sentences are made on
        #: several threads at once, so this is not the order of ``said``)
        self.made: list[tuple[str, float]] = []
        self.speed = 1.0
        self.speeds: list[float] = []  # the rate of each sentence, in the order said
        self._lock = threading.Lock()

    def synthesise(self, text: str, language: str) -> Audio:
        with self._lock:
            self.said.append((language, text))
            self.speeds.append(self.speed)
        if self.inner is not None:
            audio = self.inner[language].synthesise(text, language)
        else:
            audio = tone(min(4.0, 0.2 + 0.02 * len(text)) / self.speed)
        with self._lock:
            self.made.append((text, audio.seconds))
        return audio

    def identity(self, language: str) -> str:
        if self.inner is not None:
            return self.inner[language].identity(language)
        return f"{self.name} tone {RATE} {self.speed:g}"

    def with_speed(self, speed: float) -> RecordingVoice:
        """The same recorder (one list of what was said) at another rate."""
        other = copy.copy(self)
        other.speed = self.speed * speed
        if self.inner is not None:
            other.inner = {k: v.with_speed(speed) for k, v in self.inner.items()}
        return other

    def texts(self) -> list[str]:
        with self._lock:
            return [text for _, text in self.said]
