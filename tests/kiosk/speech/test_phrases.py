"""The phrase cache: fixed sentences kept on disk and said without the engine; Japanese
amounts and counts said from kept pieces that read as the whole sentence does; nothing
but prepared phrases ever written; the customer's volume and rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_mocks.speech import RecordingVoice, tone
from kiosk.speech import phrases
from kiosk.speech.engines import OpenJTalk
from kiosk.speech.phrases import PhraseStore, number_words, pieces, trim
from kiosk.speech.players import WavFilePlayer
from kiosk.speech.port import Audio
from kiosk.speech.service import DEFAULT_SPEED, DEFAULT_VOLUME, VOLUMES, SpeechService
from kiosk.speech.wav import from_wav, rms
from tests.kiosk.speech.test_service import wait

AMOUNTS = [*range(121), 200, 300, 350, 420, 450, 600, 680, 800, 1000, 1200, 1300, 1500,
           3000, 3450, 6800, 8000, 8600, 10000, 10420, 38600, 99999]


def plain(reading: str) -> str:
    return reading.replace("’", "").replace("、", "")


@pytest.mark.parametrize("counter", ["円", ""])
def test_amounts_said_from_pieces_read_as_the_whole(counter: str) -> None:
    """「420円」 is 「四百」「20円」: ヨンヒャク + ニジューエン, as Open JTalk reads 420円
    whole; rendaku (三百 サンビャク, 三千 サンゼン) and 八百 ハッピャク stay in one piece."""
    jtalk = OpenJTalk()
    for n in AMOUNTS:
        words = number_words(n, counter)
        assert words is not None
        whole = plain(jtalk.reading(f"{n}{counter}"))
        assert "".join(plain(jtalk.reading(w)) for w in words) == whole, (n, words, whole)


def test_counters_that_change_the_number_are_said_whole() -> None:
    jtalk = OpenJTalk()
    for n in range(11):
        for counter in "回桁":
            assert number_words(n, counter) == [f"{n}{counter}"]  # one piece: the whole
    # why: the counter's sound change reaches back into the number
    assert plain(jtalk.reading("100回")) != plain(jtalk.reading("百") + jtalk.reading("回"))
    assert number_words(11, "桁") is None  # 11桁 ジューイッケタ but 1桁 ヒトケタ
    assert number_words(100_000, "円") is None


def test_sentences_are_cut_at_their_numbers() -> None:
    assert pieces("420円を入れてください") == (["四百", "20円", "を入れてください"],
                                              ["を入れてください"])
    assert pieces("残り回数：3回") == (["残り回数：", "3回"], ["残り回数："])
    assert pieces("1部 1200円") == (["1部", "千", "二百", "円"], [])
    assert pieces("お支払い：123456円") is None
    assert set(phrases.number_vocabulary()) >= {"四百", "20円", "3回", "円", "千", "二百"}


def test_a_text_piece_read_differently_alone_is_never_trusted() -> None:
    samples = ["420円を入れてください", "暗証番号：4桁中1桁入力済み"]
    trusted = phrases.trusted_pieces(OpenJTalk(), samples)
    assert "を入れてください" in trusted
    assert "中" not in trusted  # alone 「中」 is ナカ, in 「4桁中」 チュー


def test_trimming_leaves_a_short_edge() -> None:
    silence = Audio(b"\0\0" * 8000, 16000)
    loud = tone(0.3)
    trimmed = trim(Audio(silence.pcm + loud.pcm + silence.pcm, 16000))
    assert abs(trimmed.seconds - (0.3 + 2 * phrases.EDGE_S)) < 0.01
    assert trim(silence) == silence


class ReadingVoice(RecordingVoice):
    """Open JTalk's voice and readings, every sentence it is handed recorded."""

    def __init__(self) -> None:
        self.jtalk = OpenJTalk()
        super().__init__({"ja": self.jtalk})

    def reading(self, text: str) -> str:
        return self.jtalk.reading(text)


def test_fixed_phrases_are_kept_on_disk_and_amounts_composed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    voice, player = ReadingVoice(), WavFilePlayer(tmp_path / "out")
    service = SpeechService({"ja": voice}, player, store=PhraseStore(cache), composed={"ja"})
    try:
        service.prepare(["カードを置いてください"], "ja", ["420円を入れてください"])
        wait(service.prepared, 300)
    finally:
        service.close()
    kept = set(cache.glob("*.wav"))
    assert len(kept) > len(phrases.number_vocabulary())

    # a later start: nothing of the above is made again, the amount is said from pieces
    voice, player = ReadingVoice(), WavFilePlayer(tmp_path / "out2")
    service = SpeechService({"ja": voice}, player, store=PhraseStore(cache), composed={"ja"})
    try:
        service.say(["カードを置いてください", "680円を入れてください"], "ja")
        wait(lambda: len(player.files) == 2)
        assert voice.texts() == []  # neither was handed to the engine
        composed = from_wav(player.files[1].read_bytes())
        assert rms(composed) > 500 and 1.0 < composed.seconds < 4.0
        service.say(["試験一郎様、680円を入れてください"], "ja")  # not all pieces kept
        wait(lambda: len(player.files) == 3)
        assert voice.texts() == ["試験一郎様、680円を入れてください"]
    finally:
        service.close()
    assert set(cache.glob("*.wav")) == kept  # what was said is never written


def test_without_composition_a_sentence_is_made_whole(tmp_path: Path) -> None:
    voice, player = RecordingVoice(), WavFilePlayer(tmp_path)
    service = SpeechService({"ja": voice}, player, store=PhraseStore(tmp_path / "c"))
    try:
        service.say(["420円を入れてください"], "ja")
        wait(lambda: len(player.files) == 1)
        assert voice.texts() == ["420円を入れてください"]
    finally:
        service.close()


def test_volume_and_rate_apply_to_what_is_said_next_and_reset(tmp_path: Path) -> None:
    voice, player = RecordingVoice(), WavFilePlayer(tmp_path)
    service = SpeechService({"en": voice}, player)
    try:
        service.say(["Normal."], "en")
        wait(lambda: len(player.files) == 1)
        service.volume, service.speed = 0, 0  # quietest, slowest
        service.say(["Normal."], "en")  # a new rate: made again, slower
        wait(lambda: len(player.files) == 2)
        normal, quiet = (from_wav(f.read_bytes()) for f in player.files)
        assert rms(quiet) < rms(normal) * (VOLUMES[0] / VOLUMES[DEFAULT_VOLUME]) * 1.05
        assert quiet.seconds > normal.seconds * 1.2
        assert voice.speeds == [1.0, pytest.approx(0.7)]
        service.reset()
        assert (service.volume, service.speed) == (DEFAULT_VOLUME, DEFAULT_SPEED)
    finally:
        service.close()
