"""The offline voices: each of the six languages spoken, amounts read as numbers."""

from __future__ import annotations

import pytest

from kiosk.speech.engines import EspeakNg, OpenJTalk, offline_voices
from kiosk.speech.port import SpeechError
from kiosk.speech.wav import first_sound, from_wav, rms, to_wav

SAMPLES = {"ja": "420円をお入れください", "en": "Please insert 420 yen",
           "zh": "请投入420日元", "ko": "420엔을 넣어 주십시오",
           "vi": "Vui lòng bỏ vào 420 yên", "pt": "Insira 420 ienes"}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_every_language_is_spoken(language: str) -> None:
    voices = offline_voices()
    assert set(voices) == set(SAMPLES), "install espeak-ng, open-jtalk, open-jtalk-mecab-naist-jdic"
    audio = voices[language].synthesise(SAMPLES[language], language)
    assert 1.0 < audio.seconds < 6.0, audio.seconds  # a short sentence, at a normal pace
    assert rms(audio) > 500, "not silence"
    assert first_sound(audio) < 0.5
    assert from_wav(to_wav(audio)) == audio


def test_japanese_amounts_are_read_as_numbers_of_yen() -> None:
    jtalk = OpenJTalk()
    assert jtalk.reading("420円") == "ヨンヒャクニジューエン"  # pronounced, so ジュー
    assert jtalk.reading("1200円") == "センニヒャクエン"
    assert jtalk.reading("入力しました").startswith("ニューリョク")


def test_english_amounts_are_read_as_numbers_of_yen() -> None:
    phonemes = EspeakNg().phonemes("420 yen", "en")
    assert "f'o@" in phonemes and "h'Vndr" in phonemes and "tw'Ent" in phonemes  # four hundred twenty
    assert phonemes.endswith("j'En")


def test_a_language_without_a_voice_is_refused() -> None:
    with pytest.raises(SpeechError):
        EspeakNg().synthesise("Bonjour", "fr")
    with pytest.raises(SpeechError):
        EspeakNg(program="no-such-espeak")
    with pytest.raises(SpeechError):
        OpenJTalk(program="no-such-open-jtalk")


def test_speed_changes_the_length() -> None:
    slow = EspeakNg(speed=0.6).synthesise(SAMPLES["en"], "en")
    fast = EspeakNg(speed=1.6).synthesise(SAMPLES["en"], "en")
    assert slow.seconds > fast.seconds * 1.5
