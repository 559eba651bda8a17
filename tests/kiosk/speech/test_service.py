"""The speech service: sentences said in order, a new request interrupts, the audio of a
sentence is made once, the route follows the earphone; the players and the jack switch."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from hardware_mocks.speech import RecordingVoice, tone
from kiosk.speech.jack import EvdevSwitch, eviocgsw
from kiosk.speech.phrases import PhraseStore
from kiosk.speech.players import ProcessPlayer, WavFilePlayer, command
from kiosk.speech.port import Audio, Route, SpeechError
from kiosk.speech.service import DEFAULT_SPEED, SPEEDS, SpeechService
from kiosk.speech.wav import from_wav, rms


def wait(predicate, timeout: float = 10.0) -> None:
    """Until ``predicate`` holds (polling; the service has its own thread)."""
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        threading.Event().wait(0.01)


class HeldVoice(RecordingVoice):
    """Makes no sound until released: the caller must never wait for it."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.entered = threading.Event()

    def synthesise(self, text: str, language: str) -> Audio:
        self.entered.set()
        self.release.wait(10)
        return super().synthesise(text, language)


def test_sentences_are_said_in_order_and_written(tmp_path: Path) -> None:
    voice, player = RecordingVoice(), WavFilePlayer(tmp_path)
    service = SpeechService({"en": voice}, player)
    try:
        service.say(["One.", "Two."], "en")
        wait(lambda: len(player.files) == 2)
        assert voice.texts() == ["One.", "Two."]
        for f in player.files:
            audio = from_wav(f.read_bytes())
            assert rms(audio) > 100 and audio.seconds > 0.2
            assert f.name.endswith("-speaker.wav")
        service.say(["One."], "en")  # made once, said again
        wait(lambda: len(player.files) == 3)
        assert voice.texts() == ["One.", "Two."]
        service.say(["Bonjour"], "fr")  # no voice for it: nothing
        service.route = Route.EARPHONE
        service.say(["Three."], "en")
        wait(lambda: len(player.files) == 4)
        assert player.files[-1].name.endswith("-earphone.wav")
    finally:
        service.close()


def test_the_caller_never_waits_and_new_speech_interrupts(tmp_path: Path) -> None:
    voice, player = HeldVoice(), WavFilePlayer(tmp_path)
    service = SpeechService({"en": voice}, player)
    try:
        service.say(["First."], "en")  # returns although the voice is held
        assert voice.entered.wait(5)
        service.say(["Second.", "Third."], "en")  # the first is not waited for
        service.say(["Fourth."], "en")
        voice.release.set()
        wait(service.idle)
        wait(lambda: len(voice.texts()) == 2)
        # the first was being made (on its own thread, finished and kept, never said);
        # the second and third were dropped unmade
        assert sorted(voice.texts()) == ["First.", "Fourth."]
        assert len(player.files) == 1
    finally:
        service.close()


def test_a_new_screen_never_waits_for_the_last_one_s_sentence(tmp_path: Path) -> None:
    """The engine is still making the last screen's sentence: the new screen's kept title
    is said at once, and the old sentence, once made, is kept but never said."""
    voice, player = HeldVoice(), WavFilePlayer(tmp_path)
    service = SpeechService({"en": voice}, player)
    try:
        service._keep(("en", "New screen.", service.speed), tone(0.5))
        service.say(["Old amount."], "en")
        assert voice.entered.wait(5)
        service.say(["New screen."], "en")
        wait(lambda: len(player.files) == 1)  # said while the engine is still held
        assert voice.texts() == []  # the held sentence is not made yet
        voice.release.set()
        wait(lambda: voice.texts() == ["Old amount."])
        wait(service.idle)
        assert len(player.files) == 1
    finally:
        voice.release.set()
        service.close()


def test_prepared_sentences_are_made_not_said(tmp_path: Path) -> None:
    voice, player = RecordingVoice(), WavFilePlayer(tmp_path)
    service = SpeechService({"ja": voice}, player)
    try:
        service.prepare(["準備"], "ja")
        wait(lambda: voice.texts() == ["準備"])
        assert player.files == []  # made, not said
        service.say(["準備"], "ja")
        wait(lambda: len(player.files) == 1)
        assert voice.texts() == ["準備"]
    finally:
        service.close()


