"""The virtual devices of the ``kiosk.virtual_devices`` entry points: stand-ins at each
device area's own interface, which the composition root (:mod:`kiosk.composition`) puts
behind the same adapters as the real devices.

- card: the test world's virtual cards in an in-process reader (the tester inserts one);
- relay: the relay's own core over the test world, in process (:mod:`hardware_mocks.relay.virtual`);
- printer: a scripted printer that also records each completed job in ``tray.jsonl``;
- payment: the coin simulator, its state in the state directory (a killed worker's money
  can be settled from it, as hardware keeps coins).

Each factory takes the typed configuration (``[devices]``): the world, faults, the coin
tubes, the relay's clock and database.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import get_args

from hardware_mocks.coins import VirtualCoinDevice
from hardware_mocks.inprocess_reader import InProcessReader
from hardware_mocks.printer.virtual import VirtualPrinter
from hardware_mocks.relay.virtual import REGISTER_FAULTS, Faults, VirtualRelay, VirtualRelayBackend
from kiosk import composition
from kiosk import config as kiosk_config
from kiosk.config import Config
from kiosk.printing import printer as printing
from kiosk.printing.printer import Job
from kiosk.session.ports import Devices
from protocol.clock import Clock, SystemClock
from relay.service import Settings, build_core  # loaded while a worker is a warm spare

#: The faults a tester can switch on, as the configuration names them.
RELAY_FAULTS: tuple[str, ...] = get_args(kiosk_config.RelayFault)
PRINTER_FAULTS: tuple[str, ...] = get_args(kiosk_config.PrinterFault)


def world_of(cfg: Config) -> Path:
    if cfg.devices.world is None:
        raise composition.DevicesRefused("virtual_devices_need_world")
    return Path(cfg.devices.world)


class ShiftedClock:
    """Real time moving from a chosen start: the virtual relay's rules (service hours,
    ages) see a weekday morning of the world's date, whenever the demo or the tests run."""

    def __init__(self, start: dt.datetime) -> None:
        self._start, self._t0 = start, time.monotonic()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.monotonic() - self._t0)

    def monotonic(self) -> float:
        return time.monotonic()


def relay_clock(world_root: Path, kind: str) -> Clock:
    if kind == "system":
        return SystemClock()
    from hardware_mocks.relay.testing import open_hours

    today = json.loads((world_root / "world.json").read_text(encoding="utf-8"))["today"]
    return ShiftedClock(open_hours(SimpleNamespace(data={"today": today})))


def relay_faults(kind: str | None) -> Faults:
    f = Faults()
    if kind == "down":
        f.unavailable = True
    elif kind == "slow":
        f.timeout = {"documents"}
    elif kind == "bad":
        f.tamper = "document"
    elif kind == "integrity":
        f.tamper = "other_session"
    elif kind == "incompatible":
        f.version = {"protocol": 999}
    elif kind in REGISTER_FAULTS:
        f.register = REGISTER_FAULTS[kind]
    return f


def scripted_printer(kind: str | None, clock: Clock) -> VirtualPrinter:
    script: tuple[str, ...] = ("processing", "completed")
    preflight = None
    if kind == "media-empty":
        preflight = printing.MEDIA_EMPTY
    elif kind == "jam":
        script = ("processing", printing.MEDIA_JAM)
    elif kind == "offline":
        script = ("processing", printing.OFFLINE)
    elif kind == "timeout":
        script = ("processing",)  # never completes: the deadline cancels it
    return VirtualPrinter(clock=clock, script=script, preflight_fault=preflight,
                       poll_interval=0.005)


def file_backend(world_root: Path, db_path: Path, clock: Clock) -> VirtualRelayBackend:
    """A ``VirtualRelayBackend`` over a relay database file that several worker processes share
    (the workers that follow each other report to one relay, as in production)."""
    class FileBackend(VirtualRelayBackend):
        def __init__(self) -> None:  # the in-memory database of the base is not wanted
            self.clock = clock
            self.core = build_core(world_root, db_path, clock, Settings())
            self.issuer_private = self.core.issuer_key

    return FileBackend()


class TrayPrinter:
    """A scripted printer that also records each completed job (id, copies; no content)
    in a tray file, so a test can count prints across worker processes."""

    def __init__(self, inner: VirtualPrinter, tray: Path) -> None:
        self.inner = inner
        self.tray = tray

    def set_fault(self, kind: str | None) -> None:
        """The tester panel's printer fault (media-empty, jam, offline, timeout, None)."""
        fresh = scripted_printer(kind, self.inner.clock)
        self.inner.script, self.inner.preflight_fault = fresh.script, fresh.preflight_fault

    def preflight(self) -> None:
        self.inner.preflight()

    def submit(self, pdf: bytearray, copies: int, duplex: bool, title: str | None = None) -> Job:
        return self.inner.submit(pdf, copies, duplex, title)

    def wait(self, job: Job, deadline: float,
             on_progress: printing.ProgressCallback | None = None) -> None:
        self.inner.wait(job, deadline, on_progress)
        with open(self.tray, "a", encoding="ascii") as fh:
            fh.write(json.dumps({"job": job.title, "copies": 1}) + "\n")

    def purge(self, job: Job) -> None:
        self.inner.purge(job)

    def purge_all(self) -> None:
        self.inner.purge_all()

    def fate(self, title: str) -> str:
        """From the tray, which outlives the worker: a job of a dead worker that is not in
        it died with that worker's in-process printer and never came out."""
        try:
            lines = self.tray.read_text(encoding="ascii").splitlines()
        except FileNotFoundError:
            lines = []
        out = any(json.loads(line).get("job") == title for line in lines if line.strip())
        return printing.PRINTED if out else printing.NOT_PRINTED

    def forget(self, title: str | None = None) -> None:
        self.inner.forget(title)


# -- the entry points ------------------------------------------------------------------------


def card(cfg: Config) -> InProcessReader:
    world_of(cfg)
    return InProcessReader()


def relay(cfg: Config, backend: VirtualRelayBackend | None = None) -> Callable[[], VirtualRelay]:
    """Made at the first relay call: the in-process relay loads the whole registry."""
    world = world_of(cfg)
    d = cfg.devices

    def make() -> VirtualRelay:
        rclock = relay_clock(world, d.relay_time)
        shared = backend
        if shared is None and d.relay_db is not None:
            shared = file_backend(world, Path(d.relay_db), rclock)
        return VirtualRelay(world, cfg.kiosk_id, rclock, relay_faults(d.relay_fault), backend=shared)

    return make


def printer(cfg: Config, clock: Clock) -> TrayPrinter:
    state = Path(cfg.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    return TrayPrinter(scripted_printer(cfg.devices.printer_fault, clock), state / "tray.jsonl")


def payment(cfg: Config) -> VirtualCoinDevice:
    state = Path(cfg.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    levels = cfg.devices.coin_levels
    return VirtualCoinDevice(levels={int(k): v for k, v in levels.items()} if levels else None,
                         state_path=state / "coins.json")


def build_virtual(cfg: Config, clock: Clock | None = None, backend: VirtualRelayBackend | None = None,
                  ) -> Devices:
    """In process, for tests that drive an engine themselves: the composition root's own
    devices, except that ``backend`` (a ``VirtualRelayBackend``) lets many sessions share one
    relay database in memory."""
    devices = composition.session_devices(cfg, clock)
    if backend is not None:
        from kiosk.session.adapters import RelayAdapter

        devices.relay = RelayAdapter(relay(cfg, backend), cfg.kiosk_id)
    return devices

