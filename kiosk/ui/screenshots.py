"""A screenshot of every screen in every language.

The views are sample view models (no personal data exists in a view model anyway), so
the pictures are the same on every run; the README's pictures and the headless demo's
output folder are made with :func:`capture_all`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.session.viewmodel import ErrorInfo, IntentKind, Screen, ViewModel
from kiosk.ui.scripted import default_menu
from kiosk.ui.texts import LANGUAGES
from kiosk.ui.window import KioskWindow

I = IntentKind  # noqa: E741


def sample_views() -> dict[str, ViewModel]:
    """One representative view model per screen (and a few variants)."""
    menu = default_menu({"inkan": "no_seal", "koseki_zenbu": "koseki_hours"})
    order = dict(menu=menu, selected_type="juminhyo",
                 selected_options={"scope": "household", "honseki": "omit",
                                   "relationship": "include", "my_number": "omit"},
                 copies=2, fee_per_copy=200, total=400)
    return {
        "01-start": ViewModel(Screen.START, frozenset({I.START, I.LANGUAGE})),
        "02-place-card": ViewModel(Screen.PLACE_CARD, frozenset({I.CANCEL})),
        "03-reading-card": ViewModel(Screen.READING_CARD),
        "04-pin": ViewModel(Screen.PIN, frozenset({I.PIN_SUBMITTED, I.CANCEL}), tries_left=3),
        "04b-pin-last-try": ViewModel(Screen.PIN, frozenset({I.PIN_SUBMITTED, I.CANCEL}),
                                      tries_left=1),
        "05-authenticating": ViewModel(Screen.AUTHENTICATING),
        "06-remove-card": ViewModel(Screen.REMOVE_CARD),
        "07-choose-type": ViewModel(Screen.CHOOSE_TYPE, frozenset({I.CHOOSE_TYPE, I.CANCEL}),
                                    menu=menu),
        "08-options": ViewModel(Screen.OPTIONS, frozenset({I.SET_OPTION, I.OPTIONS_DONE,
                                                           I.BACK, I.CANCEL}), **order),
        "09-copies": ViewModel(Screen.COPIES, frozenset({I.SET_COPIES, I.BACK, I.CANCEL}),
                               **order),
        "10-confirm": ViewModel(Screen.CONFIRM, frozenset({I.CONFIRM, I.BACK, I.CANCEL}),
                                **order),
        "11-preparing": ViewModel(Screen.PREPARING, progress=0.6, **order),
        "12-payment": ViewModel(Screen.PAYMENT, frozenset({I.CANCEL}), inserted=100, **order),
        "12b-payment-exact": ViewModel(Screen.PAYMENT, frozenset({I.CANCEL}),
                                       exact_change_only=True, **order),
        "13-printing": ViewModel(Screen.PRINTING, pages_done=1, pages_total=2, **order),
        "14-take-papers": ViewModel(Screen.TAKE_PAPERS, frozenset({I.ACKNOWLEDGE}),
                                    change_due=600, **order),
        "15-thank-you": ViewModel(Screen.THANK_YOU),
        "16-more-time": ViewModel(Screen.COPIES, frozenset({I.MORE_TIME, I.CANCEL}),
                                  timeout_warning=True, seconds_left=20, **order),
        "17-error-refusal": ViewModel(Screen.ERROR, frozenset({I.ACKNOWLEDGE}),
                                      error=ErrorInfo("under_15", "refusal", "visit_office")),
        "17b-error-pin-locked": ViewModel(Screen.ERROR, frozenset({I.ACKNOWLEDGE}),
                                          error=ErrorInfo("pin_locked", "card",
                                                          "visit_office")),
        "17c-error-printer": ViewModel(Screen.ERROR, frozenset({I.ACKNOWLEDGE}),
                                       error=ErrorInfo("media_jam", "printer", "call_staff",
                                                       refunded=400)),
        "18-out-of-service": ViewModel(Screen.OUT_OF_SERVICE),
    }


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
    """``python -m kiosk.ui.screenshots DIR [LANG,...]``: the README's pictures."""
    import os
    import sys

    from kiosk.ui.app import application, kiosk_window
    from kiosk.ui.scripted import ScriptedEngine

    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m kiosk.ui.screenshots DIR [LANG,...]", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    langs = tuple(args[1].split(",")) if len(args) > 1 else tuple(LANGUAGES)
    application()
    engine = ScriptedEngine()
    window = kiosk_window(engine)
    window.show()
    window.bridge.blockSignals(True)
    written = capture_all(window, Path(args[0]), langs)
    window.set_theme(high_contrast=True, large_text=True)
    for lang, name in shots(window, langs[:1], {"contrast-large": sample_views()["07-choose-type"]}):
        window.grab().save(str(Path(args[0]) / lang / f"{name}.png"))
    window.bridge.close()
    print(f"{len(written) + 1} screenshots in {args[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
