"""The federation's Ed25519 checks: OpenSSL's against libsodium's, side by side in one run.

``python -m bench.signatures [--rounds 5] [--n 2000]``

What a session's checks are made of, each timed with the ``cryptography`` key's own
``verify`` (OpenSSL) and with :func:`protocol.ed25519.verify` (libsodium), alternating
round by round, best round of each: a bare verification of a message the size of an
envelope's signed bytes; :func:`protocol.federation.envelope.open_message` of a sealed
``issue`` answer (the centre opens two or three such a session, a municipal server as
many for each of its residents' sessions); and a document binding's check
(:meth:`protocol.documents.binding.Binding.verify`, one a document). CPU time of this
process, microseconds a call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from protocol import ed25519
from protocol.documents.binding import Binding
from protocol.federation.directory import PublishedKey, key_id
from protocol.federation.envelope import open_message, seal

NOW = dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC)


def _openssl(key: Ed25519PublicKey, signature: bytes, message: bytes) -> None:
    key.verify(signature, message)


@contextmanager
def checked_by(name: str) -> Iterator[None]:
    """Every check of :mod:`protocol.ed25519` made by ``name``: ``libsodium`` (as shipped)
    or ``openssl`` (the ``cryptography`` key's own ``verify``, as before)."""
    if name == "libsodium":
        yield
        return
    with mock.patch.object(ed25519, "verify", _openssl):
        yield


def operations() -> dict[str, Callable[[], Any]]:
    sender = Ed25519PrivateKey.generate()
    published = PublishedKey(sender.public_key(), NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))
    body = {"request_id": "0" * 32, "documents": [{"serial": "139998-2026-0000001", "text": "x" * 2400}],
            "amount": 300}
    message = seal(body, sender="139998", recipient="centre", key=sender, kind="answer", now=NOW)
    binding = Binding("r" * 36, "s" * 43, "kiosk-0001", "c" * 64, "d" * 64)
    signature = binding.sign(sender)
    raw = bytes(300)
    raw_signature = sender.sign(raw)

    def lookup(_sender: str, kid: str, _at: dt.datetime) -> PublishedKey | None:
        return published if kid == key_id(published.public_key) else None

    return {
        "verify 300 B": lambda: ed25519.verify(sender.public_key(), raw_signature, raw),
        "open_message (issue answer)": lambda: open_message(message, lookup, recipient="centre", now=NOW),
        "Binding.verify": lambda: binding.verify(signature, sender.public_key()),
    }


def _time(operation: Callable[[], Any], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        operation()
    return (time.process_time() - start) / n * 1e6


def run(rounds: int, n: int) -> dict[str, dict[str, float]]:
    """Best µs a call of each operation, by each implementation, alternating per round."""
    ops = operations()
    best: dict[str, dict[str, float]] = {name: {} for name in ops}
    for _ in range(rounds):
        for implementation in ("openssl", "libsodium"):
            with checked_by(implementation):
                for name, operation in ops.items():
                    took = _time(operation, n)
                    best[name][implementation] = min(best[name].get(implementation, took), took)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.signatures", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=2000, help="calls a round")
    args = parser.parse_args(argv)
    print(f"# Ed25519 checks {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
          f"Python {platform.python_version()}, best of {args.rounds} rounds of {args.n}")
    for name, by in run(args.rounds, args.n).items():
        print(f"{name:<30} openssl {by['openssl']:7.1f} µs   libsodium {by['libsodium']:7.1f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
