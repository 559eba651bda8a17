"""A pcscd with vsmartcard's vpcd driver on a port of our own, for tests, demos and testers.

pcscd serves one machine-global socket, ``/run/pcscd/pcscd.comm``, so only one pcscd runs
per machine. The rules this harness follows, deliberately:

- **Serialised.** ``start()`` first takes an exclusive ``flock`` on
  ``/run/lock/kiosk-pcscd.lock`` (``/tmp`` if that is not writable) and holds it until
  ``stop()``. A second harness on the machine (another test run, the demo) waits for it,
  up to ``wait`` seconds (``KIOSK_PCSCD_WAIT``, default 900), then fails with a clear error.
- **Stale socket.** A socket nobody answers on, left by a killed pcscd, is removed with its
  pid file; pcscd itself would refuse to start ("Another pcscd seems to be running").
- **Orphan.** The pid and port of every pcscd we start are recorded next to the lock. A
  live pcscd with that recorded pid is an orphan of a harness that was killed: it is
  stopped.
- **systemd's socket-activated pcscd** (``pcscd.socket``, enabled by the Debian package on
  a machine booted with systemd): as root, paused for the run (``systemctl stop
  pcscd.socket pcscd.service``) and re-armed by ``stop()`` (``systemctl start
  pcscd.socket``), so that ``make test`` works on a fresh Debian machine. An on-demand
  system daemon is a default, not somebody's work in progress.
  ``KIOSK_PCSCD_SYSTEMD=fail`` turns this off (then it counts as foreign).
- **Foreign pcscd** (anyone else's): never stopped. ``start()`` raises
  :class:`PcscdBusy` naming it and the command to stop it, unless ``KIOSK_PCSCD_REUSE=1``
  says to use it as it is: then it must already have a vpcd reader (Debian's
  ``/etc/reader.conf.d/vpcd``, port 35963), and ``stop()`` leaves it running.

Our pcscd runs ``pcscd -f -c <private reader.conf.d>`` whose only reader is vpcd in its
normal mode: ``DEVICENAME /dev/null:PORT`` (vpcd listens on PORT and PORT+1 on *all*
interfaces, the card side connects; the "reversed" mode aborts Debian 12's pcscd). The
readers are named ``Virtual PCD 00 00`` and ``Virtual PCD 00 01``. ``start()`` returns once
pcscd lists the reader and vpcd accepts connections.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SOCKET = Path("/run/pcscd/pcscd.comm")
PIDFILE = Path("/run/pcscd/pcscd.pid")
DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
DEBIAN_VPCD_PORT = 0x8C7B
READER_PREFIX = "Virtual PCD"


class PcscdError(RuntimeError):
    """pcscd or its vpcd driver could not be started."""


class PcscdBusy(PcscdError):
    """A pcscd we did not start is running; we do not stop other people's daemons."""


