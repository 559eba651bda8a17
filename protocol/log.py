"""Structured, allow-listed event logging.

Personal data must never reach a log. Rather than trusting every call site, events are
dictionaries whose keys must be on an allow-list and whose values must be short scalars
of a safe shape; anything else is dropped and replaced by a marker, so a mistake loses a
field instead of leaking a name. Free-form messages and exception ``repr()`` are not
accepted at all.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

#: Fields an event may carry. Values are opaque ids, state names, codes and amounts.
ALLOWED_FIELDS: frozenset[str] = frozenset(
    {
        "session",  # opaque session id
        "request",  # opaque request id (UUID)
        "state",
        "from_state",
        "to_state",
        "intent",
        "code",  # error / refusal code
        "sw",  # card status word, e.g. "63C2"
        "ins",  # APDU instruction byte
        "len",  # a byte count
        "apdus",
        "amount",
        "paid",
        "change",
        "refunded",
        "copies",
        "pages",
        "doc_type",  # certificate type key (never its content)
        "job",  # CUPS job id
        "queue",
        "reader",
        "device",
        "kiosk",
        "mode",
        "reason",  # a machine-readable reason keyword
        "tries_left",
        "ms",
        "count",
        "pid",
        "port",
        "version",
        "ok",
        "voucher",
        "txn",  # opaque payment transaction id
        "denomination",
        "serial",  # certificate serial (a number, not personal data by itself)
        "kind",
        "municipality",  # a municipality's code (全国地方公共団体コード), never a person's
        "step",
        "apdu",  # APDU trace: header and data hex, VERIFY data redacted (kiosk.card.transport)
    }
)

_SAFE_VALUE = re.compile(r"^[A-Za-z0-9_.:\-/+]{0,80}$")
#: Twelve digits standing alone: the shape of a My Number (個人番号), never logged whatever
#: field it came in; a UUID, whose last group may be twelve digits, is not one.
_MY_NUMBER_SHAPE = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_REDACTED = "<dropped>"
EVENT_ATTR = "kiosk_event"


def sanitize(fields: dict[str, Any]) -> dict[str, Any]:
    """Keep allow-listed keys whose values are scalars of a safe shape, and never one
    shaped as a My Number (twelve digits, as a number or in a string)."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key not in ALLOWED_FIELDS:
            out.setdefault("dropped", []).append(key if _SAFE_VALUE.match(key) else "?")
            continue
        if isinstance(value, bool) or value is None:
            out[key] = value
        elif isinstance(value, int) and 10**11 <= abs(value) < 10**12:
            out[key] = _REDACTED
        elif isinstance(value, int | float):
            out[key] = value
        elif isinstance(value, str) and _SAFE_VALUE.match(value) and (
                _UUID.match(value) or not _MY_NUMBER_SHAPE.search(value)):
            out[key] = value
        else:
            out[key] = _REDACTED
    return out


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Emit one structured event. ``name`` is a constant dotted identifier."""
    if not _SAFE_VALUE.match(name):
        raise ValueError("event names are constant identifiers")
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={EVENT_ATTR: sanitize(fields)})


class JsonEventFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and its sanitized fields.

    Records that did not come through :func:`event` (a library's own message) keep only
    their logger name and level: their text could hold anything.
    """

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "t": round(record.created if record.created else time.time(), 3),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, EVENT_ATTR, None)
        if fields is None:
            payload["event"] = "library.message"
        else:
            payload["event"] = record.msg
            payload.update(fields)
        return json.dumps(payload, ensure_ascii=True, sort_keys=True)


def level_named(name: object) -> int:
    """The level a ``--log-level`` option names (``INFO``, ``warning`` …); WARNING for any other."""
    level = getattr(logging, str(name).upper(), logging.WARNING)
    return level if isinstance(level, int) else logging.WARNING


def configure(level: int = logging.INFO, stream: Any = None, path: str | None = None) -> None:
    """Route every log record through the JSON event formatter."""
    handler: logging.Handler
    handler = logging.FileHandler(path) if path else logging.StreamHandler(stream)
    handler.setFormatter(JsonEventFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
