"""Switching the display language at run time with Qt's translators."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

from kiosk.ui import translations
from kiosk.ui.texts import CATALOGUE_FILES, DEFAULT_LANGUAGE, LANGUAGES


class MissingCatalogue(RuntimeError):
    """A ``.qm`` file is missing: run ``python -m kiosk.ui.translations build``."""


class Translations:
    """Holds one installed ``QTranslator``; English (the source language) needs none."""

    # One translator per application, whichever window installed it.
    _installed: QTranslator | None = None

    def __init__(self, folder: Path | None = None, language: str = DEFAULT_LANGUAGE) -> None:
        self.folder = folder or translations.HERE
        self.language = "en"
        self.load(language)

    def load(self, code: str) -> None:
        if code not in LANGUAGES:
            raise ValueError(f"unknown language {code!r}")
        app = QCoreApplication.instance()
        new: QTranslator | None = None
        if code in CATALOGUE_FILES:
            new = QTranslator()
            path = translations.qm_path(code, self.folder)
            if not new.load(str(path)):
                raise MissingCatalogue(str(path))
        if app is not None:
            if Translations._installed is not None:
                app.removeTranslator(Translations._installed)
            if new is not None:
                app.installTranslator(new)
        Translations._installed = new
        self.language = code
