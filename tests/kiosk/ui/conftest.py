"""Fixtures of the UI tests: a kiosk window over the scripted engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.session.viewmodel import Screen
from kiosk.ui import translations
from kiosk.ui.scripted import ScriptedEngine
from kiosk.ui.window import KioskWindow


@pytest.fixture(scope="session", autouse=True)
def built_translations() -> None:
    translations.ensure_built()


@pytest.fixture
def engine() -> Iterator[ScriptedEngine]:
    e = ScriptedEngine()
    yield e
    e.close()


def make_window(qtbot, link, language: str = "en", **kwargs) -> KioskWindow:  # type: ignore[no-untyped-def]
    from kiosk.ui.app import application, kiosk_window

    application()
    window = kiosk_window(link, language=language, **kwargs)
    qtbot.addWidget(window, before_close_func=lambda w: w.bridge.close())
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def kiosk(qtbot, engine: ScriptedEngine) -> KioskWindow:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, engine)
    wait_screen(qtbot, window, Screen.START)
    return window


def wait_screen(qtbot, window: KioskWindow, screen: Screen, timeout: int = 3000) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.vm.screen is screen, timeout=timeout)
