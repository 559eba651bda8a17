"""What the tester panel and the demo's summary show of the federation behind the kiosk:
each persona's municipality (the JPKI side's card → municipality map of the federation
world, so the tester can pick residents of each), which municipality issued the last
certificate (the centre's delivery log: codes and serials, no personal data), and which
municipal servers are running.

Built from :class:`~hardware_mocks.services.federation.FederationServices`; the tester
panel sees only this view and sends stops and starts through its device channel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hardware_mocks.federation_world import CONFIG, A, B, C
from hardware_mocks.services.federation import FederationServices

CODES = (A, B, C)


@dataclass(frozen=True)
class Issued:
    """The centre's last delivery: who issued, the document serials, the kiosk's outcome."""

    code: str
    name: str
    serials: tuple[str, ...]
    outcome: str | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "serials": list(self.serials), "outcome": self.outcome}

    def text(self) -> str:
        return (f"Last certificate issued by {self.name} ({self.code}): "
                f"{', '.join(self.serials) or 'no serial'}, outcome {self.outcome or 'pending'}")


@dataclass(frozen=True)
class FederationView:
    names: dict[str, str]  # municipality code → its name
    homes: dict[str, str]  # persona id → the municipality that serves the card
    stoppable: bool  # municipal servers are processes (not embedded in the centre)
    running: Callable[[str], bool]
    last_issued: Callable[[], Issued | None]

    def label(self, code: str) -> str:
        return f"{self.names.get(code, code)} ({code})"


def name_of(code: str) -> str:
    return str(CONFIG[code]["name"]) if code in CONFIG else code


def last_issued(services: FederationServices) -> Issued | None:
    last = services.last_delivery()
    if last is None:
        return None
    code = str(last["municipality"])
    serials = last["serials"]
    return Issued(code, name_of(code), tuple(str(s) for s in serials) if isinstance(serials, list) else (),
                  last["outcome"])


def view(services: FederationServices) -> FederationView:
    base = services.world.base
    homes_by_resident: dict[str, str] = services.world.people["home"]
    homes = {p["id"]: homes_by_resident[p["resident"]] for p in base.personas()
             if p.get("resident") in homes_by_resident}
    return FederationView({code: name_of(code) for code in CODES}, homes, not services.embedded,
                          services.running, lambda: last_issued(services))
