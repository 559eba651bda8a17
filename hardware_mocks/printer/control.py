"""The tester's switch for the fault printer: ``none``, ``media-empty``, ``media-jam``,
``offline``, ``slow`` (with a delay) or ``fail``.

``python -m hardware_mocks.printer.control STATE_DIR FAULT [--delay S]`` flips it from a
shell; tests use :class:`FaultSwitch`. The backend re-reads the switch while it prints.

A real printer reports paper-out or a jam to CUPS even between jobs (through its status
monitor), so the kiosk's pre-payment check can see it. When the switch knows its cupsd
(``server``, ``queue``) it plays that part: it sets the queue's ``printer-state-reasons``
with a CUPS-Add-Modify-Printer request (``ipptool``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

FAULTS = ("none", "media-empty", "media-jam", "offline", "slow", "fail")
REASONS = {"media-empty": "media-empty-error", "media-jam": "media-jam-error", "offline": "offline-report"}
_SET_REASONS = """{
  NAME "set printer-state-reasons"
  OPERATION CUPS-Add-Modify-Printer
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  GROUP printer-attributes-tag
  ATTR keyword printer-state-reasons $reasons
  STATUS successful-ok
}
"""


class FaultSwitch:
    """The control file of one fault printer's state directory."""

    def __init__(self, state_dir: Path, server: str | None = None, queue: str | None = None) -> None:
        self.state_dir = Path(state_dir)
        self.server = server
        self.queue = queue

    @property
    def path(self) -> Path:
        return self.state_dir / "control.json"

    def set(self, fault: str, delay: float = 5.0) -> None:
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {FAULTS}")
        tmp = self.path.with_name("control.json.tmp")
        tmp.write_text(json.dumps({"fault": fault, "delay": delay}), encoding="utf-8")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.path)
        if self.server and self.queue:
            self._report(REASONS.get(fault, "none"))

    def _report(self, reasons: str) -> None:
        test = self.state_dir / "set-reasons.test"
        if not test.exists():
            test.write_text(_SET_REASONS, encoding="utf-8")
        uri = f"ipp://{self.server}/printers/{self.queue}"
        result = subprocess.run(["ipptool", "-d", f"reasons={reasons}", uri, str(test)],
                                capture_output=True, timeout=15, check=False)
        if result.returncode != 0:
            raise RuntimeError("could not report the printer state to cupsd")

    def clear(self) -> None:
        self.set("none")

    def get(self) -> str:
        try:
            return str(json.loads(self.path.read_text(encoding="utf-8")).get("fault", "none"))
        except (OSError, ValueError):
            return "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hardware_mocks.printer.control")
    parser.add_argument("state_dir", type=Path)
    parser.add_argument("fault", choices=FAULTS)
    parser.add_argument("--delay", type=float, default=5.0, help="seconds, for 'slow'")
    parser.add_argument("--server", help="host:port of the cupsd, to report the state to it")
    parser.add_argument("--queue", default="kiosk")
    args = parser.parse_args(argv)
    if not args.state_dir.is_dir():
        print(f"error: {args.state_dir} is not a fault printer's state directory", file=sys.stderr)
        return 2
    FaultSwitch(args.state_dir, args.server, args.queue if args.server else None).set(args.fault, args.delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
