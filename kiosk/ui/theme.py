"""Look and size of the kiosk: touch-target size, text sizes, colours, the two
accessibility modes (large text, high contrast).

Sizes are physical. The layout was drawn on the reference panel, a 15-inch 4:3
touchscreen at 1024×768 (3.36 px/mm); its pixel sizes (:func:`ref`) and the millimetre
sizes (:func:`mm`) are converted with the pixel pitch of the panel in use (:class:`Panel`:
from the configuration, or the size the display reports), so a 15 mm touch target stays
15 mm on a 15.6-inch 1920×1080 panel too. A test checks every button on every screen
against the minimum, on both panels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Panel:
    """The touchscreen: its size in pixels and its visible area in millimetres."""

    width_px: int
    height_px: int
    width_mm: float
    height_mm: float

    @classmethod
    def diagonal(cls, width_px: int, height_px: int, inches: float) -> Panel:
        """A panel of square pixels from its diagonal (as panels are sold)."""
        mm_per_px = inches * 25.4 / math.hypot(width_px, height_px)
        return cls(width_px, height_px, width_px * mm_per_px, height_px * mm_per_px)

    @property
    def size(self) -> tuple[int, int]:
        return self.width_px, self.height_px

    @property
    def px_per_mm(self) -> float:
        return (self.width_px / self.width_mm + self.height_px / self.height_mm) / 2


REFERENCE_PANEL = Panel.diagonal(1024, 768, 15.0)
PANEL_SIZE = REFERENCE_PANEL.size
MIN_TARGET_MM = 15.0
PX_PER_MM = REFERENCE_PANEL.px_per_mm
MIN_TARGET_PX = math.ceil(MIN_TARGET_MM * PX_PER_MM)  # 51 px on the reference panel

_panel = REFERENCE_PANEL  # the panel in use: set once by the window before it builds


def use_panel(panel: Panel) -> None:
    """Size every widget built from now on for ``panel``."""
    global _panel
    _panel = panel


def current_panel() -> Panel:
    return _panel


def mm(millimetres: float) -> int:
    """Pixels of the panel in use for a physical length (rounded up: never smaller)."""
    return math.ceil(millimetres * _panel.px_per_mm - 1e-9)


def ref(pixels: float) -> int:
    """Pixels of the panel in use for a length drawn in pixels of the reference panel."""
    return max(1, round(pixels * _panel.px_per_mm / PX_PER_MM)) if pixels else 0


def min_target_px() -> int:
    return mm(MIN_TARGET_MM)


def button_height() -> int:
    return ref(72)


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
    focus: str  # the focus ring's outer line: against the page and the panels
    focus_inner: str  # its inner line: against the button's own fill
    unavailable: str  # the fill of a choice that cannot be taken now
    unavailable_text: str


NORMAL = Palette(
    background="#F3F5F8", text="#15202B", muted="#3D4B59", panel="#FFFFFF",
    primary="#0B5394", primary_text="#FFFFFF", secondary="#FFFFFF", secondary_text="#0B3D6B",
    border="#7A8794", warning="#A1260D", focus="#B34700", focus_inner="#FFFFFF",
    unavailable="#E1E5EA", unavailable_text="#3D4B59",
)
HIGH_CONTRAST = Palette(
    background="#000000", text="#FFFFFF", muted="#FFFFFF", panel="#000000",
    primary="#FFE600", primary_text="#000000", secondary="#000000", secondary_text="#FFFFFF",
    border="#FFFFFF", warning="#FFE600", focus="#00E5FF", focus_inner="#000000",
    unavailable="#333333", unavailable_text="#C8C8C8",
)


#: The focus ring: its outer line in ``Palette.focus``, then an inner line in
#: ``Palette.focus_inner`` (reference pixels); see ``widgets.KioskButton.paintEvent``.
FOCUS_WIDTH = 4
FOCUS_INNER_WIDTH = 3


@dataclass(frozen=True)
class Theme:
    large_text: bool = False
    high_contrast: bool = False
    panel: Panel = field(default_factory=current_panel)

    @property
    def palette(self) -> Palette:
        return HIGH_CONTRAST if self.high_contrast else NORMAL

    def _px(self, reference: float) -> int:
        return max(1, round(reference * self.panel.px_per_mm / PX_PER_MM))

    @property
    def body_px(self) -> int:
        return self._px(30 if self.large_text else 22)

    @property
    def title_px(self) -> int:
        return self._px(44 if self.large_text else 34)

    def stylesheet(self) -> str:
        p = self.palette
        b, t, px = self.body_px, self.title_px, self._px
        border = px(3 if self.high_contrast else 2)
        return f"""
QWidget#kiosk, QWidget#tester {{ background: {p.background}; }}
QWidget {{ color: {p.text}; font-size: {b}px; }}
QLabel[role="title"] {{ font-size: {t}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {p.muted}; }}
QLabel[role="warning"] {{ color: {p.warning}; font-weight: bold; }}
QLabel[role="amount"] {{ font-size: {t}px; font-weight: bold; }}
QLabel[role="pin"] {{ font-size: {t + px(10)}px; letter-spacing: {px(12)}px; }}
QLabel[role="service"] {{ color: {p.muted}; font-size: {px(20) if not self.large_text else px(24)}px; }}
QFrame[role="panel"] {{ background: {p.panel}; border: {border}px solid {p.border};
    border-radius: {px(12)}px; }}
QFrame[role="overlay"] {{ background: {p.panel}; border: {px(4)}px solid {p.focus};
    border-radius: {px(16)}px; }}
QFrame[role="alert"] {{ background: {p.panel}; border: {px(4)}px solid {p.warning};
    border-radius: {px(12)}px; }}
QPushButton {{ background: {p.secondary}; color: {p.secondary_text};
    border: {border}px solid {p.border}; border-radius: {px(10)}px;
    padding: {px(8)}px {px(18)}px; min-height: {px(52)}px; font-size: {b}px; }}
QPushButton[role="primary"] {{ background: {p.primary}; color: {p.primary_text};
    border-color: {p.primary}; font-weight: bold; }}
QPushButton[role="lang"] {{ font-size: {px(20)}px; padding: {px(4)}px {px(8)}px; }}
QPushButton[role="stepper"] {{ font-size: {px(52)}px; font-weight: bold; padding: 0px; }}
QPushButton:checked {{ background: {p.primary}; color: {p.primary_text}; }}
QPushButton:disabled {{ color: {p.muted}; border-style: dashed; }}
QPushButton[role="primary"]:disabled {{ background: {p.panel}; color: {p.muted};
    border-color: {p.border}; }}
QPushButton[unavailable="true"] {{ background: {p.unavailable}; color: {p.unavailable_text};
    border-style: dashed; border-color: {p.border}; }}
QPushButton:focus {{ border: {px(FOCUS_WIDTH)}px solid {p.focus}; }}
QProgressBar {{ border: {border}px solid {p.border}; border-radius: {px(8)}px;
    min-height: {px(36)}px; text-align: center; background: {p.panel}; color: {p.text}; }}
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
