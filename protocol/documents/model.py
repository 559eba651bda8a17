"""The document data the relay returns, and its canonical form.

A document is a JSON object:

``{"format": 1, "type": <CertType>, "serial": str, "issued_on": "YYYY-MM-DD",
"municipality": {code, prefecture, name, mayor_title, seal_text}, "options": {...},
"body": {...}}``

``body`` depends on ``type``; its keys are those of the TypedDicts below. Names are
``{"family": str, "given": str, "family_kana": str, "given_kana": str}``; dates are ISO
``YYYY-MM-DD`` strings; amounts are integers in yen. Optional keys appear only when the
chosen options ask for them.

The canonical form (sorted keys, no insignificant white space, UTF-8) is what gets
hashed and signed, so the relay's signature and the kiosk's check see the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict


class Name(TypedDict):
    family: str
    given: str
    family_kana: str
    given_kana: str


class JuminhyoMember(TypedDict):
    name: Name
    birth_date: str
    sex: str  # 男 / 女
    became_resident_on: str
    relationship: NotRequired[str]  # 続柄, with option relationship=include
    honseki: NotRequired[str]  # with option honseki=include
    hittosha: NotRequired[str]
    my_number: NotRequired[str]  # with option my_number=include


class JuminhyoBody(TypedDict):
    """住民票の写し and 住民票記載事項証明書."""

    address: str
    household_head: NotRequired[Name]  # with option relationship=include
    members: list[JuminhyoMember]


class InkanBody(TypedDict):
    """印鑑登録証明書: the seal impression is drawn from ``seal_text`` in ``seal_shape``."""

    name: Name
    birth_date: str
    sex: str
    address: str
    registration_no: str
    seal_text: str
    seal_shape: str  # round | square


class KosekiEvent(TypedDict):
    kind: str  # 出生, 婚姻 …
    date: str
    place: str


class KosekiMember(TypedDict):
    name: Name
    birth_date: str
    sex: str
    role: str  # 筆頭者, 妻, 子
    events: list[KosekiEvent]


class KosekiBody(TypedDict):
    """戸籍全部事項証明書 (all members) and 戸籍個人事項証明書 (one member)."""

    honseki: str
    hittosha: Name
    made_on: str
    members: list[KosekiMember]


class FuhyoEntry(TypedDict):
    address: str
    since: str


class FuhyoBody(TypedDict):
    """戸籍の附票の写し."""

    honseki: str
    hittosha: Name
    name: Name
    birth_date: str
    history: list[FuhyoEntry]


class ShotokuBody(TypedDict):
    """所得・課税証明書."""

    name: Name
    birth_date: str
    address: str
    fiscal_year: int  # 年度
    income_year: int  # the calendar year the income was earned
    salary_income: int
    total_income: int
    deductions: int
    taxable_income: int
    municipal_tax: int
    prefectural_tax: int


class Document(TypedDict):
    format: int
    type: str
    serial: str
    issued_on: str
    municipality: dict[str, str]
    options: dict[str, str]
    body: dict[str, Any]


def document_serial(municipality_code: str, year: int, number: int) -> str:
    """A document's serial, ``CODE-YEAR-NNNNNNN``: the issuing municipality's own count,
    restarted each year. One format wherever a document is numbered (the relay, every
    municipal issuing server, a sample render), so that a verifier sees one kind."""
    return f"{municipality_code}-{year}-{number:07d}"


def canonical(document: Mapping[str, Any]) -> bytes:
    """The canonical encoding that is hashed and signed."""
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def document_hash(document: Mapping[str, Any]) -> str:
    """Hex SHA-256 of the canonical encoding."""
    return hashlib.sha256(canonical(document)).hexdigest()
