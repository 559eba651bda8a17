"""Fixtures of the session tests: simulated devices over a private copy of the world."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.session.control import Control
from hardware_mocks.session.specs import in_process
from hardware_mocks.world import World
from kiosk.session.engine import Engine
from kiosk.session.journal import Journal
from kiosk.session.ports import Devices
from protocol.clock import FakeClock

#: The tester's control of each set of devices ``make_devices`` built (by ``id``).
CONTROLS: dict[int, Control] = {}


@pytest.fixture
def sim_dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "state", tmp_path / "run"


@pytest.fixture(scope="session")
def relay_backend(world_dir: Path) -> Any:
    """One in-process relay for all virtual-device tests (it is the slow part to build)."""
    from hardware_mocks.relay.fake import FakeBackend
    from hardware_mocks.session.virtual import relay_clock

    return FakeBackend(world_dir, relay_clock(world_dir, "open_hours"))


@pytest.fixture
def make_devices(fresh_world: World, sim_dirs: tuple[Path, Path],
                 relay_backend: Any) -> Callable[..., Devices]:
    """``make(kind="sim"|"virtual", clock=…, **faults)``."""
    state, _ = sim_dirs

    def make(kind: str = "sim", clock: Any = None, **faults: Any) -> Devices:
        devices, control = in_process(fresh_world.root, state, "virtual" if kind == "virtual"
                                      else "fake", clock, relay_backend, **faults)
        CONTROLS[id(devices)] = control
        return devices

    return make


@pytest.fixture
def journal(sim_dirs: tuple[Path, Path]) -> Journal:
    return Journal(sim_dirs[0] / "journal.jsonl")


class Harness:
    """An engine over simulated devices with a fake clock, driven step by step."""

    def __init__(self, make: Callable[..., Devices], journal: Journal, runtime: Path,
                 kind: str = "sim", **faults: Any) -> None:
        self.clock = FakeClock()
        self.make = make
        self.kind = kind
        self.devices = make(kind, clock=self.clock, **faults)
        self.journal = journal
        self.runtime = runtime
        self.inserted = 0
        self.views: list[Any] = []
        runtime.mkdir(parents=True, exist_ok=True)
        self.engine = Engine(self.devices, clock=self.clock, journal=journal,
                             publish=self.views.append, runtime_dir=runtime)

    @property
    def state(self) -> str:
        return self.engine.state

    @property
    def vm(self) -> Any:
        return self.views[-1]

    def device(self, kind: str, **fields: Any) -> None:
        CONTROLS[id(self.devices)].control({"kind": kind, **fields})

    def printed(self) -> int:
        tray = Path(self.journal.path.parent) / "tray.jsonl"
        return len(tray.read_text().splitlines()) if tray.exists() else 0

    def settle(self) -> None:
        for _ in range(50):
            self.engine.tick()
            if not self.engine.busy:
                return


@pytest.fixture
def harness(make_devices: Callable[..., Devices], journal: Journal,
            sim_dirs: tuple[Path, Path]) -> Callable[..., Harness]:
    def make(kind: str = "sim", **faults: Any) -> Harness:
        return Harness(make_devices, journal, sim_dirs[1], kind, **faults)

    return make


FLOW = ("start", "place_card", "reading_card", "pin", "authenticating", "remove_card",
        "choose_type", "options", "copies", "confirm", "preparing", "payment", "printing",
        "take_papers")


def step(h: Harness, persona: str, pin: bytes, doc_type: str = "juminhyo", copies: int = 1,
         pay: int | None = None) -> None:
    """Do what the customer (or the device) does in the current state, once."""
    from kiosk.session.viewmodel import Intent
    from kiosk.session.viewmodel import IntentKind as K

    e = h.engine
    state = e.state
    if state == "start":
        e.intent(Intent(K.START))
    elif state == "place_card":
        h.device("card_insert", persona=persona)
        e.tick()
    elif state == "pin":
        e.intent(Intent(K.PIN_SUBMITTED), pin=bytearray(pin))
    elif state == "remove_card":
        h.device("card_remove")
        e.tick()
    elif state == "choose_type":
        e.intent(Intent(K.CHOOSE_TYPE, doc_type))
    elif state == "options":
        e.intent(Intent(K.OPTIONS_DONE))
    elif state == "copies":
        e.intent(Intent(K.SET_COPIES, str(copies)))
    elif state == "confirm":
        e.intent(Intent(K.CONFIRM))
    elif state == "payment":
        from hardware_mocks.session.customer import coins_for

        e.tick()
        want = h.vm.total if pay is None else pay
        if e.state == "payment" and h.vm.state == "payment" and h.inserted < want:
            for coin in coins_for(want - h.inserted):
                h.device("coin", value=coin)
                h.inserted += coin
        e.tick()
    elif state == "take_papers":
        e.intent(Intent(K.ACKNOWLEDGE))
    else:
        e.tick()  # machine states: run the work


def drive_to(h: Harness, target: str, persona: str = "canary", pin: bytes = b"7391",
             **kw: Any) -> None:
    """Follow the happy path until ``target`` is reached, its work not yet run."""
    for _ in range(100):
        if h.state == target:
            return
        step(h, persona, pin, **kw)
    raise AssertionError(f"never reached {target}; stuck in {h.state}")


def finish(h: Harness) -> None:
    for _ in range(100):
        if h.engine.finished:
            return
        h.engine.tick()
    raise AssertionError(f"did not finish; in {h.state}")
