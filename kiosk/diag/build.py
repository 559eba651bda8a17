"""Build the diagnostic service of this terminal from its configuration.

Reads the optional ``[diag]`` table of the kiosk's TOML configuration::

    [diag]
    secret_file = "/etc/kiosk/diag-totp.secret"   # default: the systemd credential
    log_files = ["/var/log/kiosk/kiosk.log"]
    usb_dir = "/media/kioskusb"
    spool_dir = "/var/spool/cups"
    cupsd_conf = "/etc/cups/cupsd.conf"
    cups_server = "127.0.0.1:8631"                # default: the system's cupsd
    payment = "simulator"                         # or "none" (not fitted)

The UI passes what it owns instead: its session gate (which can end a session), the
payment device and card reader it already opened, the relay client's version check. The
audit trail goes to the relay's technician-events endpoint over the ``[relay]`` client
unless an ``audit_sink`` is given; a log export may go to the relay the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.card.reader import Reader
from kiosk.clock import Clock, SystemClock
from kiosk.config import Config
from kiosk.diag.adapters import (
    CardLayerProbe,
    CupsProbe,
    JournalGate,
    PaymentDeviceProbe,
    TlsRelayProbe,
    https_audit_sink,
    https_version_check,
)
from kiosk.diag.audit import AuditSink
from kiosk.diag.ports import SessionGate
from kiosk.diag.residue import ResiduePaths
from kiosk.diag.secret import default_secret_path, load_secret
from kiosk.diag.service import DiagDevices, DiagPaths, DiagService
from kiosk.payment.port import PaymentDevice
from kiosk.relay_client.port import RelayInfo

JOURNAL_NAME = "journal.jsonl"


def _paths(values: Any, default: tuple[str, ...]) -> tuple[Path, ...]:
    if isinstance(values, str):
        values = [values]
    return tuple(Path(str(v)) for v in (values or default))


def build_service(
    config: Config,
    *,
    clock: Clock | None = None,
    gate: SessionGate | None = None,
    reader: Reader | None = None,
    payment_device: PaymentDevice | None = None,
    version_check: Callable[[], RelayInfo] | None = None,
    audit_sink: AuditSink | None = None,
    on_mode_change: Callable[[str], None] | None = None,
) -> DiagService:
    diag: dict[str, Any] = dict(config.extra.get("diag", {}))
    clock = clock or SystemClock()
    journal = config.state_dir / JOURNAL_NAME
    secret_file = Path(diag["secret_file"]) if "secret_file" in diag else default_secret_path()
    scratch = [config.runtime_dir]
    if not config.allows_virtual_devices:
        scratch += [Path("/tmp"), Path("/var/tmp")]  # the unit's private ones (PrivateTmp)
    spool = Path(diag.get("spool_dir", "/var/spool/cups"))
    paths = DiagPaths(
        state_dir=config.state_dir,
        residue=ResiduePaths(spool_dir=spool,
                             cupsd_conf=Path(diag.get("cupsd_conf", "/etc/cups/cupsd.conf")),
                             scratch_dirs=tuple(scratch),
                             require_tmpfs=not config.allows_virtual_devices),
        log_files=_paths(diag.get("log_files"), ("/var/log/kiosk/kiosk.log",)),
        usb_dir=Path(diag.get("usb_dir", "/media/kioskusb")),
        journal=journal,
    )
    if payment_device is None and diag.get("payment") == "simulator" and config.allows_virtual_devices:
        from hardware_mocks.coins import CoinSimulator

        payment_device = CoinSimulator()
    devices = DiagDevices(
        card=CardLayerProbe(config, reader),
        printer=CupsProbe(config.printer_queue, diag.get("cups_server"), clock, spool),
        payment=PaymentDeviceProbe(payment_device) if payment_device is not None else None,
        relay=TlsRelayProbe(config.relay, version_check or https_version_check(config.relay)),
    )
    relay_sink = https_audit_sink(config.relay)
    return DiagService(
        kiosk_id=config.kiosk_id,
        clock=clock,
        paths=paths,
        devices=devices,
        gate=gate or JournalGate(journal),
        secret_loader=lambda: load_secret(secret_file),
        audit_sink=audit_sink if audit_sink is not None else relay_sink,
        on_mode_change=on_mode_change,
        log_sink=relay_sink,
    )
