"""The kiosk configuration: typed tables, strict reading, one-line errors naming file and key."""

from __future__ import annotations

import dataclasses
import errno
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kiosk.config import (
    Config,
    ConfigError,
    DevicesConfig,
    DiagConfig,
    Mode,
    PaymentConfig,
    PrintingConfig,
    RelayConfig,
    TimeoutsConfig,
    UiConfig,
    dump,
    load,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
PIN_A = "ab" * 32
PIN_B = "0123456789ABCDEF" * 4
TABLES: dict[str, type[msgspec.Struct]] = {"relay": RelayConfig, "devices": DevicesConfig, "printing": PrintingConfig,
          "payment": PaymentConfig, "diag": DiagConfig, "timeouts": TimeoutsConfig,
          "ui": UiConfig}
HUMAN_TIMEOUTS = ("place_card", "pin", "remove_card", "choose_type", "options", "copies",
                  "confirm", "payment", "take_papers")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> str:
    """The one-line problem after ``configuration file <path>: ``."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load(path)
    message = str(err.value)
    assert "\n" not in message
    prefix = f"configuration file {path}: "
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


def virtual_demo(tmp_path: Path, **devices: Any) -> Config:
    return Config(mode=Mode.DEMO, devices=DevicesConfig(world=tmp_path / "world", **devices))


# -- defaults ------------------------------------------------------------------------------


def test_an_empty_file_is_the_defaults(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, ""))
    assert cfg == Config()
    assert cfg.mode is Mode.PRODUCTION and not cfg.allows_virtual_devices
    assert (cfg.kiosk_id, cfg.readers, cfg.printer_queue) == ("KIOSK-0001", (), "kiosk")
    assert (cfg.state_dir, cfg.runtime_dir) == (Path("/var/lib/kiosk"), Path("/run/kiosk"))
    assert cfg.relay == RelayConfig() and cfg.relay.url == "https://127.0.0.1:8443"
    assert (cfg.relay.pins, cfg.relay.approved_builds, cfg.relay.ca_file) == ((), (), None)
    assert (cfg.relay.connect_timeout, cfg.relay.read_timeout) == (3.0, 10.0)
    d = cfg.devices
    assert (d.card, d.relay, d.printer, d.payment, d.relay_time) == (
        "pcsc", "https", "cups", "none", "open_hours")
    assert (d.world, d.relay_fault, d.printer_fault, d.coin_levels, d.relay_db) == (None,) * 5
    assert d.stand_ins == {}
    assert cfg.printing == PrintingConfig(cups_server=None, duplex=True, issuer_key=None,
                                          scramble_key=None)
    assert cfg.diag == DiagConfig(secret_file=None, log_files=(Path("/var/log/kiosk/kiosk.log"),),
                                  usb_dir=Path("/media/kioskusb"),
                                  spool_dir=Path("/var/spool/cups"),
                                  cupsd_conf=Path("/etc/cups/cupsd.conf"))
    assert cfg.timeouts.pin == 30 and cfg.timeouts.payment == 120


@pytest.mark.parametrize("mode", [Mode.DEMO, Mode.TEST])
def test_demo_and_test_allow_virtual_devices(mode: Mode) -> None:
    assert Config(mode=mode).allows_virtual_devices


def test_timeouts_are_the_engines() -> None:
    """Same names and defaults as the engine's ``Timeouts``: one can be built from the other."""
    from kiosk.session.engine import Timeouts

    engine = {f.name: f.default for f in dataclasses.fields(Timeouts)}
    assert msgspec.structs.asdict(TimeoutsConfig()) == engine
    assert Timeouts(**msgspec.structs.asdict(TimeoutsConfig(pin=45))).pin == 45


def test_tables_are_frozen_and_keyword_only() -> None:
    cfg = Config()
    with pytest.raises(AttributeError):
        cfg.mode = Mode.TEST  # type: ignore[misc]  # frozen: the refused assignment is the test
    with pytest.raises(TypeError):
        RelayConfig("https://relay")  # type: ignore[call-arg]  # keyword-only: the refused call is the test
    with pytest.raises(TypeError):
        Config(extra={})  # type: ignore[call-arg]  # the untyped table is gone


# -- dump and load ---------------------------------------------------------------------------


ROUND_TRIPS = {
    "defaults": lambda tmp: Config(),
    "top level": lambda tmp: Config(mode=Mode.TEST, kiosk_id="KIOSK-0042", readers=("ACS", "SONY"),
                                    printer_queue="q", state_dir=tmp / "state",
                                    runtime_dir=tmp / "run"),
    "relay": lambda tmp: Config(relay=RelayConfig(
        url="https://relay.example:8443", ca_file=tmp / "ca.pem", cert_file=tmp / "c.pem",
        key_file=tmp / "c.key", issuer_public_key=tmp / "issuer.pub", connect_timeout=1.5,
        read_timeout=20, pins=(PIN_A, PIN_B.lower()), approved_builds=("0123456789abcdef",))),
    "devices": lambda tmp: virtual_demo(
        tmp, card="virtual", relay="virtual", printer="virtual", payment="virtual",
        relay_fault="incompatible", printer_fault="media-empty",
        coin_levels={"10": 0, "500": 3}, relay_time="system", relay_db=tmp / "relay.sqlite"),
    "fake devices": lambda tmp: virtual_demo(
        tmp, card="fake", relay="fake", printer="fake", payment="fake", relay_fault="down",
        printer_fault="jam", coin_levels={"100": 0}),
    "printing": lambda tmp: Config(mode=Mode.TEST, printing=PrintingConfig(
        cups_server="127.0.0.1:8631", duplex=False, issuer_key=tmp / "issuer.key",
        scramble_key=tmp / "scramble.key")),
    "diag": lambda tmp: Config(diag=DiagConfig(
        secret_file=tmp / "totp", log_files=(tmp / "a.log", tmp / "b.log"), usb_dir=tmp / "usb",
        spool_dir=tmp / "spool", cupsd_conf=tmp / "cupsd.conf")),
    "diag without logs": lambda tmp: Config(diag=DiagConfig(log_files=())),
    "timeouts": lambda tmp: Config(mode=Mode.TEST, timeouts=TimeoutsConfig(
        place_card=61, pin=31, remove_card=62, choose_type=91, options=92, copies=93,
        confirm=94, payment=121, take_papers=32.5, warn_before=0.5, print_deadline=301)),
}


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_dump_then_load_is_the_same_config(tmp_path: Path, name: str) -> None:
    cfg = ROUND_TRIPS[name](tmp_path)
    text = dump(cfg)
    assert load(write(tmp_path, text)) == cfg


def test_dump_leaves_out_none_and_writes_paths_as_strings(tmp_path: Path) -> None:
    text = dump(Config(diag=DiagConfig(secret_file=Path("/etc/kiosk/totp"))))
    assert "ca_file" not in text and "world" not in text and "cups_server" not in text
    assert 'secret_file = "/etc/kiosk/totp"' in text
    assert 'mode = "production"' in text


# -- paths -------------------------------------------------------------------------------------


def test_relative_paths_are_relative_to_the_files_folder(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "kiosk.toml").write_text(
        'mode = "test"\nstate_dir = "state"\nruntime_dir = "/run/k"\n'
        '[relay]\nca_file = "pki/ca.pem"\n'
        '[devices]\ncard = "virtual"\nworld = "../world"\nrelay = "virtual"\nrelay_db = "r.db"\n'
        '[printing]\nissuer_key = "issuer.key"\n'
        '[diag]\nlog_files = ["a.log", "/var/log/b.log"]\nusb_dir = "usb"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the file named relatively: still its own folder, absolute
    cfg = load("etc/kiosk.toml")
    assert cfg.state_dir == etc / "state" and cfg.runtime_dir == Path("/run/k")
    assert cfg.relay.ca_file == etc / "pki" / "ca.pem"
    assert cfg.devices.world == etc / ".." / "world" and cfg.devices.relay_db == etc / "r.db"
    assert cfg.printing.issuer_key == etc / "issuer.key"
    assert cfg.diag.log_files == (etc / "a.log", Path("/var/log/b.log"))
    assert cfg.diag.usb_dir == etc / "usb" and cfg.diag.spool_dir == Path("/var/spool/cups")
    assert isinstance(cfg.state_dir, Path)
    assert isinstance(cfg.diag.log_files, tuple)


# -- unknown keys ------------------------------------------------------------------------------


@pytest.mark.parametrize("text,key", [
    ('printer_queu = "kiosk"\n', "printer_queu"),
    ('[relay]\ncert_fle = "c.pem"\n', "relay.cert_fle"),
    ('[devices]\ncards = "pcsc"\n', "devices.cards"),
    ("[printing]\nduplx = true\n", "printing.duplx"),
    ('[diag]\nusb = "/media"\n', "diag.usb"),
    ("[timeouts]\npin_entry = 30\n", "timeouts.pin_entry"),
    ('[session]\ncard = "inprocess"\n', "session"),  # the tables of the untyped form
    ('[payment]\ndevice = "simulator"\n', "payment.device"),
    ("extra = 1\n", "extra"),
])
def test_unknown_keys_are_named_with_the_file(tmp_path: Path, text: str, key: str) -> None:
    assert refused(tmp_path, text) == f'unknown key "{key}"'


# -- types -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,problem", [
    ('[relay]\nconnect_timeout = "3"\n', "relay.connect_timeout: expected a number, got a string"),
    ("[relay]\nread_timeout = true\n", "relay.read_timeout: expected a number, got a boolean"),
    ('readers = "ACS"\n', "readers: expected a list, got a string"),  # not ("A", "C", "S")
    ("kiosk_id = 42\n", "kiosk_id: expected a string, got an integer"),
    ("kiosk_id = 2024-04-01\n", "kiosk_id: expected a string, got a date"),
    ("relay = 3\n", "relay: expected a table, got an integer"),
    ('[[devices]]\ncard = "pcsc"\n', "devices: expected a table, got a list"),
    ('[printing]\nduplex = "yes"\n', "printing.duplex: expected a boolean, got a string"),
    ("[printing]\ncups_server = 631\n", "printing.cups_server: expected a string, got an integer"),
    ("[devices]\nworld = 3\n", "devices.world: expected a path (a string), got an integer"),
    ('[devices]\nworld = ""\n', "devices.world: expected a path, got an empty string"),
    ('[diag]\nlog_files = ["a.log", 3]\n', "diag.log_files[1]: expected a path (a string), got an integer"),
    ('[diag]\nlog_files = "a.log"\n', "diag.log_files: expected a list, got a string"),
    ('[timeouts]\npin = "30"\n', "timeouts.pin: expected a number, got a string"),
    ('mode = "museum"\n', 'mode: "museum" is not one of "production", "demo", "test"'),
    ("mode = 1\n", "mode: expected a string, got an integer"),
    ('[devices]\ncard = "virtul"\n', 'devices.card: "virtul" is not one of "fake", "pcsc", "virtual"'),
    ('[devices]\npayment = "coins"\n',
     'devices.payment: "coins" is not one of "cash", "fake", "none", "virtual"'),
    ('[devices]\npayment = "cash"\n', 'devices.payment = "cash" needs payment.coin_acceptor, its tty'),
    ('[devices]\nrelay_time = "utc"\n',
     'devices.relay_time: "utc" is not one of "open_hours", "system"'),
    ('mode = "test"\n[devices]\nprinter = "virtual"\nworld = "w"\nprinter_fault = "fire"\n',
     'devices.printer_fault: "fire" is not one of "jam", "media-empty", "offline", "timeout"'),
    ('mode = "test"\n[devices]\nrelay = "virtual"\nworld = "w"\nrelay_fault = "dwn"\n',
     ('devices.relay_fault: "dwn" is not one of "bad", "down", "incompatible", "integrity", "retired", "slow", '
      '"suspended", "unregistered"')),
    ('[devices]\ncoin_levels = { "100" = true }\n',
     "a value in devices.coin_levels: expected an integer, got a boolean"),
    ('[devices]\ncoin_levels = { "100" = 1.5 }\n',
     "a value in devices.coin_levels: expected an integer, got a number"),
])
def test_wrong_types_and_values(tmp_path: Path, text: str, problem: str) -> None:
    assert refused(tmp_path, text) == problem


