"""A CUPS backend that prints to a folder and can pretend to be a faulty printer.

Installed by ``hardware_mocks.services.cupsd`` as ``kioskfault`` in a private ServerBin
and run by cupsd, so it is plain standard-library Python (``python3 -I``). Its device
URI is ``kioskfault:/<state dir>``; the state dir holds ``control.json`` (written by
:mod:`hardware_mocks.printer.control`) and ``out/``, where each job lands as
``job-<id>.pdf`` with ``job-<id>.json`` (title, copies and options, for checks).

Faults, as a real printer shows them (backend(7)): ``media-empty``, ``media-jam`` and
``offline`` report ``STATE: +<reason>`` and wait until the switch is cleared, as a
printer waits for paper; ``slow`` waits ``delay`` seconds before printing; ``fail``
exits with CUPS_BACKEND_FAILED. The switch is re-read every 50 ms, so a test can clear
or set a fault while a job is printing.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

CUPS_BACKEND_OK = 0
CUPS_BACKEND_FAILED = 1
REASONS = {"media-empty": "media-empty-error", "media-jam": "media-jam-error", "offline": "offline-report"}
POLL = 0.05
MAX_WAIT = 900.0


def _control(state: Path) -> dict[str, object]:
    try:
        data = json.loads((state / "control.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _state_dir() -> Path:
    uri = os.environ.get("DEVICE_URI", "")
    if not uri.startswith("kioskfault:"):
        _say("ERROR: bad device URI")
        sys.exit(CUPS_BACKEND_FAILED)
    return Path(uri[len("kioskfault:") :])


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(CUPS_BACKEND_FAILED))
    if len(argv) == 1:
        print('direct kioskfault "Unknown" "Kiosk fault-injection printer"')
        return CUPS_BACKEND_OK
    if len(argv) not in (6, 7):
        _say("ERROR: usage: kioskfault job-id user title copies options [file]")
        return CUPS_BACKEND_FAILED
    job_id, _user, title, copies, options = argv[1:6]
    state = _state_dir()
    start, announced = time.monotonic(), ""
    while time.monotonic() - start < MAX_WAIT:
        control = _control(state)
        fault = str(control.get("fault", "none"))
        if fault == "fail":
            _say("ERROR: simulated printer failure")
            return CUPS_BACKEND_FAILED
        if fault in REASONS:
            if announced != REASONS[fault]:
                if announced:
                    _say(f"STATE: -{announced}")
                announced = REASONS[fault]
                _say(f"STATE: +{announced}")
        elif announced:
            _say(f"STATE: -{announced}")
            announced = ""
        delay = control.get("delay", 5.0)
        slow = (fault == "slow" and isinstance(delay, int | float)
                and time.monotonic() - start < float(delay))
        if not (announced or slow):
            break
        time.sleep(POLL)
    source = open(argv[6], "rb") if len(argv) == 7 else sys.stdin.buffer
    out = state / "out"
    out.mkdir(exist_ok=True)
    target = out / f"job-{int(job_id)}.pdf"
    tmp = out / f".job-{int(job_id)}.part"
    with source, open(tmp, "wb") as fh:
        while chunk := source.read(65536):
            fh.write(chunk)
    os.replace(tmp, target)
    meta = {"job": int(job_id), "title": title, "copies": int(copies), "options": options}
    (out / f"job-{int(job_id)}.json").write_text(json.dumps(meta), encoding="utf-8")
    _say("INFO: printed")
    return CUPS_BACKEND_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv))
