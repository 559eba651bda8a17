"""Start a real relay for tests and the demo: ``relay serve`` (or ``relay public serve``) in a
child process.

The child listens on 127.0.0.1 on a free port and writes the port to a file once it is
accepting connections (its clock starts in service hours unless told otherwise);
:meth:`RelayServer.start` waits for that file. Everything the kiosk side needs to
connect (URL, the relay CA, a kiosk certificate, the issuer's public key) is on the
returned object. :meth:`RelayServer.stop` ends exactly the child it started;
:meth:`RelayServer.kill` ends it as a crash would (SIGKILL), for the failover tests.
Several servers started on one ``postgresql://`` database are the centre nodes of one
relay; :func:`relay_config` gives a kiosk all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import RelayConfig
from relay import processes

START_TIMEOUT = 20.0
#: Start the relay's clock at 10:00 JST on a weekday near the world's day (the default):
#: a demo or a test run at 02:00 should not find every certificate outside service hours.
SERVICE_HOURS = "service-hours"


@dataclass
class RelayServer:
    world_dir: Path
    state_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    public_port: int | None = None
    db: Path | str = field(default=Path())
    public_pid: int | None = None  # the public verification service's own process

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.world_dir / "pki" / "operator-ca.pem"

    @property
    def issuer_public_key(self) -> Path:
        return self.world_dir / "pki" / "issuer.pub"

    def kiosk_cert(self, kiosk_id: str = "KIOSK-0001") -> tuple[Path, Path]:
        kiosks = self.world_dir / "pki" / "kiosks"
        return kiosks / f"{kiosk_id}.pem", kiosks / f"{kiosk_id}.key"

    def relay_config(self, kiosk_id: str = "KIOSK-0001", read_timeout: float = 10.0) -> RelayConfig:
        cert, key = self.kiosk_cert(kiosk_id)
        return RelayConfig(url=self.url, ca_file=self.ca_file, cert_file=cert, key_file=key,
                           issuer_public_key=self.issuer_public_key, read_timeout=read_timeout)

    @classmethod
    def start(
        cls,
        world_dir: Path,
        state_dir: Path,
        *,
        clock_start: dt.datetime | str | None = SERVICE_HOURS,
        public: bool = False,
        extra_args: tuple[str, ...] = (),
        db: str | None = None,
        port: int = 0,
        open_files: int | None = None,
    ) -> RelayServer:
        """``clock_start``: a time to run the relay's clock from, ``SERVICE_HOURS`` (default)
        or ``None`` for the machine's own clock. ``db``: a ``postgresql://`` URL (default: a
        SQLite file in ``state_dir``; the registers are tables of the same database).
        ``port``: 0 for a free one the child picks, or one held for the node from before
        its first start (:func:`hardware_mocks.services.ports.hold_port`; the relay sets
        SO_REUSEADDR and so can listen on it), the same again after :meth:`kill`: a
        port number freed by a kill or by closing a probe socket may be given to another
        process before the relay binds it.
        ``open_files``: the child's open-file limit (``RLIMIT_NOFILE``), as a systemd unit
        would set it."""
        state_dir.mkdir(parents=True, exist_ok=True)
        if clock_start == SERVICE_HOURS:
            from hardware_mocks.relay.testing import open_hours
            from hardware_mocks.world import World

            clock_start = open_hours(World(world_dir))
        port_file = state_dir / "relay.port"
        port_file.unlink(missing_ok=True)
        database: Path | str = db or state_dir / "relay.sqlite3"
        register_world_kiosks(world_dir, database)
        cmd = [sys.executable, "-m", "relay.cli", "serve", "--world", str(world_dir), "--db", str(database),
               "--port", str(port), "--port-file", str(port_file), *extra_args]
        if isinstance(clock_start, dt.datetime):
            cmd += ["--clock-start", clock_start.isoformat()]
        if public:
            cmd += ["--public-port", "0"]
        log = open(state_dir / "relay.log", "ab")
        limit = None if open_files is None else functools.partial(_limit_open_files, open_files)
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ}, preexec_fn=limit)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"the relay did not start; see {state_dir / 'relay.log'}")
            time.sleep(0.02)
        ports = json.loads(port_file.read_text())
        return cls(world_dir, state_dir, int(ports["port"]), process, ports.get("public_port"), database,
                   ports.get("public_pid"))

    def kill(self) -> None:
        """kill -9: no clean-up, connections cut mid-call (a crashed node)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        processes.stop(self.process, grace=10.0)


def relay_config(servers: list[RelayServer], kiosk_id: str = "KIOSK-0001", read_timeout: float = 10.0) -> RelayConfig:
    """A kiosk's ``[relay]`` for several centre nodes, tried in the order given."""
    first = servers[0].relay_config(kiosk_id, read_timeout)
    return RelayConfig(url=tuple(s.url for s in servers), ca_file=first.ca_file, cert_file=first.cert_file,
                       key_file=first.key_file, issuer_public_key=first.issuer_public_key, read_timeout=read_timeout)


def register_world_kiosks(world_dir: Path, db: Path | str) -> None:
    """Put every kiosk the world lists in the relay's kiosk register, as an operator does
    with ``relay kiosk add`` (``relay kiosk import`` in one step)."""
    from relay.kiosk_cli import import_world_kiosks
    from relay.kiosk_register import StoredKioskRegister

    register = StoredKioskRegister(db)
    try:
        import_world_kiosks(world_dir, register)
    finally:
        register.close()


def _limit_open_files(n: int) -> None:
    """In the child, before it runs the relay."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))


@dataclass
class PublicServer:
    """``relay public serve`` alone, on a free port (its own limits in ``extra_args``)."""

    world_dir: Path
    port: int
    pid: int
    process: subprocess.Popen[bytes]

    @property
    def ca_file(self) -> Path:
        return self.world_dir / "pki" / "operator-ca.pem"

    @classmethod
    def start(cls, world_dir: Path, state_dir: Path, extra_args: tuple[str, ...] = ()) -> PublicServer:
        state_dir.mkdir(parents=True, exist_ok=True)
        port_file = state_dir / "public.port"
        port_file.unlink(missing_ok=True)
        cmd = [sys.executable, "-m", "relay.cli", "public", "serve", "--world", str(world_dir), "--port", "0",
               "--port-file", str(port_file), *extra_args]
        log = open(state_dir / "public.log", "ab")
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT * 3  # the work server imports pdfium first
        while not port_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise RuntimeError(f"the public service did not start; see {state_dir / 'public.log'}")
            time.sleep(0.02)
        ports = json.loads(port_file.read_text())
        return cls(world_dir, int(ports["public_port"]), int(ports["pid"]), process)

    def stop(self) -> None:
        processes.stop(self.process)
