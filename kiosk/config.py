"""Kiosk configuration: one TOML file, read strictly into typed, frozen structs.

Why strict: a kiosk that ignores a misspelt key runs on a default nobody chose, silently. A
production terminal could end up trusting a virtual card reader, or using a relay timeout
that nobody set. So every key is declared here with its type and default, and msgspec
checks the file against them. An unknown key, a wrong type or a combination that makes no
sense (a virtual device in production, a fault for a real device) is a :class:`ConfigError`.
The error is one line that names the file and the key path.

The mode decides what hardware is trusted: ``production`` accepts only allow-listed card
readers and refuses the devices that stand in for real ones (``virtual`` and ``fake``)
and their options; ``demo`` and ``test`` accept them, from a test world.

This module is a leaf (standard library and msgspec only), so every process can read its
configuration without importing the rest of the kiosk. The reference for operators is
``docs/configuration.md``; :func:`dump` writes a configuration that :func:`load` reads back.
"""

from __future__ import annotations

import ast
import json
import math
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import urlsplit

import msgspec
import msgspec.inspect
import msgspec.structs
import msgspec.toml


class Mode(StrEnum):
    PRODUCTION = "production"
    DEMO = "demo"
    TEST = "test"


class ConfigError(Exception):
    """The configuration file is missing, malformed or inconsistent."""


#: Each device's kinds: the real one first, then the two that stand in for it from a test
#: world. ``virtual`` works at the device area's own interface (virtual card in an
#: in-process reader, the relay's rules in process, a scripted printer, the coin simulator);
#: ``fake`` replaces the whole session port and skips the device area (fast engine tests).
CardKind = Literal["pcsc", "virtual", "fake"]
RelayKind = Literal["https", "virtual", "fake"]
PrinterKind = Literal["cups", "virtual", "fake"]
#: ``cash``: the real cash devices of ``[payment]`` (ccTalk coin acceptor and hoppers, ID-003
#: note validator); ``none``: no cash device is fitted (the terminal cannot take money).
PaymentKind = Literal["none", "cash", "virtual", "fake"]
CcTalkChecksum = Literal["simple", "crc16"]
SerialParity = Literal["even", "none"]
#: ``suspended``, ``retired``, ``unregistered``: the kiosk register refuses this terminal.
RelayFault = Literal["down", "slow", "bad", "integrity", "incompatible", "suspended", "retired",
                     "unregistered"]
PrinterFault = Literal["media-empty", "jam", "offline", "timeout"]
RelayTime = Literal["open_hours", "system"]

_STAND_INS = ("virtual", "fake")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class _Table(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A TOML table: every key declared, nothing else accepted, immutable once read.

    Every table repeats the options: msgspec applies ``kw_only`` only to the fields of the
    class that says it, and type checkers see ``frozen`` only where it is written.

    A ``ValueError`` raised by ``__post_init__`` starts with the key it is about, relative
    to the table (``pins[0]: …``); :func:`load` puts the table's path in front."""


def _positive_seconds(table: _Table, *names: str) -> None:
    for name in names:
        value = getattr(table, name)
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name}: must be a number of seconds above 0, got {value:g}")


def _names(values: tuple[str, ...], key: str) -> tuple[str, ...]:
    """Non-empty strings, stripped (a reader name pasted with a trailing space still matches)."""
    for i, value in enumerate(values):
        if not value.strip():
            raise ValueError(f"{key}[{i}]: must not be empty")
    return tuple(value.strip() for value in values)


class RelayConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[relay]``: the mutual-TLS client for the relay."""

    #: The centre node, or several (a list) in the order this terminal tries them: a
    #: connection error, a timeout or a 5xx moves it to the next one (same request id).
    url: str | tuple[str, ...] = "https://127.0.0.1:8443"
    ca_file: Path | None = None  # the relay CA, the only trust anchor
    cert_file: Path | None = None  # this kiosk's client certificate
    key_file: Path | None = None
    #: One municipality: its issuer key verifies every document binding and QR code.
    issuer_public_key: Path | None = None
    #: A federation instead: the anchor installed out of band (``relay federation init``
    #: writes it). The kiosk fetches the signed directory from the centre, checks it with
    #: the anchor, and checks each document with its municipality's keys from it.
    anchor: Path | None = None
    #: Where the last valid directory is kept (default: ``state_dir/federation-directory.json``).
    directory_cache: Path | None = None
    #: Seconds after which the held directory is fetched again (also past half its validity).
    directory_refresh: float = 600.0
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    #: Hex SHA-256 of the relay server's public key (SPKI), checked after the handshake on
    #: top of the CA; more than one lets a key rollover overlap. Empty: no pinning.
    pins: tuple[str, ...] = ()
    #: Relay build ids this kiosk accepts. Empty: any build of the compatible protocol.
    approved_builds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _positive_seconds(self, "connect_timeout", "read_timeout", "directory_refresh")
        if self.anchor is not None and self.issuer_public_key is not None:
            raise ValueError("anchor: give issuer_public_key (one municipality) or anchor (a federation), not both")
        urls = (self.url,) if isinstance(self.url, str) else self.url
        if not urls:
            raise ValueError("url: give at least one relay address")
        for i, url in enumerate(urls):
            parts = urlsplit(url)
            try:
                parts.port  # noqa: B018  # raises on a port that is not a number
            except ValueError as exc:
                raise ValueError(f"url[{i}]: {url!r} has a bad port") from exc
            if parts.scheme != "https" or not parts.hostname or parts.path not in ("", "/") or parts.query:
                raise ValueError(f"url[{i}]: {url!r} is not https://host[:port]")
        if len(set(urls)) != len(urls):
            raise ValueError("url: an address is given twice")
        pins = tuple(pin.lower() for pin in _names(self.pins, "pins"))
        for i, pin in enumerate(pins):
            if not _SHA256_HEX.fullmatch(pin):
                raise ValueError(f"pins[{i}]: must be a SHA-256 digest in hex (64 hex digits)")
        builds = _names(self.approved_builds, "approved_builds")
        msgspec.structs.force_setattr(self, "pins", pins)  # lower case, as spki_sha256 writes them
        msgspec.structs.force_setattr(self, "approved_builds", builds)

    @property
    def endpoints(self) -> tuple[str, ...]:
        """The centre nodes, in the order this terminal tries them."""
        return (self.url,) if isinstance(self.url, str) else self.url

    @property
    def client_configured(self) -> bool:
        """Everything the mutual-TLS client needs, issuer trust included (a key or an anchor)."""
        return bool(self.ca_file and self.cert_file and self.key_file
                    and (self.issuer_public_key or self.anchor))


class DevicesConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[devices]``: which adapter drives each device; stand-ins need a test world."""

    card: CardKind = "pcsc"
    relay: RelayKind = "https"
    printer: PrinterKind = "cups"
    payment: PaymentKind = "none"
    world: Path | None = None  # the test world folder the stand-in devices use
    relay_fault: RelayFault | None = None  # fault injection, stand-in relay only
    printer_fault: PrinterFault | None = None  # fault injection, stand-in printer only
    #: Payout tube levels of the stand-in coin device: coin count by yen value ("100" = 40).
    coin_levels: dict[str, int] | None = None
    relay_time: RelayTime = "open_hours"  # the virtual relay's clock
    relay_db: Path | None = None  # the virtual relay's database

    def __post_init__(self) -> None:
        for coin, count in (self.coin_levels or {}).items():
            if not re.fullmatch(r"[1-9][0-9]*", coin):
                raise ValueError(f'coin_levels."{coin}": must be a yen value such as "100"')
            if count < 0:
                raise ValueError(f"coin_levels.{coin}: must be 0 or more, got {count}")

    @property
    def stand_ins(self) -> dict[str, str]:
        """The devices (``card``, ``relay``, ``printer``, ``payment``) that are not real, and
        their kinds (``virtual`` or ``fake``)."""
        kinds = {"card": self.card, "relay": self.relay, "printer": self.printer,
                 "payment": self.payment}
        return {name: kind for name, kind in kinds.items() if kind in _STAND_INS}


#: The coins a hopper can pay out, and the ccTalk addresses a device may have.
_PAYOUT_COINS = ("10", "50", "100", "500")
_YEN = re.compile(r"[1-9][0-9]*")


class PaymentConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[payment]``: the cash devices' ttys and lines (``devices.payment = "cash"``).

    Name the ttys by their stable udev names (``/dev/serial/by-id/…`` or the symlinks of
    ``deploy/udev``), never ``/dev/ttyUSB0``, whose number depends on the order the
    adapters were found."""

    coin_acceptor: Path | None = None  # the ccTalk coin acceptor
    hoppers: dict[str, Path] = msgspec.field(default_factory=dict)  # "100" = tty, per coin
    note_validator: Path | None = None  # the ID-003 note validator (none: coins only)
    #: Yen value -> the validator's escrow code, as the validator is programmed (its
    #: ``8A`` currency table); JCM's yen codes are not public, check the device's.
    notes: dict[str, int] = msgspec.field(default_factory=lambda: {"1000": 0x61})
    poll_interval: float = 0.05  # seconds between polls of the acceptor and validator
    cctalk_checksum: CcTalkChecksum = "simple"
    cctalk_echo: bool = False  # a single-wire bus: the host hears its own bytes
    acceptor_address: int = 2
    hopper_address: int = 3
    note_validator_parity: SerialParity = "even"  # ID-003 is 8E1
    coin_time: float = 1.0  # seconds a hopper may take per coin before a payout is given up

    def __post_init__(self) -> None:
        _positive_seconds(self, "poll_interval", "coin_time")
        if self.poll_interval > 1:
            raise ValueError(f"poll_interval: at most 1 second, got {self.poll_interval:g}")
        for coin in self.hoppers:
            if coin not in _PAYOUT_COINS:
                raise ValueError(f'hoppers."{coin}": a hopper pays 10, 50, 100 or 500-yen coins')
        for note, code in self.notes.items():
            if not _YEN.fullmatch(note) or int(note) % 1000:
                raise ValueError(f'notes."{note}": must be a yen note value such as "1000"')
            if not 0x61 <= code <= 0x68:
                raise ValueError(f"notes.{note}: escrow codes are 97 to 104 (0x61-0x68), got {code}")
        for key in ("acceptor_address", "hopper_address"):
            if not 2 <= getattr(self, key) <= 255:
                raise ValueError(f"{key}: a ccTalk device address is 2 to 255")

    @property
    def configured(self) -> bool:
        """Whether any cash device is named."""
        return bool(self.coin_acceptor or self.hoppers or self.note_validator)


class PrintingConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[printing]``: the CUPS server and print options."""

    cups_server: str | None = None  # host:port; None: the system's cupsd
    duplex: bool = True
    #: The print gate's directory, as the queue's device URI names it (None: state_dir/print-gate).
    gate_dir: Path | None = None
    #: Seconds between sweeps while a print job is owed a purge (terminal out of service).
    sweep_interval: float = 30.0
    #: Test worlds only: fallbacks for a relay that sends no per-document QR and scramble key.
    issuer_key: Path | None = None
    scramble_key: Path | None = None

    def __post_init__(self) -> None:
        if self.cups_server is not None and not self.cups_server.strip():
            raise ValueError("cups_server: must not be empty (leave it out for the system's cupsd)")
        if self.gate_dir is not None and "?" in str(self.gate_dir):
            raise ValueError("gate_dir: must not contain '?' (it ends the path in the device URI)")
        _positive_seconds(self, "sweep_interval")


class DiagConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[diag]``: where diagnostic mode finds its secret, logs, USB stick and CUPS files."""

    secret_file: Path | None = None  # None: the systemd credential, else the root-only file
    log_files: tuple[Path, ...] = (Path("/var/log/kiosk/kiosk.log"),)
    usb_dir: Path = Path("/media/kioskusb")
    spool_dir: Path = Path("/var/spool/cups")
    cupsd_conf: Path = Path("/etc/cups/cupsd.conf")


class TimeoutsConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[timeouts]``: seconds of customer inactivity per screen, as ``engine.Timeouts``."""

    place_card: float = 60.0
    pin: float = 30.0
    remove_card: float = 60.0
    choose_type: float = 90.0
    options: float = 90.0
    copies: float = 90.0
    confirm: float = 90.0
    payment: float = 120.0
    take_papers: float = 30.0
    #: The "need more time?" warning, before a screen's timeout: WCAG 2.2.1 asks for at
    #: least 20 s to answer it (production refuses less).
    warn_before: float = 20.0
    print_deadline: float = 300.0  # the printer's whole job, not a customer's inactivity

    def __post_init__(self) -> None:
        _positive_seconds(self, *self.__struct_fields__)
        for screen in self.__struct_fields__:
            seconds = getattr(self, screen)
            if screen not in ("warn_before", "print_deadline") and self.warn_before >= seconds:
                raise ValueError(f"warn_before: must be less than {screen} ({seconds:g}), "
                                 f"got {self.warn_before:g}")


