"""The speech service: sentences in, sound out, on a thread of its own.

The UI hands it sentences and returns at once; a thread of the service makes each
sentence's audio (from the cache when the sentence was said before or prepared ahead) and
plays it, while a second one makes the fixed sentences ahead, so preparing never delays
what a screen has to say. A new
request interrupts what is being said (EN 301 549 5.1.3.5: speech stops when the user
acts and when new speech starts); ``interrupt=False`` queues behind it instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kiosk.speech.port import Audio, Player, Route, SpeechError, Synthesiser
from protocol import log

LOG = logging.getLogger("kiosk.speech")
CACHE_BYTES = 48 * 1024 * 1024  # audio kept: every fixed sentence of two languages


@dataclass(frozen=True)
class _Item:
    generation: int
    text: str
    language: str
    asked: float  # time.monotonic() of the request (latency to the first sample)
    play: bool = True  # False: prepare only (fill the cache)
    first: bool = False  # the first sentence of its request
    tag: str = ""  # what asked (``screen``: a screen change), for the latency measure


class SpeechService:
    """``voices`` maps a kiosk language code to the engine that speaks it."""

    def __init__(self, voices: Mapping[str, Synthesiser], player: Player, *,
                 on_first_sample: Callable[[float, str], None] | None = None) -> None:
        self.voices = dict(voices)
        self.player = player
        self.route = Route.SPEAKER
        #: Called with the seconds from a request to its first sample, and its tag
        self.on_first_sample = on_first_sample
        self._cache: OrderedDict[tuple[str, str], Audio] = OrderedDict()
        self._cached_bytes = 0
        self._queue: list[_Item] = []
        self._generation = 0
        self._cond = threading.Condition()
        self._closed = False
        # one thread says, another makes sentences ahead: a sentence being prepared never
        # delays what a screen has to say
        self._threads = [threading.Thread(target=self._run, args=(play,), daemon=True,
                                          name="speech" if play else "speech-prepare")
                         for play in (True, False)]
        for thread in self._threads:
            thread.start()

    def speaks(self, language: str) -> bool:
        return language in self.voices

    def say(self, sentences: Sequence[str], language: str, *, interrupt: bool = True,
            tag: str = "") -> None:
        """Say ``sentences`` in order; by default stop whatever is being said first."""
        if language not in self.voices:
            return
        now = time.monotonic()
        said = [s for s in sentences if s.strip()]
        with self._cond:
            if interrupt:
                self._generation += 1
                self._queue = [i for i in self._queue if not i.play]
            self._queue += [_Item(self._generation, s, language, now, first=i == 0, tag=tag)
                            for i, s in enumerate(said)]
            self._cond.notify_all()
        if interrupt:
            self.player.stop()

    def prepare(self, sentences: Iterable[str], language: str) -> None:
        """Make these sentences' audio ahead, when nothing is to be said (fixed phrases)."""
        if language not in self.voices:
            return
        with self._cond:
            self._queue += [_Item(-1, s, language, 0.0, play=False) for s in sentences
                            if s.strip() and (language, s) not in self._cache]
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._generation += 1
            self._queue = [i for i in self._queue if not i.play]
        self.player.stop()

    def idle(self) -> bool:
        """Nothing is being said or waits to be said."""
        with self._cond:
            return not any(i.play for i in self._queue) and not self._busy

    def prepared(self) -> bool:
        """Every sentence given to :meth:`prepare` has its audio."""
        with self._cond:
            return not any(not i.play for i in self._queue) and not self._preparing

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        self.player.stop()
        for thread in self._threads:
            thread.join(timeout=5)

    # -- the speech thread ---------------------------------------------------------------

    _busy = False  # a sentence is being made or played for a request
    _preparing = False  # a sentence is being made ahead

    def _next(self, play: bool) -> _Item | None:
        """The next item for the saying (``play``) or the preparing thread."""
        with self._cond:
            while not self._closed:
                item = next((i for i in self._queue if i.play == play), None)
                if item is not None:
                    self._queue.remove(item)
                    if play and item.generation != self._generation:
                        continue
                    if play:
                        self._busy = True
                    else:
                        self._preparing = True
                    return item
                if play:
                    self._busy = False
                else:
                    self._preparing = False
                self._cond.wait()
        return None

    def _run(self, play: bool) -> None:
        while (item := self._next(play)) is not None:
            try:
                audio = self.audio(item.text, item.language)
                if item.play and item.generation == self._generation:
                    self.player.play(audio, self.route, lambda i=item: self._started(i))
            except SpeechError as exc:
                log.event(LOG, "speech.failed", logging.WARNING, language=item.language,
                          kind=type(exc).__name__)
            except Exception as exc:  # a broken voice must not end the kiosk
                log.event(LOG, "speech.failed", logging.ERROR, language=item.language,
                          kind=type(exc).__name__)
            finally:
                with self._cond:
                    if play:
                        self._busy = False
                    else:
                        self._preparing = False

    def _started(self, item: _Item) -> None:
        if self.on_first_sample is not None and item.first:
            self.on_first_sample(time.monotonic() - item.asked, item.tag)

    def audio(self, text: str, language: str) -> Audio:
        """The sentence's audio, made once and then kept."""
        key = (language, text)
        with self._cond:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        audio = self.voices[language].synthesise(text, language)
        with self._cond:
            if key not in self._cache:
                self._cache[key] = audio
                self._cached_bytes += len(audio.pcm)
            while self._cached_bytes > CACHE_BYTES and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= len(dropped.pcm)
        return audio
