"""The shape of technician events and exported log events on the wire, shared by the
relay and the kiosk.

A record of the diagnostic audit trail (:mod:`kiosk.diag.audit`) carries its envelope
(``seq``, ``t``, ``event``, ``kiosk``) and allow-listed fields: codes, counts and flags. The
relay refuses a batch holding anything else (:mod:`relay.technician`); the client first
reduces every record to this shape with :func:`to_wire`, the way :func:`kiosk.log.sanitize`
does, so that one odd record never blocks the trail: a field the relay does not take is
named in ``dropped``, a value it does not take becomes ``"<dropped>"``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from protocol.log import ALLOWED_FIELDS

ENVELOPE = ("seq", "t", "event", "kiosk")
#: The fields diagnostic records carry (a subset of ``kiosk.log.ALLOWED_FIELDS``).
FIELDS = frozenset({"code", "reason", "step", "mode", "kind", "ok", "count", "amount", "ms", "tries_left",
                    "device"})
DROPPED = "dropped"  # the names of fields left out
DROPPED_VALUE = "<dropped>"
MAX_DROPPED = 16
EVENT = re.compile(r"diag(?:\.[a-z][a-z0-9_]{0,31}){1,3}")
SAFE = re.compile(r"[A-Za-z0-9_.:\-/+]{0,80}")
DROPPED_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,40}|\?")
MAX_INT = 2**53


def integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_INT < value < MAX_INT


def safe_value(value: Any) -> bool:
    """None, a flag, an integer, or a short string of the safe characters."""
    return (value is None or isinstance(value, bool) or integer(value)
            or (isinstance(value, str) and (value == DROPPED_VALUE or SAFE.fullmatch(value) is not None)))


def to_wire(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as the relay takes it: the envelope as is, the rest reduced."""
    out = {k: record[k] for k in ENVELOPE if k in record}
    dropped = [n for n in record.get(DROPPED, ()) if isinstance(n, str) and DROPPED_NAME.fullmatch(n)] \
        if isinstance(record.get(DROPPED), list) else []
    for key, value in record.items():
        if key in ENVELOPE or key == DROPPED:
            continue
        if key in FIELDS:
            out[key] = value if safe_value(value) else DROPPED_VALUE
        else:
            dropped.append(key if DROPPED_NAME.fullmatch(key) else "?")
    if dropped:
        out[DROPPED] = dropped[:MAX_DROPPED]
    return out


#: An exported log event (:func:`kiosk.diag.export.clean_event`): its envelope, then only
#: the logger's allow-listed fields with safe values. No free text ever leaves the kiosk.
LOG_ENVELOPE = ("t", "level", "logger", "event")
LOG_LEVELS = frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
LOG_NAME = re.compile(r"[A-Za-z0-9_.:\-/+]{1,80}")
MY_NUMBER_SHAPE = re.compile(r"\d{12}")


def log_event_ok(event: Any) -> bool:
    """Whether ``event`` is a structured log event of the exported shape."""
    if not isinstance(event, dict) or not set(LOG_ENVELOPE) <= set(event):
        return False
    if not set(event) <= {*LOG_ENVELOPE, "seq", *ALLOWED_FIELDS}:
        return False
    t, level, logger, name = event["t"], event["level"], event["logger"], event["event"]
    if not ((isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) and 0 <= t < 2**40)
            or (isinstance(t, str) and LOG_NAME.fullmatch(t))):
        return False
    if level not in LOG_LEVELS or not isinstance(logger, str) or not LOG_NAME.fullmatch(logger):
        return False
    if not isinstance(name, str) or not LOG_NAME.fullmatch(name) or name == "library.message":
        return False
    if "seq" in event and not (integer(event["seq"]) and event["seq"] >= 0):
        return False
    for key in set(event) - {*LOG_ENVELOPE, "seq"}:
        value = event[key]
        if isinstance(value, float):
            if not math.isfinite(value):
                return False
        elif not safe_value(value):
            return False
        elif isinstance(value, str) and key != "serial" and MY_NUMBER_SHAPE.fullmatch(value):
            return False  # a 12-digit value may be a My Number: never accepted
    return True
