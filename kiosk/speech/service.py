"""The speech service: sentences in, sound out, on a thread of its own.

The UI hands it sentences and returns at once; a thread of the service makes each
sentence's audio and plays it, while a second one makes the fixed sentences ahead, so
preparing never delays what a screen has to say. A sentence's audio comes, fastest first,
from memory (said before), from the phrase cache on disk (a fixed sentence, made at
installation or at an earlier start: :mod:`kiosk.speech.phrases`), from kept pieces (a
Japanese sentence with an amount or a count), or from the engine. A new request
interrupts what is being said (EN 301 549 5.1.3.5: speech stops when the user acts and
when new speech starts); ``interrupt=False`` queues behind it instead.

The customer's volume and speech rate (the keypad's volume and speed keys) apply to what
is said next; :meth:`SpeechService.reset` puts both back for the next customer
(EN 301 549 5.1.3.13).
"""

from __future__ import annotations

import array
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kiosk.speech import phrases
from kiosk.speech.phrases import PhraseStore
from kiosk.speech.port import Audio, Player, Route, SpeechError, Synthesiser
from protocol import log

LOG = logging.getLogger("kiosk.speech")
CACHE_BYTES = 48 * 1024 * 1024  # audio kept: every fixed sentence of two languages
#: The customer's volume steps: a gain on the samples around the terminal's own level
#: (1.0, the amplifier as the terminal maker set it; the loudest step reaches at most
#: 65 dBA at the speaker, EN 301 549 5.1.3.12). The default costs nothing to apply.
VOLUMES = (0.35, 0.5, 0.7, 1.0, 1.4, 2.0)
DEFAULT_VOLUME = 3
#: The customer's speech-rate steps, times the terminal's ``[ui] speech_speed``
SPEEDS = (0.7, 0.85, 1.0, 1.2, 1.45)
DEFAULT_SPEED = 2
PIECE = "\0piece"  # the store's key for a piece of a composed sentence


