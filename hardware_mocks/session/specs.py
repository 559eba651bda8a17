"""Kiosk configurations for the test world: what tests, benchmarks and the demo start
workers with. Each writes a real configuration file (``kiosk.toml`` in the state
directory) that the worker reads through the same composition root as a terminal in
service; only the ``[devices]`` table differs.

- :func:`virtual_spec`: the device areas' virtual devices (virtual card in an in-process
  reader, the relay's own rules in process, a scripted printer, the coin simulator);
- :func:`fake_spec`: fakes of the session's ports, which skip the device areas (fast);
- :func:`cash_spec`: the virtual devices, except the cash devices: the kiosk's real drivers
  on the ttys of emulated devices (:class:`hardware_mocks.cash.rig.CashRig`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from hardware_mocks.relay.virtual import VirtualRelayBackend
from hardware_mocks.session import fakes
from hardware_mocks.session.control import Control
from kiosk import config as kiosk_config
from kiosk.config import (
    CardKind,
    Config,
    DevicesConfig,
    Mode,
    PaymentConfig,
    PrintingConfig,
    RelayConfig,
    TimeoutsConfig,
)
from kiosk.process.worker import WorkerSpec
from kiosk.session.ports import Devices
from protocol.clock import Clock

if TYPE_CHECKING:
    from hardware_mocks.cash.rig import CashRig
    from hardware_mocks.services.cupsd import Cupsd

StandIn = Literal["virtual", "fake"]

#: How the dev tools' keywords map onto ``[devices]`` (``can_give_change=False`` empties
#: every payout tube).
_EMPTY_TUBES = {"10": 0, "50": 0, "100": 0, "500": 0}


def world_config(world_root: Path, state_dir: Path, runtime_dir: Path, kind: StandIn,
                kiosk_id: str = "KIOSK-0001", timeouts: dict[str, float] | None = None,
                can_give_change: bool = True, cash: dict[str, Any] | None = None,
                **devices: Any) -> Config:
    """A test-mode configuration whose four devices are all of ``kind``; with ``cash`` (a
    ``[payment]`` table) the cash devices are the real drivers on the ttys it names."""
    if not can_give_change:
        devices.setdefault("coin_levels", _EMPTY_TUBES)
    for key in ("relay_db",):
        if devices.get(key) is not None:
            devices[key] = Path(devices[key])
    return Config(
        mode=Mode.TEST, kiosk_id=kiosk_id, state_dir=Path(state_dir).resolve(),
        runtime_dir=Path(runtime_dir).resolve(),
        devices=DevicesConfig(card=kind, relay=kind, printer=kind,
                              payment="cash" if cash is not None else kind,
                              world=Path(world_root).resolve(), **devices),
        payment=PaymentConfig(**cash) if cash is not None else PaymentConfig(),
        timeouts=TimeoutsConfig(**(timeouts or {})),
    )


def write(cfg: Config, path: Path | None = None) -> Path:
    """Write ``cfg`` (to ``kiosk.toml`` in its state directory by default) and check that
    it loads back as it was."""
    path = path or Path(cfg.state_dir) / "kiosk.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kiosk_config.dump(cfg), encoding="utf-8")
    return path


def with_timeouts(spec: WorkerSpec, **timeouts: float) -> WorkerSpec:
    """The same worker configuration with other inactivity timeouts (rewritten in place)."""
    cfg = kiosk_config.load(spec.config_path)
    merged = msgspec.structs.asdict(cfg.timeouts) | timeouts
    write(msgspec.structs.replace(cfg, timeouts=TimeoutsConfig(**merged)), Path(spec.config_path))
    return spec


def fake_spec(world_root: Path, state_dir: Path, runtime_dir: Path, **kw: Any) -> WorkerSpec:
    return WorkerSpec(config_path=str(write(world_config(world_root, state_dir, runtime_dir,
                                                        "fake", **kw))))


def virtual_spec(world_root: Path, state_dir: Path, runtime_dir: Path, **kw: Any) -> WorkerSpec:
    return WorkerSpec(config_path=str(write(world_config(world_root, state_dir, runtime_dir,
                                                        "virtual", **kw))))


def cash_spec(world_root: Path, state_dir: Path, runtime_dir: Path, rig: CashRig,
              **kw: Any) -> WorkerSpec:
    """Virtual card, relay and printer; the real cash drivers on ``rig``'s ttys, starting
    from the coins in its hoppers."""
    rig.record_loaded(state_dir)
    return WorkerSpec(config_path=str(write(world_config(
        world_root, state_dir, runtime_dir, "virtual", cash=rig.payment_table(), **kw))))


def in_process(world_root: Path, state_dir: Path, kind: StandIn = "fake", clock: Clock | None = None,
               backend: VirtualRelayBackend | None = None, **kw: Any) -> tuple[Devices, Control]:
    """Devices for a test that drives an engine itself, with the tester's control of them:
    ``kind`` is ``fake`` (the session's ports) or ``virtual`` (the device areas')."""
    from hardware_mocks.session.virtual import build_virtual

    cfg = world_config(world_root, state_dir, Path(state_dir).parent / "run", kind, **kw)
    devices = build_virtual(cfg, clock, backend) if kind == "virtual" else fakes.build(cfg)
    return devices, Control(cfg, devices)


class RelayService(Protocol):
    """A relay or the issuing centre on loopback, as a kiosk's ``[relay]`` reaches it."""

    def relay_config(self, kiosk_id: str = ..., read_timeout: float = ...) -> RelayConfig: ...


