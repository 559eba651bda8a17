"""The UI process never holds the resident's personal data: after serving the canary
persona through the real UI and engine, none of its strings is in the UI's memory."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hardware_mocks.world import (
    CANARY_ADDRESS_MARK,
    CANARY_FAMILY,
    CANARY_GIVEN,
    CANARY_KANA,
    CANARY_MY_NUMBER,
    CANARY_PIN,
    valid_my_number,
)

pytestmark = [pytest.mark.qt, pytest.mark.slow]


def readable_regions(pid: int) -> list[tuple[int, int]]:
    regions = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        addr, perms, *rest = line.split()
        name = rest[-1] if len(rest) >= 4 else ""
        if perms[0] != "r" or name in ("[vvar]", "[vsyscall]", "[vvar_vclock]"):
            continue
        if name.endswith((".so", ".ttf", ".otf", ".qm")) or ".so." in name:
            continue  # code and fonts (fonts hold every kanji, so every name)
        lo, hi = (int(x, 16) for x in addr.split("-"))
        regions.append((lo, hi))
    return regions


def test_no_canary_string_in_the_ui_process(world_dir: Path, tmp_path: Path) -> None:
    world = tmp_path / "world"
    shutil.copytree(world_dir, world)
    my_number = valid_my_number(CANARY_MY_NUMBER)
    with subprocess.Popen([sys.executable, "-m", "tests.kiosk.ui.canary_child", str(world),
                           str(tmp_path / "out"), CANARY_PIN],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdin is not None
        try:
            assert child.stdout.readline().strip() == "printed"
            # each part alone: documents keep the names apart, and the page joins them with
            # an ideographic space, the kana with a plain one
            found = scan(child.pid, {
                "family name": CANARY_FAMILY, "given name": CANARY_GIVEN,
                **{f"kana {n}": part for n, part in enumerate(CANARY_KANA.split())},
                "address": CANARY_ADDRESS_MARK, "my number": my_number,
                "control": f"{tmp_path.name}/out/journey"})  # known present: the scan works
        finally:
            child.stdin.write("\n")
            child.stdin.flush()
            child.wait(30)
    assert "control" in found
    assert found == {"control"}, f"canary data in the UI process: {sorted(found - {'control'})}"


def scan(pid: int, texts: dict[str, str]) -> set[str]:
    """Which of ``texts`` appear in the process's memory, as UTF-8 or as CPython's
    two-byte string storage."""
    needles = {name: (t.encode("utf-8"), t.encode("utf-16-le")) for name, t in texts.items()}
    found = set()
    with open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for lo, hi in readable_regions(pid):
            try:
                mem.seek(lo)
                chunk = mem.read(hi - lo)
            except OSError:
                continue
            found |= {name for name, forms in needles.items() if any(f in chunk for f in forms)}
    return found
