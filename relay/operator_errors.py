"""What an operator is told when a ``relay`` command cannot run: one line, not a traceback.

The commands are run by people — municipal and centre operators, technicians — who act on
a file name, an address or a database's own words, not on a stack. The errors of the
machine around the program (a file missing or unreadable, a port taken, a database file
that is not one or a server that does not answer, a certificate or key TLS refuses, a
value past what the system can hold) are caught once, at the command line's top
(:func:`relay.cli.main`) and in each worker of a ``--workers`` server, and named. Anything
else is a defect of the program and keeps its traceback.

No value from a record, a key or a certificate is printed: only paths, addresses, kinds of
error and the database driver's message (which names the server and the user, never a
password or a row).
"""

from __future__ import annotations

import sqlite3
import ssl
from collections.abc import Callable
from typing import TypeVar

from protocol.federation.directory import DirectoryError
from relay.store.protocol import StoreError

OPERATOR_ERRORS = (OSError, sqlite3.Error, StoreError, ssl.SSLError, OverflowError)
#: The exit status of a command stopped by Ctrl-C (SIGINT), as a shell reports it: 128 + 2.
INTERRUPTED = 130
T = TypeVar("T")


def database(exc: StoreError) -> str:
    """Why a database cannot be used, in the driver's words: the store's reason (on
    PostgreSQL the kind of error and libpq's first line, the URL's password taken out by
    :func:`relay.store.pg_db.said`) and the first line of the error behind it, if any."""
    cause = exc.__cause__
    said = str(cause).strip().splitlines()[0] if cause is not None and str(cause).strip() else ""
    return f"{exc}: {said}" if str(exc) and said else str(exc) or said or type(exc).__name__


def describe(exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return f"the database cannot be used ({database(exc)})"
    if isinstance(exc, sqlite3.Error):
        return f"the database cannot be used ({exc})"
    if isinstance(exc, ssl.SSLError):
        return f"a TLS certificate or key cannot be used ({getattr(exc, 'reason', None) or type(exc).__name__})"
    if isinstance(exc, OSError):
        if exc.filename:
            return f"{exc.filename}: {exc.strerror or type(exc).__name__}"
        return exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, OverflowError):
        return f"a value is out of range ({exc})"
    if isinstance(exc, DirectoryError):  # its words name a reason and a field, never a value
        return str(exc)
    return configuration(exc)


def configuration(exc: BaseException) -> str:
    """A server's start-up configuration that cannot be used (a key that is not one, a
    registry that is not JSON, a limit out of range): the kind of error, and the first line
    of a :class:`ValueError`'s own words (its first sentence) when they are short. A decoding error's words are
    never printed: they quote the bytes of the key or record."""
    name = type(exc).__name__
    said = str(exc).splitlines()[0] if isinstance(exc, ValueError) and not isinstance(exc, UnicodeError) \
        and str(exc) else ""
    if len(said) >= 120:  # its first sentence ("Unable to load PEM file. See https://…")
        said = said.split(". ", 1)[0]
    if not said or len(said) >= 120:
        return f"the configuration cannot be used ({name})"
    return f"the configuration cannot be used ({said if name == 'ValueError' else f'{name}: {said}'})"


def one_line(run: Callable[[], T], serving: bool = False) -> T:
    """``run()``; an operator's error ends the process with its line on stderr and exit 2,
    Ctrl-C with ``interrupted`` and exit 130 (:data:`INTERRUPTED`), never a traceback.

    ``serving``: ``run`` is a server's whole life, whose requests' errors never leave it
    (each is answered), so a :class:`ValueError` that does is one of its configuration at
    start-up (a key that is not one, a limit out of range), said in its own words."""
    import sys

    try:
        return run()
    except KeyboardInterrupt:  # Ctrl-C: what the command left is as each of its steps leaves it
        print("interrupted", file=sys.stderr)
        raise SystemExit(INTERRUPTED) from None
    except OPERATOR_ERRORS as exc:
        print(f"error: {describe(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    except ValueError as exc:
        if not serving:
            raise
        print(f"error: {configuration(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
