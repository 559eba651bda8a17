"""The municipality's registry, indexed for the relay's lookups.

The relay reads the resident registry of the test world (``world.json``): residents,
households, 戸籍 books, seal registrations and tax records, and the map from card
certificate serial to resident. The registry is immutable once loaded: every request reads
the current record and nothing caches a derived answer across requests (the stale-data
incidents issued certificates for seals already cancelled).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol.documents.model import Name

SEX_JA = {"1": "男", "2": "女"}


def name_of(resident: dict[str, Any]) -> Name:
    return {
        "family": resident["family_name"],
        "given": resident["given_name"],
        "family_kana": resident["family_kana"],
        "given_kana": resident["given_kana"],
    }


def age_on(birth_date: str, day: dt.date) -> int:
    born = dt.date.fromisoformat(birth_date)
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def fiscal_year(day: dt.date) -> int:
    """The 年度 ``day`` falls in (April to March)."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass(frozen=True)
class Registry:
    municipality: dict[str, Any]
    residents: dict[str, dict[str, Any]]
    households: dict[str, dict[str, Any]]
    koseki: dict[str, dict[str, Any]]
    cards: dict[str, str]  # certificate serial (upper-case hex) -> resident id
    #: 本籍地利用登録: certificate serial -> the person's record here, for someone whose
    #: 戸籍 is kept here but who lives elsewhere (a municipal issuing server's registry).
    koseki_registrations: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_world(cls, data: dict[str, Any]) -> Registry:
        return cls(
            municipality=data["municipality"],
            residents={r["id"]: r for r in data["residents"]},
            households={h["id"]: h for h in data["households"]},
            koseki={k["id"]: k for k in data["koseki"]},
            cards={serial.upper(): rid for serial, rid in data["cards"].items()},
            koseki_registrations={s.upper(): rid for s, rid in data.get("koseki_registrations", {}).items()},
        )

    def resident(self, resident_id: str) -> dict[str, Any]:
        return self.residents[resident_id]

    def resident_for_serial(self, serial: int) -> str | None:
        return self.cards.get(f"{serial:X}")

    def household_members(self, resident: dict[str, Any]) -> list[dict[str, Any]]:
        """The living members of the resident's household, the head first."""
        members = [
            r for r in self.residents.values()
            if r["household"] == resident["household"] and "deceased" not in r["flags"]
        ]
        head = self.households[resident["household"]]["head"]
        return sorted(members, key=lambda r: r["id"] != head)

    def koseki_book(self, resident: dict[str, Any]) -> dict[str, Any] | None:
        kid = resident.get("koseki")
        return self.koseki.get(kid) if kid else None

    def koseki_members(self, resident: dict[str, Any]) -> list[dict[str, Any]]:
        book = self.koseki_book(resident)
        return [self.residents[m["resident"]] for m in book["members"]] if book else []


class RegistryFile:
    """The registry as its file holds it now, re-read whenever the file changes.

    The wrong-person and stale-seal incidents show why a relay must not issue from a copy
    older than the record: a change written to ``world.json`` (a seal cancelled, a move
    registered) applies from the next request on."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._registry: Registry | None = None

    def current(self) -> Registry:
        st = os.stat(self._path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if stamp != self._stamp or self._registry is None:
                data = json.loads(self._path.read_text(encoding="utf-8"))
                self._registry, self._stamp = Registry.from_world(data), stamp
            return self._registry