@pytest.mark.parametrize("text,problem", [
    ('kiosk_id = " "\n', "kiosk_id: must not be empty"),
    ('printer_queue = ""\n', "printer_queue: must not be empty"),
    ('readers = ["ACS", ""]\n', "readers[1]: must not be empty"),
    ('[printing]\ncups_server = ""\n',
     "printing.cups_server: must not be empty (leave it out for the system's cupsd)"),
    ("[relay]\nconnect_timeout = 0\n", "relay.connect_timeout: must be a number of seconds above 0, got 0"),
    ("[relay]\nread_timeout = inf\n", "relay.read_timeout: must be a number of seconds above 0, got inf"),
    ('[ui]\nearphone_switch = "/dev/input/event5"\nearphone_alsa_card = "0"\n',
     "ui.earphone_alsa_card: give earphone_switch or earphone_alsa_card, not both"),
])
def test_empty_names_and_bad_relay_timeouts(tmp_path: Path, text: str, problem: str) -> None:
    assert refused(tmp_path, text) == problem


def test_names_are_stripped(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, 'readers = [" ACS ACR39U "]\n[relay]\napproved_builds = [" b1 "]\n'))
    assert cfg.readers == ("ACS ACR39U",) and cfg.relay.approved_builds == ("b1",)


# -- relay pins --------------------------------------------------------------------------------


