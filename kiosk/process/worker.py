"""The session worker: a child process that serves one customer, wipes and exits.

The UI side (``kiosk.process.host``) starts it ahead of time as a warm spare. The worker
makes itself non-dumpable (no core file, no ptrace by other users), says ``ready`` and
waits. When the host hands it the terminal it may first be told to ``recover`` (settle
what a dead predecessor left open), then it opens its devices, runs one engine to the
end, sends the outcome and exits: the operating system then takes back every copy of
personal data Python made that no code could zero.

Messages on the pipe are tuples of plain values:

host → worker: ``("recover",)``, ``("session",)``, ``("intent", intent_dict)``,
``("pin", n)`` followed by an ``n``-byte raw message (read with ``readv`` straight into
a ``bytearray``: :func:`recv_frame_into`), ``("device", {...})`` (simulator control, demo
and test only), ``("stop",)``.

worker → host: ``("ready", pid)``, ``("recovered", {"settled": [...], "refused": code})``, ``("vm", vm_dict)``,
``("outcome", outcome_dict)``, ``("refused", code)`` (its devices could not be built from
the configuration: it exits, the host goes out of service).
"""

from __future__ import annotations

import ctypes
import logging
import os
import resource
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import msgspec

from kiosk import composition
from kiosk import config as kiosk_config
from kiosk.config import Config
from kiosk.session.engine import PIN_LENGTH, Engine, Timeouts
from kiosk.session.faults import SessionFault
from kiosk.session.journal import Journal
from kiosk.session.ports import Devices
from kiosk.session.recovery import PRINT_UNPURGED, recover
from kiosk.session.viewmodel import Intent, IntentKind, ViewModel
from protocol.clock import SystemClock
from protocol.log import event
from protocol.sensitive import zero

log = logging.getLogger("kiosk.process.worker")

PR_SET_DUMPABLE = 4
TICK_S = 0.02
_STOP = threading.Event()


@dataclass
class WorkerSpec:
    """What a worker is started with; crosses the pipe, so plain values only. Everything
    else (directories, kiosk id, timeouts, which devices) comes from the configuration,
    which the worker reads itself and hands to the composition root.

    ``log_level`` is the level of the ``log_path`` file: ``kiosk.card.transport.TRAFFIC``
    switches the APDU trace on there, for someone chasing a card fault (VERIFY's data is
    redacted by the transport). Without a log file the worker writes warnings only, to its
    stderr, whatever the level: that stream ends up in the service's journal."""

    config_path: str
    log_path: str | None = None
    log_level: int = logging.INFO


def harden() -> None:
    """No core dumps, no /proc/PID/mem for other users, no ptrace attach: the worker's
    memory holds the PIN and personal data, which must not reach a core file or another
    process (prctl(2) PR_SET_DUMPABLE, setrlimit(2) RLIMIT_CORE)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        failed = libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0
    except (OSError, AttributeError):  # no C library to call: no prctl either
        failed = True
    if failed:
        event(log, "worker.not_hardened", logging.ERROR, code="prctl")


def _journal(cfg: Config) -> Journal:
    return Journal(Path(cfg.state_dir) / "journal.jsonl")


def _runtime(cfg: Config) -> Path:
    runtime = Path(cfg.runtime_dir)
    runtime.mkdir(parents=True, exist_ok=True)
    return runtime


def timeouts_of(cfg: Config) -> Timeouts:
    return Timeouts(**msgspec.structs.asdict(cfg.timeouts))


def preload(cfg: Config) -> None:
    """Pay the first-use costs (imports, fonts, the ground pattern, the configured devices'
    modules) while the worker is only a warm spare, not while a customer waits. Nothing
    here is personal data."""
    import kiosk.card.jpki
    import kiosk.payment.controller  # noqa: F401
    from protocol.paper import render

    render.warm_up()  # fonts and the ground pattern, whatever the renderer needs first
    try:
        composition.preload(cfg)
    except SessionFault:
        pass  # the same refusal comes again, with its code, when the devices are built


class _Devices:
    """The worker's devices, built by the composition root at the first message that
    needs them, with the tester's control where the mode allows it."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.devices = composition.session_devices(cfg)
        self.tester = composition.tester_control(cfg, self.devices)

    def command(self, cmd: dict[str, Any]) -> None:
        if self.tester is None:
            event(log, "worker.device_command_refused", logging.WARNING)
            return
        self.tester.control(cmd)


def _service_check(devices: Devices) -> str | None:
    """Checks made at start, before anyone is served: the relay's version."""
    try:
        check = getattr(devices.relay, "check_version", None)
        if check is not None:
            check()
    except SessionFault as exc:
        return exc.code
    return None


