"""The production wheel ships the kiosk, the relay and the protocol: no test world, no
virtual device, no tester panel, no demo; and importing the production code never loads
the development package."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = ("kiosk", "relay", "protocol")
#: Words that name a stand-in or a development tool; no shipped file may carry one.
DEV_WORDS = re.compile(r"mock|fake|sim\b|simulator|scripted|tester|demo|embedded|crowd|"
                       r"vcard|vreader|inprocess|world\.py|screenshots")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the tracked files, so the build leaves nothing in the tree."""
    src = tmp_path_factory.mktemp("src")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(src)], check=True, capture_output=True)
    (found,) = out.glob("certificate_kiosk-*.whl")
    return found


def test_the_wheel_holds_only_production_packages(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == set(PRODUCTION)
    assert [n for n in names if n.endswith(".py") and DEV_WORDS.search(n)] == []
    assert any(n == "kiosk/composition.py" for n in names)  # the test is looking at a real wheel


def test_the_wheel_registers_no_virtual_device(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        meta = [n for n in z.namelist() if n.endswith("entry_points.txt")]
        text = "".join(z.read(n).decode() for n in meta)
    assert "[console_scripts]" in text
    assert "kiosk.virtual_devices" not in text and "hardware_mocks" not in text


def test_importing_every_production_module_never_loads_the_development_package() -> None:
    script = (
        "import importlib, pkgutil, sys\n"
        f"for top in {PRODUCTION!r}:\n"
        "    package = importlib.import_module(top)\n"
        "    for info in pkgutil.walk_packages(package.__path__, top + '.'):\n"
        "        if not info.name.endswith('__main__'):\n"
        "            importlib.import_module(info.name)\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('hardware_mocks', 'tests'))\n"
        "print(len([m for m in sys.modules if m.split('.')[0] in " + repr(PRODUCTION) + "]), loaded)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], cwd="/", env=env, check=True,
                          capture_output=True, text=True, timeout=300)
    count, loaded = done.stdout.strip().split(" ", 1)
    assert int(count) > 100  # every module was imported, the check is not vacuous
    assert loaded == "[]"


def test_the_kiosk_program_offers_development_commands_only_as_plugins() -> None:
    """``kiosk demo`` and ``kiosk session run`` come from the development package's entry
    points; the production command table does not name them."""
    from kiosk.cli import COMMAND_MODULES

    assert all(m.split(".")[0] == "kiosk" for m in COMMAND_MODULES)
    text = (ROOT / "kiosk" / "cli.py").read_text(encoding="utf-8")
    assert "hardware_mocks" not in text