#: WCAG 2.2.1 Timing Adjustable: a warned customer has at least this long to ask for more.
MIN_WARNING_S = 20.0


class UiConfig(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """``[ui]``: the touchscreen: its home language, how long an ending screen stays, the
    panel's physical size (targets are sized in millimetres from it)."""

    language: Literal["ja", "en", "zh", "ko", "vi", "pt"] = "ja"  # every session starts in it
    thank_you_hold: float = 5.0  # the thank-you screen, before the next customer's start
    error_hold: float = 30.0  # an error screen, unless its OK is touched first
    #: The panel's visible area in millimetres; 0: the size the display reports (EDID).
    panel_width_mm: float = 0.0
    panel_height_mm: float = 0.0
    #: Voice guidance (Open JTalk and eSpeak NG, offline). Leave-behind reminders are
    #: spoken in every mode; the rest in voice-guide mode.
    speech: bool = True
    speech_speed: float = 1.0  # 0.5 (slow) to 2.0 (fast)
    #: "auto": the sound server's client (pacat) while a server runs, else ALSA's aplay
    #: directly; "pacat" or "aplay": always that one
    audio_player: Literal["auto", "pacat", "aplay"] = "auto"
    speaker_device: str = ""  # sink (pacat) or ALSA device (aplay); "": the default
    #: Where speech goes with an earphone in; "": the sink whose headphone port is
    #: available, else the speaker's
    earphone_device: str = ""
    #: The ALSA devices used by "auto" when no sound server runs ("": the default device)
    alsa_speaker_device: str = ""
    alsa_earphone_device: str = ""
    #: The input device of the earphone jack's switch (SW_HEADPHONE_INSERT); none: no
    #: earphone detection, speech goes to the speaker.
    earphone_switch: Path | None = None
    #: Without such a device and without a sound server: the ALSA card (number or id)
    #: whose jack control (``earphone_alsa_control``) tells whether an earphone is in
    earphone_alsa_card: str | None = None
    earphone_alsa_control: str = "Headphone Jack"
    #: The phrase cache: every fixed sentence's audio, made ahead (``kiosk speech-cache``
    #: at installation, or at the first start) and kept here; fixed phrases only, never
    #: a customer's. None: made at each start and kept in memory only.
    speech_cache: Path | None = Path("/var/cache/kiosk/speech")

    def __post_init__(self) -> None:
        _positive_seconds(self, "thank_you_hold", "error_hold")
        if not (math.isfinite(self.speech_speed) and 0.5 <= self.speech_speed <= 2.0):
            raise ValueError(f"speech_speed: must be from 0.5 to 2.0, got {self.speech_speed:g}")
        for name in ("panel_width_mm", "panel_height_mm"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: must be 0 (ask the display) or a size in mm, "
                                 f"got {value:g}")
        if self.earphone_switch is not None and self.earphone_alsa_card is not None:
            raise ValueError("earphone_alsa_card: give earphone_switch or "
                             "earphone_alsa_card, not both")
        if (self.panel_width_mm > 0) != (self.panel_height_mm > 0):
            raise ValueError("panel_width_mm: give both panel_width_mm and panel_height_mm, "
                             "or neither")


class Config(_Table, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The whole file: top-level keys, then one field per table."""

    mode: Mode = Mode.PRODUCTION
    kiosk_id: str = "KIOSK-0001"
    readers: tuple[str, ...] = ()  # allow-listed reader names (prefix match)
    printer_queue: str = "kiosk"
    state_dir: Path = Path("/var/lib/kiosk")  # journal and money ledger
    runtime_dir: Path = Path("/run/kiosk")  # tmpfs, wiped after every session
    #: Seconds between tries to return to service after a fault that can clear by itself
    #: (a state directory that could not be written, the kiosk register's suspension…:
    #: ``kiosk.process.host.RETRYABLE``).
    service_retry: float = 30.0
    relay: RelayConfig = msgspec.field(default_factory=RelayConfig)
    devices: DevicesConfig = msgspec.field(default_factory=DevicesConfig)
    printing: PrintingConfig = msgspec.field(default_factory=PrintingConfig)
    payment: PaymentConfig = msgspec.field(default_factory=PaymentConfig)
    diag: DiagConfig = msgspec.field(default_factory=DiagConfig)
    timeouts: TimeoutsConfig = msgspec.field(default_factory=TimeoutsConfig)
    ui: UiConfig = msgspec.field(default_factory=UiConfig)

    def __post_init__(self) -> None:
        for key in ("kiosk_id", "printer_queue"):
            if not getattr(self, key).strip():
                raise ValueError(f"{key}: must not be empty")
        if not self.service_retry > 0:
            raise ValueError("service_retry: must be a positive number of seconds")
        if self.mode is Mode.PRODUCTION and self.timeouts.warn_before < MIN_WARNING_S:
            raise ValueError(f"timeouts.warn_before: must be at least {MIN_WARNING_S:g} seconds "
                             f"in production (WCAG 2.2.1), got {self.timeouts.warn_before:g}")
        msgspec.structs.force_setattr(self, "readers", _names(self.readers, "readers"))
        if self.relay.anchor is not None and self.relay.directory_cache is None:
            msgspec.structs.force_setattr(self.relay, "directory_cache",
                                          Path(self.state_dir) / "federation-directory.json")
        self._check_test_world()
        self._check_payment()

    def _check_payment(self) -> None:
        if self.devices.payment == "cash" and self.payment.coin_acceptor is None:
            raise ValueError('devices.payment = "cash" needs payment.coin_acceptor, its tty')
        if self.devices.payment != "cash" and self.payment.configured:
            raise ValueError('payment: the cash devices\' ttys need devices.payment = "cash"')

    def _check_test_world(self) -> None:
        """Stand-in devices and their options: demo and test modes only, and coherent."""
        devices, printing = self.devices, self.printing
        stand_ins = devices.stand_ins
        options = {"devices.world": devices.world, "devices.relay_fault": devices.relay_fault,
                   "devices.printer_fault": devices.printer_fault,
                   "devices.coin_levels": devices.coin_levels, "devices.relay_db": devices.relay_db,
                   "printing.issuer_key": printing.issuer_key,
                   "printing.scramble_key": printing.scramble_key}
        for name, kind in stand_ins.items():
            if not self.allows_virtual_devices:
                raise ValueError(f'devices.{name} = "{kind}" is refused in {self.mode} mode')
            if devices.world is None:
                raise ValueError(f'devices.{name} = "{kind}" needs devices.world, '
                                 "the test world folder")
        if not self.allows_virtual_devices:
            for key, value in options.items():
                if value is not None:
                    raise ValueError(f"{key} is refused in {self.mode} mode (test worlds only)")
        for key, device, kinds in (("relay_fault", "relay", _STAND_INS),
                                   ("relay_db", "relay", ("virtual",)),
                                   ("printer_fault", "printer", _STAND_INS),
                                   ("coin_levels", "payment", _STAND_INS)):
            if options[f"devices.{key}"] is not None and stand_ins.get(device) not in kinds:
                wanted = " or ".join(f'"{kind}"' for kind in kinds)
                raise ValueError(f"devices.{key} needs devices.{device} = {wanted}")

    @property
    def gate_dir(self) -> Path:
        """The print gate's directory: ``[printing] gate_dir``, else ``state_dir/print-gate``."""
        return self.printing.gate_dir or Path(self.state_dir) / "print-gate"

    @property
    def allows_virtual_devices(self) -> bool:
        return self.mode in (Mode.DEMO, Mode.TEST)


def load(path: str | Path) -> Config:
    """Read and check a configuration file; relative paths in it are relative to its folder."""
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
    try:
        config = msgspec.convert(data, Config, dec_hook=_decode_path)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"configuration file {path}: {_explain(str(exc))}") from exc
    return _resolved(config, path.absolute().parent)


def dump(config: Config) -> str:
    """The configuration as TOML text that :func:`load` reads back to an equal ``Config``.

    Paths are written as they are: a relative one will be relative to the file's folder.
    Keys whose value is None are left out (TOML has no null; None is their default)."""
    data = msgspec.to_builtins(config, enc_hook=_encode_path)
    return msgspec.toml.encode(_without_none(data)).decode("utf-8")


def _decode_path(type_: type, value: object) -> object:
    if type_ is not Path:
        raise NotImplementedError(type_)
    if not isinstance(value, str):
        raise TypeError(f"expected a path (a string), got {_words(_kind(value))}")
    if not value:
        raise ValueError("expected a path, got an empty string")
    return Path(value)


def _encode_path(value: object) -> str:
    if not isinstance(value, Path):
        raise NotImplementedError(type(value))
    return str(value)


def _without_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


_T = TypeVar("_T", bound=_Table)


def _resolved(table: _T, base: Path) -> _T:
    """The table with every relative path (also in nested tables and lists) under ``base``."""
    changes: dict[str, object] = {}
    for name in table.__struct_fields__:
        value = getattr(table, name)
        if isinstance(value, Path):
            changes[name] = base / value  # an absolute value stays as it is
        elif isinstance(value, tuple) and all(isinstance(v, Path) for v in value):
            changes[name] = tuple(base / v for v in value)
        elif isinstance(value, dict) and value and all(isinstance(v, Path) for v in value.values()):
            changes[name] = {k: base / v for k, v in value.items()}
        elif isinstance(value, _Table):
            changes[name] = _resolved(value, base)
    return msgspec.structs.replace(table, **changes)


#: msgspec's names of the TOML value types, in words
_KINDS = {"str": "a string", "int": "an integer", "float": "a number",
          "bool": "a boolean", "array": "a list", "object": "a table",
          "datetime": "a date-time", "date": "a date", "time": "a time"}


def _kind(value: object) -> str:
    return {"list": "array", "dict": "object"}.get(type(value).__name__, type(value).__name__)


def _words(kinds: str) -> str:
    """``float | null`` -> ``a number``; ``str`` -> ``a string``."""
    return " or ".join(_KINDS.get(k, k) for k in kinds.split(" | ") if k != "null")


def _explain(message: str) -> str:
    """A msgspec validation message as ``key.path: problem`` in TOML terms."""
    match = re.fullmatch(r"(?P<what>.*?)(?: - at `\$\.?(?P<where>[^`]*)`)?", message, re.S)
    assert match is not None  # the pattern matches any text
    what, where = match["what"], match["where"] or ""
    if unknown := re.fullmatch(r"Object contains unknown field `(.*)`", what):
        return f'unknown key "{where + "." if where else ""}{unknown[1]}"'
    if re.match(r'[a-z_][\w.\[\]]*(\."[^"]*")?: ', what):  # a table's own check: "pins[0]: …"
        return f"{where}.{what}" if where else what
    if where.endswith("[...]"):  # msgspec does not say which key of a dict
        where = f"a value in {where.removesuffix('[...]')}"
    if wrong := re.fullmatch(r"Expected `(.*)`, got `(.*)`", what):
        what = f"expected {_words(wrong[1])}, got {_words(wrong[2])}"
    elif enum := re.fullmatch(r"Invalid enum value (.*)", what):
        value = _quoted(enum[1])
        choices = ", ".join(json.dumps(c) for c in _choices(where))
        what = f"{value} is not one of {choices}" if choices else f"{value} is not allowed"
    return f"{where}: {what}" if where else what


def _quoted(text: str) -> str:
    """msgspec's Python repr of a value (``'virtul'``) as TOML writes it (``"virtul"``)."""
    try:
        return json.dumps(ast.literal_eval(text), ensure_ascii=False)
    except (ValueError, SyntaxError):
        return text


def _choices(where: str) -> tuple[str, ...]:
    """The values the Literal or enum key at ``where`` accepts (``devices.card``: pcsc, virtual)."""
    info: msgspec.inspect.Type = msgspec.inspect.type_info(Config)
    for name in where.split("."):
        fields = info.fields if isinstance(info, msgspec.inspect.StructType) else ()
        info = next((f.type for f in fields if f.name == name), msgspec.inspect.AnyType())
    if isinstance(info, msgspec.inspect.UnionType):
        info = next(t for t in info.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(info, msgspec.inspect.EnumType):
        return tuple(str(member.value) for member in info.cls)
    if isinstance(info, msgspec.inspect.LiteralType):
        return tuple(str(value) for value in info.values)
    return ()