def test_every_rate_step_is_prepared_and_said_from_the_cache(tmp_path: Path) -> None:
    voice, player = RecordingVoice(), WavFilePlayer(tmp_path / "said")
    service = SpeechService({"en": voice}, player, store=PhraseStore(tmp_path / "cache"))
    try:
        service.prepare(["Place your card", "Choose"], "en")
        wait(service.prepared)
        # the terminal's rate first, then every other step, each sentence once
        assert voice.speeds[:2] == [1.0, 1.0]
        assert sorted(voice.speeds) == sorted(list(SPEEDS) * 2)
        assert len(list((tmp_path / "cache").glob("*.wav"))) == 2 * len(SPEEDS)
    finally:
        service.close()
    # a new start (nothing in memory): a customer's rate is read from the cache
    voice = RecordingVoice()
    service = SpeechService({"en": voice}, player, store=PhraseStore(tmp_path / "cache"))
    try:
        for step in range(len(SPEEDS)):
            service.speed = step
            service.say(["Choose"], "en")
            wait(lambda n=step + 1: len(player.files) == n)
        service.speed = len(SPEEDS) - 1
        service.say(["You entered 3 digits"], "en")  # not a fixed phrase: made when said
        wait(lambda: len(player.files) == len(SPEEDS) + 1)
        assert voice.said == [("en", "You entered 3 digits")]
        assert len(list((tmp_path / "cache").glob("*.wav"))) == 2 * len(SPEEDS)
    finally:
        service.close()


def test_without_a_cache_only_the_terminal_s_rate_is_prepared(tmp_path: Path) -> None:
    voice = RecordingVoice()
    service = SpeechService({"en": voice}, WavFilePlayer(tmp_path))
    try:
        service.prepare(["Choose"], "en")
        wait(service.prepared)
        assert voice.speeds == [SPEEDS[DEFAULT_SPEED]]
    finally:
        service.close()


def test_a_failing_voice_leaves_the_service_running(tmp_path: Path) -> None:
    class Broken(RecordingVoice):
        def synthesise(self, text: str, language: str) -> Audio:
            if text == "bad":
                raise SpeechError("no")
            return super().synthesise(text, language)

    player = WavFilePlayer(tmp_path)
    service = SpeechService({"en": Broken()}, player)
    try:
        service.say(["bad"], "en")
        service.say(["good"], "en", interrupt=False)
        wait(lambda: len(player.files) == 1)
    finally:
        service.close()


def test_playback_commands() -> None:
    audio = tone(0.1)
    assert command("aplay", audio, "null")[-3:] == ["-D", "null", "-"]
    assert "--device=kiosk_earphone" in command("pacat", audio, "kiosk_earphone")
    assert "--rate=16000" in command("pacat", audio, None)
    with pytest.raises(SpeechError):
        command("mpv", audio, None)
    with pytest.raises(SpeechError):
        ProcessPlayer("no-such-player", {})


def test_aplay_plays_and_stops_at_once() -> None:
    player = ProcessPlayer("aplay", {Route.SPEAKER: "null"})
    started = threading.Event()
    done = threading.Event()
    long = tone(30.0)  # the null device plays in real time: 30 s unless stopped

    def play() -> None:
        player.play(long, Route.SPEAKER, started.set)
        done.set()

    threading.Thread(target=play, daemon=True).start()
    assert started.wait(5)
    player.stop()
    assert done.wait(5), "stop ends the playback"
    player.play(tone(0.05), Route.SPEAKER)  # and the next one plays


def test_the_jack_switch_ioctl() -> None:
    assert eviocgsw(2) == 0x8002451B  # EVIOCGSW(2) of <linux/input.h>
    with pytest.raises(SpeechError):
        EvdevSwitch(Path("/dev/null"))  # not an input device
    with pytest.raises(SpeechError):
        EvdevSwitch(Path("/nonexistent/event0"))