def _lock_dir() -> Path:
    for d in (Path("/run/lock"), Path(tempfile.gettempdir())):
        if d.is_dir() and os.access(d, os.W_OK):
            return d
    raise PcscdError("no writable directory for the pcscd harness lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def socket_answers(path: Path | None = None) -> bool:
    """True when something accepts connections on pcscd's socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(1)
        try:
            s.connect(str(path or SOCKET))
        except OSError:
            return False
    return True


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def free_port_pair(low: int = 20000, high: int = 30000) -> int:
    """A port P with P and P+1 free (vpcd's two slots), outside the ephemeral range."""
    rng = random.Random()
    for _ in range(200):
        p = rng.randrange(low, high - 1)
        if _port_free(p) and _port_free(p + 1):
            return p
    raise PcscdError("no free port pair for vpcd")


def _pcscd_pid() -> int | None:
    try:
        return int(PIDFILE.read_text().strip())
    except (OSError, ValueError):
        return None


class Pcscd:
    """``Pcscd(port=None).start()`` … ``stop()``, or a context manager."""

    def __init__(self, port: int | None = None, workdir: Path | None = None,
                 wait: float | None = None, ready_timeout: float = 20.0,
                 apdu_log: bool = False) -> None:
        self.port = port
        self.workdir = Path(workdir) if workdir else None
        self.wait = float(os.environ.get("KIOSK_PCSCD_WAIT", "900")) if wait is None else wait
        self.ready_timeout = ready_timeout
        self.apdu_log = apdu_log
        self.process: subprocess.Popen[bytes] | None = None
        self.reused = False
        self.paused_systemd = False
        self._lock_fd: int | None = None
        self._own_workdir = False
        lock_dir = _lock_dir()
        self.lock_path = lock_dir / "kiosk-pcscd.lock"
        self.record_path = lock_dir / "kiosk-pcscd.json"

    @property
    def reader(self) -> str:
        """Name of the first vpcd slot, the one :class:`~hardware_mocks.vreader.VirtualReader`
        on :attr:`port` serves."""
        return f"{READER_PREFIX} 00 00"

    @property
    def log_path(self) -> Path | None:
        return self.workdir / "pcscd.log" if self.workdir else None

    # -- start -----------------------------------------------------------------------
    def start(self) -> Pcscd:
        if shutil.which("pcscd") is None or not DRIVER.exists():
            raise PcscdError("pcscd and vsmartcard-vpcd are needed "
                             "(apt-get install pcscd vsmartcard-vpcd)")
        self._take_lock()
        try:
            if self._clear_leftovers():
                return self
            self._launch()
            atexit.register(self.stop)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _take_lock(self) -> None:
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise PcscdBusy(f"another test harness holds {self.lock_path} "
                                    f"(waited {self.wait:.0f} s; KIOSK_PCSCD_WAIT)") from None
                time.sleep(0.2)
        self._lock_fd = fd

    def _clear_leftovers(self) -> bool:
        """Remove a stale socket, stop our own orphan; True when reusing a foreign pcscd."""
        record = self._record()
        recorded = record.get("pid")
        if isinstance(recorded, int) and _alive(recorded) and _comm(recorded) == "pcscd":
            _terminate(recorded)
        workdir = record.get("workdir")
        if record.get("own_workdir") and isinstance(workdir, str):
            shutil.rmtree(workdir, ignore_errors=True)
        self._forget()
        if (SOCKET.exists() or SOCKET.is_symlink()) and socket_answers() and self._pause_systemd():
            time.sleep(0.2)
        if SOCKET.exists() or SOCKET.is_symlink():
            if socket_answers():
                pid = _pcscd_pid()
                if os.environ.get("KIOSK_PCSCD_REUSE") == "1":
                    return self._reuse_foreign()
                raise PcscdBusy(
                    f"a pcscd not started by this harness is running (pid {pid}); stop it "
                    "(systemctl stop pcscd.socket pcscd.service) or set KIOSK_PCSCD_REUSE=1 "
                    "to use it with its own vpcd reader (port 35963)")
            pid = _pcscd_pid()
            if pid is not None and _alive(pid) and _comm(pid) == "pcscd":
                raise PcscdBusy(f"pcscd (pid {pid}) is running but not answering on {SOCKET}")
            for stale in (SOCKET, PIDFILE):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
        return False

    def _pause_systemd(self) -> bool:
        if (os.environ.get("KIOSK_PCSCD_SYSTEMD", "pause") != "pause" or os.geteuid() != 0
                or not _systemd_pcscd_active()):
            return False
        _systemctl("stop", "pcscd.socket", "pcscd.service")
        self.paused_systemd = True
        return True

    def _reuse_foreign(self) -> bool:
        from kiosk.card.reader import list_pcsc_readers

        if not any(r.startswith(READER_PREFIX) for r in list_pcsc_readers()):
            raise PcscdBusy("KIOSK_PCSCD_REUSE=1 but the running pcscd has no vpcd reader")
        self.reused = True
        self.port = self.port or DEBIAN_VPCD_PORT
        return True

    def _launch(self) -> None:
        if self.workdir is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="kiosk-pcscd-"))
            self._own_workdir = True
        conf = self.workdir / "reader.conf.d"
        conf.mkdir(parents=True, exist_ok=True)
        if self.port is None or not (_port_free(self.port) and _port_free(self.port + 1)):
            if self.port is not None:
                raise PcscdError(f"vpcd port {self.port} or {self.port + 1} is in use")
            self.port = free_port_pair()
        (conf / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_PREFIX}"\n'
            f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
            f"LIBPATH      {DRIVER}\n"
            f"CHANNELID    0x{self.port:04X}\n")
        SOCKET.parent.mkdir(parents=True, exist_ok=True)
        args = ["pcscd", "-f", "-c", str(conf)] + (["-a", "-d"] if self.apdu_log else [])
        assert self.log_path is not None
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.record_path.write_text(json.dumps({
            "pid": self.process.pid, "port": self.port, "workdir": str(self.workdir),
            "own_workdir": self._own_workdir}))

    def _wait_ready(self) -> None:
        from kiosk.card.errors import ReaderGone
        from kiosk.card.reader import list_pcsc_readers

        assert self.process is not None and self.port is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PcscdError(f"pcscd exited with {self.process.returncode}: {self._log_tail()}")
            if SOCKET.exists():
                try:
                    if self.reader in list_pcsc_readers() and not _port_free(self.port):
                        return
                except ReaderGone:
                    pass
            time.sleep(0.05)
        raise PcscdError(f"pcscd did not list {self.reader} within {self.ready_timeout} s: "
                         f"{self._log_tail()}")

    def _log_tail(self) -> str:
        log = self.log_path
        if log is None:
            return "(no log)"
        try:
            return " | ".join(log.read_text(errors="replace").splitlines()[-5:])
        except OSError:
            return "(no log)"

    # -- stop ------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop what we started (never a foreign pcscd), remove its leftovers, unlock."""
        atexit.unregister(self.stop)
        proc, self.process = self.process, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
            if not socket_answers():
                for leftover in (SOCKET, PIDFILE):
                    with contextlib.suppress(FileNotFoundError):
                        leftover.unlink()
            self._forget()
        if self.paused_systemd:
            self.paused_systemd = False
            _systemctl("start", "pcscd.socket")
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
            self._own_workdir = False
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def restart(self) -> None:
        """Stop and start again on the same port (the lock is kept)."""
        if self.reused:
            raise PcscdError("cannot restart a pcscd this harness did not start")
        proc, self.process = self.process, None
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        self._launch()
        self._wait_ready()

    def _record(self) -> dict[str, object]:
        try:
            record = json.loads(self.record_path.read_text())
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}

    def _forget(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.record_path.unlink()

    def __enter__(self) -> Pcscd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _systemd_pcscd_active() -> bool:
    if shutil.which("systemctl") is None:
        return False
    return any(subprocess.run(["systemctl", "is-active", "--quiet", unit], check=False,
                              timeout=30).returncode == 0
               for unit in ("pcscd.socket", "pcscd.service"))


def _systemctl(*args: str) -> None:
    subprocess.run(["systemctl", *args], check=False, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _terminate(pid: int) -> None:
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
