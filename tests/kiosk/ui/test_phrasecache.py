"""``kiosk speech-cache``: the phrase cache made at installation, from the kiosk's own
texts only, and used by the next start without the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardware_mocks.speech import RecordingVoice
from kiosk.cli import main
from kiosk.speech.engines import offline_voices
from kiosk.speech.phrases import PhraseStore
from kiosk.speech.players import WavFilePlayer
from kiosk.speech.service import SPEEDS, SpeechService
from tests.kiosk.speech.test_service import wait

pytestmark = pytest.mark.qt


def test_the_cache_is_made_ahead_and_used(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          qapp) -> None:
    from kiosk.ui import texts
    from kiosk.ui.i18n import Translations

    cache = tmp_path / "speech"
    assert main(["speech-cache", "--cache", str(cache), "--language", "en"]) == 0
    files = sorted(cache.glob("*.wav"))
    assert f"{len(files)} phrases in {cache}" in capsys.readouterr().out
    Translations(language="en")
    fixed = [texts.tr(s) for s in texts.all_sources() if "{" not in s]
    # English: whole sentences, no pieces, at every rate step a customer can choose
    assert len(files) == len(set(fixed)) * len(SPEEDS)

    voice = RecordingVoice(offline_voices())
    player = WavFilePlayer(tmp_path / "said")
    service = SpeechService(voice.inner or {}, player, store=PhraseStore(cache))
    service.voices = {"en": voice}  # every sentence handed to the engine is recorded
    try:
        service.say([texts.tr(texts.SERVICE_NAME), texts.tr(texts.CHOICES_COUNT, n=3)], "en")
        wait(lambda: len(player.files) == 2, 60)
        assert voice.texts() == [texts.tr(texts.CHOICES_COUNT, n=3)]  # only the dynamic one
        service.speed = len(SPEEDS) - 1  # a customer's own rate: still from the cache
        service.say([texts.tr(texts.SERVICE_NAME)], "en")
        wait(lambda: len(player.files) == 3, 60)
        assert voice.texts() == [texts.tr(texts.CHOICES_COUNT, n=3)]
    finally:
        service.close()
    assert sorted(cache.glob("*.wav")) == files


def test_a_cache_that_cannot_be_written_is_refused(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str],
                                                   qapp) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["speech-cache", "--cache", str(blocked / "speech")]) == 1
    assert "not writable" in capsys.readouterr().err


def test_a_language_the_kiosk_does_not_have_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["speech-cache", "--cache", str(tmp_path / "speech"), "--language", "xx"]) == 2
    err = capsys.readouterr().err
    assert "no such language: xx" in err and "Traceback" not in err and not (tmp_path / "speech").exists()
