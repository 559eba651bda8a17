"""The embedded Japanese fonts, and the refusal of characters they lack.

Certificates use IPAex Mincho for the text and IPAex Gothic for headings (Debian's
fonts-ipaexfont), found through fontconfig (``fc-match``) unless configured with
``KIOSK_FONT_MINCHO`` / ``KIOSK_FONT_GOTHIC``. reportlab embeds a subset of each.

A registry can hold a character no font has (a 外字, or a private-use code point). It
must never print as a blank or a tofu box, which would alter a legal record silently, so
every string is checked against the font's character map before layout and a
:class:`UnsupportedCharacter` names the field and the code point (never the text).
"""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

MINCHO = "IPAexMincho"
GOTHIC = "IPAexGothic"
_ENV = {MINCHO: "KIOSK_FONT_MINCHO", GOTHIC: "KIOSK_FONT_GOTHIC"}


class FontError(Exception):
    """The configured or installed font cannot be found or is not the expected face."""


class UnsupportedCharacter(Exception):
    """A character of the document is outside the font; nothing is printed."""

    def __init__(self, field: str, char: str) -> None:
        self.field = field
        self.codepoint = f"U+{ord(char):04X}"
        super().__init__(f"character {self.codepoint} in {field} is not in the certificate font")


def font_file(family: str) -> Path:
    """The TrueType file of ``family``: configured, else what fontconfig matches."""
    configured = os.environ.get(_ENV[family])
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise FontError(f"{_ENV[family]} names no file: {path}")
        return path
    try:
        out = subprocess.run(["fc-match", "-f", "%{family}\n%{file}", family], capture_output=True,
                             text=True, timeout=10, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise FontError("fontconfig (fc-match) is not available") from exc
    families, _, file = out.partition("\n")
    if family not in families.split(","):
        raise FontError(f"font {family} is not installed (apt-get install fonts-ipaexfont)")
    return Path(file).resolve()


@functools.cache
def register() -> None:
    """Register both faces with reportlab (once per process)."""
    for family in (MINCHO, GOTHIC):
        pdfmetrics.registerFont(TTFont(family, str(font_file(family))))


@functools.cache
def _coverage(family: str) -> frozenset[int]:
    register()
    font = pdfmetrics.getFont(family)
    if not isinstance(font, TTFont):  # register() registered a TrueType font under this name
        raise FontError(f"font {family} is not a TrueType font")
    return frozenset(font.face.charToGlyph)


def check_text(field: str, text: str, family: str = MINCHO) -> None:
    """Raise :class:`UnsupportedCharacter` for the first character ``family`` lacks."""
    covered = _coverage(family)
    for char in text:
        if ord(char) not in covered and char not in "\n":
            raise UnsupportedCharacter(field, char)


def check_document(value: object, field: str = "document", family: str = MINCHO) -> None:
    """Check every string of a document (walks dicts and lists)."""
    if isinstance(value, str):
        check_text(field, value, family)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_document(item, f"{field}.{key}", family)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_document(item, f"{field}[{index}]", family)
