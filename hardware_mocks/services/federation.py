"""The federation on loopback, as separate processes: the world's municipal issuing servers
(``relay municipality serve``; three, or more for a benchmark) and the centre (``relay centre serve``), for tests.

:meth:`FederationServices.start` starts the servers, publishes a signed directory with
their endpoints, then starts the centre, which reaches them over pinned mutual TLS. One
municipality can be started *faulty* (its answers swapped: the wrong-person fault of
:mod:`hardware_mocks.federation_faults`): that process is this module's ``main``, never a
production option. :meth:`kill` and :meth:`restart` stop and start one server on its port,
held for it meanwhile (:func:`hold_port`).
:meth:`start_node` starts one node of a municipality's server run as several nodes on one
PostgreSQL database; a node may be started *dying*: it kills itself (SIGKILL) after it
has committed an ``issue`` and before it answers.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardware_mocks.federation_world import FederationWorld
from hardware_mocks.services.ports import held_port, hold_port
from hardware_mocks.services.relay import register_world_kiosks
from hardware_mocks.world import RELAY_HOST
from kiosk.config import RelayConfig
from relay import processes

START_TIMEOUT = 60.0


def start_service(cmd: list[str], log_path: Path, port_file: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start one server process (its output to ``log_path``) and wait for the port it
    writes to ``port_file`` once it listens."""
    port_file.unlink(missing_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    deadline = time.monotonic() + START_TIMEOUT
    while not port_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(f"{cmd[3:5]} did not start; see {log_path}")
        time.sleep(0.02)
    return process, int(json.loads(port_file.read_text())["port"])


@dataclass
class FederationServices:
    world: FederationWorld
    state: Path
    faulty: str | None = None
    fault: str = "swap"  # what the faulty one does (this module's main: --fault)
    municipal: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    centre: subprocess.Popen[bytes] | None = None
    centre_port: int = 0
    public_port: int | None = None  # the centre's public listener (relay centre serve --public-port)
    held: dict[str, socket.socket] = field(default_factory=dict)  # each municipal server's port, to stop()

    def _files(self) -> list[str]:
        root = self.world.root
        return ["--directory", str(root / "directory.json"), "--anchor", str(root / "anchor.json"),
                "--federation-ca", str(root / "federation-ca.pem")]

    def start_municipality(self, code: str) -> None:
        """``code``'s server on its port, held for it from its first start to :meth:`stop`:
        a :meth:`restart` after :meth:`kill` finds it taken by nothing else."""
        if code not in self.held:
            self.held[code] = hold_port()
        port = held_port(self.held[code])
        state = self.state / code
        state.mkdir(parents=True, exist_ok=True)
        entry = ["-m", "hardware_mocks.services.federation"] if code == self.faulty else ["-m", "relay.cli"]
        cmd = [sys.executable, *entry, "municipality", "serve", "--home", str(self.world.municipality_dir(code)),
               *self._files(), "--state", str(state), "--host", "127.0.0.1", "--port", str(port),
               "--port-file", str(state / "port"),
               *(["--fault", self.fault] if code == self.faulty else [])]
        self.municipal[code], self.ports[code] = start_service(cmd, state / "server.log", state / "port")

    def start_node(self, code: str, node: str, db: str, dying: bool = False) -> str:
        """One node of ``code``'s server on the shared database ``db`` (``--db``), with its own
        state (message log) under ``state/code/node``; returns its key in :attr:`municipal`
        and :attr:`ports` (``code/node``). ``dying``: this module's ``main`` with
        ``--fault die-after-issue``."""
        key, state = f"{code}/{node}", self.state / code / node
        state.mkdir(parents=True, exist_ok=True)
        entry = ["-m", "hardware_mocks.services.federation"] if dying else ["-m", "relay.cli"]
        cmd = [sys.executable, *entry, "municipality", "serve", "--home", str(self.world.municipality_dir(code)),
               *self._files(), "--state", str(state), "--host", "127.0.0.1", "--port", "0",
               "--port-file", str(state / "port"), "--db", db,
               *(["--fault", "die-after-issue"] if dying else [])]
        self.municipal[key], self.ports[key] = start_service(cmd, state / "server.log", state / "port")
        return key

    @classmethod
    def start(cls, world: FederationWorld, state: Path, faulty: str | None = None,
              municipal_deadline: float = 3.0, embedded: bool = False, db: str | None = None,
              public: bool = False, centre_args: tuple[str, ...] = ()) -> FederationServices:
        """``embedded``: no municipal processes; the centre runs the servers itself
        (``relay centre serve --embed``), the single-process deployment. ``db``: the
        centre's database (``--db``, a PostgreSQL URL; default: a SQLite file in its state).
        ``public``: the centre's public listener too (``--public-port``). ``centre_args``:
        more options of ``relay centre serve``."""
        services = cls(world, state, faulty)
        embed: list[str] = []
        if embedded:
            embed = [arg for code in world.codes for arg in ("--embed", str(world.municipality_dir(code)))]
        else:
            for code in world.codes:
                services.start_municipality(code)
            world.publish({code: f"https://{RELAY_HOST}:{port}" for code, port in services.ports.items()}, serial=2)
        base = world.base.root / "pki"
        centre_state = state / "centre"
        centre_state.mkdir(parents=True, exist_ok=True)
        registers = centre_state / "registers.sqlite3"
        register_world_kiosks(world.base.root, registers)
        cmd = [sys.executable, "-m", "relay.cli", "centre", "serve", "--home", str(world.centre_dir),
               *services._files(),
               "--kiosk-cert", str(base / "relay.pem"), "--kiosk-key", str(base / "relay.key"),
               "--kiosk-ca", str(base / "operator-ca.pem"), "--register-db", str(registers),
               "--state", str(centre_state), "--municipal-deadline", str(municipal_deadline),
               "--port", "0", "--port-file", str(centre_state / "port"), *embed, *(["--db", db] if db else []),
               *(["--public-port", "0"] if public else []), *centre_args]
        services.centre, services.centre_port = start_service(cmd, centre_state / "centre.log", centre_state / "port")
        services.public_port = json.loads((centre_state / "port").read_text()).get("public_port")
        return services

    @property
    def url(self) -> str:
        return f"https://{RELAY_HOST}:{self.centre_port}"

    def relay_config(self, kiosk_id: str = "KIOSK-0001", read_timeout: float = 10.0) -> RelayConfig:
        """A kiosk's ``[relay]`` for this centre: the operator CA and the kiosk's certificate
        as for a single relay, and the federation anchor instead of one issuer key."""
        pki = self.world.base.root / "pki"
        return RelayConfig(url=self.url, ca_file=pki / "operator-ca.pem", cert_file=pki / "kiosks" / f"{kiosk_id}.pem",
                           key_file=pki / "kiosks" / f"{kiosk_id}.key", anchor=self.world.root / "anchor.json",
                           read_timeout=read_timeout)

    @property
    def embedded(self) -> bool:
        """The municipal servers run inside the centre (none of them can be stopped alone)."""
        return not self.municipal

    def running(self, code: str) -> bool:
        process = self.municipal.get(code)
        return process is not None and process.poll() is None

    def last_delivery(self) -> dict[str, Any] | None:
        """The centre's last delivery (municipality, serials, the kiosk's outcome; no
        personal data), read from its store read-only: a tester panel polls it while the
        centre writes."""
        import sqlite3

        path = self.state / "centre" / "centre.sqlite3"
        if not path.exists():
            return None
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0)
        try:
            row = db.execute("SELECT municipality, serials, outcome FROM centre_deliveries "
                             "ORDER BY at DESC LIMIT 1").fetchone()
        except sqlite3.OperationalError:  # the centre has not made its tables yet, or holds a write lock
            return None
        finally:
            db.close()
        if row is None:
            return None
        return {"municipality": row[0], "serials": json.loads(row[1]), "outcome": row[2]}

    def kill(self, code: str) -> None:
        """kill -9 one municipal server (connections cut mid-call)."""
        process = self.municipal[code]
        if process.poll() is None:
            process.kill()
        process.wait()

    def restart(self, code: str) -> None:
        self.start_municipality(code)

    def stop(self) -> None:
        for process in [*self.municipal.values(), *([self.centre] if self.centre else [])]:
            processes.stop(process, grace=10.0)
        for held in self.held.values():
            held.close()
        self.held.clear()


