"""The kiosk's composition root: the one place where the configuration becomes devices.

Every program (``kiosk ui``, ``kiosk diag``, the session worker; the development
programs ``kiosk demo`` and ``kiosk session run``) builds its devices here, from the typed
``[devices]`` table, so real versus virtual is decided once and the self-test, the
diagnostic mode and the customer's session look at the same devices.

The real kinds are built here: ``pcsc`` (the card over pcscd), ``https`` (the relay over
mutual TLS), ``cups`` (the printer), ``cash`` (the coin acceptor, hoppers and note
validator of ``[payment]`` on their ttys). The development package registers the other kinds
as entry points, so a production install, which does not have it, can only build real
devices and no production module names it:

- ``kiosk.virtual_devices`` (``card``, ``relay``, ``printer``, ``payment``): stand-ins at a
  device area's own interface (the virtual card in an in-process reader, the relay's
  rules in process, a scripted printer, the coin simulator), behind the same adapters as
  the real ones;
- ``kiosk.fake_ports`` (same names): stand-ins for a whole session port, which skip the
  device areas (fast engine tests);
- ``kiosk.tester`` (``control``): the tester panel's control of those devices (insert a
  card, drop a coin, switch a fault), built only in a mode that allows virtual devices.

Either kind is refused in production mode (the configuration already refuses it; this
module checks again, since a configuration object can be built without ``load``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.card import errors as card_errors
from kiosk.card.reader import Reader as CardReader
from kiosk.config import Config
from kiosk.payment.port import PaymentDevice
from kiosk.printing.printer import Printer as AreaPrinter
from kiosk.relay_client.port import RelayClient
from kiosk.session import adapters, ports
from kiosk.session.faults import SessionFault
from kiosk.session.ports import Devices
from protocol.clock import Clock, SystemClock

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

VIRTUAL_DEVICES = "kiosk.virtual_devices"
FAKE_PORTS = "kiosk.fake_ports"
TESTER = "kiosk.tester"


class TesterControl(Protocol):
    """What the tester panel can do to virtual devices: ``{"kind": "card_insert", …}``."""

    def control(self, command: dict[str, Any]) -> None: ...


class DevicesRefused(SessionFault):
    """The configuration names devices this program cannot build here (a virtual kind in
    production mode, or the development package not installed): out of service."""

    def __init__(self, code: str = "virtual_devices_refused") -> None:
        super().__init__(code)


def _plugin(group: str, name: str, cfg: Config) -> Callable[..., Any]:
    if not cfg.allows_virtual_devices:
        raise DevicesRefused()
    return _factory(group, name)


@functools.cache
def _factory(group: str, name: str) -> Callable[..., Any]:
    """An entry point, loaded once per process (scanning the installed distributions and
    importing the stand-in's module is the slow part)."""
    found = entry_points(group=group, name=name)
    if not found:
        raise DevicesRefused("virtual_devices_unavailable")
    factory: Callable[..., Any] = next(iter(found)).load()
    return factory


def preload(cfg: Config) -> None:
    """Import what building the configured devices will need, before a customer waits:
    a warm spare worker calls this while it waits to be handed the terminal."""
    d = cfg.devices
    for port, kind in (("card", d.card), ("relay", d.relay), ("printer", d.printer),
                       ("payment", d.payment)):
        if kind == "virtual":
            _plugin(VIRTUAL_DEVICES, port, cfg)
        elif kind == "fake":
            _plugin(FAKE_PORTS, port, cfg)
    if d.payment == "cash":
        import kiosk.payment.cash_device  # noqa: F401
    if tester_wanted(cfg):
        _plugin(TESTER, "control", cfg)


# -- the areas' devices (shared by the session and the diagnostic mode) --------------------


def card_reader(cfg: Config) -> CardReader:
    """The card reader: pcscd's (by the reader policy) or the virtual one in process."""
    if cfg.devices.card == "pcsc":
        from kiosk.card.reader import open_reader

        return open_reader(cfg)
    reader: CardReader = _plugin(VIRTUAL_DEVICES, "card", cfg)(cfg)
    return reader


def relay_client(cfg: Config) -> Callable[[], RelayClient]:
    """A maker of the relay client: the client is made at its first use, so an idle
    worker holds nothing of it."""
    if cfg.devices.relay == "https":
        from kiosk.relay_client.https import HttpsRelayClient

        return lambda: HttpsRelayClient.from_config(cfg.relay)
    maker: Callable[[], RelayClient] = _plugin(VIRTUAL_DEVICES, "relay", cfg)(cfg)
    return maker


def printer(cfg: Config, clock: Clock) -> AreaPrinter:
    if cfg.devices.printer == "cups":
        from kiosk.printing.cups_printer import CupsPrinter

        return CupsPrinter(cfg.printer_queue, server=cfg.printing.cups_server, clock=clock,
                           gate_dir=cfg.gate_dir)
    made: AreaPrinter = _plugin(VIRTUAL_DEVICES, "printer", cfg)(cfg, clock)
    return made


def payment_device(cfg: Config) -> PaymentDevice | None:
    """The cash device, or ``None`` when none is fitted (the terminal cannot take money).
    ``cash`` starts the drivers' threads on the configured ttys; a device that is not
    there yet is reported by the drivers (``port_unavailable``), not here."""
    if cfg.devices.payment == "none":
        return None
    if cfg.devices.payment == "cash":
        from kiosk.payment.cash_device import open_cash_device
        from kiosk.payment.cctalk_frame import Checksum

        p = cfg.payment
        return open_cash_device(
            cfg.state_dir,
            coin_acceptor=str(p.coin_acceptor) if p.coin_acceptor else None,
            hoppers={int(coin): str(path) for coin, path in p.hoppers.items()},
            note_validator=str(p.note_validator) if p.note_validator else None,
            notes={code: int(value) for value, code in p.notes.items()},
            poll_interval=p.poll_interval, checksum=Checksum(p.cctalk_checksum),
            echo=p.cctalk_echo, acceptor_address=p.acceptor_address,
            hopper_address=p.hopper_address, coin_time=p.coin_time,
            validator_parity="E" if p.note_validator_parity == "even" else "N")
    device: PaymentDevice = _plugin(VIRTUAL_DEVICES, "payment", cfg)(cfg)
    return device


# -- the session's ports --------------------------------------------------------------------


def _render_keys(cfg: Config) -> tuple[Ed25519PrivateKey | None, bytes]:
    """A test world's fallback keys for a relay that sends no per-document QR payload and
    scramble key (the kiosk never holds the relay's scramble master)."""
    issuer = None
    if cfg.printing.issuer_key is not None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = serialization.load_pem_private_key(cfg.printing.issuer_key.read_bytes(), None)
        if not isinstance(key, Ed25519PrivateKey):  # the QR payload is signed with Ed25519
            raise ValueError("printing.issuer_key is not an Ed25519 private key")
        issuer = key
    scramble = b""
    if cfg.printing.scramble_key is not None:
        scramble = bytes.fromhex(cfg.printing.scramble_key.read_text(encoding="ascii").strip())
    return issuer, scramble


def session_devices(cfg: Config, clock: Clock | None = None) -> Devices:
    """The four ports of one customer's session, each behind its adapter."""
    from kiosk.payment.controller import PaymentController
    from kiosk.payment.ledger import Ledger

    clock = clock or SystemClock()
    d = cfg.devices
    fakes = {port: _plugin(FAKE_PORTS, port, cfg)(cfg) if kind == "fake" else None
             for port, kind in (("card", d.card), ("relay", d.relay),
                                ("printer", d.printer), ("payment", d.payment))}
    reader: ports.Reader
    if fakes["card"] is not None:
        reader = fakes["card"]
    else:
        try:
            reader = adapters.ReaderAdapter(card_reader(cfg))
        except card_errors.CardLayerError:
            raise adapters.ReaderFault() from None
    relay: ports.Relay = fakes["relay"] or adapters.RelayAdapter(relay_client(cfg), cfg.kiosk_id)
    print_port: ports.Printer
    if fakes["printer"] is not None:
        print_port = fakes["printer"]
    else:
        issuer, scramble = _render_keys(cfg)
        print_port = adapters.PrinterAdapter(printer(cfg, clock), clock, issuer, scramble,
                                             duplex=cfg.printing.duplex)
    payment: ports.Payment
    if fakes["payment"] is not None:
        payment = fakes["payment"]
    else:
        device = payment_device(cfg)
        if device is None:
            raise SessionFault("no_payment_device")
        Path(cfg.state_dir).mkdir(parents=True, exist_ok=True)
        payment = adapters.PaymentAdapter(
            PaymentController(device, Ledger.in_state_dir(cfg.state_dir), clock))
    return Devices(reader=reader, relay=relay, printer=print_port, payment=payment)


def tester_control(cfg: Config, devices: Devices) -> TesterControl | None:
    """The tester's control of this worker's devices; ``None`` in production mode or when
    every device is real (the tester then works the real devices, e.g. through vpcd)."""
    if not tester_wanted(cfg):
        return None
    control: TesterControl = _plugin(TESTER, "control", cfg)(cfg, devices)
    return control


def tester_wanted(cfg: Config) -> bool:
    """A tester's control exists in demo and test modes, when any device is a stand-in."""
    d = cfg.devices
    return cfg.allows_virtual_devices and any(
        k in ("virtual", "fake") for k in (d.card, d.relay, d.printer, d.payment))
