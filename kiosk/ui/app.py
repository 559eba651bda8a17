"""Assembling the kiosk: the Qt application, fonts, translations and the window."""

from __future__ import annotations

import sys

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.session.viewmodel import Screen
from kiosk.ui import translations
from kiosk.ui.bridge import EngineBridge, EngineLink
from kiosk.ui.i18n import Translations
from kiosk.ui.sound import KeyClicker
from kiosk.ui.theme import REFERENCE_PANEL, Panel
from kiosk.ui.voice import VoiceGuide
from kiosk.ui.window import KioskWindow

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
