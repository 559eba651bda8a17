"""The shape of a technician event on the wire, shared by the relay and the kiosk.

A record of the diagnostic audit trail (:mod:`kiosk.diag.audit`) carries its envelope
(``seq``, ``t``, ``event``, ``kiosk``) and allow-listed fields: codes, counts and flags. The
relay refuses a batch holding anything else (:mod:`relay.technician`); the client first
reduces every record to this shape with :func:`to_wire`, the way :func:`kiosk.log.sanitize`
does, so that one odd record never blocks the trail: a field the relay does not take is
named in ``dropped``, a value it does not take becomes ``"<dropped>"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

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
