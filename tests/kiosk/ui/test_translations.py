"""Every string translated in every language, catalogues in step with the source, and
nothing shown on any screen that escaped translation."""

from __future__ import annotations

import re
import shutil
import string
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtGui import QRawFont
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.qtbot import QtBot

from hardware_mocks.ui.screenshots import shots
from kiosk.ui import texts, translations
from tests.fixtures.ui import make_window, wait_engine

pytestmark = pytest.mark.qt
LANGS = tuple(texts.CATALOGUE_FILES)


def messages(lang: str) -> list[ET.Element]:
    return list(ET.parse(translations.ts_path(lang)).iter("message"))


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("lang", LANGS)
def test_catalogue_is_complete(lang: str) -> None:
    found = set()
    for msg in messages(lang):
        source = msg.findtext("source") or ""
        tr = msg.find("translation")
        assert tr is not None and tr.get("type") is None, f"{lang}: unfinished {source!r}"
        assert (tr.text or "").strip(), f"{lang}: empty translation of {source!r}"
        assert fields(tr.text or "") == fields(source), f"{lang}: placeholders of {source!r}"
        found.add(source)
    assert found == set(texts.all_sources())


def test_catalogues_are_in_step_with_the_source(tmp_path: Path) -> None:
    """lupdate over the source adds nothing: no marked string lacks a catalogue entry."""
    copy = tmp_path / "kiosk_ja.ts"
    shutil.copy(translations.ts_path("ja"), copy)
    translations.update([copy])
    after = {m.findtext("source") for m in ET.parse(copy).iter("message")}
    assert after == {m.findtext("source") for m in messages("ja")}
    done = [m.find("translation") for m in ET.parse(copy).iter("message")]
    assert all(t is not None and t.get("type") is None for t in done)


def test_build_compiles_every_catalogue(tmp_path: Path) -> None:
    built = translations.build(tmp_path)
    assert sorted(p.name for p in built) == sorted(f"{texts.CATALOGUE_FILES[lang]}.qm"
                                                   for lang in LANGS)
    for lang in LANGS:
        t = QTranslator()
        assert t.load(str(translations.qm_path(lang, tmp_path)))
        for source in texts.all_sources():
            assert t.translate(texts.CONTEXT, source), f"{lang}: {source!r} not in the .qm"


def test_cli_usage() -> None:
    assert translations.main(["nonsense"]) == 2


def visible_texts(window) -> list[str]:
    out = []
    for w in window.findChildren(QLabel) + window.findChildren(QAbstractButton):
        if w.isVisible() and w.text():
            out.append(w.text())
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_no_screen_shows_an_untranslated_string(qtbot: QtBot, engine, lang: str) -> None:
    """On every screen, no visible text is an English source string (or made of one)."""
    window = make_window(qtbot, engine, language=lang)
    wait_engine(qtbot, window)  # no view of the engine's comes in among the samples
    english = {s for s in texts.all_sources() if not fields(s)}
    translator = QTranslator()
    translator.load(str(translations.qm_path(lang)))
    untranslated = {s for s in english if translator.translate(texts.CONTEXT, s) != s}
    words = re.compile(r"[A-Za-z]{4,}")
    allowed_words = {"Number"}  # "My Number" is the card's name in every language
    for _, name in shots(window, (lang,)):
        for text in visible_texts(window):
            for line in text.split("\n"):
                assert line not in untranslated, f"{lang}/{name}: {line!r}"
            if lang in ("ja", "zh", "ko"):
                for native in texts.LANGUAGES.values():  # each written in its own language
                    text = text.replace(native, "")
                stray = set(words.findall(text)) - allowed_words
                assert not stray, f"{lang}/{name}: latin words {stray} in {text!r}"


def covering_families() -> list[str]:
    from kiosk.ui.app import FONT_FAMILIES, application

    application()
    from PySide6.QtGui import QFontDatabase

    installed = set(QFontDatabase.families())
    return [f for f in FONT_FAMILIES if f in installed]


@pytest.mark.parametrize("lang", LANGS)
def test_installed_fonts_cover_every_translation(lang: str) -> None:
    from PySide6.QtGui import QFont

    raws = [QRawFont.fromFont(QFont(f)) for f in covering_families()]
    missing = set()
    for msg in messages(lang):
        for ch in msg.findtext("translation") or "":
            if not ch.isspace() and not any(r.supportsCharacter(ord(ch)) for r in raws):
                missing.add(ch)
    if missing and lang in ("zh", "ko"):
        pytest.skip(f"no font for {lang} installed (fonts-nanum, fonts-droid-fallback): "
                    f"{len(missing)} characters")
    assert not missing, f"{lang}: no installed font has {sorted(missing)[:20]}"
