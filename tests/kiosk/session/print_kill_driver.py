"""The whole kiosk (host and workers) in a process group of its own, for ``kill -9`` of
all of it while the printer has a customer's job.

Usage: python -m tests.kiosk.session.print_kill_driver CONFIG GATE_DIR
It starts a ``SessionHost`` from CONFIG and runs one paying customer until the print gate
in GATE_DIR shows that the printer has the job, then prints ``PRINTING`` and waits for
its end (the test kills the group).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hardware_mocks.session.customer import Customer, HostTerminal, Result, Script
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Screen, ViewModel

TIMEOUT_S = 120.0


class UntilPrinting(Customer):
    def __init__(self, host: SessionHost, gate_dir: Path) -> None:
        super().__init__(HostTerminal(host), Script("shiken-ichiro", "1234", pay=1000))
        self.gate_dir = gate_dir

    def _act(self, vm: ViewModel, res: Result) -> None:
        super()._act(vm, res)
        if vm.state != "printing":
            return
        end = time.monotonic() + TIMEOUT_S
        while not any(p.suffix == ".started" for p in self.gate_dir.iterdir()):
            if time.monotonic() > end:
                raise TimeoutError("the printer never had the job")
            time.sleep(0.01)
        print("PRINTING", flush=True)
        sys.stdin.read()  # until the test kills the whole group


def main() -> int:
    config, gate_dir = sys.argv[1], Path(sys.argv[2])
    host = SessionHost(WorkerSpec(config_path=config))
    host.start()
    host.wait_for(lambda v: v.screen == Screen.START, TIMEOUT_S)
    UntilPrinting(host, gate_dir).run(TIMEOUT_S)
    return 1  # the session ended before the printer had the job


if __name__ == "__main__":
    sys.exit(main())
