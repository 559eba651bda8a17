"""Option values the parser refuses, naming the option, before a server starts."""

from __future__ import annotations

import argparse

import pytest

from relay.arguments import count, log_level, memory_mib, seconds
from relay.cli import main


@pytest.mark.parametrize("text", ["-1", "0", "nan", "inf", "86401", "soon"])
def test_seconds_refuses_what_is_not_a_period(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        seconds(text)


def test_seconds_count_and_level_take_what_they_should() -> None:
    assert seconds("0.2") == 0.2 and seconds("86400") == 86400.0
    assert count("1") == 1 and count("1000") == 1000
    assert log_level("info") == "INFO"
    for bad in ("0", "-1", "1.5", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            count(bad)
    with pytest.raises(argparse.ArgumentTypeError):
        log_level("LOUD")


@pytest.mark.parametrize(("option", "value"), [
    ("--challenge-ttl", "-5"), ("--session-ttl", "0"), ("--request-timeout", "-1"),
    ("--kiosk-sessions-per-minute", "-1"), ("--log-level", "LOUD"),
])
def test_relay_serve_names_the_option(capsys: pytest.CaptureFixture[str], option: str,
                                      value: str) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["serve", "--world", "/nowhere", f"{option}={value}"])
    assert exc.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err


@pytest.mark.parametrize(("option", "value"), [
    ("--parallel", "0"), ("--work-timeout", "-1"), ("--work-memory-mb", "100"), ("--work-memory-mb", "lots"),
    ("--checks-per-minute", "0"), ("--scans-per-minute", "-6"), ("--max-connections", "0"),
    ("--max-per-source", "1.5"),
])
def test_relay_public_serve_names_the_option(capsys: pytest.CaptureFixture[str], option: str, value: str) -> None:
    """Refused by the parser, naming the option, not when the server builds its work pool
    or at its first request."""
    with pytest.raises(SystemExit) as exc:
        main(["public", "serve", "--world", "/nowhere", f"{option}={value}"])
    assert exc.value.code == 2
    assert f"argument {option}:" in capsys.readouterr().err


def test_memory_mib_takes_256_to_a_tebibyte() -> None:
    assert memory_mib("256") == 256 and memory_mib("1048576") == 2**20
    for bad in ("255", "1048577", "-512", ""):
        with pytest.raises(argparse.ArgumentTypeError):
            memory_mib(bad)
