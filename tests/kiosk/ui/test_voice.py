"""The voice guide: entered without sight, every screen and choice said in its language,
amounts in words, PIN digits never, leave-behind reminders in every mode, the earphone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hardware_mocks.speech import RecordingVoice
from kiosk.session.viewmodel import Screen
from kiosk.speech.players import WavFilePlayer
from kiosk.speech.service import SpeechService
from kiosk.ui import texts
from kiosk.ui.samples import sample_views
from kiosk.ui.texts import tr
from kiosk.ui.voice import VoiceGuide
from tests.fixtures.ui import Voiced, make_window, wait_engine, wait_screen
from tests.kiosk.ui.test_flow import click, to_menu, to_pin, to_take_papers

pytestmark = pytest.mark.qt
K = Qt.Key


def key(qtbot: QtBot, k: Qt.Key) -> None:
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, k)


def idle(qtbot: QtBot, v: Voiced) -> None:
    service = v.window.voice.service
    assert service is not None
    qtbot.waitUntil(service.idle, timeout=10000)


def test_the_voice_guide_starts_from_the_start_screen_or_the_help_key(qtbot: QtBot, voiced: Voiced) -> None:
    kiosk: Any = voiced.window
    click(qtbot, kiosk.pages[Screen.START].voice)
    assert kiosk.voice.enabled and kiosk.property("voice_guide")
    qtbot.waitUntil(lambda: tr(texts.VOICE_GUIDE_ON) in voiced.said())
    click(qtbot, kiosk.pages[Screen.START].voice)
    assert not kiosk.voice.enabled
    key(qtbot, K.Key_Plus)  # the keypad's help key: no sight needed
    assert kiosk.voice.enabled
    idle(qtbot, voiced)
    before = len(voiced.player.files)
    key(qtbot, K.Key_Plus)  # again: the screen once more
    qtbot.waitUntil(lambda: len(voiced.player.files) > before)
    assert tr(texts.SERVICE_NAME) in voiced.said()


@pytest.mark.parametrize("lang", tuple(texts.LANGUAGES))
def test_every_screen_says_itself_in_its_language(qtbot: QtBot, engine, lang: str) -> None:
    kiosk: Any = make_window(qtbot, engine, language=lang)
    wait_engine(qtbot, kiosk)
    english = {s for s in texts.all_sources() if "{" not in s}
    for name, vm in sample_views().items():
        kiosk.render(vm)
        said = kiosk._screen_speech()
        assert said and all(s.strip() for s in said), name
        shown = kiosk.current_page.title.text()
        assert shown.replace("¥", "") in " ".join(said) or "¥" in shown, f"{name}: {said}"
        assert not any("¥" in s for s in said), f"{name}: amounts are said in words: {said}"
        if lang != "en":
            assert not english & set(said), f"{name}: untranslated {english & set(said)}"


@pytest.mark.parametrize(("lang", "amount"), [("ja", "400円"), ("en", "400 yen"),
                                              ("zh", "400日元"), ("ko", "400엔"),
                                              ("vi", "400 yên"), ("pt", "400 ienes")])
def test_amounts_are_said_as_the_voices_read_them(qtbot: QtBot, kiosk, lang: str, amount: str) -> None:
    kiosk.set_language(lang)
    kiosk.render(sample_views()["12-payment"])
    assert any(amount in s for s in kiosk._screen_speech())
    kiosk.render(sample_views()["10-confirm"])
    assert any(amount in s for s in kiosk._screen_speech())


def test_pin_digits_are_never_said(qtbot: QtBot, voiced: Voiced, engine) -> None:
    kiosk: Any = voiced.window
    kiosk.set_voice_guide(True)
    page = to_pin(qtbot, kiosk, engine)
    idle(qtbot, voiced)
    assert any(tr(texts.TRIES_LEFT, n=3) in s for s in voiced.said())  # tries left: said
    first = len(voiced.said())
    for k in (K.Key_1, K.Key_2, K.Key_3, K.Key_Backspace, K.Key_3, K.Key_4):
        key(qtbot, k)
        idle(qtbot, voiced)  # as a customer listens to each
    typed = voiced.said()[first:]
    assert page.pad.entered == 4
    assert set(typed) == {tr(texts.DIGIT_ENTERED), tr(texts.DIGIT_DELETED), tr(texts.PIN_FULL)}
    assert not any(re.search(r"\d", s) for s in typed)
    key(qtbot, K.Key_Return)
    wait_screen(qtbot, kiosk, Screen.REMOVE_CARD)
    assert not any("1234" in s for s in voiced.said())


def test_touching_pin_keys_never_says_a_digit(qtbot: QtBot, voiced: Voiced, engine) -> None:
    kiosk: Any = voiced.window
    kiosk.set_voice_guide(True)
    page = to_pin(qtbot, kiosk, engine)
    idle(qtbot, voiced)
    first = len(voiced.said())
    for d in (7, 3, 9):
        click(qtbot, page.pad.digit_buttons[d])
        idle(qtbot, voiced)
    key(qtbot, K.Key_Tab)  # the focus moves over the pad: how many, never which
    idle(qtbot, voiced)
    typed = voiced.said()[first:]
    assert typed and not any(re.search(r"[0-9]", s.replace("4", "")) for s in typed), typed
    digit_names = {tr(texts.PIN_DIGIT, d=d) for d in range(10)}
    assert not digit_names & set(voiced.said())


def test_digits_typed_while_the_more_time_question_is_open_do_nothing_heard(
        qtbot: QtBot, voiced: Voiced, engine) -> None:
    """The question opens over the PIN pad mid-PIN and takes the pad away. A digit typed
    then must not step the volume (9, 3) or the rate (7, 1), move the focus (2, 4, 6, 8,
    a keypad's with Num Lock off too) or choose (5): each answer would say which key it
    was. Enter answers the question, and the PIN goes on."""
    kiosk: Any = voiced.window
    kiosk.set_voice_guide(True)
    page = to_pin(qtbot, kiosk, engine)
    page.pad.press_digit(1)
    engine.warn_timeout(10)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    idle(qtbot, voiced)
    service = kiosk.voice.service
    first, volume, speed = len(voiced.said()), service.volume, service.speed
    for k in (K.Key_9, K.Key_3, K.Key_7, K.Key_1, K.Key_2, K.Key_8, K.Key_4, K.Key_6, K.Key_5, K.Key_0):
        key(qtbot, k)
    target = QApplication.focusWidget()
    assert target is not None
    qtbot.keyClick(target, K.Key_Up, Qt.KeyboardModifier.KeypadModifier)  # 8 with Num Lock off
    idle(qtbot, voiced)
    assert voiced.said()[first:] == []
    assert (service.volume, service.speed) == (volume, speed)
    assert QApplication.focusWidget() is kiosk.overlay.yes and kiosk.overlay.isVisible()
    key(qtbot, K.Key_Return)  # "yes, more time"
    qtbot.waitUntil(lambda: not kiosk.overlay.isVisible())
    assert page.pad.entered == 1
    key(qtbot, K.Key_2)
    assert page.pad.entered == 2


def test_leave_behind_reminders_are_said_without_the_voice_guide(qtbot: QtBot, voiced: Voiced, engine) -> None:
    kiosk: Any = voiced.window
    assert not kiosk.voice.enabled
    to_take_papers(qtbot, kiosk, engine)
    qtbot.waitUntil(lambda: tr(texts.TAKE_BODY) in voiced.said())
    assert tr(texts.TAKE_TITLE) in voiced.said()
    assert tr(texts.REMOVE_TITLE) in voiced.said()  # the card, earlier
    assert tr(texts.CHOOSE_TYPE_TITLE) not in voiced.said()  # not a reminder


def test_errors_timeouts_and_money_are_said(qtbot: QtBot, voiced: Voiced, engine) -> None:
    kiosk: Any = voiced.window
    kiosk.set_voice_guide(True)
    to_menu(qtbot, kiosk, engine)
    engine.warn_timeout(20)
    qtbot.waitUntil(kiosk.overlay.isVisible)
    qtbot.waitUntil(lambda: tr(texts.MORE_TIME_TITLE) in voiced.said())
    engine.time_out()
    wait_screen(qtbot, kiosk, Screen.ERROR)
    qtbot.waitUntil(lambda: tr(texts.NOT_CHARGED) in voiced.said())
    assert tr(texts.ERROR_CODES["timeout"]) in voiced.said()


def test_a_choice_is_said_when_it_takes_the_focus(qtbot: QtBot, voiced: Voiced, engine) -> None:
    kiosk: Any = voiced.window
    kiosk.set_voice_guide(True)
    to_menu(qtbot, kiosk, engine, "mihon-saburo", "3690")  # no seal registered
    idle(qtbot, voiced)
    inkan: Any = kiosk.pages[Screen.CHOOSE_TYPE].buttons["inkan"]
    for _ in range(12):
        if QApplication.focusWidget() is inkan:
            break
        key(qtbot, K.Key_Down)
    name = inkan.accessibleName()
    assert tr(texts.ERROR_CODES["no_seal"]) in name
    assert QApplication.focusWidget() is inkan  # reachable although unavailable
    qtbot.waitUntil(lambda: name in voiced.said())


def test_the_earphone_takes_the_speech_and_starts_the_guide(qtbot: QtBot, engine, tmp_path: Path) -> None:
    plugged = [False]
    player = WavFilePlayer(tmp_path)
    voice = VoiceGuide(SpeechService({"en": RecordingVoice()}, player), earphone=lambda: plugged[0])
    kiosk: Any = make_window(qtbot, engine, voice=voice)
    wait_engine(qtbot, kiosk)
    plugged[0] = True
    qtbot.waitUntil(lambda: kiosk.voice.enabled, timeout=3000)
    qtbot.waitUntil(lambda: len(player.files) > 0)
    assert all(f.name.endswith("-earphone.wav") for f in player.files), [f.name for f in player.files]
    plugged[0] = False
    qtbot.waitUntil(lambda: not voice.plugged, timeout=3000)
    assert voice.service is not None and voice.service.route.value == "speaker"


def test_volume_and_rate_keys_answer_aloud_and_reset_for_the_next_customer(
        qtbot: QtBot, voiced: Voiced, engine) -> None:
    """As on an ATM's handset: "/" and Volume Up/Down step the volume, "=" the rate, on
    every screen; the keypad's 9/3 and 7/1 outside the PIN screen. Each step is said at
    the new level, in every mode; the next customer has the terminal's own again."""
    from kiosk.speech.service import DEFAULT_SPEED, DEFAULT_VOLUME, SPEEDS, VOLUMES
    from kiosk.speech.wav import from_wav, rms

    kiosk: Any = voiced.window
    service = kiosk.voice.service
    first = kiosk.vm.session
    assert not kiosk.voice.enabled  # the answer is said without the voice guide too

    def said_level(text: str, n: int, steps: int) -> None:
        qtbot.waitUntil(lambda: tr(text, n=n, steps=steps) in voiced.said())
        idle(qtbot, voiced)

    key(qtbot, K.Key_Slash)
    assert service.volume == DEFAULT_VOLUME + 1
    said_level(texts.VOLUME_LEVEL, DEFAULT_VOLUME + 2, len(VOLUMES))
    loud = from_wav(voiced.player.files[-1].read_bytes())
    key(qtbot, K.Key_VolumeDown)
    key(qtbot, K.Key_3)  # the keypad's 3, outside the PIN screen: quieter
    assert service.volume == DEFAULT_VOLUME - 1
    said_level(texts.VOLUME_LEVEL, DEFAULT_VOLUME, len(VOLUMES))
    quiet = from_wav(voiced.player.files[-1].read_bytes())
    assert rms(quiet) < rms(loud) * 0.6  # 0.7 against 1.4 of the engine's level
    key(qtbot, K.Key_1)  # slower
    assert service.speed == DEFAULT_SPEED - 1
    said_level(texts.SPEED_LEVEL, DEFAULT_SPEED, len(SPEEDS))
    assert voiced.recorder.speeds[-1] == pytest.approx(SPEEDS[DEFAULT_SPEED - 1])
    key(qtbot, K.Key_Equal)
    key(qtbot, K.Key_7)
    assert service.speed == DEFAULT_SPEED + 1

    page = to_pin(qtbot, kiosk, engine)
    key(qtbot, K.Key_9)  # on the PIN screen a digit is a digit
    assert service.volume == DEFAULT_VOLUME - 1 and page.pad.entered == 1
    key(qtbot, K.Key_Slash)  # "/" works everywhere
    assert service.volume == DEFAULT_VOLUME
    click(qtbot, kiosk.cancel)
    wait_screen(qtbot, kiosk, Screen.ERROR)
    click(qtbot, kiosk.pages[Screen.ERROR].ok)
    qtbot.waitUntil(lambda: kiosk.vm.screen is Screen.START and kiosk.vm.session != first)
    if kiosk.vm.card_on_reader:  # the next customer's start screen waits for the card
        engine.remove_card()
    qtbot.waitUntil(lambda: (service.volume, service.speed) == (DEFAULT_VOLUME, DEFAULT_SPEED))
