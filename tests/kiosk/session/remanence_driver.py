"""A stand-in for the UI process, for the memory scan: it runs one canary session
through a ``SessionHost`` and then waits, so the test can read ``/proc/PID/mem`` of it
and of the warm spare. It never imports the world module (whose canary constants are
strings) and reads the PIN from stdin straight into a bytearray.

Usage: python -m tests.kiosk.session.remanence_driver WORLD STATE RUN
Protocol on stdout: ``BASELINE <idle worker pid>`` (scan now); after one byte and the PIN
(4 bytes) on stdin, ``SERVING <worker pid>`` once the PIN was verified and the customer
chooses a certificate (scan the serving worker now); after one more byte, ``READY
<worker pid> <spare pid>`` once the session ended and the next worker waits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hardware_mocks.session.customer import Customer, HostTerminal, Script
from hardware_mocks.session.specs import virtual_spec
from kiosk.process.host import SessionHost
from kiosk.session.viewmodel import Screen
from tests.fixtures.waiting import WAIT


def main() -> int:
    world, state, run = (Path(a) for a in sys.argv[1:4])
    spec = virtual_spec(world, state, run)
    spec.log_path = str(state / "worker.log")
    stdin = open(0, "rb", buffering=0, closefd=False)

    def pin() -> bytearray:
        buf = bytearray(4)
        stdin.readinto(buf)
        return buf

    host = SessionHost(spec)
    host.start()
    host.wait_for(lambda v: v.screen == Screen.START)
    print("BASELINE", host.worker_pid, flush=True)
    stdin.readinto(bytearray(1))  # go
    def serving() -> None:
        print("SERVING", host.worker_pid, flush=True)
        stdin.readinto(bytearray(1))  # the scan of the serving worker is done

    res = Customer(HostTerminal(host), Script("canary", "", pay=1000, pin_source=pin, pause_at="choose_type",
                                              on_pause=serving)).run(timeout=3 * WAIT)
    assert res.final is not None and res.final.screen == Screen.THANK_YOU, res.states
    host.wait_outcome(res.final.session)
    host.wait_for(lambda v: v.screen == Screen.START)
    deadline = time.monotonic() + WAIT  # a spare that never comes ends the driver, not the test run
    while not host.spare_ready:
        assert time.monotonic() < deadline, f"no warm spare within {WAIT:g} s"
        host.poll(0.02)
    print("READY", host.worker_pid, host.spare_pid, flush=True)
    stdin.readinto(bytearray(1))  # the scan is done
    host.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
