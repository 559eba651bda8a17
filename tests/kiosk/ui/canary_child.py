"""A UI process that serves the canary persona, then waits to have its memory read.

Run by ``test_canary.py``; it never imports the test world's module, so any canary string
in its memory came through the UI."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from hardware_mocks.ui import demo

    world, out, pin = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    summary = demo.headless(out, "virtual", ("ja",), world=world, persona="canary", pin=pin)
    assert "hardware_mocks.world" not in sys.modules
    print(summary["outcome"]["result"], flush=True)
    sys.stdin.readline()  # the parent reads our memory now
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
