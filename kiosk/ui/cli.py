"""``kiosk ui``: the touchscreen of a terminal in service."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("ui", aliases=["run"],
                         help="the kiosk in service: full screen, real devices")
    run.add_argument("--windowed", action="store_true", help="not full screen (bench only)")
    run.set_defaults(func=_run)
    cache = sub.add_parser("speech-cache",
                           help="make every fixed phrase's audio ahead (installation step)")
    cache.add_argument("--cache", type=Path,
                       help="the folder (default: [ui] speech_cache of --config, else "
                            "/var/cache/kiosk/speech)")
    cache.add_argument("--language", action="append", help="only these (default: all)")
    cache.set_defaults(func=_speech_cache)


def _run(args: argparse.Namespace) -> int:
    if not args.config:
        print("kiosk ui needs --config (the kiosk's TOML configuration)", file=sys.stderr)
        return 2
    from kiosk.ui import production

    return production.run(args.config, args.windowed)


def _speech_cache(args: argparse.Namespace) -> int:
    from kiosk import config as kiosk_config
    from kiosk.speech.port import SpeechError
    from kiosk.ui import phrasecache
    from kiosk.ui.texts import LANGUAGES

    unknown = sorted(set(args.language or ()) - set(LANGUAGES))
    if unknown:
        print(f"kiosk speech-cache: no such language: {', '.join(unknown)} (the kiosk's: {', '.join(LANGUAGES)})",
              file=sys.stderr)
        return 2
    ui = kiosk_config.load(args.config).ui if args.config else kiosk_config.UiConfig()
    folder = args.cache or ui.speech_cache
    if folder is None:
        print("kiosk speech-cache: [ui] speech_cache is off; give --cache", file=sys.stderr)
        return 2
    try:
        count = phrasecache.build(folder, ui.speech_speed, args.language)
    except SpeechError as exc:
        print(f"kiosk speech-cache: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"kiosk speech-cache: cannot write {folder} ({exc.strerror or type(exc).__name__})", file=sys.stderr)
        return 2
    print(f"{count} phrases in {folder}")
    return 0