def main(conn: Connection, spec: WorkerSpec) -> None:
    harden()
    # SIGTERM (systemd stopping the service, the UI going away) ends the session through
    # the wipe, like the host's ("stop",): the loop below sees the flag.
    signal.signal(signal.SIGTERM, lambda signum, frame: _STOP.set())
    from protocol import log as kiosk_log

    if spec.log_path:
        kiosk_log.configure(level=spec.log_level, path=spec.log_path)
    else:
        kiosk_log.configure(level=logging.WARNING, stream=sys.stderr)
    try:
        cfg: Config | None = kiosk_config.load(spec.config_path)
    except kiosk_config.ConfigError as exc:
        event(log, "worker.config_invalid", logging.ERROR, kind=type(exc).__name__)
        cfg = None
    if cfg is not None:
        preload(cfg)
    conn.send(("ready", os.getpid()))
    built: _Devices | None = None
    while True:
        if _STOP.is_set():
            return
        try:
            if not conn.poll(TICK_S * 5):
                continue
            msg = conn.recv()
        except EOFError:
            return
        if msg[0] == "stop":
            return
        if cfg is None:
            conn.send(("refused", "config_invalid"))
            return
        if built is None:
            try:
                built = _Devices(cfg)
            except Exception as exc:
                code = exc.code if isinstance(exc, SessionFault) else "device_config"
                event(log, "worker.devices_failed", logging.ERROR, kind=type(exc).__name__,
                      code=code)
                conn.send(("refused", code))
                return
        if msg[0] == "recover":
            journal = _journal(cfg)
            settled = recover(journal, built.devices, _runtime(cfg))
            # a job the sweep could not purge may print later: serve no one until it is gone
            refused = PRINT_UNPURGED if journal.print_obligations() else None
            conn.send(("recovered", {"settled": [s.to_dict() for s in settled],
                                     "refused": refused or _service_check(built.devices)}))
        elif msg[0] == "session":
            break
        elif msg[0] == "device":
            built.command(msg[1])
    assert built is not None

    def publish(vm: ViewModel) -> None:
        try:
            conn.send(("vm", vm.to_dict()))
        except OSError:
            pass  # the host went away; the session still ends through the wipe

    engine = Engine(built.devices, clock=SystemClock(), journal=_journal(cfg), publish=publish,
                    kiosk_id=cfg.kiosk_id, timeouts=timeouts_of(cfg), runtime_dir=_runtime(cfg))
    _serve(conn, engine, built)
    try:
        conn.send(("outcome", engine.outcome.to_dict()))
    except OSError:
        pass  # the host is gone; the journal and the ledger hold what it needs
    conn.close()


def _tick(engine: Engine) -> bool:
    """Stop the engine if SIGTERM came, run one tick; True once the engine has finished
    (the tick itself may finish it)."""
    if _STOP.is_set():
        engine.stop()
    engine.tick()
    return engine.finished


def _serve(conn: Connection, engine: Engine, built: _Devices) -> None:
    while not engine.finished:
        if _tick(engine):
            break
        if not conn.poll(0 if engine.busy else TICK_S):
            continue
        try:
            msg = conn.recv()
        except EOFError:
            engine.stop()  # the UI went away: end through the wipe
            engine.run_until_idle()
            continue
        kind = msg[0]
        if kind == "intent":
            engine.intent(Intent.from_dict(msg[1]))
        elif kind == "pin":
            n = int(msg[1])
            pin = bytearray(PIN_LENGTH)
            try:
                size = recv_frame_into(conn, pin)
            except EOFError:
                zero(pin)
                engine.stop()  # the UI went away mid-frame: end through the wipe
                continue
            if n != PIN_LENGTH or size != PIN_LENGTH:
                zero(pin)  # a malformed PIN is dropped, never decoded
                event(log, "session.pin_rejected", session=engine.session_id, len=size)
                continue
            engine.intent(Intent(IntentKind.PIN_SUBMITTED), pin=pin)
        elif kind == "device":
            built.command(msg[1])
        elif kind == "stop":
            engine.stop()


def _read_exactly(fd: int, view: memoryview) -> None:
    """Fill ``view`` from ``fd`` with ``readv``: the bytes land in the caller's buffer
    and nowhere else (no intermediate ``bytes`` object the worker could not wipe)."""
    while len(view):
        got = os.readv(fd, [view])
        if got == 0:
            raise EOFError
        view = view[got:]


def recv_frame_into(conn: Connection, buf: bytearray) -> int:
    """Read one ``Connection`` frame (4-byte big-endian length, then the payload) straight
    into ``buf``; returns the payload's length. ``Connection.recv_bytes_into`` reads
    through a ``BytesIO`` in CPython, leaving a copy of the PIN behind. A payload of
    another length than ``buf`` is read into a scratch buffer, zeroed and dropped
    (``buf`` is then left untouched)."""
    fd = conn.fileno()
    header = bytearray(4)
    _read_exactly(fd, memoryview(header))
    size = int.from_bytes(header, "big", signed=True)
    if size == len(buf):
        with memoryview(buf) as view:
            _read_exactly(fd, view)
        return size
    scratch = bytearray(max(size, 0))
    try:
        with memoryview(scratch) as view:
            _read_exactly(fd, view)
    finally:
        zero(scratch)
    return size


def entry(fd: int) -> int:
    """``python -m kiosk.process.worker FD``: FD is this end of the host's socket pair;
    the first message is the spec."""
    conn = Connection(fd)
    msg = conn.recv()
    spec = WorkerSpec(**msg[1])
    try:
        main(conn, spec)
    except Exception as exc:
        event(log, "worker.crashed", logging.ERROR, kind=type(exc).__name__)
        return 70
    return 0


if __name__ == "__main__":
    sys.exit(entry(int(sys.argv[1])))
