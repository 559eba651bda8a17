"""Loading the TOML configuration: every bad file is a ConfigError with a clear message."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from kiosk.config import ConfigError, Mode, RelayConfig, load

PIN_A = "ab" * 32
PIN_B = "0123456789ABCDEF" * 4


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, 'mode = "test"\nreaders = ["ACS"]\n[relay]\nca_file = "ca.pem"\n'))
    assert cfg.mode is Mode.TEST and cfg.readers == ("ACS",)
    assert cfg.relay.ca_file == tmp_path / "ca.pem"
    assert (cfg.relay.pins, cfg.relay.approved_builds) == ((), ())
    assert RelayConfig().pins == () and RelayConfig().approved_builds == ()


def test_relay_pins_and_approved_builds(tmp_path: Path) -> None:
    cfg = load(write(tmp_path, f'[relay]\npins = ["{PIN_A}", " {PIN_B} "]\n'
                               'approved_builds = ["0123456789abcdef"]\n'))
    assert cfg.relay.pins == (PIN_A, PIN_B.lower())  # as spki_sha256 writes them
    assert cfg.relay.approved_builds == ("0123456789abcdef",)
    assert "pins" not in cfg.extra


@pytest.mark.parametrize("line,what", [
    (f'pins = "{PIN_A}"', "relay.pins"),  # a bare string, not a list
    ('pins = ["abcd"]', "relay.pins"),
    (f'pins = ["{"g" * 64}"]', "relay.pins"),
    ("pins = [1]", "relay.pins"),
    ('approved_builds = "0123456789abcdef"', "relay.approved_builds"),
    ('approved_builds = [""]', "relay.approved_builds"),
])
def test_bad_relay_lists_are_config_errors(tmp_path: Path, line: str, what: str) -> None:
    with pytest.raises(ConfigError, match=what):
        load(write(tmp_path, f"[relay]\n{line}\n"))


def test_readers_must_be_a_list(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="readers"):  # not ("A", "C", "S")
        load(write(tmp_path, 'readers = "ACS"\n'))


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


def test_not_toml_and_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(write(tmp_path, "mode = \n"))
    with pytest.raises(ConfigError):
        load(write(tmp_path, 'mode = "museum"\n'))