def test_relay_pins_are_lower_case_hex(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, f'[relay]\npins = ["{PIN_A}", " {PIN_B} "]\n'
                               'approved_builds = ["0123456789abcdef"]\n'))
    assert cfg.relay.pins == (PIN_A, PIN_B.lower())  # as spki_sha256 writes them
    assert cfg.relay.approved_builds == ("0123456789abcdef",)
    assert RelayConfig(pins=(PIN_B,)).pins == (PIN_B.lower(),)


@pytest.mark.parametrize("line,problem", [
    (f'pins = "{PIN_A}"', "relay.pins: expected a list, got a string"),  # not 64 one-char pins
    ('pins = ["abcd"]', "relay.pins[0]: must be a SHA-256 digest in hex (64 hex digits)"),
    (f'pins = ["{PIN_A}", "{"g" * 64}"]',
     "relay.pins[1]: must be a SHA-256 digest in hex (64 hex digits)"),
    (f'pins = ["{PIN_A}0"]', "relay.pins[0]: must be a SHA-256 digest in hex (64 hex digits)"),
    ('pins = [""]', "relay.pins[0]: must not be empty"),
    ("pins = [1]", "relay.pins[0]: expected a string, got an integer"),
    ('approved_builds = "0123456789abcdef"', "relay.approved_builds: expected a list, got a string"),
    ('approved_builds = [""]', "relay.approved_builds[0]: must not be empty"),
])
def test_bad_relay_lists(tmp_path: Path, line: str, problem: str) -> None:
    assert refused(tmp_path, f"[relay]\n{line}\n") == problem


