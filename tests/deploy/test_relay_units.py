"""The relay's units as systemd sees them, and their limits against the relay's caps."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from relay.connection_limits import DESCRIPTOR_RESERVE
from tests.deploy.test_unit import _analyze, needs_analyze

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "deploy" / "systemd"
RELAY = "/opt/kiosk/venv/bin/relay"
RELAY_UNITS = ["relay.service", "relay-public.service"]


def _directives(unit: Path) -> dict[str, list[str]]:
    text = unit.read_text(encoding="utf-8").replace("\\\n", " ")
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z]+)=(.*)$", line.strip())
        if match:
            out.setdefault(match.group(1), []).append(match.group(2).strip())
    return out


@needs_analyze
@pytest.mark.parametrize("unit", RELAY_UNITS)
def test_relay_units_verify(unit: str, tmp_path: Path) -> None:
    stub = tmp_path / "bin" / "relay"
    stub.parent.mkdir()
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    (tmp_path / unit).write_text((UNITS / unit).read_text(encoding="utf-8").replace(RELAY, str(stub)))
    out = _analyze("verify", str(tmp_path / unit), cwd=tmp_path)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr


@pytest.mark.parametrize("unit", RELAY_UNITS)
def test_the_open_file_limit_is_above_the_connection_cap(unit: str) -> None:
    directives = _directives(UNITS / unit)
    args = shlex.split(directives["ExecStart"][0])
    cap = int(args[args.index("--max-connections") + 1])
    assert int(directives["LimitNOFILE"][0]) >= cap + DESCRIPTOR_RESERVE


def test_the_public_service_has_limits_of_its_own() -> None:
    directives = _directives(UNITS / "relay-public.service")
    for key in ("MemoryMax", "CPUQuota", "TasksMax", "CPUWeight"):
        assert directives.get(key), key
    args = shlex.split(directives["ExecStart"][0])
    assert args[1:3] == ["public", "serve"] and "--parallel" in args and "--work-timeout" in args
