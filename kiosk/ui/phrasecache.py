"""``kiosk speech-cache``: make the phrase cache ahead, at installation.

Every fixed sentence of every language the terminal speaks, and the pieces Japanese
sentences with numbers are said from (``kiosk.speech.phrases``), made once into
``[ui] speech_cache`` by the package's install step, so even the first customer after an
installation hears a screen's title at once, at the terminal's rate and at every rate step
a customer can choose (``kiosk.speech.service.SPEEDS``). The kiosk fills the same cache
itself at its first start when this was not run (the customer rate steps last, on the
preparing thread, when nothing is to be said). Only the kiosk's own texts go in; nothing
of a customer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path

from kiosk.speech.engines import offline_voices
from kiosk.speech.phrases import PhraseStore
from kiosk.speech.port import Audio, OnStart, Route, SpeechError
from kiosk.speech.service import SpeechService
from kiosk.ui import texts
from kiosk.ui.app import COMPOSED
from kiosk.ui.texts import tr

TIMEOUT_S = 3600.0  # one language at five rates on a loaded 2-core machine: minutes


class _Silent:
    """A player for a service that only prepares (nothing is said while building)."""

    def play(self, audio: Audio, route: Route, on_start: OnStart | None = None) -> None:
        pass

    def stop(self) -> None:
        pass


def build(folder: Path, speed: float = 1.0, languages: Iterable[str] | None = None) -> int:
    """Fill ``folder``; the number of files in it afterwards."""
    from PySide6.QtCore import QCoreApplication

    from kiosk.ui.i18n import Translations

    store = PhraseStore(folder)
    if not store.writable:
        raise SpeechError(f"{folder} is not writable")
    _app = QCoreApplication.instance() or QCoreApplication([])  # for the translations
    voices = offline_voices(speed)
    service = SpeechService(voices, _Silent(), store=store, composed=COMPOSED)
    translations = Translations(language="en")
    try:
        for language in languages or sorted(voices):
            translations.load(language)
            service.prepare([tr(s) for s in texts.all_sources() if "{" not in s], language,
                            texts.template_samples())
            end = time.monotonic() + TIMEOUT_S
            while not service.prepared():
                if time.monotonic() > end:
                    raise SpeechError(f"the {language} phrases took over {TIMEOUT_S:g} s")
                threading.Event().wait(0.2)
    finally:
        service.close()
        del _app
    return sum(1 for _ in folder.glob("*.wav"))
