"""Assembling the kiosk: the Qt application, fonts, translations and the window."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.config import UiConfig
from kiosk.session.viewmodel import Screen
from kiosk.speech.engines import offline_voices
from kiosk.speech.jack import AlsaJack, EvdevSwitch
from kiosk.speech.outputs import Devices, OutputWatcher, PulseServer
from kiosk.speech.phrases import PhraseStore
from kiosk.speech.players import ProcessPlayer
from kiosk.speech.port import Route, SpeechError
from kiosk.speech.service import SpeechService
from kiosk.ui import translations
from kiosk.ui.bridge import EngineBridge, EngineLink
from kiosk.ui.i18n import Translations
from kiosk.ui.sound import KeyClicker
from kiosk.ui.theme import REFERENCE_PANEL, Panel
from kiosk.ui.voice import VoiceGuide
from kiosk.ui.window import KioskWindow
from protocol import log

LOG = logging.getLogger("kiosk.ui")
#: Languages whose sentences with numbers are said from kept pieces: Japanese, whose
#: engine (Open JTalk) is the slow one and tells its readings; eSpeak NG makes a whole
#: sentence in 20–50 ms, faster than pieces would gain
COMPOSED = frozenset({"ja"})

# Preferred families, in order: Japanese first, then fonts that cover Hangul and Hanzi.
FONT_FAMILIES = ("IPAexGothic", "Noto Sans CJK JP", "NanumGothic", "Droid Sans Fallback",
                 "Noto Sans CJK SC", "DejaVu Sans")


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    assert isinstance(app, QApplication)
    available = set(QFontDatabase.families())
    families = [f for f in FONT_FAMILIES if f in available]
    if families:
        font = QFont()
        font.setFamilies(families)
        app.setFont(font)
    return app


def screen_panel(width_mm: float = 0.0, height_mm: float = 0.0) -> Panel:
    """The panel of the primary screen: its pixels, and its size in millimetres from the
    configuration or, where not given, as the display reports it (its EDID). A display
    that reports no size is taken as the reference panel's 15 inches."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    size = screen.size()
    if width_mm <= 0 or height_mm <= 0:
        physical = screen.physicalSize()
        width_mm, height_mm = physical.width(), physical.height()
    if width_mm <= 0 or height_mm <= 0 or size.width() <= 0 or size.height() <= 0:
        return Panel.diagonal(size.width() or 1024, size.height() or 768, 15.0)
    return Panel(size.width(), size.height(), width_mm, height_mm)


def voice_guide(ui: UiConfig) -> VoiceGuide:
    """The voice guide of the configuration: its engines, where it plays (the sound
    server, or ALSA directly without one), the earphone jack. What cannot be had (no
    engine installed, no player) leaves the kiosk silent, never without its screen; the
    reason is logged."""
    service: SpeechService | None = None
    earphone = None
    if ui.speech:
        try:
            voices = offline_voices(ui.speech_speed)
            switch = earphone_switch(ui)
            player, earphone = _player(ui, switch)
            store = PhraseStore(ui.speech_cache) if ui.speech_cache is not None else None
            service = SpeechService(voices, player, store=store,
                                    composed=COMPOSED) if voices else None
        except SpeechError as exc:
            log.event(LOG, "ui.speech_unavailable", logging.WARNING, kind=type(exc).__name__)
    guide = VoiceGuide(service, earphone=earphone)  # the window tells it the language
    guide.prepare_ahead = True
    return guide


def earphone_switch(ui: UiConfig) -> Callable[[], bool] | None:
    """What reads the earphone jack, chosen once: the jack's input device, else its ALSA
    control, else nothing (the sound server's headphone port, if a server runs)."""
    if ui.earphone_switch is not None:
        return EvdevSwitch(ui.earphone_switch).plugged
    if ui.earphone_alsa_card is not None:
        return AlsaJack(ui.earphone_alsa_card, ui.earphone_alsa_control).plugged
    return None


def _player(ui: UiConfig, switch: Callable[[], bool] | None
            ) -> tuple[ProcessPlayer, Callable[[], bool] | None]:
    """The player, and what says whether an earphone is in (the real sound server's
    adapter: ``pactl``, watched on a thread of its own; see ``kiosk.speech.outputs``)."""
    if ui.audio_player != "auto":
        player = ProcessPlayer(ui.audio_player, {
            Route.SPEAKER: ui.speaker_device or None,
            Route.EARPHONE: ui.earphone_device or ui.speaker_device or None})
        return player, switch
    devices = Devices(speaker_sink=ui.speaker_device or None,
                      earphone_sink=ui.earphone_device or None,
                      speaker_alsa=ui.alsa_speaker_device or None,
                      earphone_alsa=ui.alsa_earphone_device or None)
    watcher = OutputWatcher(PulseServer(), devices, switch)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(watcher.close)
    return ProcessPlayer.routed(lambda: watcher.current), watcher.plugged


def kiosk_window(link: EngineLink, *, language: str = "ja", production: bool = False,
                 sound: bool = False, hours: tuple[str, str] = ("6:30", "23:00"),
                 final_hold_ms: dict[Screen, int] | None = None, panel: Panel | None = None,
                 voice: VoiceGuide | None = None) -> KioskWindow:
    """Build the window over an engine link (the session host, or in tests an engine in
    process), sized for ``panel`` (the 15-inch 4:3 reference panel by default)."""
    translations.ensure_built()
    panel = panel or REFERENCE_PANEL
    window = KioskWindow(EngineBridge(link), Translations(language=language),
                         clicker=KeyClicker(enabled=sound), production=production, hours=hours,
                         final_hold_ms=final_hold_ms, panel=panel, voice=voice)
    window.resize(*panel.size)
    return window
