"""What one municipality decides on top of the shared issuing rules (:mod:`relay.rules`).

Each municipality sets, in its registry's ``municipality`` section:
- ``offered``: the certificate types it issues at kiosks (all when absent); the others are
  left off the menu;
- ``option_limits``: per type, the option choices it allows (e.g. no household copy; 印鑑登録証明書 left out of
  ``offered`` where the seal register is not on the issuing server);
- its fees, hours, 戸籍 hours, seal text and mayor's title (read by the shared rules and
  the document builder).
A 戸籍 book kept elsewhere names its 本籍地 (``honseki``): the residence answers the menu
with the code, and the centre routes 戸籍 requests there when the resident registered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from protocol.documents.catalogue import CertType
from relay import rules
from relay.registry import Registry


def offered(registry: Registry) -> frozenset[str]:
    listed = registry.municipality.get("offered")
    return frozenset(CertType(t).value for t in listed) if listed else frozenset(t.value for t in CertType)


def option_refusal(registry: Registry, cert_type: CertType, options: dict[str, str]) -> bool:
    """True if ``options`` use a choice this municipality does not allow."""
    limits = (registry.municipality.get("option_limits") or {}).get(cert_type.value, {})
    return any(options.get(key) not in choices for key, choices in limits.items())


def menu(registry: Registry, resident: dict[str, Any], now: dt.datetime,
         types: frozenset[CertType] | None = None) -> dict[str, Any]:
    """The shared menu, narrowed to what this municipality offers and allows; ``types``
    keeps only those types (the 本籍地 answers for 戸籍 types only)."""
    full = rules.menu(registry, resident, registry.municipality["fees"], now)
    allowed = offered(registry)
    limits = registry.municipality.get("option_limits") or {}
    items = []
    for item in full["items"]:
        cert_type = CertType(item["type"])
        if item["type"] not in allowed or (types is not None and cert_type not in types):
            continue
        for option in item["options"]:
            keep = limits.get(item["type"], {}).get(option["key"])
            if keep is not None:
                option["choices"] = [c for c in option["choices"] if c in keep]
        items.append(item)
    return {**full, "items": items}


def honseki(registry: Registry, resident: dict[str, Any]) -> str | None:
    """The 本籍地's code when the resident's 戸籍 is kept by another municipality."""
    book = registry.koseki_book(resident)
    if book is None or book.get("local", True):
        return None
    code = book.get("honseki")
    return str(code) if code else None
