"""Start a private PostgreSQL for tests and benchmarks: ``initdb`` in a temporary folder.

The server runs as an unprivileged user (PostgreSQL refuses root): as root, the folder is
given to ``nobody`` and every PostgreSQL program runs under ``setpriv`` as that user;
otherwise as the current user. It listens on 127.0.0.1 on a port held for it from
before its start to :meth:`PostgresServer.stop` (:func:`~hardware_mocks.services.ports.hold_port`:
PostgreSQL sets SO_REUSEADDR on its listening sockets, so it can listen there) and on a
Unix socket in its own folder, trusts local connections (nothing but this machine
reaches it), and is removed with its folder by :meth:`PostgresServer.stop`, which ends
exactly the process it started. :meth:`PostgresServer.restart` stops and starts it on
the same port and data (fast or immediate, as a crash), for the failover tests: the port
is still held meanwhile, so no other process can have been given it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from hardware_mocks.services.ports import held_port, hold_port

START_TIMEOUT = 30.0
USER = "nobody"  # as root: the unprivileged account the server runs as


def bin_dir() -> Path:
    """The newest installed PostgreSQL's programs (Debian: /usr/lib/postgresql/N/bin)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if versions:
        return versions[-1].parent
    found = shutil.which("postgres")
    if found:
        return Path(found).parent
    raise RuntimeError("PostgreSQL is not installed (Debian package postgresql: make system-packages)")


@dataclass
class PostgresServer:
    root: Path  # the temporary folder: data/ and the socket
    port: int
    process: subprocess.Popen[bytes]
    durable: bool
    held: socket.socket  # keeps ``port`` from anyone else until stop() (hold_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    @staticmethod
    def _as_owner() -> list[str]:
        if os.getuid() != 0:
            return []
        return ["setpriv", f"--reuid={USER}", f"--regid={pwd.getpwnam(USER).pw_gid}", "--clear-groups",
                "--reset-env", "--"]

    @classmethod
    def start(cls, durable: bool = False) -> PostgresServer:
        """``durable``: fsync on, as in service (benchmarks); off for tests, where only
        processes crash, never the machine, so nothing committed can be lost either way."""
        root = Path(tempfile.mkdtemp(prefix="kiosk-pg-"))
        held = hold_port()
        try:
            if os.getuid() == 0:
                entry = pwd.getpwnam(USER)
                os.chown(root, entry.pw_uid, entry.pw_gid)
            subprocess.run([*cls._as_owner(), str(bin_dir() / "initdb"), "-D", str(root / "data"), "-U", "postgres",
                            "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                           check=True, capture_output=True, cwd=root, timeout=120)
            port = held_port(held)
            server = cls(root, port, cls._spawn(root, port, durable), durable, held)
            server._wait_ready()
        except BaseException:
            held.close()
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    @classmethod
    def _spawn(cls, root: Path, port: int, durable: bool) -> subprocess.Popen[bytes]:
        settings = ["-c", "listen_addresses=127.0.0.1", "-p", str(port), "-k", str(root),
                    "-c", "max_connections=200", "-c", "shared_buffers=64MB", "-c", "log_min_messages=fatal"]
        if not durable:
            settings += ["-c", "fsync=off", "-c", "full_page_writes=off"]
        with open(root / "postgres.log", "ab") as log:
            return subprocess.Popen([*cls._as_owner(), str(bin_dir() / "postgres"), "-D", str(root / "data"),
                                     *settings], stdout=log, stderr=subprocess.STDOUT, cwd=root)

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._end(signal.SIGKILL)
                raise RuntimeError(f"PostgreSQL did not start; see {self.root / 'postgres.log'}")
            time.sleep(0.05)

    def ready(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(self.url(), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        name = "relay_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}".encode())
        return self.url(name)

    def restart(self, immediate: bool = False) -> None:
        """Stop and start again on the same port (still held: no other process can have
        been given it meanwhile) and data. ``immediate``: as a crash (SIGQUIT, recovery
        from the write-ahead log at start); else a fast shutdown."""
        self._end(signal.SIGQUIT if immediate else signal.SIGINT)
        self.process = self._spawn(self.root, self.port, self.durable)
        self._wait_ready()

    def _end(self, sig: int) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def stop(self) -> None:
        """For good: the server ends, its port is given up and its folder removed."""
        self._end(signal.SIGINT)
        self.held.close()
        shutil.rmtree(self.root, ignore_errors=True)
