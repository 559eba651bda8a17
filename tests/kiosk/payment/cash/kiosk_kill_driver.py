"""The whole kiosk (host and workers) in a process group of its own, its cash devices the
kiosk's real drivers on the ttys of emulators that live in the test's process, for
``kill -9`` of all of it while a customer's money is moving.

Usage: python -m tests.kiosk.payment.cash.kiosk_kill_driver CONFIG
It starts a ``SessionHost`` from CONFIG and plays a customer up to the payment screen,
prints ``PAYMENT <total> <worker pid>`` there and lets the test put the money into the
emulators (the kiosk sees it only through its drivers); it plays on to the end (take the
papers, or the error screen when the test killed the worker alone), prints ``SETTLED``
with what the host's recovery settled (JSON), and waits for the test to kill the group.
"""

from __future__ import annotations

import json
import sys

from hardware_mocks.session.customer import Customer, HostTerminal, Result, Script
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Screen, ViewModel

TIMEOUT_S = 120.0


class PaysByHand(Customer):
    """A customer whose money the test inserts into the emulators."""

    def __init__(self, host: SessionHost) -> None:
        super().__init__(HostTerminal(host), Script("shiken-ichiro", "1234"))
        self.host = host
        self.at_payment = False

    def _act(self, vm: ViewModel, res: Result) -> None:
        if vm.state != "payment":
            super()._act(vm, res)
        elif not self.at_payment:
            self.at_payment = True
            print(f"PAYMENT {vm.total} {self.host.worker_pid}", flush=True)


def main() -> int:
    host = SessionHost(WorkerSpec(config_path=sys.argv[1]))
    host.start()
    host.wait_for(lambda v: v.screen == Screen.START, TIMEOUT_S)
    PaysByHand(host).run(TIMEOUT_S)
    print("SETTLED " + json.dumps([dict(r) for r in host.recovered]), flush=True)
    sys.stdin.read()  # until the test kills the whole group
    return 0


if __name__ == "__main__":
    sys.exit(main())
