"""The demo's real pieces, started embedded: the federation (the issuing centre and three
municipal issuing servers of :mod:`hardware_mocks.federation_world`, on loopback), pcscd
with the virtual reader (vpcd), a private cupsd whose queue writes PDFs, and the cash
devices' emulators on ptys (coin acceptor, hoppers, note validator).

The federation runs as processes (``relay municipality serve`` ×3 and ``relay centre
serve``: one municipal server can be stopped and started again to show that only its
residents are refused) or ``embedded`` (the three servers inside the centre's process);
the benchmarks and older tests still start one ``relay serve`` (``relay="single"``).
The session worker then runs from a kiosk configuration written here with every device
real (``card = "pcsc"``, the centre over mutual TLS with the federation's anchor as its
only issuer trust, ``printer = "cups"``,
``payment = "cash"``: the kiosk's own ccTalk and ID-003 drivers on the emulators' ttys),
exactly as in service but in demo mode (which accepts the virtual reader). The tester's
hands (``hardware_mocks.ui.hands``) reach each device where it lives: the card through
the virtual reader's control socket, coins, notes and cash faults through the emulators,
printer faults through the cupsd queue's fault switch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hardware_mocks.cash.rig import CashRig
from hardware_mocks.federation_world import FederationWorld
from hardware_mocks.services.federation import FederationServices
from hardware_mocks.session import specs
from hardware_mocks.world import World
from kiosk.config import Mode

#: ``single``: one ``relay serve`` for one municipality (the benchmarks' and older tests'
#: rig); ``processes`` and ``embedded``: the federation.
RELAY_MODES = ("single", "processes", "embedded")


@dataclass
class Embedded:
    spec: Any  # kiosk.process.worker.WorkerSpec
    config: Path  # the kiosk configuration the worker reads (all devices real)
    output_dir: Path  # the PDF queue's output
    vreader_socket: Path
    switch: Any  # hardware_mocks.printer.control.FaultSwitch
    rig: CashRig | None  # the cash devices' emulators, whose ttys the configuration names
    #: the centre and the municipal servers the kiosk reaches (None: a single relay)
    federation: FederationServices | None


def federation_world(world: Path, federation: FederationWorld | None = None) -> FederationWorld:
    """The federation built on ``world`` (its cards and residents split three ways), made
    once beside it (``<world>/../federation``, some seconds) and reused; its directory is
    signed again at each start, so a folder kept for weeks still starts."""
    from hardware_mocks.federation_world import create

    if federation is None:
        root = world.parent / "federation"
        if (root / "people.json").exists():
            federation = FederationWorld(root, World(world))
        else:
            if root.exists():
                shutil.rmtree(root)
            federation = create(World(world), root)
    federation.publish()
    return federation


@contextmanager
def embedded(world: Path, tmp: Path, pcscd: Any = None, cupsd: Any = None,
             cash: bool = True, relay: str = "single",
             federation: FederationWorld | None = None) -> Iterator[Embedded]:
    """Start the real pieces (or use the ``pcscd``/``cupsd`` given, e.g. a test session's);
    stop what was started here when the block ends. ``cash=False``: the coin simulator in
    the worker instead of the cash emulators (a benchmark that pays through the session's
    device channel). ``relay``: one of :data:`RELAY_MODES`; ``federation``: a federation
    world already built on ``world``'s data (a test session's), else one is made beside it."""
    from hardware_mocks.services.cupsd import Cupsd
    from hardware_mocks.services.pcscd import READER_PREFIX, Pcscd
    from hardware_mocks.services.relay import RelayServer
    from kiosk.process.worker import WorkerSpec

    if relay not in RELAY_MODES:
        raise ValueError(f"relay: {relay!r} is not one of {RELAY_MODES}")

    with ExitStack() as stack:
        if cupsd is None:
            # CUPS filters run as lp: the private cupsd's root must be reachable by others
            # (searchable, not listable), unlike the demo's private folder
            cups_root = Path(tempfile.mkdtemp(prefix="kiosk-demo-cups-"))
            os.chmod(cups_root, 0o711)
            stack.callback(shutil.rmtree, cups_root, True)
            cupsd = Cupsd(cups_root).start()
            stack.callback(cupsd.close)
        services: RelayServer | FederationServices
        if relay == "single":
            services = RelayServer.start(world, tmp / "relay")
        else:
            services = FederationServices.start(federation_world(world, federation), tmp / "federation",
                                                embedded=relay == "embedded")
        stack.callback(services.stop)
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
        rig = stack.enter_context(CashRig()) if cash else None
        if rig is not None:
            rig.record_loaded(tmp / "state")  # the technician loaded the hoppers
        config = specs.services_config(tmp, world, services, cupsd, card="pcsc",
                                       readers=(READER_PREFIX,), mode=Mode.DEMO,
                                       cash=rig.payment_table() if rig else None)
        spec = WorkerSpec(config_path=str(config))
        yield Embedded(spec, config, cupsd.output_dir, sock, cupsd.switch, rig,
                       services if isinstance(services, FederationServices) else None)