def services_config(tmp: Path, world: Path, relay: RelayService, cupsd: Cupsd,
                    card: CardKind = "virtual", readers: tuple[str, ...] = (),
                    mode: Mode = Mode.TEST, sweep_interval: float = 30.0,
                    cash: dict[str, Any] | None = None) -> Path:
    """Write ``kiosk.toml`` in ``tmp`` for a worker over the real services on loopback:
    ``relay serve`` (or the centre, :class:`~hardware_mocks.services.federation.FederationServices`)
    and the private cupsd. The card is of kind ``card`` (``pcsc``: pcscd
    with the virtual reader, which ``readers`` allows); the cash devices are the real
    drivers on the ttys of ``cash`` (a ``[payment]`` table, ``CashRig.payment_table``), or
    the coin simulator without it; state and runtime folders are under ``tmp``; the print
    gate's directory is the cupsd's (its queue's device URI names it)."""
    cfg = Config(mode=mode, kiosk_id="KIOSK-0001", readers=readers, printer_queue=cupsd.queue,
                 state_dir=tmp / "state", runtime_dir=tmp / "run",
                 relay=relay.relay_config("KIOSK-0001"),
                 devices=DevicesConfig(card=card, payment="virtual" if cash is None else "cash",
                                       world=world),
                 payment=PaymentConfig(**cash) if cash is not None else PaymentConfig(),
                 printing=PrintingConfig(cups_server=cupsd.server, gate_dir=cupsd.gate_dir,
                                         sweep_interval=sweep_interval))
    return write(cfg, tmp / "kiosk.toml")


def real_spec(config: Path, tmp: Path, state_dir: Path | None,
              timeouts: dict[str, float]) -> WorkerSpec:
    """A worker over the devices of an operator's configuration, with a run's own state
    folder and timeouts: written to a copy in ``tmp``, never over the operator's file."""
    cfg = kiosk_config.load(config)
    if state_dir is not None:
        cfg = msgspec.structs.replace(cfg, state_dir=state_dir)
    if timeouts:
        merged = msgspec.structs.asdict(cfg.timeouts) | timeouts
        cfg = msgspec.structs.replace(cfg, timeouts=TimeoutsConfig(**merged))
    return WorkerSpec(config_path=str(write(cfg, tmp / "kiosk.toml")))
