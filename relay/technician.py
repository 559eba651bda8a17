"""Technician events and log exports: what a kiosk's diagnostic mode sends the relay.

A kiosk forwards the records of its local, append-only trail (:mod:`kiosk.diag.audit`):
every entry attempt, entry, exit, test and action, numbered by ``seq``. They are read here
as strictly as any other body, and more: the same shape the kiosk's allow-listed logger
writes (event name, time, terminal, codes and counts), nothing else. A record that does
not fit is refused with the whole call, never trimmed, so what the relay keeps is exactly
what the terminal sent (the kiosk's client reduces its records to this shape first:
:func:`protocol.technician.to_wire`). The kiosk is the one its client certificate names; the
``kiosk_id`` of the body and the ``kiosk`` of each record must name it too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from protocol import wire
from protocol.technician import (
    DROPPED,
    DROPPED_NAME,
    ENVELOPE,
    EVENT,
    FIELDS,
    MAX_DROPPED,
    SAFE,
    integer,
    log_event_ok,
    safe_value,
)
from relay import schema
from relay.schema import ApiError

MAX_RECORD_BYTES = 1024


@dataclass(frozen=True)
class TechnicianRecord:
    seq: int
    at: float  # the kiosk's time of the event, POSIX seconds
    t: str  # the same, as the kiosk wrote it
    event: str
    fields: str  # canonical JSON of the allow-listed fields


def _bad(field: str = "records") -> ApiError:
    return ApiError(400, wire.BAD_VALUE, field)


def _record(value: Any, kiosk_id: str) -> TechnicianRecord:
    if not isinstance(value, dict) or not set(ENVELOPE) <= set(value):
        raise _bad()
    if not set(value) <= {*ENVELOPE, *FIELDS, DROPPED}:
        raise ApiError(400, wire.UNKNOWN_FIELD, "records")
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_RECORD_BYTES:
        raise _bad()
    seq, t, name, kiosk = value["seq"], value["t"], value["event"], value["kiosk"]
    if not integer(seq) or seq < 1:
        raise _bad()
    if not isinstance(name, str) or not EVENT.fullmatch(name):
        raise _bad()
    if kiosk != kiosk_id:
        raise _bad()  # the kiosk id is the certificate's; a record naming another is refused
    if not isinstance(t, str) or len(t) > 40 or not SAFE.fullmatch(t):
        raise _bad()
    try:
        when = dt.datetime.fromisoformat(t)
    except ValueError as exc:
        raise _bad() from exc
    if when.tzinfo is None:
        raise _bad()
    fields: dict[str, Any] = {}
    for key in sorted(set(value) - set(ENVELOPE)):
        item = value[key]
        if key == DROPPED:
            if not isinstance(item, list) or not 1 <= len(item) <= MAX_DROPPED or not all(
                    isinstance(n, str) and DROPPED_NAME.fullmatch(n) for n in item):
                raise _bad()
        elif not safe_value(item):
            raise _bad()  # no floats, lists or objects: codes, counts and flags only
        fields[key] = item
    return TechnicianRecord(seq, when.timestamp(), t, name, json.dumps(fields, sort_keys=True, separators=(",", ":")))


def parse(body: dict[str, Any], kiosk_id: str) -> list[TechnicianRecord]:
    """The records of a ``POST /v1/technician-events`` body, in increasing ``seq``."""
    schema.fields(body, {"kiosk_id": str, "records": list})
    if body["kiosk_id"] != kiosk_id:
        raise _bad("kiosk_id")
    raw = body["records"]
    if not 1 <= len(raw) <= wire.MAX_TECHNICIAN_RECORDS:
        raise _bad()
    records = [_record(r, kiosk_id) for r in raw]
    if any(a.seq >= b.seq for a, b in pairwise(records)):
        raise _bad()  # in order, each seq once
    return records


@dataclass(frozen=True)
class LogExport:
    export_id: str
    first: int  # the index of the first event in the whole export
    events: list[str]  # canonical JSON of each event


def parse_log_export(body: dict[str, Any], kiosk_id: str) -> LogExport:
    """A part of a technician's log export (``POST /v1/log-export``): structured events
    of the kiosk's log only, each of the shape :func:`log_event_ok` accepts."""
    schema.fields(body, {"kiosk_id": str, "export_id": str, "first": int, "events": list})
    if body["kiosk_id"] != kiosk_id:
        raise _bad("kiosk_id")
    export_id = body["export_id"]
    if not schema.REQUEST_ID.fullmatch(export_id):
        raise _bad("export_id")
    first, events = body["first"], body["events"]
    if not integer(first) or first < 0:
        raise _bad("first")
    if not 1 <= len(events) <= wire.MAX_LOG_EVENTS:
        raise _bad("events")
    out = []
    for event in events:
        if not log_event_ok(event):
            raise _bad("events")
        text = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode()) > MAX_RECORD_BYTES:
            raise _bad("events")
        out.append(text)
    return LogExport(export_id, first, out)