# -- devices -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["virtual", "fake"])
@pytest.mark.parametrize("device", ["card", "relay", "printer", "payment"])
def test_stand_in_devices_are_refused_in_production(tmp_path: Path, device: str, kind: str) -> None:
    text = f'[devices]\n{device} = "{kind}"\nworld = "world"\n'
    assert refused(tmp_path, text) == f'devices.{device} = "{kind}" is refused in production mode'
    assert load(write(tmp_path, 'mode = "demo"\n' + text)).devices.stand_ins == {device: kind}
    with pytest.raises(ValueError, match="refused in production mode"):  # built in code too
        Config(devices=msgspec.structs.replace(DevicesConfig(world=Path("/w")), **{device: kind}))


@pytest.mark.parametrize("line,key", [
    ('[devices]\nworld = "world"', "devices.world"),
    ('[devices]\nrelay_fault = "down"', "devices.relay_fault"),
    ('[devices]\nprinter_fault = "jam"', "devices.printer_fault"),
    ('[devices]\ncoin_levels = { "10" = 0 }', "devices.coin_levels"),
    ('[devices]\nrelay_db = "relay.db"', "devices.relay_db"),
    ('[printing]\nissuer_key = "issuer.key"', "printing.issuer_key"),
    ('[printing]\nscramble_key = "scramble.key"', "printing.scramble_key"),
])
def test_test_world_options_are_refused_in_production(tmp_path: Path, line: str, key: str) -> None:
    assert refused(tmp_path, line + "\n") == f"{key} is refused in production mode (test worlds only)"


