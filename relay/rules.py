"""The municipality's issuing rules: who may have which certificate, and when.

Decisions are pure functions of the registry record and the time, so the menu, the
request and the in-process fake all decide the same way. Order matters only for which
code is shown when several apply: time of day first (nothing else can help then), then
the resident, then the certificate type.

Choices made here (a municipality could set them otherwise):
- moving out, DV support measure and deceased refuse every type (the kiosk cannot tell
  which certificate is safe; the office can);
- a household copy is refused if any member listed would be refused (moving out, DV);
- 所得・課税証明書 is issued for the current 年度 (April–March) only;
- the New Year closure (12/29–1/3) counts as outside hours.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from protocol import refusals
from protocol.documents.catalogue import CATALOGUE, MAX_COPIES, CertType
from relay.registry import Registry, age_on, fiscal_year

KOSEKI_TYPES = frozenset({CertType.KOSEKI_ZENBU, CertType.KOSEKI_KOJIN, CertType.KOSEKI_FUHYO})
RESIDENT_FLAGS = (("deceased", refusals.DECEASED), ("dv_measure", refusals.DV_MEASURE),
                  ("moving_out", refusals.MOVING_OUT))
MIN_AGE = 15


def _hm(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def is_new_year_closure(day: dt.date) -> bool:
    return (day.month, day.day) >= (12, 29) or (day.month, day.day) <= (1, 3)


def time_refusal(municipality: dict[str, Any], cert_type: CertType, now: dt.datetime) -> str | None:
    """``now`` must be in the municipality's time zone (JST)."""
    start, end = (_hm(t) for t in municipality["service_hours"])
    if is_new_year_closure(now.date()) or not start <= now.time() < end:
        return refusals.OUTSIDE_HOURS
    if cert_type in KOSEKI_TYPES and municipality.get("koseki_weekdays_only"):
        k_start, k_end = (_hm(t) for t in municipality["koseki_hours"])
        if now.weekday() >= 5 or not k_start <= now.time() < k_end:
            return refusals.KOSEKI_HOURS
    return None


def unsupported(text: str) -> bool:
    """A character outside what the certificate font can print: 外字 in a private-use
    area, unassigned code points, controls.

    ``str.isprintable`` is false for every character of those categories (and for some
    that print, such as the ideographic space), so a text it passes is decided at C speed;
    only the others are checked character by character (a menu checks each resident's
    names and address for every type, the issue every text of the document)."""
    if text.isprintable():
        return False
    return any(unicodedata.category(ch) in ("Co", "Cn", "Cc", "Cs") for ch in text)


def unprintable(document: Any) -> bool:
    """Whether any text anywhere in a built document is :func:`unsupported`: such a
    document is refused, never printed with a character missing."""
    if isinstance(document, str):
        return unsupported(document)
    if isinstance(document, dict):
        return any(unprintable(v) for v in document.values())
    if isinstance(document, list):
        return any(unprintable(v) for v in document)
    return False


def person_refusal(person: dict[str, Any], today: dt.date) -> str | None:
    for flag, code in RESIDENT_FLAGS:
        if flag in person["flags"]:
            return code
    if age_on(person["birth_date"], today) < MIN_AGE:
        return refusals.UNDER_15
    return None


def _printable(person: dict[str, Any]) -> bool:
    return not any(
        unsupported(person[k]) for k in ("family_name", "given_name", "family_kana", "given_kana", "address")
    )


def type_refusal(
    registry: Registry, resident: dict[str, Any], cert_type: CertType, now: dt.datetime
) -> str | None:
    """Why ``resident`` may not have ``cert_type`` at ``now`` (self scope), or None."""
    code = time_refusal(registry.municipality, cert_type, now) or person_refusal(resident, now.date())
    if code:
        return code
    if not _printable(resident):
        return refusals.UNSUPPORTED_CHARACTERS
    if cert_type is CertType.INKAN and not resident.get("seal"):
        return refusals.NO_SEAL
    if cert_type in KOSEKI_TYPES:
        book = registry.koseki_book(resident)
        if book is None or not book.get("local", True):
            return refusals.KOSEKI_ELSEWHERE
        if cert_type is CertType.KOSEKI_ZENBU and not all(_printable(p) for p in registry.koseki_members(resident)):
            return refusals.UNSUPPORTED_CHARACTERS
    if cert_type is CertType.SHOTOKU and str(fiscal_year(now.date())) not in (resident.get("tax") or {}):
        return refusals.NO_TAX_RECORD
    return None


def request_refusal(
    registry: Registry, resident: dict[str, Any], cert_type: CertType, options: dict[str, str], now: dt.datetime
) -> str | None:
    """The menu rule plus what the chosen options add (a household copy)."""
    code = type_refusal(registry, resident, cert_type, now)
    if code or options.get("scope") != "household":
        return code
    for member in registry.household_members(resident):
        if member["id"] == resident["id"]:
            continue
        for flag, flag_code in RESIDENT_FLAGS[1:]:  # deceased members are simply not listed
            if flag in member["flags"]:
                return flag_code
        if not _printable(member):
            return refusals.UNSUPPORTED_CHARACTERS
    return None


def menu(registry: Registry, resident: dict[str, Any], fees: dict[str, int], now: dt.datetime) -> dict[str, Any]:
    """The menu object of the protocol: types, fees, options, availability; no names."""
    items = []
    for cert_type, spec in CATALOGUE.items():
        refusal = type_refusal(registry, resident, cert_type, now)
        items.append(
            {
                "type": cert_type.value,
                "fee": int(fees[cert_type.value]),
                "options": [{"key": o.key, "choices": list(o.choices)} for o in spec.options],
                "available": refusal is None,
                "refusal": refusal,
            }
        )
    return {
        "items": items,
        "household_members": len(registry.household_members(resident)),
        "koseki_members": len(registry.koseki_members(resident)),
        "max_copies": MAX_COPIES,
    }
