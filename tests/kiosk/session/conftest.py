"""Fixtures of the session tests: simulated devices over a private copy of the world."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hardware_mocks.world import World
from kiosk.clock import FakeClock
from kiosk.session.customer import LocalTerminal
from kiosk.session.engine import Engine
from kiosk.session.journal import Journal
from kiosk.session.ports import Devices
from kiosk.session.sim import SimSpec, build


@pytest.fixture
def sim_dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "state", tmp_path / "run"


@pytest.fixture
def make_devices(fresh_world: World, sim_dirs: tuple[Path, Path]) -> Callable[..., Devices]:
    state, _ = sim_dirs

    def make(**faults: Any) -> Devices:
        return build(SimSpec(str(fresh_world.root), str(state), **faults))

    return make


@pytest.fixture
def journal(sim_dirs: tuple[Path, Path]) -> Journal:
    return Journal(sim_dirs[0] / "journal.jsonl")


class Harness:
    """An engine over simulated devices with a fake clock, driven step by step."""

    def __init__(self, devices: Devices, journal: Journal, runtime: Path) -> None:
        self.devices = devices
        self.journal = journal
        self.clock = FakeClock()
        self.views: list[Any] = []
        runtime.mkdir(parents=True, exist_ok=True)
        self.engine = Engine(devices, clock=self.clock, journal=journal,
                             publish=self.views.append, runtime_dir=runtime)

    @property
    def state(self) -> str:
        return self.engine.state

    @property
    def vm(self) -> Any:
        return self.views[-1]

    def settle(self) -> None:
        for _ in range(50):
            self.engine.tick()
            if not self.engine.busy:
                return


@pytest.fixture
def harness(make_devices: Callable[..., Devices], journal: Journal,
            sim_dirs: tuple[Path, Path]) -> Callable[..., Harness]:
    def make(**faults: Any) -> Harness:
        return Harness(make_devices(**faults), journal, sim_dirs[1])

    return make


@pytest.fixture
def local_terminal(make_devices: Callable[..., Devices], journal: Journal,
                   sim_dirs: tuple[Path, Path]) -> Iterator[Callable[..., LocalTerminal]]:
    def make(**faults: Any) -> LocalTerminal:
        sim_dirs[1].mkdir(parents=True, exist_ok=True)
        return LocalTerminal(make_devices(**faults), journal, sim_dirs[1])

    yield make


FLOW = ("start", "place_card", "reading_card", "pin", "authenticating", "remove_card",
        "choose_type", "options", "copies", "confirm", "preparing", "payment", "printing",
        "take_papers")


def step(h: Harness, persona: str, pin: bytes, doc_type: str = "juminhyo", copies: int = 1,
         pay: int | None = None) -> None:
    """Do what the customer (or the device) does in the current state, once."""
    from kiosk.session.viewmodel import Intent, IntentKind as K

    e, dev = h.engine, h.devices
    state = e.state
    if state == "start":
        e.intent(Intent(K.START))
    elif state == "place_card":
        dev.reader.insert(persona)  # type: ignore[attr-defined]
        e.tick()
    elif state == "pin":
        e.intent(Intent(K.PIN_SUBMITTED), pin=bytearray(pin))
    elif state == "remove_card":
        dev.reader.remove()  # type: ignore[attr-defined]
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
        from kiosk.session.customer import coins_for

        for coin in coins_for(h.vm.total if pay is None else pay):
            dev.payment.insert(coin)  # type: ignore[attr-defined]
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