@pytest.mark.parametrize("kind", ["virtual", "fake"])
@pytest.mark.parametrize("device", ["card", "relay", "printer", "payment"])
def test_a_stand_in_device_needs_the_world(tmp_path: Path, device: str, kind: str) -> None:
    text = f'mode = "test"\n[devices]\n{device} = "{kind}"\n'
    assert refused(tmp_path, text) == (
        f'devices.{device} = "{kind}" needs devices.world, the test world folder')


@pytest.mark.parametrize("line,device,kinds", [
    ('relay_fault = "slow"', "relay", ("virtual", "fake")),
    ('relay_db = "relay.db"', "relay", ("virtual",)),  # the fake relay keeps no database
    ('printer_fault = "offline"', "printer", ("virtual", "fake")),
    ('coin_levels = { "100" = 5 }', "payment", ("virtual", "fake")),
])
def test_stand_in_options_need_that_device_stood_in(tmp_path: Path, line: str, device: str,
                                                    kinds: tuple[str, ...]) -> None:
    others = [d for d in ("card", "relay", "printer", "payment") if d != device]
    text = f'mode = "test"\n[devices]\nworld = "w"\n{line}\n'
    key = line.split(" ")[0]
    wanted = " or ".join(f'"{k}"' for k in kinds)
    # every other device virtual: only the matching one counts
    assert refused(tmp_path, text + "".join(f'{d} = "virtual"\n' for d in others)) == (
        f"devices.{key} needs devices.{device} = {wanted}")
    for kind in ("virtual", "fake"):
        if kind in kinds:
            assert load(write(tmp_path, text + f'{device} = "{kind}"\n')).devices.stand_ins == {
                device: kind}
        else:
            assert refused(tmp_path, text + f'{device} = "{kind}"\n') == (
                f"devices.{key} needs devices.{device} = {wanted}")


@pytest.mark.parametrize("levels,problem", [
    ('{ "100" = -1 }', "devices.coin_levels.100: must be 0 or more, got -1"),
    ('{ "1OO" = 1 }', 'devices.coin_levels."1OO": must be a yen value such as "100"'),
    ('{ "0" = 1 }', 'devices.coin_levels."0": must be a yen value such as "100"'),
    ('{ " 10" = 1 }', 'devices.coin_levels." 10": must be a yen value such as "100"'),
])
def test_coin_levels(tmp_path: Path, levels: str, problem: str) -> None:
    text = f'mode = "test"\n[devices]\npayment = "virtual"\nworld = "w"\ncoin_levels = {levels}\n'
    assert refused(tmp_path, text) == problem


# -- timeouts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [f.name for f in msgspec.structs.fields(TimeoutsConfig)])
@pytest.mark.parametrize("value", ["0", "-1", "nan"])
def test_timeouts_must_be_above_zero(tmp_path: Path, key: str, value: str) -> None:
    assert refused(tmp_path, f"[timeouts]\n{key} = {value}\n") == (
        f"timeouts.{key}: must be a number of seconds above 0, got {float(value):g}")


@pytest.mark.parametrize("key", HUMAN_TIMEOUTS)
def test_the_warning_comes_before_every_screens_timeout(tmp_path: Path, key: str) -> None:
    assert refused(tmp_path, f"[timeouts]\n{key} = 20\n") == (
        f"timeouts.warn_before: must be less than {key} (20), got 20")
    assert getattr(load(write(tmp_path, f"[timeouts]\n{key} = 20.5\n")).timeouts, key) == 20.5


def test_production_gives_at_least_twenty_seconds_to_ask_for_more_time(tmp_path: Path) -> None:
    assert refused(tmp_path, "[timeouts]\nwarn_before = 15\n") == (
        "timeouts.warn_before: must be at least 20 seconds in production (WCAG 2.2.1), got 15")
    assert load(write(tmp_path, 'mode = "test"\n[timeouts]\nwarn_before = 2\n')
                ).timeouts.warn_before == 2
    assert load(write(tmp_path, "")).timeouts.warn_before == 20


