"""A screenshot of every screen in every language.

The views are sample view models (no personal data exists in a view model anyway), so
the pictures are the same on every run; the README's pictures and the headless demo's
output folder are made with :func:`capture_all`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.session.viewmodel import Intent, ViewModel
from kiosk.ui.samples import sample_views
from kiosk.ui.texts import LANGUAGES
from kiosk.ui.window import KioskWindow


class NoEngine:
    """An engine link with nothing behind it: the pictures are of sample views, which need
    no customer flow (so none is imitated here); touches go nowhere."""

    def subscribe(self, listener: Callable[[ViewModel], None]) -> None:
        pass

    def send(self, intent: Intent) -> None:
        pass

    def send_pin(self, pin: bytearray) -> None:
        pass  # the caller zeroes it

    def close(self) -> None:
        pass


def shots(window: KioskWindow, languages: tuple[str, ...] = tuple(LANGUAGES),
          views: dict[str, ViewModel] | None = None) -> Iterator[tuple[str, str]]:
    """Render each view in each language; yield (language, name) after each render."""
    views = views or sample_views()
    for lang in languages:
        window.set_language(lang)
        for name, vm in views.items():
            window.render(vm)
            QApplication.processEvents()
            yield lang, name


def capture_all(window: KioskWindow, out: Path,
                languages: tuple[str, ...] = tuple(LANGUAGES)) -> list[Path]:
    """Write ``out/<lang>/<name>.png`` for every screen and language."""
    written = []
    for lang, name in shots(window, languages):
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        window.grab().save(str(path))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m hardware_mocks.ui.screenshots DIR [LANG,...]``: the README's pictures."""
    import os
    import sys

    from kiosk.ui.app import application, kiosk_window

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m hardware_mocks.ui.screenshots DIR [LANG,...]", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    langs = tuple(args[1].split(",")) if len(args) > 1 else tuple(LANGUAGES)
    application()
    window = kiosk_window(NoEngine())
    window.show()
    written = capture_all(window, Path(args[0]), langs)
    window.set_theme(high_contrast=True, large_text=True)
    for lang, name in shots(window, langs[:1], {"contrast-large": sample_views()["07-choose-type"]}):
        window.grab().save(str(Path(args[0]) / lang / f"{name}.png"))
    window.bridge.close()
    print(f"{len(written) + 1} screenshots in {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
