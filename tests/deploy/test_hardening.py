"""The hardening the issue asks for is in the shipped files, and each drop-in says what
it must (checked statically: these tests need no systemd)."""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"


def directives(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            key, _, value = line.partition("=")
            found[key.strip()].append(value.strip())
    return found


UNIT = directives(REPO / "kiosk.service")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Type", "notify"),
        ("NotifyAccess", "all"),
        ("Restart", "always"),
        ("User", "kiosk"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("LimitCORE", "0"),
        ("MemorySwapMax", "0"),
        ("UMask", "0077"),
        ("CapabilityBoundingSet", ""),
        ("IPAddressDeny", "any"),
        ("DevicePolicy", "closed"),
        ("StateDirectory", "kiosk"),
        ("RuntimeDirectoryMode", "0700"),
    ],
)
def test_unit_sets(key: str, value: str) -> None:
    assert value in UNIT[key], (key, UNIT.get(key))


def test_unit_shape() -> None:
    assert any("/usr/bin/cage" in v and " -s" not in v for v in UNIT["ExecStart"])  # no VT switch
    assert "kiosk" in UNIT["RuntimeDirectory"][0].split()
    assert int(UNIT["WatchdogSec"][0]) > 0
    assert set(UNIT["RestrictAddressFamilies"][0].split()) <= {
        "AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"
    }
    assert "localhost" in UNIT["IPAddressAllow"]
    assert "time-sync.target" in " ".join(UNIT["After"])
    allowed = " ".join(UNIT["DeviceAllow"])
    for device in ("char-drm", "char-input", "char-ttyUSB", "char-ttyACM"):
        assert device in allowed
    # Every secret reaches the kiosk as a credential, from a root-only file in /etc/kiosk.
    assert all(v.split(":", 1)[1].startswith("/etc/kiosk/") for v in UNIT["LoadCredential"])


def test_left_out_hardening_is_explained() -> None:
    text = (REPO / "kiosk.service").read_text(encoding="utf-8")
    for option in ("PrivateDevices=yes", "MemoryDenyWriteExecute=yes", "PrivateUsers=yes",
                   "ProcSubset=pid"):
        assert f"# {option} is left out" in text or f"# {option.split('=')[0]}" in text, option
        assert not any(line.startswith(option) for line in text.splitlines())


def test_coredumps_off() -> None:
    dump = directives(DEPLOY / "systemd/coredump.conf.d/50-kiosk.conf")
    assert dump["Storage"] == ["none"] and dump["ProcessSizeMax"] == ["0"]
    sysctl = {k.strip(): v[0] for k, v in directives(DEPLOY / "sysctl.d/50-kiosk.conf").items()}
    assert sysctl["fs.suid_dumpable"] == "0"
    assert directives(DEPLOY / "systemd/cups.service.d/50-kiosk.conf")["LimitCORE"] == ["0"]


def test_no_escape_through_virtual_terminals() -> None:
    login = directives(DEPLOY / "systemd/logind.conf.d/50-kiosk.conf")
    assert login["NAutoVTs"] == ["0"] and login["ReserveVT"] == ["0"]


def test_spool_on_tmpfs() -> None:
    mount = directives(DEPLOY / "systemd/var-spool-cups.mount")
    assert mount["Type"] == ["tmpfs"] and mount["Where"] == ["/var/spool/cups"]
    assert "mode=0710" in mount["Options"][0]


def test_sysusers_has_the_dedicated_user() -> None:
    lines = (DEPLOY / "sysusers.d/kiosk.conf").read_text(encoding="utf-8").splitlines()
    assert any(line.startswith("u kiosk ") and "nologin" in line for line in lines)


def _apply(settings: Path, target: Path) -> None:
    subprocess.run([str(DEPLOY / "cups/apply-cupsd-settings"), str(settings), str(target)],
                   check=True, timeout=30)


def test_cups_settings_apply_idempotently(tmp_path: Path) -> None:
    conf = tmp_path / "cupsd.conf"
    conf.write_text("LogLevel debug\nPreserveJobFiles 86400\nListen localhost:631\n"
                    "<Location />\n  Order allow,deny\n</Location>\n")
    settings = DEPLOY / "cups/cupsd-kiosk.conf"
    _apply(settings, conf)
    once = conf.read_text()
    _apply(settings, conf)
    assert conf.read_text() == once
    lines = once.splitlines()
    assert "PreserveJobFiles No" in lines and "PreserveJobHistory No" in lines
    assert "PreserveJobFiles 86400" not in lines and "LogLevel debug" not in lines
    assert "Listen localhost:631" in lines and "<Location />" in lines


@pytest.mark.skipif(shutil.which("cupsd") is None, reason="cupsd is not installed")
def test_cupsd_accepts_the_settings(tmp_path: Path) -> None:
    conf = tmp_path / "cupsd.conf"
    conf.write_text("Listen 127.0.0.1:8631\n")
    (tmp_path / "cups-files.conf").write_text(f"ServerRoot {tmp_path}\n")
    _apply(DEPLOY / "cups/cupsd-kiosk.conf", conf)
    out = subprocess.run(["cupsd", "-t", "-c", str(conf), "-s", str(tmp_path / "cups-files.conf")],
                         capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 0, out.stderr + out.stdout