def test_ui_table(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, '[ui]\nlanguage = "en"\nthank_you_hold = 3\nerror_hold = 12\n'
                               "panel_width_mm = 344.2\npanel_height_mm = 193.6\n"))
    assert (cfg.ui.language, cfg.ui.thank_you_hold, cfg.ui.error_hold) == ("en", 3, 12)
    assert (cfg.ui.panel_width_mm, cfg.ui.panel_height_mm) == (344.2, 193.6)
    assert load(write(tmp_path, "")).ui.panel_width_mm == 0  # ask the display
    assert refused(tmp_path, "[ui]\npanel_width_mm = 300\n") == (
        "ui.panel_width_mm: give both panel_width_mm and panel_height_mm, or neither")
    assert refused(tmp_path, "[ui]\nerror_hold = 0\n") == (
        "ui.error_hold: must be a number of seconds above 0, got 0")
    assert refused(tmp_path, '[ui]\nlanguage = "fr"\n').startswith('ui.language: "fr" is not one of')


def test_print_deadline_is_not_a_screen(tmp_path: Path) -> None:
    assert load(write(tmp_path, "[timeouts]\nprint_deadline = 10\n")).timeouts.print_deadline == 10
    assert {f.name for f in msgspec.structs.fields(TimeoutsConfig)} == {
        *HUMAN_TIMEOUTS, "warn_before", "print_deadline"}


# -- the documentation -------------------------------------------------------------------------


def doc_example(heading: str) -> str:
    """The first fenced ``toml`` block after the heading ``heading``."""
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^#+ {re.escape(heading)}\n.*?^```toml\n(.*?)^```$", text, re.M | re.S)
    assert match, f"no toml example under {heading!r} in {DOC}"
    return match[1]


def test_the_production_example_loads(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, doc_example("Production example")))
    assert cfg.mode is Mode.PRODUCTION and cfg.devices == DevicesConfig(payment="cash")
    assert cfg.relay.pins and cfg.relay.approved_builds and cfg.readers
    assert cfg.payment.coin_acceptor and sorted(cfg.payment.hoppers, key=int) == ["10", "50", "100", "500"]


def test_the_demo_example_loads(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, doc_example("Demo and test example")))
    assert cfg.allows_virtual_devices
    assert list(cfg.devices.stand_ins.items()) == [
        ("card", "virtual"), ("relay", "virtual"), ("printer", "virtual"), ("payment", "virtual")]
    assert cfg.devices.world == tmp_path / "world" and cfg.devices.coin_levels


def test_the_documentation_lists_every_key() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = {"": text.split("\n## `[")[0]}
    sections |= {name: text.split(f"\n## `[{name}]`")[1].split("\n## ")[0] for name in TABLES}
    tables: dict[str, type[msgspec.Struct]] = {"": Config, **TABLES}
    for table, cls in tables.items():
        keys = [f.name for f in msgspec.structs.fields(cls) if table or f.name not in TABLES]
        for key in keys:
            assert f"\n| `{key}` |" in sections[table], (table, key)


# -- reading the file --------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load(tmp_path / "none.toml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(b'kiosk_id = "\xff\xfe"\n')
    with pytest.raises(ConfigError, match="not UTF-8") as err:
        load(path)
    assert str(path) in str(err.value)


def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read: Is a directory"):
        load(tmp_path)


@pytest.mark.parametrize("error", [PermissionError(errno.EACCES, "Permission denied"),
                                   OSError(errno.EIO, "Input/output error")])
def test_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError) -> None:
    path = write(tmp_path, 'mode = "test"\n')

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise error  # chmod 0 would not stop root, who runs the suite in CI

    monkeypatch.setattr(Path, "read_text", refuse)
    with pytest.raises(ConfigError, match=f"cannot be read: {error.strerror}") as err:
        load(path)
    assert str(path) in str(err.value)


def test_not_toml(tmp_path: Path) -> None:
    path = write(tmp_path, "mode = \n")
    with pytest.raises(ConfigError, match=rf"^configuration file {re.escape(str(path))} "
                                          r"is not valid TOML: .*line 1"):
        load(path)
