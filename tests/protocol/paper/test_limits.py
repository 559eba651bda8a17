"""Bounded work on hostile input: each bomb is refused with one line naming the bound,
exit 2, no traceback, and the verifier and its pdfium child together stay under 512 MB.

Each case runs ``kiosk verify`` in a subprocess under a 1 GiB address-space cap (so a
failure cannot take the machine) and adds the peak resident memory of that process
and of its pdfium child (:mod:`hardware_mocks.paper.memory`).
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hardware_mocks.paper.bombs import BOMBS
from hardware_mocks.world import World
from protocol.paper.verification import limits

PEAK_MB = 512
RUNNER = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from pathlib import Path
from kiosk.cli import main
from hardware_mocks.paper import memory
code = main(sys.argv[1:])
me = memory.self_peak_mb()
child = memory.child_peak_mb([Path(a) for a in sys.argv[2:] if not a.startswith("-") and Path(a).is_file()])
print(f"peak-mb {me:.0f} {child:.0f}", file=sys.stderr)
sys.exit(code)
"""


def _verify(world: World, *files: str) -> tuple[int, list[str], str, int]:
    """Exit code, standard output lines, standard error, and peak MB (self + child)."""
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", RUNNER, "verify", *files, "--world", str(world.root)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)
    peak = [line for line in done.stderr.splitlines() if line.startswith("peak-mb ")]
    assert peak, done.stderr
    me, child = (int(v) for v in peak[0].split()[1:])
    return done.returncode, done.stdout.splitlines(), done.stderr, me + child


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_each_bomb_is_refused_in_bounds(name: str, world: World, tmp_path: Path) -> None:
    make, reason = BOMBS[name]
    path = tmp_path / (name + (".png" if "png" in name else ".pdf"))
    path.write_bytes(make())
    code, out, err, peak = _verify(world, str(path))
    assert code == 2, (out, err)
    assert len(out) == 1 and out[0].startswith(f"UNREADABLE ({reason}): "), out
    assert "Traceback" not in err
    assert peak <= PEAK_MB, f"{name}: {peak} MB"


def test_dev_zero_is_read_with_a_bound(world: World) -> None:
    code, out, err, peak = _verify(world, "/dev/zero")
    line = f"UNREADABLE (file-too-large): the file is larger than {limits.MAX_FILE_BYTES >> 20} MiB (MAX_FILE_BYTES)"
    assert code == 2 and out == [line]
    assert "Traceback" not in err and peak <= PEAK_MB


def _largest_png(tmp_path: Path, name: str, mode: str) -> Path:
    """A PNG of as many pixels as are read (``MAX_IMAGE_PIXELS``), exactly
    ``MAX_FILE_BYTES`` long: grey noise stored uncompressed (what a 600-dpi scan's file
    can at most hold, 38 MiB), or a blank RGBA image (four bytes a pixel once decoded),
    padded with a private chunk that is read and skipped."""
    side = (5000, limits.MAX_IMAGE_PIXELS // 5000)
    if mode == "L":
        noise = np.random.default_rng(1).integers(0, 256, (side[1], side[0]), dtype=np.uint8)
        img = Image.fromarray(noise)
    else:
        img = Image.new(mode, side, (255, 255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=0 if mode == "L" else 9)
    png = buf.getvalue()
    pad = limits.MAX_FILE_BYTES - len(png) - 12
    assert pad >= 0
    chunk = b"prVt" + bytes(pad)
    header_end = 8 + 25  # the signature and IHDR
    data = png[:header_end] + struct.pack(">I", pad) + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[header_end:]
    assert len(data) == limits.MAX_FILE_BYTES
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["L", "RGBA"], ids=["grey-noise", "colour"])
def test_the_largest_files_allowed_are_read_in_bounds(mode: str, world: World, tmp_path: Path) -> None:
    """Two files of ``MAX_FILE_BYTES`` (``MAX_TOTAL_BYTES`` together) with
    ``MAX_IMAGE_PIXELS`` each are decoded and checked (they hold no certificate) within
    the memory bound; a third is refused before any is decoded."""
    path = _largest_png(tmp_path, "largest.png", mode)
    code, out, err, peak = _verify(world, str(path), str(path))
    assert code in (1, 2) and len(out) == 1 and "too-large" not in out[0], out
    assert "Traceback" not in err
    assert peak <= PEAK_MB, f"{mode}: {peak} MB"
    code, out, err, peak = _verify(world, *[str(path)] * 3)
    line = (f"UNREADABLE (files-too-large): the files are larger than {limits.MAX_TOTAL_BYTES >> 20} MiB "
            "together (MAX_TOTAL_BYTES)")
    assert code == 2 and out == [line] and "Traceback" not in err
    assert peak <= PEAK_MB, f"three of {mode}: {peak} MB"


def test_too_many_files_and_a_missing_one(world: World, tmp_path: Path) -> None:
    code, out, _, _ = _verify(world, str(tmp_path / "missing.pdf"))
    assert code == 2 and out[0].startswith("UNREADABLE (cannot-read): cannot read missing.pdf")
    one = tmp_path / "a.png"
    one.write_bytes(b"\x89PNG\r\n\x1a\n")
    code, out, _, _ = _verify(world, *[str(one)] * (limits.MAX_FILES + 1))
    assert code == 2 and out[0].startswith("UNREADABLE (too-many-files)")


def test_the_child_s_limits_are_the_named_ones() -> None:
    """The pdfium child draws at twice the scrambled image's resolution (a number it keeps
    without importing the renderer)."""
    from protocol.paper import render, scramble
    from protocol.paper.verification import pdf_raster

    assert pdf_raster.DRAWN_DPI == pytest.approx(2 * scramble.SIZE[0] / (render.SCRAMBLE_W / 72))
    assert limits.RASTER_MEMORY_BYTES + 128 * 1024 * 1024 <= PEAK_MB * 1024 * 1024


def test_the_relay_takes_what_the_verifier_reads() -> None:
    """The public endpoint's JSON body holds every file the verifier would read, in
    base64, with room for the JSON around them."""
    from protocol import wire

    assert wire.MAX_VERIFY_BODY_BYTES >= 4 * -(-limits.MAX_TOTAL_BYTES // 3) + limits.MAX_FILES * 4 + 1024
    assert limits.MAX_FILE_BYTES <= limits.MAX_TOTAL_BYTES
