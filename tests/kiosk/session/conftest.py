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
