"""A private cupsd with a fault-injection PDF queue, for tests, the demo and testers.

It runs in the foreground as ``cupsd -f -c cupsd.conf -s cups-files.conf``, with
every directory under ``root``, listening on 127.0.0.1 on a port held for it, with the
settings a kiosk must have (``PreserveJobFiles No``, ``PreserveJobHistory No``,
``ErrorPolicy abort-job``, no page log). Its ServerBin is a folder of our own with links
to the system's filters and backends plus ours (``kioskfault``, from
:mod:`hardware_mocks.printer.backend`), because cups-pdf reads one global configuration
and would write into root's home.

The queue takes PDF, runs CUPS's ``pdftopdf`` (so the output is re-encoded, as on a real
printer path) and hands it to the fault backend, which writes it into ``output_dir``
unless the switch (:class:`hardware_mocks.printer.control.FaultSwitch`) says otherwise.

The port: a port found free by binding and closing a socket is free for anyone until
cupsd binds it, and so is one a stopped cupsd freed until it is started again; another
process may be given it meanwhile (a bind to port 0, the local end of an outgoing
connection). So, unless the caller names a port, it is held
(:func:`~hardware_mocks.services.ports.hold_port`: bound with SO_REUSEADDR, never listening)
from the constructor until :meth:`Cupsd.close`, across every :meth:`Cupsd.stop` and
:meth:`Cupsd.start`. cupsd can listen on it meanwhile because it sets SO_REUSEADDR on its
listening sockets too (CUPS's ``httpAddrListen``, which the scheduler's ``Listen`` uses).

Completion: with ``PreserveJobHistory No`` a finished job vanishes at once, so the kiosk
learns how a job ended from a job subscription (see ``kiosk.printing.cups_printer``).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from hardware_mocks.printer import backend as fault_backend
from hardware_mocks.printer.control import FaultSwitch
from hardware_mocks.services.ports import held_port, hold_port
from kiosk.printing import gate

SYSTEM_SERVER_BIN = Path("/usr/lib/cups")
PPD = Path(__file__).resolve().parent.parent / "printer" / "kiosk-pdf.ppd"


class CupsdError(RuntimeError):
    """cupsd could not be started or configured."""


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the process that started cupsd dies,
    so a killed test run or demo leaves no cupsd behind (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Cupsd:
    """One private cupsd. ``start()`` / ``stop()`` as often as a test needs, always on the
    same port, then ``close()``; or use it as a context manager (``close()`` at the end).

    ``port``: the caller's own (its to keep free); None for one held for this cupsd until
    ``close()``, so that no other process can be given it before a start or between a stop
    and the next start.
    """

    def __init__(self, root: Path, port: int | None = None, queue: str = "kiosk",
                 max_job_time: int = 300) -> None:
        self.root = Path(root)
        self._held: socket.socket | None = None
        if not port:
            self._held = hold_port()
            port = held_port(self._held)
        self.port = port
        self._closed = False
        self.queue = queue
        self.max_job_time = max_job_time
        self.process: subprocess.Popen[bytes] | None = None

    # --- where things are ---------------------------------------------------------------
    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def spool_dir(self) -> Path:
        return self.root / "spool"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def printer_dir(self) -> Path:
        """The fault printer's state directory (switch and output)."""
        return self.root / "printer"

    @property
    def output_dir(self) -> Path:
        return self.printer_dir / "out"

    @property
    def switch(self) -> FaultSwitch:
        return FaultSwitch(self.printer_dir, self.server, self.queue)

    @property
    def gate_dir(self) -> Path:
        """The print gate's directory: the kiosk's consents and the jobs that came out."""
        return self.root / "gate"

    @property
    def device_uri(self) -> str:
        """The queue's device: the fault printer behind the kiosk's print gate."""
        return f"{gate.SCHEME}:{self.gate_dir}?kioskfault:{self.printer_dir}"

    @property
    def config_dir(self) -> Path:
        return self.root / "etc"

    # --- life cycle ---------------------------------------------------------------------
    def _check_reachable(self) -> None:
        """CUPS runs filters as the unprivileged "lp" user: every folder above ``root``
        must let others through, or filters fail with "Permission denied"."""
        for folder in [self.root, *self.root.parents]:
            if folder.exists() and not folder.stat().st_mode & 0o001:
                raise CupsdError(f"{folder} is not searchable by others (chmod o+x), so CUPS "
                                 "filters running as lp cannot reach the private ServerBin")

    def _write_config(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._check_reachable()
        r = self.root
        for d in ("etc", "etc/ppd", "spool", "spool/tmp", "cache", "state", "log", "bin",
                  "bin/backend", "printer", "printer/out", "gate"):
            (r / d).mkdir(parents=True, exist_ok=True)
        os.chmod(self.printer_dir, 0o755)
        os.chmod(self.output_dir, 0o755)
        for entry in SYSTEM_SERVER_BIN.iterdir():
            link = r / "bin" / entry.name
            if entry.name != "backend" and not link.exists():
                link.symlink_to(entry)
        for entry in (SYSTEM_SERVER_BIN / "backend").iterdir():
            link = r / "bin" / "backend" / entry.name
            if not link.exists():
                link.symlink_to(entry)
        wrapper = r / "bin" / "backend" / "kioskfault"
        wrapper.write_text(
            f"#!/bin/sh\nexec {sys.executable} -I {Path(fault_backend.__file__).resolve()} \"$@\"\n",
            encoding="utf-8",
        )
        os.chmod(wrapper, 0o700)  # cupsd runs a 0700 backend as root, which owns the output dir
        gate_backend = r / "bin" / "backend" / gate.SCHEME
        gate_backend.write_text(
            f"#!/bin/sh\nexec {sys.executable} -I {Path(gate.__file__).resolve()} \"$@\"\n",
            encoding="utf-8",
        )
        os.chmod(gate_backend, 0o700)  # as installed on a terminal (deploy/cups/kiosk-gate)
        (r / "etc" / "cups-files.conf").write_text(
            "\n".join(
                [
                    f"ServerRoot {r / 'etc'}",
                    f"RequestRoot {r / 'spool'}",
                    f"TempDir {r / 'spool' / 'tmp'}",
                    f"CacheDir {r / 'cache'}",
                    f"StateDir {r / 'state'}",
                    f"AccessLog {r / 'log' / 'access_log'}",
                    f"ErrorLog {r / 'log' / 'error_log'}",
                    "PageLog /dev/null",
                    f"ServerBin {r / 'bin'}",
                    "DataDir /usr/share/cups",
                    "FileDevice No",
                    "",
                ]
            ),
            encoding="utf-8",
        )
        (r / "etc" / "cupsd.conf").write_text(
            "\n".join(
                [
                    f"Listen 127.0.0.1:{self.port}",
                    "Browsing No",
                    "LogLevel warn",
                    "PreserveJobFiles No",
                    "PreserveJobHistory No",
                    f"MaxJobTime {self.max_job_time}",
                    "ErrorPolicy abort-job",
                    "JobRetryLimit 0",
                    "DefaultAuthType None",
                    "WebInterface No",
                    "<Location />",
                    "  Order allow,deny",
                    "  Allow 127.0.0.1",
                    "</Location>",
                    "<Policy default>",
                    "  <Limit All>",
                    "    Order deny,allow",
                    "  </Limit>",
                    "</Policy>",
                    "",
                ]
            ),
            encoding="utf-8",
        )

    def _lpadmin(self, *args: str) -> None:
        result = subprocess.run(
            ["lpadmin", "-h", self.server, *args], capture_output=True, timeout=30, check=False
        )
        if result.returncode != 0:
            raise CupsdError("lpadmin failed: " + result.stderr.decode(errors="replace")[-300:])

    def start(self, timeout: float = 20.0, clear_fault: bool = True) -> Cupsd:
        """Start cupsd on this object's port; its spool is kept, so a restart finds the
        jobs it had (and starts them again, as a terminal's cupsd would).
        ``clear_fault=False`` keeps the fault printer's switch as it was.

        A start that fails closes this cupsd (what it started is stopped, the port let
        go), so a caller giving up on it has nothing left to clean up; a closed cupsd
        refuses to start again, since its port is no longer kept for it."""
        if self._closed:
            raise CupsdError("this cupsd was closed: its port is no longer kept for it")
        try:
            self._launch(timeout, clear_fault)
        except BaseException:
            self.close()
            raise
        return self

    def _launch(self, timeout: float, clear_fault: bool) -> None:
        if shutil.which("cupsd") is None:
            raise CupsdError("cupsd is not installed (apt-get install cups-daemon)")
        self._write_config()
        if clear_fault:
            FaultSwitch(self.printer_dir).clear()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CUPS_")}
        self.process = subprocess.Popen(
            ["cupsd", "-f", "-c", str(self.config_dir / "cupsd.conf"),
             "-s", str(self.config_dir / "cups-files.conf")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env=env, start_new_session=True, preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise CupsdError(f"cupsd exited with {self.process.returncode}; see {self.log_dir}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise CupsdError("cupsd did not start listening") from None
                time.sleep(0.05)
        self._lpadmin("-p", self.queue, "-E", "-v", self.device_uri, "-P", str(PPD),
                      "-o", "printer-error-policy=abort-job")

    def stop(self) -> None:
        """Stop cupsd, keeping its port for the next :meth:`start`."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        """Stop cupsd for good and let its port go."""
        self.stop()
        self._closed = True
        if self._held is not None:
            self._held.close()
            self._held = None

    def __enter__(self) -> Cupsd:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what tests look at -------------------------------------------------------------
    def spool_files(self) -> list[Path]:
        """Job control and data files (c*, d*) left in the spool."""
        return sorted(p for p in self.spool_dir.iterdir() if p.is_file() and p.name[:1] in "cd")

    def clear_output(self) -> None:
        """Empty the printer's output and drop the print gate's records."""
        for p in self.output_dir.iterdir():
            p.unlink()
        gate.forget(self.gate_dir)

    def printed(self) -> list[Path]:
        """The PDFs the printer put out (one per job that reached the end of the device)."""
        return sorted(self.output_dir.glob("job-*.pdf"))


def main(argv: list[str] | None = None) -> int:
    """``python -m hardware_mocks.services.cupsd DIR``: run a private cupsd until Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m hardware_mocks.services.cupsd")
    parser.add_argument("root", type=Path)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--queue", default="kiosk")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # leave through the with block
    with Cupsd(args.root, args.port, args.queue) as cupsd:
        print(f"CUPS_SERVER={cupsd.server} queue={cupsd.queue} output={cupsd.output_dir}")
        print(f"fault switch: python -m hardware_mocks.printer.control {cupsd.printer_dir} FAULT "
              f"--server {cupsd.server} --queue {cupsd.queue}")
        try:
            while cupsd.process is not None and cupsd.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
