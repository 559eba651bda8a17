"""The phrase cache: fixed sentences' audio kept on disk, and sentences with numbers said
from kept pieces.

A screen's fixed sentences (titles, instructions, choices) are the same for every
customer, so their audio is made once, ahead (by ``kiosk speech-cache`` at installation,
or at the first start), and kept in a folder: one WAV file per sentence, named by a hash
of the engine, its voice and speed, the language and the text. Only fixed phrases are
ever written there (:meth:`PhraseStore.put` is called by the preparing path alone): never
a sentence composed at run time, so the folder holds nothing of any customer.

A sentence with a number in it (「420円を入れてください」) is not fixed, and making it
costs an engine run when the screen shows. For Japanese it is said instead from kept
pieces: the sentence's fixed text around the number, and the number as words
(「四百」「20円」), as ATM voices do. Each piece's reading is what Open JTalk gives the
whole sentence: the number words are cut where no sound changes across the cut (a
counter's rendaku and gemination, 「三百」サンビャク, 「1回」イッカイ, stay inside one
piece), and a text piece is kept only if, in every sentence it comes from, Open JTalk reads
it alone as it reads it there (checked when the cache is built).
"""

from __future__ import annotations

import array
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from kiosk.speech.port import Audio, SpeechError, Synthesiser
from kiosk.speech.wav import from_wav, to_wav

FORMAT = "phrase-cache/1"  # part of every key: a change of trimming makes new files
SILENCE = 300  # |sample| at or under this is silence, for trimming
EDGE_S = 0.03  # silence kept at each end of a piece (and at the start of a sentence)
GAP_S = 0.02  # pause between two pieces of a composed sentence
#: Counters read after a number's last words without a sound change across the cut, so
#: any number up to :data:`MAX_NUMBER` (a kiosk's fees and cash) is said from pieces.
COUNTERS = "円部"
#: Counters whose sound changes reach back into the number (百回 ヒャッカイ, 11桁
#: ジューイッケタ but 1桁 ヒトケタ): said whole, up to :data:`MAX_SMALL` (tries, digits).
SMALL_COUNTERS = "回桁"
MAX_SMALL = 10
MAX_NUMBER = 99_999
_KANJI = "〇一二三四五六七八九"
_NUMBER = re.compile(rf"([0-9]+)([{COUNTERS}{SMALL_COUNTERS}]?)")


def identity(voice: Synthesiser, language: str) -> str:
    """What the audio of a text depends on: the engine, its voice and speed."""
    return f"{FORMAT}\0{voice.identity(language)}\0{language}"


class PhraseStore:
    """A folder of kept audio. ``writable`` False (a read-only installation cache): the
    kept audio is used, nothing is added."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o755)
        except OSError:
            pass
        self.writable = os.access(folder, os.W_OK | os.X_OK)

    def path(self, key: str, text: str) -> Path:
        digest = hashlib.sha256(f"{key}\0{text}".encode()).hexdigest()
        return self.folder / f"{digest}.wav"

    def get(self, key: str, text: str) -> Audio | None:
        try:
            return from_wav(self.path(key, text).read_bytes())
        except (OSError, SpeechError):
            return None

    def __contains__(self, item: tuple[str, str]) -> bool:
        return self.path(*item).is_file()

    def put(self, key: str, text: str, audio: Audio) -> None:
        """Keep the audio of a fixed phrase (written whole, then renamed into place)."""
        if not self.writable:
            return
        target = self.path(key, text)
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(to_wav(audio))
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)


def trim(audio: Audio, edge: float = EDGE_S, *, end: bool = True) -> Audio:
    """``audio`` with its leading (and, with ``end``, trailing) silence cut to ``edge``
    seconds: engines start with about 0.25 s of silence, which a listener waits through."""
    samples = array.array("h", audio.pcm[: len(audio.pcm) // 2 * 2])
    first = next((i for i, s in enumerate(samples) if abs(s) > SILENCE), None)
    if first is None:
        return audio
    last = len(samples) - 1
    if end:
        last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > SILENCE)
    keep = int(edge * audio.rate)
    start, stop = max(0, first - keep), min(len(samples), last + 1 + keep)
    return Audio(samples[start:stop].tobytes(), audio.rate)


def join(pieces: Sequence[Audio]) -> Audio:
    """One sentence from its pieces' audio, a short pause between them."""
    rate = pieces[0].rate
    if any(p.rate != rate for p in pieces):
        raise SpeechError("pieces of one sentence at different rates")
    gap = b"\0\0" * int(GAP_S * rate)
    return Audio(gap.join(p.pcm for p in pieces), rate)


