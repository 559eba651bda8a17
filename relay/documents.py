"""Assemble the document data for one certificate from the registry.

The body follows the TypedDicts of :mod:`protocol.documents.model` exactly, because the
kiosk lays out the paper from it and the binding signs its canonical hash. Optional keys
appear only when an option asks for them. Data that is not there (no seal, no tax record
for the current 年度, a 戸籍 kept elsewhere) raises :class:`AssemblyError` with the refusal
code the kiosk shows; the rules in :mod:`relay.rules` normally refuse such requests first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from protocol import refusals
from protocol.documents.catalogue import CertType, validate_options
from protocol.documents.model import (
    Document,
    FuhyoBody,
    InkanBody,
    JuminhyoBody,
    JuminhyoMember,
    KosekiBody,
    KosekiMember,
    ShotokuBody,
)
from relay.registry import SEX_JA, Registry, fiscal_year, name_of

DOCUMENT_FORMAT = 1
MUNICIPALITY_FIELDS = ("code", "prefecture", "name", "mayor_title", "seal_text")


class AssemblyError(Exception):
    """The registry lacks what this certificate needs; ``code`` is a refusal code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def assemble(
    world_data: dict[str, Any],
    resident_id: str,
    cert_type: CertType,
    options: dict[str, str],
    serial: str,
    issued_on: dt.date,
) -> Document:
    """Build the document for ``resident_id`` from a world registry (``world.json``)."""
    return build(Registry.from_world(world_data), resident_id, cert_type, options, serial, issued_on)


def build(
    registry: Registry,
    resident_id: str,
    cert_type: CertType,
    options: dict[str, str],
    serial: str,
    issued_on: dt.date,
) -> Document:
    """:func:`assemble` over an already indexed registry (the relay's hot path).

    Raises ``KeyError`` for an unknown resident, ``ValueError`` for a bad option."""
    cert_type = CertType(cert_type)
    resident = registry.resident(resident_id)
    full_options = validate_options(cert_type, dict(options))
    body: Any
    if cert_type in (CertType.JUMINHYO, CertType.JUMINHYO_KISAI):
        body = _juminhyo(registry, resident, full_options)
    elif cert_type is CertType.INKAN:
        body = _inkan(resident)
    elif cert_type in (CertType.KOSEKI_ZENBU, CertType.KOSEKI_KOJIN):
        body = _koseki(registry, resident, whole=cert_type is CertType.KOSEKI_ZENBU)
    elif cert_type is CertType.KOSEKI_FUHYO:
        body = _fuhyo(registry, resident)
    else:  # CertType.SHOTOKU
        body = _shotoku(resident, issued_on)
    return {
        "format": DOCUMENT_FORMAT,
        "type": cert_type.value,
        "serial": serial,
        "issued_on": issued_on.isoformat(),
        "municipality": {k: str(registry.municipality[k]) for k in MUNICIPALITY_FIELDS},
        "options": full_options,
        "body": dict(body),
    }


def _juminhyo(registry: Registry, resident: dict[str, Any], options: dict[str, str]) -> JuminhyoBody:
    people = registry.household_members(resident) if options.get("scope") == "household" else [resident]
    members: list[JuminhyoMember] = []
    for person in people:
        member: JuminhyoMember = {
            "name": name_of(person),
            "birth_date": person["birth_date"],
            "sex": SEX_JA[person["sex"]],
            "became_resident_on": person["resident_since"],
        }
        if options.get("relationship") == "include":
            member["relationship"] = person["relationship"]
        if options.get("honseki") == "include":
            book = registry.koseki_book(person)
            if book is not None:
                member["honseki"] = book["honseki"]
                member["hittosha"] = _full_name(registry.resident(book["hittosha"]))
        if options.get("my_number") == "include":
            member["my_number"] = person["my_number"]
        members.append(member)
    body: JuminhyoBody = {"address": resident["address"], "members": members}
    if options.get("relationship") == "include":
        head = registry.households[resident["household"]]["head"]
        body["household_head"] = name_of(registry.resident(head))
    return body


def _inkan(resident: dict[str, Any]) -> InkanBody:
    seal = resident.get("seal")
    if not seal:
        raise AssemblyError(refusals.NO_SEAL)
    return {
        "name": name_of(resident),
        "birth_date": resident["birth_date"],
        "sex": SEX_JA[resident["sex"]],
        "address": resident["address"],
        "registration_no": seal["registration_no"],
        "seal_text": seal["text"],
        "seal_shape": seal["shape"],
    }


def _local_book(registry: Registry, resident: dict[str, Any]) -> dict[str, Any]:
    book = registry.koseki_book(resident)
    if book is None or not book.get("local", True):
        raise AssemblyError(refusals.KOSEKI_ELSEWHERE)
    return book


def _koseki(registry: Registry, resident: dict[str, Any], whole: bool) -> KosekiBody:
    book = _local_book(registry, resident)
    members: list[KosekiMember] = []
    for entry in book["members"]:
        if not whole and entry["resident"] != resident["id"]:
            continue
        person = registry.resident(entry["resident"])
        members.append(
            {
                "name": name_of(person),
                "birth_date": person["birth_date"],
                "sex": SEX_JA[person["sex"]],
                "role": entry["role"],
                "events": [{"kind": e["kind"], "date": e["date"], "place": e["place"]}
                           for e in entry["events"]],
            }
        )
    return {
        "honseki": book["honseki"],
        "hittosha": name_of(registry.resident(book["hittosha"])),
        "made_on": book["made_on"],
        "members": members,
    }


def _fuhyo(registry: Registry, resident: dict[str, Any]) -> FuhyoBody:
    book = _local_book(registry, resident)
    history = next(
        (f["history"] for f in book.get("fuhyo", ()) if f["resident"] == resident["id"]), None
    )
    if history is None:
        history = [{"address": resident["address"], "since": resident["resident_since"]}]
    return {
        "honseki": book["honseki"],
        "hittosha": name_of(registry.resident(book["hittosha"])),
        "name": name_of(resident),
        "birth_date": resident["birth_date"],
        "history": [{"address": h["address"], "since": h["since"]} for h in history],
    }


def _shotoku(resident: dict[str, Any], issued_on: dt.date) -> ShotokuBody:
    record = (resident.get("tax") or {}).get(str(fiscal_year(issued_on)))
    if record is None:
        raise AssemblyError(refusals.NO_TAX_RECORD)
    return {
        "name": name_of(resident),
        "birth_date": resident["birth_date"],
        "address": resident["address"],
        "fiscal_year": int(record["fiscal_year"]),
        "income_year": int(record["income_year"]),
        "salary_income": int(record["salary_income"]),
        "total_income": int(record["total_income"]),
        "deductions": int(record["deductions"]),
        "taxable_income": int(record["taxable_income"]),
        "municipal_tax": int(record["municipal_tax"]),
        "prefectural_tax": int(record["prefectural_tax"]),
    }


def _full_name(resident: dict[str, Any]) -> str:
    return f"{resident['family_name']} {resident['given_name']}"
