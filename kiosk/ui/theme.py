"""Look and size of the kiosk: touch-target size, text sizes, colours, the two
accessibility modes (large text, high contrast).

Sizes are derived from the target panel, a 15-inch 4:3 touchscreen at 1024×768: a 15 mm
touch target is ``MIN_TARGET_PX`` pixels there. Buttons are made comfortably larger
than that; a test checks every button on every screen against the minimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PANEL_SIZE = (1024, 768)
PANEL_DIAGONAL_INCH = 15.0
MIN_TARGET_MM = 15.0
PX_PER_MM = math.hypot(*PANEL_SIZE) / (PANEL_DIAGONAL_INCH * 25.4)
MIN_TARGET_PX = math.ceil(MIN_TARGET_MM * PX_PER_MM)  # 51 px
BUTTON_HEIGHT = 72


@dataclass(frozen=True)
class Palette:
    background: str
    text: str
    muted: str
    panel: str
    primary: str
    primary_text: str
    secondary: str
    secondary_text: str
    border: str
    warning: str
    focus: str


NORMAL = Palette(
    background="#F3F5F8", text="#15202B", muted="#3D4B59", panel="#FFFFFF",
    primary="#0B5394", primary_text="#FFFFFF", secondary="#FFFFFF", secondary_text="#0B3D6B",
    border="#7A8794", warning="#A1260D", focus="#E37400",
)
HIGH_CONTRAST = Palette(
    background="#000000", text="#FFFFFF", muted="#FFFFFF", panel="#000000",
    primary="#FFE600", primary_text="#000000", secondary="#000000", secondary_text="#FFFFFF",
    border="#FFFFFF", warning="#FFE600", focus="#00E5FF",
)


@dataclass(frozen=True)
class Theme:
    large_text: bool = False
    high_contrast: bool = False

    @property
    def palette(self) -> Palette:
        return HIGH_CONTRAST if self.high_contrast else NORMAL

    @property
    def body_px(self) -> int:
        return 30 if self.large_text else 22

    @property
    def title_px(self) -> int:
        return 44 if self.large_text else 34

    def stylesheet(self) -> str:
        p = self.palette
        b, t = self.body_px, self.title_px
        border = 3 if self.high_contrast else 2
        return f"""
QWidget#kiosk, QWidget#tester {{ background: {p.background}; }}
QWidget {{ color: {p.text}; font-size: {b}px; }}
QLabel[role="title"] {{ font-size: {t}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {p.muted}; }}
QLabel[role="warning"] {{ color: {p.warning}; font-weight: bold; }}
QLabel[role="amount"] {{ font-size: {t}px; font-weight: bold; }}
QLabel[role="pin"] {{ font-size: {t + 10}px; letter-spacing: 12px; }}
QFrame[role="panel"] {{ background: {p.panel}; border: {border}px solid {p.border};
    border-radius: 12px; }}
QFrame[role="overlay"] {{ background: {p.panel}; border: 4px solid {p.focus};
    border-radius: 16px; }}
QPushButton {{ background: {p.secondary}; color: {p.secondary_text};
    border: {border}px solid {p.border}; border-radius: 10px; padding: 8px 18px;
    min-height: {BUTTON_HEIGHT - 20}px; font-size: {b}px; }}
QPushButton[role="primary"] {{ background: {p.primary}; color: {p.primary_text};
    border-color: {p.primary}; font-weight: bold; }}
QPushButton[role="lang"] {{ font-size: 20px; padding: 4px 8px; }}
QPushButton:checked {{ background: {p.primary}; color: {p.primary_text}; }}
QPushButton:disabled {{ color: {p.muted}; border-style: dashed; }}
QPushButton[role="primary"]:disabled {{ background: {p.panel}; color: {p.muted};
    border-color: {p.border}; }}
QPushButton:focus {{ border: 4px solid {p.focus}; }}
QProgressBar {{ border: {border}px solid {p.border}; border-radius: 8px; min-height: 36px;
    text-align: center; background: {p.panel}; color: {p.text}; }}
QProgressBar::chunk {{ background: {p.primary}; }}
"""


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)