def number_words(n: int, counter: str) -> list[str] | None:
    """``n`` with its counter as the pieces Japanese reads it in (420, 円: 「四百」「20円」;
    21, 回: 「二十」「1回」); None beyond :data:`MAX_NUMBER`."""
    if counter and counter in SMALL_COUNTERS:
        return [f"{n}{counter}"] if 0 <= n <= MAX_SMALL else None
    if not 0 <= n <= MAX_NUMBER:
        return None
    if n == 0:
        return [f"0{counter}"]
    man, rest = divmod(n, 10_000)
    sen, rest = divmod(rest, 1000)
    hyaku, tail = divmod(rest, 100)
    tens, ones = divmod(tail, 10)
    words = [f"{_KANJI[man]}万"] if man else []
    words += [f"{'' if sen == 1 else _KANJI[sen]}千"] if sen else []
    words += [f"{'' if hyaku == 1 else _KANJI[hyaku]}百"] if hyaku else []
    if tail == 0:
        words += [counter] if counter else []
    elif ones == 0:
        words.append(f"{tail}{counter}")  # 「20円」, 「10回」ジュッカイ: one piece
    else:
        if tens:
            words.append(f"{'' if tens == 1 else _KANJI[tens]}十")
        words.append(f"{ones}{counter}")
    return words


def number_vocabulary() -> list[str]:
    """Every number word :func:`number_words` can give (kept at build time)."""
    words = {f"{_KANJI[d]}万" for d in range(1, 10)}
    words |= {f"{'' if d == 1 else _KANJI[d]}{unit}" for d in range(1, 10) for unit in "千百十"}
    for counter in ("", *COUNTERS):
        words |= {f"{n}{counter}" for n in range(100) if n < 10 or n % 10 == 0}
        if counter:
            words.add(counter)
    words |= {f"{n}{c}" for c in SMALL_COUNTERS for n in range(MAX_SMALL + 1)}
    return sorted(words)


def pieces(text: str) -> tuple[list[str], list[str]] | None:
    """``text`` cut into the pieces it is said from, and which of them are text (not
    number words); None when a number is too long to be said from pieces."""
    out: list[str] = []
    literal: list[str] = []
    at = 0
    for match in _NUMBER.finditer(text):
        before = text[at:match.start()].strip()
        if before:
            out.append(before)
            literal.append(before)
        words = number_words(int(match.group(1)), match.group(2))
        if words is None:
            return None
        out += words
        at = match.end()
    after = text[at:].strip()
    if after:
        out.append(after)
        literal.append(after)
    return out, literal


@runtime_checkable
class Reader(Protocol):
    """An engine that tells how it reads a text (Open JTalk: in katakana)."""

    def reading(self, text: str) -> str: ...


def _plain(reading: str) -> str:
    return reading.replace("’", "").replace("、", "")


def trusted_pieces(reader: Reader, samples: Iterable[str]) -> set[str]:
    """The text pieces that may be said alone: in every sample sentence they come from,
    the sentence read whole is its pieces read one by one (so 「中」 of 「4桁中2桁」,
    which alone is ナカ, is never kept). A piece the engine cannot read alone (a lone
    symbol) is never kept either."""
    readings: dict[str, str | None] = {}

    def read(text: str) -> str | None:
        if text not in readings:
            try:
                readings[text] = _plain(reader.reading(text))
            except SpeechError:
                readings[text] = None
        return readings[text]

    good: set[str] = set()
    bad: set[str] = set()
    for sample in samples:
        cut = pieces(sample)
        if cut is None or not _NUMBER.search(sample):
            continue
        parts, literal = cut
        said = [read(p) for p in parts]
        whole = read(sample)
        if whole is not None and None not in said and whole == "".join(
                r for r in said if r is not None):
            good.update(literal)
        else:
            bad.update(literal)
    return good - bad
