"""Strict reading of request bodies: one clear error code per kind of bad input.

Bodies are small JSON objects. Anything else is refused before it reaches the rules:
oversized bodies, invalid UTF-8, malformed JSON, NaN/Infinity, duplicate keys (two
parsers may disagree on which one wins), a top level that is not an object, missing or
unknown fields, wrong types (``true`` is not a number), malformed ids or base64. The
error names the code and at most the field, never echoes a value.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from protocol import wire


class ApiError(Exception):
    def __init__(self, status: int, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.field = field

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code}
        if self.field:
            error["field"] = self.field
        return {"error": error}


SESSION_ID = re.compile(r"[0-9a-f]{32}")
REQUEST_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ApiError(400, wire.DUPLICATE_KEY)
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ApiError(400, wire.BAD_JSON)


def parse_body(raw: bytes, limit: int = wire.MAX_BODY_BYTES) -> dict[str, Any]:
    if len(raw) > limit:
        raise ApiError(413, wire.TOO_LARGE)
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except ApiError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, wire.BAD_JSON) from exc
    if not isinstance(value, dict):
        raise ApiError(400, wire.WRONG_TYPE)
    return value


def fields(body: dict[str, Any], spec: dict[str, type]) -> dict[str, Any]:
    """Exactly the fields of ``spec``, each of its type (``bool`` is not an ``int``)."""
    for key in body:
        if key not in spec:
            raise ApiError(400, wire.UNKNOWN_FIELD, key if key.isidentifier() and len(key) < 40 else None)
    for key, kind in spec.items():
        if key not in body:
            raise ApiError(400, wire.MISSING_FIELD, key)
        value = body[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise ApiError(400, wire.WRONG_TYPE, key)
    return body


def session_id(value: str) -> str:
    if not SESSION_ID.fullmatch(value):  # match() with "$" would accept a trailing "\n"
        raise ApiError(400, wire.BAD_VALUE, "session_id")
    return value


def request_id(value: str) -> str:
    if not REQUEST_ID.fullmatch(value):
        raise ApiError(400, wire.BAD_VALUE, "request_id")
    return value


def b64(value: str, field: str, max_bytes: int) -> bytes:
    if len(value) > (max_bytes * 4) // 3 + 4:
        raise ApiError(400, wire.BAD_VALUE, field)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ApiError(400, wire.BAD_VALUE, field) from exc


def string_map(value: dict[str, object], field: str) -> dict[str, str]:
    """At most 16 entries, every value a string (a JSON object's keys are strings already)."""
    strings = {k: v for k, v in value.items() if isinstance(v, str)}
    if len(value) > 16 or len(strings) != len(value):
        raise ApiError(400, wire.WRONG_TYPE, field)
    return strings
