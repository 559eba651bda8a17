"""``relay public serve``: the public verification service, a process of its own.

The public endpoint takes untrusted files from anyone. It once shared a process with the
kiosk API, so one PDF stopped issuing. Here it is a process with its own listener, its
own connection limits (smaller than the kiosks'), its own systemd unit with memory, CPU and
task limits (``deploy/systemd/relay-public.service``), and its work in killable processes
(:mod:`relay.verify_work`). ``relay serve --public-port N`` starts it as a child process
for tests and demos; in service it runs from its own unit.

It holds the issuer's public key and the scramble master secret, never the issuer's
private key.

Without ``--world``, given the federation's ``--directory``, ``--anchor`` and ``--db``, it
is a federation centre's public listener (``relay centre serve --public-port`` starts it):
it serves the signed directory the centre routes by to anyone (re-read when the centre's
file changes, never a copy the anchor refuses) and checks QR codes with the issuer keys of
the member each serial names. It holds no scramble master and no issued register of any
municipality (the centre holds no resident data), so scans are refused ``not_offered``:
the face check is the issuing municipality's own public service's.

A municipality's own service (``--world``) takes the directory as a file, or follows the
centre's public listener: ``--directory https://centre:8444/v1/directory`` with
``--anchor`` (:mod:`relay.federation.follow`: verified, cached on disk, re-fetched every
``--directory-refresh`` seconds, the last good copy kept while the centre is out of
reach). Uploads arrive at the pace of :mod:`relay.upload_pace` or are refused
``408 too_slow``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from protocol import log
from protocol.federation.held import CACHE_NAME
from relay import arguments, operator_errors, stopping
from relay.connection_limits import ConnectionLimits, check_descriptor_limit
from relay.store.db import location
from relay.upload_pace import DEFAULT_PACE, UploadPace

if TYPE_CHECKING:
    from protocol.federation.directory import Directory
    from relay.federation.served import DirectorySource

LOG = logging.getLogger("relay.public")
#: Public listeners hold fewer connections, fewer per source and idle ones for less time.
#: Seconds between two checks for a newer directory at the centre's URL (a ``304`` when none).
DIRECTORY_REFRESH = 60.0
PUBLIC_LIMITS = ConnectionLimits(max_connections=200, max_per_source=8, handshake_timeout=3.0,
                                 header_timeout=5.0, idle_timeout=5.0)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from relay.verify_work import WorkLimits

    work = WorkLimits()
    public = sub.add_parser("public", help="the public verification service")
    public_sub = public.add_subparsers(dest="public_command", required=True)
    s = public_sub.add_parser("serve", help="serve POST /v1/verify over TLS (no client certificate)")
    s.add_argument("--world", type=Path,
                   help="test world directory (world.json, pki/); without it, a federation centre's listener:"
                        " --directory, --anchor and --db, QR checks and the directory only")
    s.add_argument("--host", default="127.0.0.1", help="listen address (default: loopback)")
    s.add_argument("--port", type=int, default=8444, help="0 picks a free port")
    s.add_argument("--port-file", type=Path, help="write {public_port, pid} here once listening")
    s.add_argument("--db", type=location,
                   help="the relay's database: issued documents, verifiers, faces (default: WORLD/relay.sqlite3;"
                        " a postgresql:// URL for several nodes)")
    s.add_argument("--tls-cert", type=Path, help="default: WORLD/pki/relay.pem")
    s.add_argument("--tls-key", type=Path, help="default: WORLD/pki/relay.key")
    s.add_argument("--parallel", type=arguments.count, default=work.parallel,
                   help=f"scans checked at once; more are refused with busy ({work.parallel})")
    s.add_argument("--work-timeout", type=arguments.seconds, default=work.deadline,
                   help=f"seconds of CPU a scan check may use before it is killed, answered timeout"
                        f" ({work.deadline:g}); one still waiting for the CPU after 6 times that (60 s at least)"
                        " is killed and answered busy")
    s.add_argument("--work-memory-mb", type=arguments.memory_mib, default=work.memory_bytes // 2**20,
                   help=f"address space of one scan check, MiB ({work.memory_bytes // 2**20})")
    s.add_argument("--checks-per-minute", type=arguments.count, default=60, help="QR checks per source address (60)")
    s.add_argument("--scans-per-minute", type=arguments.count, default=6, help="scan checks per source address (6)")
    s.add_argument("--max-connections", type=arguments.count, default=PUBLIC_LIMITS.max_connections)
    s.add_argument("--max-per-source", type=arguments.count, default=PUBLIC_LIMITS.max_per_source)
    s.add_argument("--log-level", type=arguments.log_level, default="WARNING")
    s.add_argument("--directory", metavar="FILE_OR_URL",
                   help="the signed federation directory: a file (re-read when it changes) or the https:// URL of"
                        " the centre's public listener (https://centre:8444/v1/directory), followed")
    s.add_argument("--anchor", type=Path,
                   help="with --directory: the federation anchor; a directory that does not verify is not used")
    s.add_argument("--directory-ca", type=Path,
                   help="with an https:// --directory: the CA file the centre's certificate is checked with"
                        " (default: the system's)")
    s.add_argument("--directory-cache", type=Path,
                   help=f"with an https:// --directory: where the last verified copy is kept (default: {CACHE_NAME}"
                        " beside --anchor)")
    s.add_argument("--directory-refresh", type=arguments.seconds, default=DIRECTORY_REFRESH,
                   help="with an https:// --directory: seconds between two checks for a newer copy"
                        f" ({DIRECTORY_REFRESH:g})")
    pace = DEFAULT_PACE
    s.add_argument("--upload-min-mbps", type=float, default=pace.min_rate * 8 / 1e6,
                   help=f"the average rate every upload must keep after --upload-floor, Mbit/s"
                        f" ({pace.min_rate * 8 / 1e6:g})")
    s.add_argument("--upload-floor", type=float, default=pace.floor,
                   help=f"seconds every upload has before that rate applies ({pace.floor:g})")
    s.add_argument("--upload-cap", type=float, default=pace.cap,
                   help=f"seconds no upload may exceed; a declared length that needs more than the rate to make it"
                        f" must go faster ({pace.cap:g})")
    s.add_argument("--upload-idle", type=float, default=pace.idle,
                   help=f"seconds an upload may go without a byte ({pace.idle:g})")


def serve(args: argparse.Namespace) -> int:
    world: Path | None = args.world
    if world is None and (args.directory is None or args.anchor is None or args.db is None or args.tls_cert is None
                          or args.tls_key is None):
        print("error: without --world (a federation centre's listener) give --directory, --anchor, --db,"
              " --tls-cert and --tls-key", file=sys.stderr)
        return 2
    if world is not None and (unknown := arguments.unknown_world(world)):
        print(f"error: {unknown}", file=sys.stderr)
        return 2
    limits = ConnectionLimits(max_connections=args.max_connections, max_per_source=args.max_per_source,
                              handshake_timeout=PUBLIC_LIMITS.handshake_timeout,
                              header_timeout=PUBLIC_LIMITS.header_timeout, idle_timeout=PUBLIC_LIMITS.idle_timeout)
    try:
        check_descriptor_limit(limits.max_connections)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    log.configure(log.level_named(args.log_level))
    try:
        pace = UploadPace(args.upload_min_mbps * 1e6 / 8, args.upload_floor, args.upload_cap, args.upload_idle)
        served = _directory_source(args)  # fail here, with a message
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    operator_errors.one_line(lambda: asyncio.run(_serve(args, limits, served, pace)), serving=True)
    return 0


def _directory_source(args: argparse.Namespace) -> DirectorySource | None:
    """The directory ``--directory`` names: a file, or the centre's URL followed (with a
    valid copy to start from); ``ValueError`` with a one-line reason."""
    where = args.directory
    if where is not None and "://" in where:
        if args.anchor is None:
            raise ValueError("an https:// --directory needs --anchor (the key that signs it)")
        from relay.federation.follow import start_following

        return start_following(where, args.anchor, args.directory_cache, args.directory_ca, args.directory_refresh)
    if args.directory_ca is not None or args.directory_cache is not None:
        raise ValueError("--directory-ca and --directory-cache go with an https:// --directory")
    from relay.federation.cli import directory_source

    return directory_source(args)


async def _serve(args: argparse.Namespace, limits: ConnectionLimits, served: DirectorySource | None,
                 pace: UploadPace) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from relay import listener
    from relay.federation.follow import DirectoryFollower
    from relay.federation.served import DirectoryFile
    from relay.issued_register import StoredIssuedRegister
    from relay.ports import listen, write_ports
    from relay.public import Verifier, public_application, public_tls_context
    from relay.public_access import PublicAccess
    from relay.rate_limits import MemoryRateStore, Rate, RateLimiter, SharedRateStore
    from relay.verifier_register import StoredVerifierRegister
    from relay.verify_work import VerifierKeys, WorkLimits, WorkPool

    world: Path | None = args.world
    directory = None
    if isinstance(served, DirectoryFollower) or (isinstance(served, DirectoryFile) and served.anchor is not None):
        directory = functools.partial(_verified, served)  # a federation: any member's documents are checked
    work: WorkPool | None = None
    if world is None:  # a federation centre's listener: the directory's keys only
        # the file the centre's operator publishes is the current directory at every check;
        # a copy followed from a URL is current only as of its issue time
        verifier = Verifier(None, None, None, directory, publisher=isinstance(served, DirectoryFile))
    else:
        issuer = serialization.load_pem_public_key((world / "pki" / "issuer.pub").read_bytes())
        if not isinstance(issuer, Ed25519PublicKey):
            raise ValueError("the issuer key is not an Ed25519 key")
        secret = bytes.fromhex((world / "pki" / "scramble.key").read_text(encoding="ascii").strip())
        municipality = str(json.loads((world / "world.json").read_text(encoding="utf-8"))["municipality"]["code"])
        keys = VerifierKeys(issuer.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw), secret,
                            municipality)
        verifier = Verifier(issuer, secret, municipality, directory)
        work = WorkPool(keys, WorkLimits(parallel=args.parallel, deadline=args.work_timeout,
                                         memory_bytes=args.work_memory_mb * 2**20), directory)
        await asyncio.to_thread(work.warm_up)
    limiter = RateLimiter(MemoryRateStore(), {"check": Rate(args.checks_per_minute, 60),
                                              "scan": Rate(args.scans_per_minute, 60)})
    db = args.db if world is None else args.db or world / "relay.sqlite3"  # serve() requires it without a world
    verifiers, issued = StoredVerifierRegister(db), StoredIssuedRegister(db)
    access = PublicAccess(verifiers, issued, SharedRateStore(db))  # a verifier's faces, counted across nodes
    app = public_application(verifier, work, limiter, access, directory=served, pace=pace)
    if world is not None:
        tls = public_tls_context(args.tls_cert or world / "pki" / "relay.pem",
                                 args.tls_key or world / "pki" / "relay.key")
    else:
        tls = public_tls_context(args.tls_cert, args.tls_key)
    sock = listen(args.host, args.port)
    runner, guarded = await listener.serve(app, sock, tls, limits, "public")
    port = sock.getsockname()[1]
    log.event(LOG, "relay.public.listening", port=port, pid=os.getpid())
    stop = stopping.serving()
    if args.port_file:
        write_ports(args.port_file, {"public_port": port, "pid": os.getpid()})
    following = asyncio.create_task(served.follow(stop)) if isinstance(served, DirectoryFollower) else None
    await stop.wait()
    if following is not None:
        await following
    await listener.stop(runner, guarded)
    verifiers.close()
    issued.close()
    access.faces.close()


def _verified(served: DirectorySource) -> Directory | None:
    """The served directory as the anchor verified it, while it is valid."""
    current = served.current()
    return current.directory if current is not None else None


class NotStarted(RuntimeError):
    """The public service did not start; ``said``: it printed why itself (an operator's
    error, exit 2), so its parent has nothing to add."""

    def __init__(self, said: bool) -> None:
        super().__init__("the public verification service did not start")
        self.said = said


def start_child(options: list[str]) -> tuple[subprocess.Popen[bytes], dict[str, int]]:
    """``relay public serve OPTIONS`` as a child process (its own process, never a thread of
    the one that starts it, and ended with it); returns it and its port file
    (``public_port``, ``pid``) once it accepts. :class:`NotStarted` when it does not start."""
    with tempfile.TemporaryDirectory(prefix="relay-public-") as tmp:
        port_file = Path(tmp) / "ports"
        cmd = [sys.executable, "-m", "relay.cli", "public", "serve", *options, "--port-file", str(port_file)]
        child = subprocess.Popen(cmd, preexec_fn=_die_with_parent)
        for _ in range(600):  # up to 60 s: the work server imports pdfium and Pillow first
            if port_file.exists():
                ports: dict[str, int] = json.loads(port_file.read_text())
                return child, ports
            if child.poll() is not None:
                break
            time.sleep(0.1)
        child.kill()
        child.wait()
        raise NotStarted(said=child.returncode == 2)


def _die_with_parent() -> None:
    """In the public service's process: end when the process that started it ends."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
