"""A blind customer's journey on the numeric keypad alone, from the start screen to the
printed papers, with the real offline voices writing every utterance to a WAV file: each
is sound of a plausible length, and no PIN digit, no name, no address and no My Number
was ever handed to a synthesiser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from hardware_mocks.world import (
    CANARY_ADDRESS_MARK,
    CANARY_FAMILY,
    CANARY_GIVEN,
    CANARY_KANA,
    CANARY_PIN,
    World,
)
from kiosk.session.viewmodel import Screen
from kiosk.speech.engines import offline_voices
from kiosk.speech.wav import from_wav, rms
from kiosk.ui import texts
from kiosk.ui.texts import tr
from tests.fixtures.ui import voiced_window, wait_engine, wait_screen

pytestmark = [pytest.mark.qt, pytest.mark.slow]
K = Qt.Key
KP = Qt.KeyboardModifier.KeypadModifier
DIGITS = {str(d): getattr(K, f"Key_{d}") for d in range(10)}


def test_keypad_only_from_start_to_printed_papers(qtbot: QtBot, engine, fresh_world: World,
                                                  tmp_path: Path) -> None:
    v = voiced_window(qtbot, engine, tmp_path / "speech", language="ja", inner=offline_voices())
    kiosk: Any = v.window
    wait_engine(qtbot, kiosk)
    service = kiosk.voice.service
    assert service is not None

    def listen() -> None:  # the customer hears each screen out
        qtbot.waitUntil(service.idle, timeout=60000)

    def key(k: Qt.Key) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "the keypad always reaches something"
        qtbot.keyClick(target, k, KP)

    def at(screen: Screen) -> None:
        wait_screen(qtbot, kiosk, screen, timeout=10000)
        listen()

    key(K.Key_Plus)  # help: the voice guide, no sight needed
    assert kiosk.voice.enabled
    listen()
    key(K.Key_Enter)  # the focus is on Start
    at(Screen.PLACE_CARD)
    engine.insert_card("canary")
    at(Screen.PIN)
    said_before_pin = len(v.said())
    for digit in CANARY_PIN:
        key(DIGITS[digit])
        listen()
    typed = v.said()[said_before_pin:]
    assert set(typed) <= {tr(texts.DIGIT_ENTERED), tr(texts.PIN_FULL)} and typed
    key(K.Key_Enter)
    at(Screen.REMOVE_CARD)
    engine.remove_card()
    at(Screen.CHOOSE_TYPE)
    key(K.Key_5)  # the first certificate (the focus starts on it)
    at(Screen.OPTIONS)
    key(K.Key_8)  # up from Next: the last option's last choice
    key(K.Key_5)  # choose it
    qtbot.waitUntil(lambda: len(set(kiosk.vm.selected_options.values())) > 1
                    or kiosk.vm.selected_options.get("my_number") == "include")
    key(K.Key_2)  # back down to Next
    key(K.Key_5)
    at(Screen.COPIES)
    key(K.Key_8)  # up from Next: one copy more
    key(K.Key_5)
    listen()
    key(K.Key_2)
    key(K.Key_5)
    at(Screen.CONFIRM)
    assert kiosk.vm.copies == 2
    key(K.Key_5)
    at(Screen.PAYMENT)
    engine.insert_money(kiosk.vm.total + 100)
    at(Screen.TAKE_PAPERS)
    key(K.Key_Enter)
    at(Screen.THANK_YOU)
    assert len(engine.devices.printer.printed) == 2, "the papers came out"
    qtbot.waitUntil(lambda: bool(engine.outcomes))  # recorded just after the final view
    assert engine.outcomes[-1]["result"] == "printed"

    said = v.recorder.said
    assert {lang for lang, _ in said} == {"ja"}
    joined = "\n".join(text for _, text in said)
    for secret in (CANARY_PIN, CANARY_FAMILY, CANARY_GIVEN, CANARY_ADDRESS_MARK,
                   *CANARY_KANA.split()):
        assert secret not in joined
    my_number = fresh_world.resident(fresh_world.persona("canary")["resident"])["my_number"]
    assert my_number not in joined.replace(" ", "")
    for text in (tr(texts.PAYMENT_TITLE, total=f"{kiosk.vm.total}円"), tr(texts.TAKE_TITLE),
                 tr(texts.CHOOSE_TYPE_TITLE)):
        assert text in joined  # screens, amounts in words, reminders
    assert len(v.player.files) >= 20
    qtbot.waitUntil(lambda: len(v.recorder.made) == len(said))  # a sentence overtaken
    for text, seconds in v.recorder.made:
        assert 0.06 * len(text) <= seconds <= 0.5 * len(text) + 1.5, (text, seconds)
    for f in v.player.files:
        audio = from_wav(f.read_bytes())
        assert rms(audio) > 300, f"{f.name} is silent"
        assert 0.4 <= audio.seconds <= 30, (f.name, audio.seconds)
