"""Kiosk configuration, read from TOML.

The mode decides what hardware is trusted: ``production`` accepts only allow-listed
card readers and refuses virtual devices; ``demo`` and ``test`` accept the virtual
reader and simulators.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Mode(StrEnum):
    PRODUCTION = "production"
    DEMO = "demo"
    TEST = "test"


class ConfigError(Exception):
    """The configuration file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class RelayConfig:
    url: str = "https://127.0.0.1:8443"
    ca_file: Path | None = None  # the relay CA, the only trust anchor
    cert_file: Path | None = None  # this kiosk's client certificate
    key_file: Path | None = None
    issuer_public_key: Path | None = None  # verifies document bindings
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    #: Hex SHA-256 of the relay server's public key (SPKI), checked after the handshake on
    #: top of the CA; more than one lets a key rollover overlap. Empty: no pinning.
    pins: tuple[str, ...] = ()
    #: Relay build ids this kiosk accepts. Empty: any build of the compatible protocol.
    approved_builds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    mode: Mode = Mode.PRODUCTION
    kiosk_id: str = "KIOSK-0001"
    readers: tuple[str, ...] = ()  # allow-listed reader names (prefix match)
    printer_queue: str = "kiosk"
    state_dir: Path = Path("/var/lib/kiosk")  # journal and money ledger
    runtime_dir: Path = Path("/run/kiosk")  # tmpfs, wiped after every session
    relay: RelayConfig = field(default_factory=RelayConfig)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def allows_virtual_devices(self) -> bool:
        return self.mode in (Mode.DEMO, Mode.TEST)


def _path(value: Any, base: Path) -> Path | None:
    if value is None:
        return None
    p = Path(str(value))
    return p if p.is_absolute() else base / p


def _strings(value: Any, key: str) -> tuple[str, ...]:
    """A TOML array of non-empty strings (a bare string would be iterated by character)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def _pins(value: Any) -> tuple[str, ...]:
    pins = tuple(p.lower() for p in _strings(value, "relay.pins"))
    if not all(_SHA256_HEX.match(p) for p in pins):
        raise ValueError("relay.pins must be SHA-256 digests in hex (64 hex digits each)")
    return pins


def load(path: str | Path) -> Config:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"configuration file not found: {path}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not UTF-8 text "
                          f"(invalid byte at offset {exc.start})") from exc
    except OSError as exc:  # permission denied, a directory, an I/O error
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"configuration file {path} cannot be read: {reason}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from exc
    base = path.parent
    try:
        relay = data.get("relay", {})
        mode = Mode(data.get("mode", "production"))
        return Config(
            mode=mode,
            kiosk_id=str(data.get("kiosk_id", "KIOSK-0001")),
            readers=_strings(data.get("readers", []), "readers"),
            printer_queue=str(data.get("printer_queue", "kiosk")),
            state_dir=_path(data.get("state_dir", "/var/lib/kiosk"), base) or Path("."),
            runtime_dir=_path(data.get("runtime_dir", "/run/kiosk"), base) or Path("."),
            relay=RelayConfig(
                url=str(relay.get("url", RelayConfig.url)),
                ca_file=_path(relay.get("ca_file"), base),
                cert_file=_path(relay.get("cert_file"), base),
                key_file=_path(relay.get("key_file"), base),
                issuer_public_key=_path(relay.get("issuer_public_key"), base),
                connect_timeout=float(relay.get("connect_timeout", 3.0)),
                read_timeout=float(relay.get("read_timeout", 10.0)),
                pins=_pins(relay.get("pins", [])),
                approved_builds=_strings(relay.get("approved_builds", []), "relay.approved_builds"),
            ),
            extra={k: v for k, v in data.items() if k not in {"mode", "kiosk_id", "readers",
                   "printer_queue", "state_dir", "runtime_dir", "relay"}},
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"configuration file {path}: {exc}") from exc
