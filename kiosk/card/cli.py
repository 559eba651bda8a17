"""``kiosk card …``: the card reader as a technician sees it.

``kiosk [--config FILE] card status [--json] [--reader NAME]`` lists the readers (and
whether the configuration permits each), then for the card in the chosen reader: ATR,
My Number card or not, the authentication certificate's serial, issuer and validity, and
the PIN tries left (an empty VERIFY, which spends no try). Exit status 0 when a My Number
card was read, 1 when there is no reader, no card or a foreign card, 2 on a bad
configuration. Without ``--config`` the production policy applies (no virtual readers).

``kiosk card watch [--reader NAME] [--count N] [--timeout S]`` prints one JSON line per
card insertion or removal in the chosen reader (exit 0 after ``N`` events, 1 on timeout
or when no permitted reader exists).
"""

from __future__ import annotations

import argparse
import json
import sys

from kiosk.config import Config, ConfigError, load


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    card = sub.add_parser("card", help="card reader and My Number card")
    csub = card.add_subparsers(dest="card_command", required=True)
    status = csub.add_parser("status", help="readers, card, certificate and PIN tries left")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--reader", help="use the reader whose name starts with this")
    status.set_defaults(func=_status)
    watch = csub.add_parser("watch", help="print card insertions and removals")
    watch.add_argument("--reader", help="use the reader whose name starts with this")
    watch.add_argument("--count", type=int, default=0, help="stop after N events (0: never)")
    watch.add_argument("--timeout", type=float, default=0, help="stop after S seconds (0: never)")
    watch.set_defaults(func=_watch)


def _config(args: argparse.Namespace) -> Config | None:
    try:
        return load(args.config) if getattr(args, "config", None) else Config()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def _watch(args: argparse.Namespace) -> int:
    import queue
    import time

    from kiosk.card.errors import CardLayerError
    from kiosk.card.reader import open_reader
    from kiosk.card.watcher import CardWatcher

    config = _config(args)
    if config is None:
        return 2
    try:
        reader = open_reader(config, args.reader)
    except CardLayerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    events: queue.Queue[dict[str, object]] = queue.Queue()
    watcher = CardWatcher(
        reader,
        on_insert=lambda atr: events.put({"event": "inserted", "atr": atr.hex().upper() if atr else None}),
        on_remove=lambda: events.put({"event": "removed"}),
        on_gone=lambda exc: events.put({"event": "reader_gone"}),
    )
    deadline = time.monotonic() + args.timeout if args.timeout else None
    seen = 0
    with watcher:
        while not args.count or seen < args.count:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                return 1
            try:
                item = events.get(timeout=wait)
            except queue.Empty:
                return 1
            print(json.dumps({"reader": reader.name, **item}), flush=True)
            seen += 1
    return 0


def _status(args: argparse.Namespace) -> int:
    from kiosk.card.status import card_status

    config = _config(args)
    if config is None:
        return 2
    status = card_status(config, wanted=args.reader)
    if args.json:
        print(json.dumps(status.to_dict(), ensure_ascii=False, indent=1))
    else:
        print(f"mode: {status.mode}")
        if status.readers:
            for r in status.readers:
                print(f"reader: {r['name']}" + ("" if r["permitted"] else "  (not permitted)"))
        if status.card_present:
            print(f"ATR: {status.atr}")
        if status.certificate is not None:
            c = status.certificate
            print(f"certificate serial: {c.serial}")
            print(f"certificate issuer: {c.issuer}")
            print(f"certificate valid: {c.not_before} .. {c.not_after}"
                  + ("" if c.valid_now else "  (NOT valid now)"))
            print(f"PIN tries left: {status.tries_left}")
        print(status.message if status.problem is None else f"error: {status.message}",
              file=sys.stdout if status.problem is None else sys.stderr)
    return 0 if status.problem is None else 1