def main(argv: list[str] | None = None) -> int:
    """``python -m hardware_mocks.services.federation municipality serve …``: a municipal
    server whose answers are swapped, or (``--fault die-after-issue``) that kills itself
    after storing an issue, before answering, or (``--fault outcome-liar``) that answers
    outcomes as recorded without recording them (the options of ``relay municipality serve``)."""
    import asyncio
    import signal
    from collections.abc import Callable

    from aiohttp import web

    from hardware_mocks.federation_faults import OutcomeLiar, Swapper
    from protocol.clock import SystemClock
    from relay.federation_local import directory_file, load_ed25519, municipal_server
    from relay.federation_tls import server_context
    from relay.municipal.http import application
    from relay.ports import listen, write_ports
    from relay.store.db import location

    p = argparse.ArgumentParser()
    p.add_argument("role", choices=["municipality"])
    p.add_argument("action", choices=["serve"])
    for name in ("--home", "--directory", "--anchor", "--federation-ca", "--state", "--port-file"):
        p.add_argument(name, type=Path, required=True)
    p.add_argument("--host", default=RELAY_HOST)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--db", type=location)
    p.add_argument("--fault", choices=["swap", "die-after-issue", "outcome-liar"], default="swap")
    args = p.parse_args(argv)

    async def serve() -> None:
        clock = SystemClock()
        server = municipal_server(args.home, directory_file(args.directory, args.anchor, clock), clock, args.state,
                                  args.db)

        def dying(message: Any) -> dict[str, Any]:
            answer = server.handle(message)  # the issue is committed: die before the answer leaves
            if message["envelope"]["kind"] == "issue":
                os.kill(os.getpid(), signal.SIGKILL)
            return answer

        key = load_ed25519(args.home / "message.key")
        handle: Callable[[Any], dict[str, Any]] = (
            dying if args.fault == "die-after-issue"
            else OutcomeLiar(server.handle, key, clock, server.code) if args.fault == "outcome-liar"
            else Swapper(server.handle, key, clock))
        runner = web.AppRunner(application(handle, server.history.scrub), access_log=None, handle_signals=False)
        await runner.setup()
        sock = listen(args.host, args.port)
        await web.SockSite(runner, sock, ssl_context=server_context(args.home / "tls.pem", args.home / "tls.key",
                                                                      args.federation_ca)).start()
        write_ports(args.port_file, {"port": sock.getsockname()[1]})
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