def scaled(audio: Audio, gain: float) -> Audio:
    """``audio`` at ``gain`` times its level (1.0: as made), clipped at full scale."""
    if gain == 1.0:
        return audio
    samples = array.array("h", audio.pcm[: len(audio.pcm) // 2 * 2])
    return Audio(array.array("h", (max(-32768, min(32767, int(s * gain)))
                                   for s in samples)).tobytes(), audio.rate)


@dataclass(frozen=True)
class _Item:
    generation: int
    text: str
    language: str
    asked: float  # time.monotonic() of the request (latency to the first sample)
    play: bool = True  # False: prepare only (fill the cache)
    #: Prepare the pieces these template sentences are said from (``text`` unused)
    samples: tuple[str, ...] = ()
    first: bool = False  # the first sentence of its request
    tag: str = ""  # what asked (``screen``: a screen change), for the latency measure
    speed: int = DEFAULT_SPEED  # a prepared item's rate step (said items: the current one)


class SpeechService:
    """``voices`` maps a kiosk language code to the engine that speaks it."""

    def __init__(self, voices: Mapping[str, Synthesiser], player: Player, *,
                 on_first_sample: Callable[[float, str], None] | None = None,
                 store: PhraseStore | None = None, composed: Iterable[str] = ()) -> None:
        self.voices = dict(voices)
        self.player = player
        self.route = Route.SPEAKER
        #: Called with the seconds from a request to its first sample, and its tag
        self.on_first_sample = on_first_sample
        #: Fixed phrases kept on disk; ``composed``: the languages said from pieces
        self.store = store
        self.composed = frozenset(composed) if store is not None else frozenset()
        self.volume = DEFAULT_VOLUME  # index into VOLUMES
        self.speed = DEFAULT_SPEED  # index into SPEEDS
        self._at_speed: dict[tuple[str, int], Synthesiser] = {}
        self._cache: OrderedDict[tuple[str, str, int], Audio] = OrderedDict()
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

    def prepare(self, sentences: Iterable[str], language: str,
                samples: Iterable[str] = ()) -> None:
        """Make these sentences' audio ahead, when nothing is to be said, and keep it in
        the phrase cache: fixed phrases only, never anything a customer said or showed.
        ``samples`` are sentences of the screens' templates filled with sample numbers:
        in a language said from pieces, the pieces they are said from are made too (the
        number words, and the text around the numbers where its reading allows).

        With a phrase cache, every customer rate step (:data:`SPEEDS`) is made too, after
        everything at the terminal's rate (the preparing thread takes those first), so a
        customer who steps the rate still hears a fixed sentence at once."""
        if language not in self.voices:
            return
        said = [s for s in sentences if s.strip()]
        samples = tuple(samples)
        steps = [DEFAULT_SPEED]
        if self.store is not None:  # without one, memory would hold only the last rates
            steps += [k for k in range(len(SPEEDS)) if k != DEFAULT_SPEED]
        items: list[_Item] = []
        for speed in steps:
            items += [_Item(-1, s, language, 0.0, play=False, speed=speed) for s in said
                      if (language, s, speed) not in self._cache]
            if language in self.composed:
                items.append(_Item(-1, "", language, 0.0, play=False, samples=samples,
                                   speed=speed))
        with self._cond:
            self._queue += items
            self._cond.notify_all()

    def _make_pieces(self, language: str, samples: Sequence[str], speed: int) -> None:
        """Keep the number words and the trusted text pieces of ``samples`` (on the
        preparing thread: reading the samples costs an engine run each, so it is done
        once per set of samples, then remembered by an empty entry)."""
        assert self.store is not None
        voice = self._voice(language, speed)
        key = phrases.identity(voice, language) + PIECE
        words = phrases.number_vocabulary()
        done = "\0samples\0" + "\0".join(sorted(samples))
        if (key, done) not in self.store and isinstance(voice, phrases.Reader):
            words += sorted(phrases.trusted_pieces(voice, samples))
        for word in words:
            if (key, word) not in self.store:
                self.store.put(key, word, phrases.trim(voice.synthesise(word, language)))
        self.store.put(key, done, Audio(b"", 8000))

    def reset(self) -> None:
        """The terminal's volume and speech rate again (a new customer)."""
        self.volume, self.speed = DEFAULT_VOLUME, DEFAULT_SPEED

    def stop(self) -> None:
        with self._cond:
            self._generation += 1
            self._queue = [i for i in self._queue if not i.play]
            self._cond.notify_all()
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
                item = next((i for i in self._queue if i.play == play
                             and (play or i.speed == DEFAULT_SPEED)), None)
                if item is None and not play:  # the other rate steps: lowest priority
                    item = next((i for i in self._queue if not i.play), None)
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
                if item.samples:
                    self._make_pieces(item.language, item.samples, item.speed)
                    continue
                if not item.play and self.store is not None and (
                        phrases.identity(self._voice(item.language, item.speed),
                                         item.language), item.text) in self.store:
                    continue  # kept on disk: read when said
                if not item.play:
                    # the other rate steps go to disk only: memory keeps what is said
                    self._make(item.text, item.language, item.speed, True,
                               remember=item.speed == DEFAULT_SPEED)
                    continue
                speed = self.speed
                audio = self._ready(item.text, item.language, speed)
                if audio is None:
                    audio = self._made_unless_overtaken(item, speed)
                if audio is not None and item.generation == self._generation:
                    self.player.play(scaled(audio, VOLUMES[self.volume]), self.route,
                                     lambda i=item: self._started(i))
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

    def _voice(self, language: str, speed: int) -> Synthesiser:
        if speed == DEFAULT_SPEED:
            return self.voices[language]
        voice = self._at_speed.get((language, speed))
        if voice is None:
            voice = self.voices[language].with_speed(SPEEDS[speed])
            self._at_speed[language, speed] = voice
        return voice

    def _composed(self, text: str, language: str, speed: int) -> Audio | None:
        """A sentence with numbers from its kept pieces (at rate step ``speed``), if
        every piece is kept."""
        if self.store is None or language not in self.composed:
            return None
        cut = phrases.pieces(text)
        if cut is None or len(cut[0]) < 2:
            return None
        key = phrases.identity(self._voice(language, speed), language) + PIECE
        parts = []
        for piece in cut[0]:
            audio = self.store.get(key, piece)
            if audio is None:
                return None
            parts.append(audio)
        return phrases.join(parts)

    def _ready(self, text: str, language: str, speed: int) -> Audio | None:
        """The sentence's audio if it needs no engine: said before, kept on disk, or
        composed from kept pieces (a file read or two)."""
        key = (language, text, speed)
        with self._cond:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        voice = self._voice(language, speed)
        audio = (self.store.get(phrases.identity(voice, language), text)
                 if self.store is not None else None)
        if audio is None:
            audio = self._composed(text, language, speed)
        if audio is not None:
            self._keep(key, audio)
        return audio

    def _make(self, text: str, language: str, speed: int, keep: bool, *,
              remember: bool = True) -> Audio:
        """Made by the engine; ``keep``: also into the phrase cache (fixed phrases only),
        ``remember``: also in memory."""
        voice = self._voice(language, speed)
        audio = phrases.trim(voice.synthesise(text, language), end=False)
        if keep and self.store is not None:
            self.store.put(phrases.identity(voice, language), text, audio)
        if remember:
            self._keep((language, text, speed), audio)
        return audio

    def _made_unless_overtaken(self, item: _Item, speed: int) -> Audio | None:
        """The engine makes the sentence on a thread of its own while this one waits for
        it or for a newer request, whichever comes first: a screen change never waits
        for the last screen's sentence to be made (None: overtaken; the audio is still
        kept when made)."""
        made: list[Audio | Exception] = []

        def work() -> None:
            try:
                made.append(self._make(item.text, item.language, speed, False))
            except Exception as exc:  # handed to the waiting thread
                made.append(exc)
            with self._cond:
                self._cond.notify_all()

        threading.Thread(target=work, daemon=True, name="speech-make").start()
        with self._cond:
            while not made and item.generation == self._generation and not self._closed:
                self._cond.wait()
        if not made:
            return None
        if isinstance(made[0], Exception):
            raise made[0]
        return made[0]

    def _keep(self, key: tuple[str, str, int], audio: Audio) -> None:
        with self._cond:
            if key not in self._cache:
                self._cache[key] = audio
                self._cached_bytes += len(audio.pcm)
            while self._cached_bytes > CACHE_BYTES and len(self._cache) > 1:
                _, dropped = self._cache.popitem(last=False)
                self._cached_bytes -= len(dropped.pcm)
