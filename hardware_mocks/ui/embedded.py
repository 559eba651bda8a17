"""The demo's real pieces, started embedded: the relay service, pcscd with the virtual
reader (vpcd), a private cupsd whose queue writes PDFs, and the coin simulator.

The session worker then runs with ``devices="real"`` from a kiosk configuration written
here, exactly as in service but in demo mode (which accepts the virtual reader). The
tester's hands reach each device where it lives: the card through the virtual reader's
control socket, coins through the session's device channel (the simulator is in the
worker), printer faults through the cupsd queue's fault switch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware_mocks.session import specs
from kiosk.config import Mode

# the tester panel's printer faults → the fault queue's switch
PRINTER_SWITCH = {None: "none", "media-empty": "media-empty", "jam": "media-jam",
                  "offline": "offline", "timeout": "slow"}


@dataclass
class Embedded:
    spec: Any  # kiosk.process.worker.WorkerSpec
    output_dir: Path  # the PDF queue's output
    vreader_socket: Path
    switch: Any  # hardware_mocks.printer.control.FaultSwitch


class Hands:
    """The tester's hands on the embedded devices (``device(kind, **fields)``)."""

    def __init__(self, embedded: Embedded, link: Any) -> None:
        self.e = embedded
        self.link = link
        # the reader's control socket and the switch can take a moment: never on the GUI thread
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tester-hands")

    def device(self, kind: str, **fields: Any) -> None:
        self._pool.submit(self._device, kind, fields)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _device(self, kind: str, fields: dict[str, Any]) -> None:
        from hardware_mocks.vreader import control

        if kind == "card_insert":
            control({"cmd": "insert", "persona": str(fields["persona"])}, self.e.vreader_socket)
        elif kind == "card_remove":
            control({"cmd": "remove"}, self.e.vreader_socket)
        elif kind == "card_pull_after":
            control({"cmd": "pull-after", "n": int(fields["n"])}, self.e.vreader_socket)
        elif kind == "printer_fault":
            self.e.switch.set(PRINTER_SWITCH.get(str(fields.get("value")), "none"))
        else:  # coins and the coin device's jam: the simulator lives in the worker
            self.link.device(kind, **fields)


@contextmanager
def embedded(world: Path, tmp: Path, pcscd: Any = None, cupsd: Any = None) -> Iterator[Embedded]:
    """Start the real pieces (or use the ``pcscd``/``cupsd`` given, e.g. a test session's);
    stop what was started here when the block ends."""
    from hardware_mocks.services.cupsd import Cupsd
    from hardware_mocks.services.pcscd import READER_PREFIX, Pcscd
    from hardware_mocks.services.relay import RelayServer
    from kiosk.process.worker import WorkerSpec

    with ExitStack() as stack:
        if cupsd is None:
            # CUPS filters run as lp: the private cupsd's root must be reachable by others
            # (searchable, not listable), unlike the demo's private folder
            cups_root = Path(tempfile.mkdtemp(prefix="kiosk-demo-cups-"))
            os.chmod(cups_root, 0o711)
            stack.callback(shutil.rmtree, cups_root, True)
            cupsd = Cupsd(cups_root).start()
            stack.callback(cupsd.stop)
        relay = RelayServer.start(world, tmp / "relay")
        stack.callback(relay.stop)
        if pcscd is None:
            # a demo does not queue behind a test run holding pcscd: it says so at once
            pcscd = Pcscd(workdir=tmp / "pcscd", wait=5).start()
            stack.callback(pcscd.stop)
        sock = tmp / "vreader.sock"
        vreader = subprocess.Popen(
            [sys.executable, "-m", "hardware_mocks.vreader", "--control", str(sock), "serve",
             "--world", str(world), "--port", str(pcscd.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def stop_vreader() -> None:
            vreader.terminate()
            vreader.wait(10)

        stack.callback(stop_vreader)
        deadline = time.monotonic() + 20
        while not sock.exists():
            if vreader.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the virtual reader did not start")
            time.sleep(0.05)
        config = specs.services_config(tmp, world, relay, cupsd, card="pcsc",
                                       readers=(READER_PREFIX,), mode=Mode.DEMO)
        spec = WorkerSpec(config_path=str(config))
        yield Embedded(spec, cupsd.output_dir, sock, cupsd.switch)
