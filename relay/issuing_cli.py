"""``relay municipality …``, ``relay centre serve``, ``relay audit --municipality`` and
``relay reconcile``: the federation's commands.

``relay municipality init DIR --code C --name N --endpoint URL`` prepares a municipality's
keys, TLS key with CSR, configuration skeleton and ``member.json`` (what the federation
operator admits); ``relay municipality install-cert DIR CERT`` installs the certificate the
federation CA signed for that CSR and pins it in ``member.json``. ``relay municipality
check … --report FILE`` runs the conformance kit against a running server and writes the
report ``relay federation admit --conformance-report`` takes, signed with the centre's
message key (:mod:`relay.federation.report`). ``relay municipality serve``
runs its issuing server; ``relay centre serve`` the centre, reaching each active member of
the directory over pinned mutual TLS (a member admitted later from its first request on,
with no restart) or, with ``--embed DIR``, a municipality's server inside its own process;
it serves the signed directory to kiosks (``GET /v1/directory``) and, with
``--public-port``, starts its public listener (``relay public serve`` on the same directory
file: the directory and QR checks for anyone, in a process of its own).
``relay centre suspensions --state DIR [--reinstate C]`` lists the municipalities the centre
suspended after a wrong document and lifts one (a running centre sees it at its next request);
``relay centre events`` prints the centre's event log (refusals, wrong documents, kiosk alerts).
``relay audit --municipality C --history FILE`` prints the municipality's issuance history
and every refusal (its own and, with ``--centre-db``, the centre's), a table or, with
``--json``, JSON lines;
``relay reconcile`` compares that history with the centre's delivery log, prints every
difference and exits 1 if there is any. Both tell which database they were given by the
identity its server recorded in it (:mod:`relay.store.identity`), so that a file no server
ever opened is refused rather than read as an empty history or centre.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protocol import log
from protocol.clock import JST, SystemClock
from relay import arguments, operator_errors, processes, public_service, stopping, workers
from relay.connection_limits import ConnectionLimits, add_limit_options, check_descriptor_limit, limits_from
from relay.federation.cli import duration
from relay.kiosk_watch import add_kiosk_limit_options
from relay.ports import check_free, listen
from relay.store.db import location
from relay.store.identity import CENTRE, MUNICIPALITY, Identity, identity, named, written_by
from relay.store.protocol import StoreError

if TYPE_CHECKING:
    import ssl

    from protocol.federation.directory import Member
    from relay.centre.store import CentreStore
    from relay.directory_file import DirectoryFile
    from relay.municipal.server import MunicipalServer

LOG = logging.getLogger("relay")
#: The kinds of the centre's event log (relay/centre/core.py, relay/centre/http.py).
EVENT_KINDS = ("refuse", "unavailable", "bad_message", "wrong_document", "kiosk_alert", "timeout")


def add_parsers(sub: Any) -> None:
    m = sub.add_parser("municipality", help="a municipality's issuing server")
    msub = m.add_subparsers(dest="municipality_command", required=True)
    init = msub.add_parser("init", help="prepare keys, TLS key and CSR, configuration and member.json")
    init.add_argument("dir", type=Path)
    init.add_argument("--code", required=True, help="全国地方公共団体コード (six digits)")
    init.add_argument("--name", required=True)
    init.add_argument("--endpoint", required=True, action="append",
                      help="the https URL the centre will call (repeat for each node of a server run as several"
                           " nodes on one database, the first one first)")
    cert = msub.add_parser("install-cert", help="install the TLS certificate the federation CA signed; pin it"
                                                 " in member.json")
    cert.add_argument("dir", type=Path, help="the init directory")
    cert.add_argument("cert", type=Path, help="the certificate relay federation sign-csr wrote (PEM)")
    cert.add_argument("--federation-ca", type=Path, required=True, help="the federation CA that must have signed it")
    serve = msub.add_parser("serve", help="run the issuing server over mutual TLS")
    serve.add_argument("--home", type=Path, required=True, help="the init directory (keys, registry.json)")
    _federation_files(serve)
    serve.add_argument("--state", type=Path, help="history and message log (default: --home); one per node")
    serve.add_argument("--db", type=location, help="the issuance history: a SQLite file (default: history.sqlite3"
                       " in --state) or a postgresql:// URL the municipality's nodes share (relay db upgrade first)")
    serve.add_argument("--host", help="where to listen (default: [server] listen of --home's municipality.toml,"
                                       " else 127.0.0.1)")
    serve.add_argument("--port", type=int, help="(default: [server] listen of municipality.toml, else 8443)")
    serve.add_argument("--port-file", type=Path)
    serve.add_argument("--log-level", type=arguments.log_level, default="WARNING",
                       help="structured JSON events on stderr (WARNING)")
    check = msub.add_parser("check", help="the conformance kit: run before admitting a municipal server")
    check.add_argument("--member", type=Path, required=True, help="the candidate's member.json")
    check.add_argument("--endpoint", help="where to reach it (default: member.json's first endpoint; one node"
                                           " per run)")
    check.add_argument("--profile", type=Path, required=True,
                       help="its test cards: {issuable: [...], refused: {serial: code}, capacity_per_second}")
    check.add_argument("--centre-home", type=Path, required=True, help="the centre's message.key and tls.pem/key")
    check.add_argument("--federation-ca", type=Path, required=True)
    check.add_argument("--report", type=Path,
                       help="write the conformance report here, signed with the centre's message key (what relay"
                            " federation admit --conformance-report takes), passed or not")
    check.add_argument("--report-valid-for", type=duration, default=duration("7d"),
                       help="how long admit takes the report (7d; at most 31d): run the kit again after that")
    c = sub.add_parser("centre", help="the issuing centre")
    csub = c.add_subparsers(dest="centre_command", required=True)
    cs = csub.add_parser("serve", help="serve kiosks and route to the municipal servers")
    cs.add_argument("--home", type=Path, required=True,
                    help="message.key, tls.pem/tls.key (federation client), jpki-ca.pem, jpki-crl.pem,"
                         " card-routing.json")
    _federation_files(cs)
    cs.add_argument("--kiosk-cert", type=Path, required=True,
                    help="the TLS certificate kiosks see, then any intermediate CA certificates (only this is sent)")
    cs.add_argument("--kiosk-key", type=Path, required=True)
    cs.add_argument("--kiosk-ca", type=Path, required=True, help="the operator CA of kiosk certificates")
    cs.add_argument("--register-db", type=location, required=True,
                    help="the kiosk register's database, a SQLite file or a postgresql:// URL (relay kiosk … --db)")
    cs.add_argument("--state", type=Path, help="the message log; the centre's database too without --db"
                                                 " (default: --home)")
    cs.add_argument("--db", type=location,
                    help="sessions, delivery log, events, suspensions, technician events, registered verifiers"
                         " and rate counts: a SQLite file (the rate counts of several --workers beside it, in"
                         " NAME-rates.sqlite3; one process keeps them in memory) or a postgresql:// URL several"
                         " centre nodes share (default: centre.sqlite3 in --state)")
    cs.add_argument("--embed", type=Path, action="append", default=[],
                    help="run this municipality's server (its init directory) inside the centre's process")
    cs.add_argument("--municipal-deadline", type=arguments.seconds, default=3.0,
                    help="seconds for one call to a municipal server (3)")
    cs.add_argument("--host", default="127.0.0.1")
    cs.add_argument("--port", type=int, default=8443)
    cs.add_argument("--port-file", type=Path)
    cs.add_argument("--workers", type=int, default=1,
                    help="centre processes sharing the port and the databases, each with its own event loop (1);"
                         " not with --embed")
    cs.add_argument("--log-level", type=arguments.log_level, default="WARNING",
                    help="structured JSON events on stderr (WARNING)")
    cs.add_argument("--public-port", type=int,
                    help="also start the centre's public listener on this port (0: a free one), a process of its own:"
                         " the directory it routes by, to anyone, and QR checks of any member's documents")
    cs.add_argument("--public-cert", type=Path, help="the public listener's TLS certificate (default: --kiosk-cert)")
    cs.add_argument("--public-key", type=Path, help="its key (default: --kiosk-key)")
    cs.add_argument("--public-checks-per-minute", type=arguments.count, default=60,
                    help="its QR checks per source address (60)")
    add_limit_options(cs, ConnectionLimits())
    add_kiosk_limit_options(cs)
    su = csub.add_parser("suspensions", help="list the municipalities the centre suspended; lift one")
    _centre_database(su)
    su.add_argument("--reinstate", metavar="CODE", help="route to this municipality again (after the incident)")
    ev = csub.add_parser("events", help="the centre's event log: refusals, unavailable municipalities, wrong"
                                        " documents, kiosk alerts (JSON lines)")
    _centre_database(ev)
    ev.add_argument("--kind", choices=EVENT_KINDS, help="only this kind")
    r = sub.add_parser("reconcile", help="a municipality's issuance history against the centre's delivery log")
    r.add_argument("--municipality", required=True)
    r.add_argument("--history", type=location, required=True,
                   help="the municipality's history: its history.sqlite3 or its nodes' postgresql:// URL")
    r.add_argument("--centre-db", type=location, required=True,
                   help="the centre's database: its centre.sqlite3 or its postgresql:// URL")


def _federation_files(p: argparse.ArgumentParser) -> None:
    p.add_argument("--directory", type=Path, required=True, help="the signed federation directory")
    p.add_argument("--anchor", type=Path, required=True, help="the federation anchor (installed out of band)")
    p.add_argument("--federation-ca", type=Path, required=True, help="the CA of centre and server certificates")


def run(args: argparse.Namespace) -> int:
    if args.command == "reconcile":
        return reconcile(args)
    if args.command == "municipality" and args.municipality_command == "init":
        from relay.municipal.init import initialise

        try:
            member = initialise(args.dir, args.code, args.name, args.endpoint[0],
                                more_endpoints=tuple(args.endpoint[1:]))
        except (ValueError, FileExistsError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:  # a parent that is a file, no permission, a full disk
            print(f"error: cannot write {exc.filename or args.dir} ({exc.strerror})", file=sys.stderr)
            return 2
        print(f"{args.dir / 'member.json'}: {member.code} {member.name}; send tls.csr to the federation CA")
        return 0
    if args.command == "municipality" and args.municipality_command == "install-cert":
        from relay.municipal.init import CertificateError, install_certificate

        try:
            pin = install_certificate(args.dir, args.cert.read_bytes(), args.federation_ca.read_bytes())
        except OSError as exc:
            print(f"error: cannot read {exc.filename} ({exc.strerror})", file=sys.stderr)
            return 2
        except CertificateError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"{args.dir / 'tls.pem'} installed; member.json pins {pin}")
        return 0
    if args.command == "centre" and args.centre_command == "suspensions":
        return suspensions(args)
    if args.command == "centre" and args.centre_command == "events":
        return centre_events(args)
    if args.command == "municipality" and args.municipality_command == "check":
        return asyncio.run(_check(args))
    log.configure(log.level_named(args.log_level))
    if args.command == "municipality":
        return _serve_municipality(args)
    return _serve_centre(args)


async def _check(args: argparse.Namespace) -> int:
    """Every check passed: exit 0; any failed: exit 1 (the server is not to be admitted)."""
    from dataclasses import replace

    from protocol.federation.directory import Member
    from relay.centre.conformance import Conformance, Profile
    from relay.centre.remote import RemoteMunicipality
    from relay.federation.report import MAX_VALID_FOR, Check, is_report_file, sign_report
    from relay.federation_local import load_ed25519
    from relay.federation_tls import client_context

    if args.report_valid_for > MAX_VALID_FOR:
        print(f"error: --report-valid-for is at most {MAX_VALID_FOR.days}d", file=sys.stderr)
        return 2

    from protocol.federation.directory import DirectoryError

    try:  # a file that is missing or unreadable: the command line's one line (relay/operator_errors.py)
        listed = Member.from_json(json.loads(args.member.read_text(encoding="utf-8")))
    except (ValueError, DirectoryError) as exc:
        print(f"error: --member is not a municipality's member.json ({type(exc).__name__})", file=sys.stderr)
        return 2
    try:
        profile = Profile.from_json(json.loads(args.profile.read_text(encoding="utf-8")))
    except json.JSONDecodeError:
        print("error: --profile is not JSON", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: --profile: {exc}", file=sys.stderr)
        return 2
    if args.report and not args.report.parent.is_dir():
        print(f"error: {args.report.parent}: no such directory (for --report)", file=sys.stderr)
        return 2
    if args.report and (args.report.exists() or args.report.is_symlink()) and not is_report_file(args.report):
        print(f"error: {args.report} exists and is not a conformance report: name a new file for --report",
              file=sys.stderr)
        return 2
    # one node exactly (no failover to the others): each node of a server run as several is
    # checked by its own run with --endpoint
    member = replace(listed, endpoint=args.endpoint or listed.endpoint, more_endpoints=())
    tls = client_context(args.centre_home / "tls.pem", args.centre_home / "tls.key", args.federation_ca)
    port = RemoteMunicipality(lambda: member, tls)
    try:
        centre_key = load_ed25519(args.centre_home / "message.key")
        kit = Conformance(member, port, centre_key)
        results = await kit.run(profile)
    finally:
        await port.close()
    for result in results:
        print(f"{'PASS' if result.ok else 'FAIL'} {result.check}" + (f": {result.detail}" if result.detail else ""))
    passed = all(r.ok for r in results)
    print(f"{member.code}: {'conforms' if passed else 'does NOT conform: not to be admitted'}")
    if args.report:
        # signed with the centre's message key: admit believes it only from a centre of its federation
        args.report.write_bytes(sign_report(listed, member.endpoint, [Check(r.check, r.ok, r.detail) for r in results],
                                            centre_key, dt.datetime.now(dt.UTC), args.report_valid_for))
    return 0 if passed else 1


def _serve_municipality(args: argparse.Namespace) -> int:
    """``relay municipality serve``: its files are read before anything listens, and one
    that cannot be used is named in one line (exit 2), not in a traceback."""
    import ssl

    from protocol.federation.directory import DirectoryError
    from relay.federation_local import directory_file, municipal_server
    from relay.federation_tls import server_context

    home = args.home
    missing = _missing([home / "tls.pem", home / "tls.key", home / "issuer.key", home / "message.key",
                        home / "scramble.key", home / "registry.json", args.directory, args.anchor, args.federation_ca]
                       ) or _no_directory(args.state)
    if missing:
        print(f"error: the municipal server cannot start: {missing}", file=sys.stderr)
        return 2
    try:
        args.host, args.port = _listen(home / "municipality.toml", args.host, args.port)
    except ValueError as exc:
        print(f"error: the municipal server cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        check_free(args.host, args.port)  # before any state is made
    except OSError as exc:  # "cannot listen on HOST:N: port N is in use"
        print(f"error: the municipal server cannot start: {operator_errors.describe(exc)}", file=sys.stderr)
        return 2
    unsigned = _not_signed_by(home / "tls.pem", args.federation_ca)
    if unsigned:
        print(f"error: the municipal server cannot start: {unsigned}", file=sys.stderr)
        return 2
    clock = SystemClock()
    unverified = _unverified_directory(args.directory, args.anchor, clock)
    if unverified:
        print(f"error: the municipal server cannot start: {unverified}", file=sys.stderr)
        return 2
    try:
        tls = server_context(home / "tls.pem", home / "tls.key", args.federation_ca)
        server = municipal_server(args.home, directory_file(args.directory, args.anchor, clock), clock, args.state,
                                  args.db)
    except (OSError, ssl.SSLError, ValueError, KeyError, DirectoryError) as exc:  # KeyError: a registry field
        print(f"error: the municipal server cannot start: {operator_errors.describe(exc)}", file=sys.stderr)
        return 2
    operator_errors.one_line(lambda: asyncio.run(_municipality(args, server, tls)), serving=True)
    return 0


def _unverified_directory(directory: Path, anchor: Path, clock: SystemClock) -> str | None:
    """Why the directory file cannot be used with the anchor file (None when it can): an
    anchor that is not one, or a directory it does not verify, both files named and the
    refusal explained (:func:`relay.directory_file.not_verified`)."""
    from protocol.federation.directory import MAX_DIRECTORY_BYTES, Anchor, DirectoryError, verify
    from relay.directory_file import not_verified

    try:
        held = Anchor.from_bytes(anchor.read_bytes())
    except DirectoryError:
        return f"{anchor} is not a federation anchor (--anchor)"
    with open(directory, "rb") as f:
        data = f.read(MAX_DIRECTORY_BYTES + 1)
    try:
        verify(data, held, clock.now().astimezone(dt.UTC))
    except DirectoryError as exc:
        return not_verified(directory, anchor, exc)
    return None


def _listen(config: Path, host: str | None, port: int | None) -> tuple[str, int]:
    """Where ``relay municipality serve`` listens: ``--host``/``--port``, else ``[server]
    listen`` of the ``municipality.toml`` its ``init`` wrote, else 127.0.0.1:8443."""
    import tomllib

    listen = None
    if config.is_file():
        try:
            listen = tomllib.loads(config.read_text(encoding="utf-8")).get("server", {}).get("listen")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"{config}: not readable TOML ({type(exc).__name__})") from exc
    given_host, given_port = "127.0.0.1", 8443
    if listen is not None:
        text = str(listen)
        name, _, number = text.rpartition(":")
        if not name or not number.isdigit() or not 0 <= int(number) <= 65535:
            raise ValueError(f"{config}: [server] listen is HOST:PORT, got {text!r}")
        given_host, given_port = name.strip("[]"), int(number)
    return host or given_host, given_port if port is None else port


def _not_signed_by(cert_file: Path, ca_file: Path) -> str | None:
    """Why ``cert_file`` is not a certificate ``ca_file`` signed (None when it is): a server
    whose certificate another CA signed (or still the self-signed one of ``init``) would
    start, and the centre could never reach it."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
    except (OSError, ValueError):
        return f"{cert_file} or {ca_file} is not a PEM certificate"
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return (f"{cert_file} was not signed by --federation-ca {ca_file}: install the certificate the federation"
                " signed (relay municipality install-cert)")
    return None


def _missing(paths: list[Path]) -> str | None:
    """The first of ``paths`` that is not a readable file, as an operator would be told."""
    for path in paths:
        if path.is_dir():
            return f"{path}: a directory, not a file"
        if not path.is_file() or not os.access(path, os.R_OK):
            return f"{path}: no such file" if not path.exists() else f"{path}: not a readable file"
    return None


def _no_directory(state: Path | None) -> str | None:
    """``--state`` when it names no directory (a typo would otherwise start a server on
    empty state)."""
    return f"{state}: no such directory (--state)" if state is not None and not state.is_dir() else None


async def _municipality(args: argparse.Namespace, server: MunicipalServer, tls: ssl.SSLContext) -> None:
    from aiohttp import web

    from relay.municipal.http import application

    runner = web.AppRunner(application(server.handle, server.history.scrub), access_log=None, handle_signals=False)
    await runner.setup()
    sock = listen(args.host, args.port)
    await web.SockSite(runner, sock, ssl_context=tls).start()
    log.event(LOG, "municipal.listening", municipality=server.code, port=sock.getsockname()[1], pid=os.getpid())
    await stopping.until_stopped(args.port_file, {"port": sock.getsockname()[1]})
    await runner.cleanup()


def _serve_centre(args: argparse.Namespace) -> int:
    """The centre: one process, or ``--workers`` processes on one socket (:mod:`relay.workers`);
    its public listener, when asked for, a process of its own beside them."""
    if error := workers.count_error(args.workers):
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.workers > 1 and args.embed:
        print("error: --embed runs municipal servers inside the centre's process: use it with --workers 1",
              file=sys.stderr)
        return 2
    try:
        check_descriptor_limit(limits_from(args).max_connections)
    except ValueError as exc:  # a cap or deadline of 0, or more connections than open files
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unusable = _unusable_centre_files(args)
    if unusable:
        print(f"error: {unusable}", file=sys.stderr)
        return 2
    if args.public_port is not None:  # a port taken: "port N is in use", exit 2 (relay/operator_errors.py)
        check_free(args.host, args.public_port)
    sock = listen(args.host, args.port)  # the same, before any state is made
    db, rates = _prepare_centre_state(args)
    ports = {"port": sock.getsockname()[1]}
    public = None
    if args.public_port is not None:  # after the state exists: the child reads the same database
        try:
            public, started = public_service.start_child(_public_options(args, db))
        except public_service.NotStarted as exc:
            if not exc.said:  # else it said why itself, in one line
                print(f"error: {exc}", file=sys.stderr)
            return 2 if exc.said else 1
        ports |= {"public_port": started["public_port"], "public_pid": started["pid"]}
    try:
        return workers.serve(args.workers, lambda port_file, ready: _centre(args, sock, rates, port_file, ports, ready),
                             args.port_file, ports)
    finally:
        if public is not None:
            processes.stop(public)


def _unusable_centre_files(args: argparse.Namespace) -> str | None:
    """Which of the centre's files cannot serve and why (the kind of error, never a key's
    bytes), checked once before any worker starts; None when all can."""
    import ssl

    from protocol.federation.directory import Anchor, DirectoryError
    from relay.centre.core import CardRouting
    from relay.federation_local import load_ed25519
    from relay.federation_tls import client_context
    from relay.http import server_tls_context
    from relay.jpki import JpkiVerifier

    home = args.home
    missing = _missing([args.kiosk_cert, args.kiosk_key, args.kiosk_ca, home / "tls.pem", home / "tls.key",
                        args.federation_ca, home / "message.key", home / "jpki-ca.pem", home / "jpki-crl.pem",
                        home / "card-routing.json", args.directory, args.anchor,
                        *([args.register_db] if isinstance(args.register_db, Path) else []),  # made by relay kiosk
                        *[embedded / name for embedded in args.embed for name in (
                            "registry.json", "issuer.key", "message.key", "scramble.key")],
                        ]) or _no_directory(args.state)
    if missing:
        return missing
    checks: list[tuple[str, Callable[[], object]]] = [
        ("the kiosks' TLS files (--kiosk-cert, --kiosk-key, --kiosk-ca)",
         lambda: server_tls_context(args.kiosk_cert, args.kiosk_key, args.kiosk_ca)),
        ("the federation TLS files (tls.pem and tls.key in --home, --federation-ca)",
         lambda: client_context(home / "tls.pem", home / "tls.key", args.federation_ca)),
        ("the message key (message.key in --home)", lambda: load_ed25519(home / "message.key")),
        ("the JPKI files (jpki-ca.pem and jpki-crl.pem in --home)",
         lambda: JpkiVerifier.from_files(home / "jpki-ca.pem", home / "jpki-crl.pem")),
        ("the card routing (card-routing.json in --home)",
         lambda: CardRouting(home / "card-routing.json").municipality("0")),
        ("the federation anchor (--anchor)", lambda: Anchor.from_bytes(args.anchor.read_bytes())),
    ]
    for what, check in checks:
        try:
            check()
        except (OSError, ssl.SSLError, ValueError, AttributeError, DirectoryError) as exc:  # AttributeError: not a map
            return f"{what} cannot be used ({type(exc).__name__})"
    return _unverified_directory(args.directory, args.anchor, SystemClock())


def _prepare_centre_state(args: argparse.Namespace) -> tuple[Path | str, Path | str]:
    """Bring up the centre's databases (store, message log, shared rate counts) once,
    before any worker opens them; the store's database, and where the rate counts are
    shared.

    On SQLite the shared rate counts have a file of their own: they are written on the
    event loop at every session, and must not wait for the store's writer, which holds
    centre.sqlite3 for its flushes (relay/centre/store.py). One worker keeps them in memory
    (:func:`relay.rate_limits.kiosk_rate_store`) and needs no such file."""
    from relay.centre.store import CentreStore
    from relay.message_log import MessageLog
    from relay.rate_limits import SharedRateStore, kiosk_counts_shared

    state = args.state or args.home
    db = args.db if args.db is not None else state / "centre.sqlite3"
    rates = db if isinstance(db, str) else db.with_name(db.stem + "-rates.sqlite3")
    CentreStore(db).close()
    MessageLog(state / "centre-messages.sqlite3").close()
    if kiosk_counts_shared(rates, args.workers):
        SharedRateStore(rates).close()
    return db, rates


async def _centre(args: argparse.Namespace, sock: socket.socket, rates: Path | str, port_file: Path | None,
                  ports: dict[str, int], ready_fd: int | None = None) -> None:
    """One centre process on ``sock``: its own store connections, message-log writer,
    ports to the municipal servers and event loop."""
    from relay import listener
    from relay.centre.core import CentreSettings
    from relay.centre.http import CentreApp
    from relay.centre.port import Municipality
    from relay.centre.remote import RemoteMunicipality
    from relay.federation_local import InProcessMunicipality, centre, directory_file, municipal_server
    from relay.federation_tls import client_context
    from relay.http import server_tls_context
    from relay.kiosk_identity import KioskIdentity
    from relay.kiosk_register import StoredKioskRegister
    from relay.kiosk_watch import KioskWatch, kiosk_limits_from
    from relay.rate_limits import kiosk_rate_store

    clock = SystemClock()
    directory = directory_file(args.directory, args.anchor, clock)
    municipalities: dict[str, Municipality] = {}
    for home in args.embed:  # its history and message log under the centre's state, in its own directory
        state = (args.state or args.home) / f"municipality-{home.resolve().name}"
        state.mkdir(exist_ok=True)
        server = municipal_server(home, directory, clock, state)
        municipalities[server.code] = InProcessMunicipality(server)
    tls = client_context(args.home / "tls.pem", args.home / "tls.key", args.federation_ca)

    def connect(code: str) -> Municipality:
        return RemoteMunicipality(_listed(directory, code), tls, deadline=args.municipal_deadline)

    for member in directory.current().members:
        if member.code not in municipalities:
            municipalities[member.code] = connect(member.code)
    core = centre(args.home, directory, municipalities, clock, args.state,
                  CentreSettings(municipal_deadline=args.municipal_deadline), connect, db=args.db)
    app = CentreApp(core, KioskIdentity(StoredKioskRegister(args.register_db)),
                    KioskWatch(kiosk_rate_store(rates, args.workers), kiosk_limits_from(args), audit=core.kiosk_alert,
                               clock=lambda: clock.now().timestamp()), directory.served)
    try:
        runner, served = await listener.serve(app.application(), sock,
                                              server_tls_context(args.kiosk_cert, args.kiosk_key, args.kiosk_ca),
                                              limits_from(args), "centre")
        log.event(LOG, "centre.listening", port=ports["port"], pid=os.getpid())
        await stopping.until_stopped(port_file, ports, ready_fd)
        await listener.stop(runner, served)
    finally:
        app.close()


def _public_options(args: argparse.Namespace, db: Path | str) -> list[str]:
    """``relay public serve`` as the centre's public listener: the same directory file and
    anchor the centre routes by (so a new member or a rotated key verifies there as soon as
    the centre takes the directory), the centre's database for registered verifiers, no
    test world (no municipality's keys or scramble master)."""
    return ["--directory", str(args.directory), "--anchor", str(args.anchor), "--db", str(db),
            "--host", args.host, "--port", str(args.public_port),
            "--tls-cert", str(args.public_cert or args.kiosk_cert), "--tls-key", str(args.public_key or args.kiosk_key),
            "--checks-per-minute", str(args.public_checks_per_minute)]


def _listed(directory: DirectoryFile, code: str) -> Callable[[], Member | None]:
    """``code``'s entry in the directory as it is at each call (a new pin, a new endpoint)."""
    return lambda: directory.current().member(code)


def audit(args: argparse.Namespace) -> int:
    """The municipality's own issuance history and every refusal (with ``--centre-db``, the
    centre's records of it too), those since ``--since``: a table for an operator, one line a record in time order
    (:func:`audit_table`); with ``--json`` one JSON object a line for scripts (the issuances,
    then the refusals, then the centre's records, each oldest first)."""
    from relay.municipal.history import IssuanceHistory

    if not args.history:
        print("error: --history names the municipality's history.sqlite3 or its postgresql:// URL", file=sys.stderr)
        return 2
    if isinstance(args.history, Path) and not args.history.exists():
        print(f"error: no such file: {args.history} (--history)", file=sys.stderr)
        return 2
    if isinstance(args.centre_db, Path) and not args.centre_db.exists():
        print(f"error: no such file: {args.centre_db} (--centre-db)", file=sys.stderr)
        return 2
    seen = _seen(args.history, "--history")
    mistaken = _mistaken(seen, _seen(args.centre_db, "--centre-db") if args.centre_db else None, args.municipality)
    if mistaken:
        print(f"error: {mistaken}", file=sys.stderr)
        return 2
    history = IssuanceHistory(args.history, read_only=True)
    try:  # only the period asked for is read: the database chooses the rows (the history grows for years)
        entries = history.entries(since=args.since)
        ends = history.ends()  # whose serials: the oldest and the newest request too, wherever --since falls
        other = _another_municipality([*ends[:1], *entries, *ends[1:]], args.municipality)
        if other:
            print(f"error: --history is {other}'s issuance history, not {args.municipality}'s", file=sys.stderr)
            return 2
        refused = history.refusals(since=args.since)
        empty = not ends and history.empty()  # a request at either end: not empty, no second look
    finally:
        history.close()
    if empty:  # a new server's (a file no server claimed was refused above)
        print(_nothing_since(seen, "--history", "request"), file=sys.stderr)
    records = [{"record": "issued", **entry} for entry in entries]
    records += [{"record": "refused", **entry} for entry in refused]
    if args.centre_db:
        from relay.centre.store import CentreStore

        centre = CentreStore(args.centre_db, read_only=True)
        try:
            records += [{"record": "centre_" + event.pop("kind"), **event}
                        for event in centre.events(args.municipality, since=args.since)]
        finally:
            centre.close()
    if args.json:
        for record in records:
            print(json.dumps(record, ensure_ascii=False))
        return 0
    for line in audit_table(records):
        print(line)
    counts = [f"{len(entries)} issued", f"{len(refused)} refused"]
    if args.centre_db:
        counts.append(f"{len(records) - len(entries) - len(refused)} centre records")
    print(", ".join(counts))
    return 0


#: The columns of ``relay audit --municipality``'s table (those of ``relay audit --db``'s):
#: its heading and the record's field it shows. Only these are printed, whatever a record
#: holds (the JSON lines carry the rest: session ids, fingerprints, document hashes); no
#: record holds a name, an address or a My Number (the documents are kept apart, never read
#: here).
AUDIT_COLUMNS = (("time (JST)", "at"), ("terminal", "kiosk_id"), ("record", "record"), ("code", "code"),
                 ("resident", "resident_id"), ("card serial", "cert_serial"), ("certificate", "cert_type"),
                 ("copies", "copies"), ("amount", "fee"), ("request", "request_id"))
_RIGHT = frozenset({"copies", "fee"})


def audit_table(records: list[dict[str, Any]]) -> list[str]:
    """``relay audit --municipality``'s table: a heading, then one line a record, oldest
    first, the columns aligned: the time in JST; ``code``, a refusal's or a centre record's
    reason, an issuance's outcome (``no outcome`` until the kiosk reports one); an
    issuance's copies and fee, and after the columns its document serials and, when the
    outcome's copies or amount differ from them, those (``outcome_copies=0``)."""
    rows = [[heading for heading, _ in AUDIT_COLUMNS]]
    tails = [""]
    for record in sorted(records, key=lambda r: float(r["at"])):
        cells = []
        for _, field in AUDIT_COLUMNS:
            value = record.get(field)
            if field == "at":
                cells.append(dt.datetime.fromtimestamp(float(record["at"]), JST).strftime("%Y-%m-%d %H:%M:%S"))
            elif field == "code" and record["record"] == "issued":
                cells.append(str(record["outcome"] or "no outcome"))
            else:
                cells.append("" if value is None else str(value))
        rows.append(cells)
        tails.append(_issued_details(record) if record["record"] == "issued" else "")
    widths = [max(len(row[n]) for row in rows) for n in range(len(AUDIT_COLUMNS))]
    lines = []
    for row, tail in zip(rows, tails, strict=True):
        cells = [cell.rjust(width) if field in _RIGHT else cell.ljust(width)
                 for cell, width, (_, field) in zip(row, widths, AUDIT_COLUMNS, strict=True)]
        lines.append(("  ".join(cells) + ("  " + tail if tail else "")).rstrip())
    return lines


def _issued_details(entry: dict[str, Any]) -> str:
    details = ["serials=" + ",".join(str(serial) for serial in entry["serials"])]
    if entry["outcome"] is not None:
        for field, issued in (("outcome_copies", "copies"), ("outcome_amount", "fee")):
            if entry[field] != entry[issued]:
                details.append(f"{field}={entry[field]}")
    return " ".join(details)


def _centre_database(p: argparse.ArgumentParser) -> None:
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--state", type=Path, help="the centre's state directory (its centre.sqlite3)")
    where.add_argument("--db", type=location, help="the centre's database (relay centre serve --db)")


def _centre_store(args: argparse.Namespace, read_only: bool = False) -> CentreStore | None:
    from relay.centre.store import CentreStore

    db = args.db if args.db is not None else args.state / "centre.sqlite3"
    if isinstance(db, Path) and not db.exists():
        print(f"error: no centre state at {db}", file=sys.stderr)
        return None
    return CentreStore(db, read_only)


def centre_events(args: argparse.Namespace) -> int:
    """The centre's event log, oldest first, as JSON lines."""
    store = _centre_store(args, read_only=True)
    if store is None:
        return 2
    for event in store.events(kind=args.kind):
        print(json.dumps(event, ensure_ascii=False))
    store.close()
    return 0


def suspensions(args: argparse.Namespace) -> int:
    """The centre's suspension list (municipality, why); ``--reinstate`` lifts one."""
    store = _centre_store(args, read_only=not args.reinstate)
    if store is None:
        return 2
    if args.reinstate:
        if args.reinstate not in store.suspended():
            print(f"error: {args.reinstate} is not suspended", file=sys.stderr)
            return 2
        store.reinstate(args.reinstate)
    for code, why in sorted(store.suspended().items()):
        print(f"{code} suspended: {why}")
    return 0


def differences(history: list[dict[str, Any]], deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every request one side has and the other has not, or where they disagree on what
    was issued (serials, document hashes, type, copies) or on the outcome. The conformance
    kit's requests (:data:`~relay.centre.conformance.KIT_KIOSK`) never pass the centre:
    not differences."""
    from relay.centre.conformance import KIT_KIOSK

    ours = {h["request_id"]: h for h in history if h["kiosk_id"] != KIT_KIOSK}
    theirs = {d["request_id"]: d for d in deliveries}
    out = []
    for rid in sorted(set(ours) | set(theirs)):
        h, d = ours.get(rid), theirs.get(rid)
        if h is None or d is None:
            out.append({"request_id": rid, "difference": "not_delivered" if d is None else "not_in_history"})
            continue
        for field in ("serials", "document_sha256", "cert_type", "copies", "session_id", "kiosk_id"):
            if h[field] != d[field]:
                out.append({"request_id": rid, "difference": field})
        if (h["outcome"], h["outcome_copies"]) != (d["outcome"], d["outcome_copies"]):
            out.append({"request_id": rid, "difference": "outcome"})
    return out


def reconcile(args: argparse.Namespace) -> int:
    from relay.centre.conformance import KIT_KIOSK
    from relay.centre.store import CentreStore
    from relay.municipal.history import IssuanceHistory

    for path in (args.history, args.centre_db):
        if isinstance(path, Path) and not path.exists():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 2
    seen_history, seen_centre = _seen(args.history, "--history"), _seen(args.centre_db, "--centre-db")
    mistaken = _mistaken(seen_history, seen_centre, args.municipality)
    if mistaken:
        print(f"error: {mistaken}", file=sys.stderr)
        return 2
    history = IssuanceHistory(args.history, read_only=True).entries()
    other = _another_municipality(history, args.municipality)
    if other:
        print(f"error: --history is {other}'s issuance history, not {args.municipality}'s", file=sys.stderr)
        return 2
    centre = CentreStore(args.centre_db, read_only=True)
    deliveries = centre.deliveries(args.municipality)
    delivered_any = bool(deliveries) or centre.has_deliveries()
    centre.close()
    found = differences(history, deliveries)
    for entry in found:
        print(json.dumps(entry))
    print(f"{len(found)} difference(s)", file=sys.stderr)
    kit = sum(1 for h in history if h["kiosk_id"] == KIT_KIOSK)
    if kit:
        print(f"note: {kit} request(s) of the conformance kit (kiosk {KIT_KIOSK}, straight to the server, never"
              " through the centre) are not differences", file=sys.stderr)
    if not history:  # a new server's (a file no server claimed was refused above)
        print(_nothing_since(seen_history, "--history", "request"), file=sys.stderr)
    if not delivered_any:  # a new centre's
        print(_nothing_since(seen_centre, "--centre-db", "delivery"), file=sys.stderr)
    elif not deliveries:
        print(f"note: --centre-db {seen_centre.name} has recorded deliveries, none of {args.municipality}",
              file=sys.stderr)
    return 1 if found else 0


@dataclass(frozen=True)
class _Seen:
    """What a database given to audit or reconcile says of itself: the identity its server
    recorded (:mod:`relay.store.identity`; None before any did) and whose rows it holds
    (all a database from before the identity was recorded is known by)."""

    name: str  # as a message may show it (a URL without its password)
    identity: Identity | None
    rows: set[str]

    def side(self) -> str | None:
        """``centre`` or ``municipality`` when the file says which; None when it cannot (no
        identity, and both sides' rows or none)."""
        if self.identity is not None:
            return self.identity.role
        return next(iter(self.rows)) if len(self.rows) == 1 else None

    def anonymous(self) -> bool:
        """No server ever recorded itself in it and it holds no centre or municipal row: a
        new file (``relay db upgrade`` under a mistyped name), another relay's database, or
        one no centre or municipal server has opened since identities were recorded."""
        return self.identity is None and not self.rows


def _seen(db: Path | str, flag: str) -> _Seen:
    """Read-only: a SQLite file is left as it was (an older schema is refused, naming
    ``relay db upgrade``; an empty file as not a relay database; a file that is not SQLite's
    is named with its option, which SQLite's own words do not)."""
    import sqlite3

    from relay.store.db import open_database

    try:
        database = open_database(db, "relay-audit", read_only=True)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):  # locked, unreadable: SQLite's words name no file
            raise StoreError(f"{flag} {named(db)} cannot be opened: {exc}") from None
        raise StoreError(f"{flag} {named(db)} is not a SQLite database: {exc}") from None
    try:
        return _Seen(named(db), identity(database), written_by(database))
    finally:
        database.close()


def _mistaken(history: _Seen, centre_db: _Seen | None, municipality: str) -> str | None:
    """Why ``--history`` is not ``municipality``'s issuance history or ``--centre-db`` not the
    centre's database (None when nothing says so): the identity its server recorded, or
    before one was, its rows (a file holding only the other side's rows is the other side's);
    a file that has neither is no server's, and is refused too, never read as an empty one."""
    history_is_centre = history.side() == CENTRE
    centre_is_history = centre_db is not None and centre_db.side() == MUNICIPALITY
    if history_is_centre and centre_is_history:
        return (f"--history {history.name} and --centre-db {centre_db and centre_db.name} are swapped: give the"
                " municipality's issuance history as --history and the centre's database as --centre-db")
    if history_is_centre:
        return (f"--history {history.name} is the issuing centre's database ({_why(history)}, and no issuance"
                " history): give the municipality's history.sqlite3 or its nodes' postgresql:// URL")
    if centre_is_history and centre_db is not None:
        return (f"--centre-db {centre_db.name} is a municipality's issuance history ({_why(centre_db)}): give the"
                " centre's centre.sqlite3 or its postgresql:// URL")
    if history.identity is not None and history.identity.code != municipality:
        return f"--history is {history.identity.code}'s issuance history, not {municipality}'s"
    if history.anonymous():
        return (f"--history {history.name} is not a municipality's issuance history: no municipal server has"
                " recorded itself in it and it holds no issuance, refusal or serial number (a new file, another"
                " relay's database, or one its server has not opened since it records itself)")
    if centre_db is not None and centre_db.anonymous():
        return (f"--centre-db {centre_db.name} is not the centre's database: no centre has recorded itself in it and"
                " it holds no session, delivery, event or suspension (a new file, another relay's database, or one"
                " the centre has not opened since it records itself)")
    return None


def _why(seen: _Seen) -> str:
    """How the file says what it is: its recorded identity, or its rows."""
    if seen.identity is not None:
        return f"recorded so by its server {seen.identity.since()}"
    if seen.side() == CENTRE:
        return "it holds the centre's sessions, deliveries, events or suspensions"
    return ("it holds issuances, refusals or serial numbers, and none of the centre's sessions, deliveries, events"
            " or suspensions")


def _nothing_since(seen: _Seen, flag: str, what: str) -> str:
    """The note for a database that has recorded no ``what``: which database it is and since
    when, as its server recorded them; otherwise that it is from before they were recorded."""
    if seen.identity is not None:
        return (f"note: {flag} {seen.name} ({seen.identity.kind()}) has recorded no {what} since its server first"
                f" opened it, {seen.identity.since()}")
    return (f"note: {flag} {seen.name} holds no {what} (an older database: its server has not recorded itself in it"
            " yet, nor when it first opened it)")


def _another_municipality(history: list[dict[str, Any]], code: str) -> str | None:
    """The municipality whose history this is, when it is not ``code``'s: every document
    serial starts with its issuer's code (``139998-…``)."""
    for entry in history:
        for serial in entry["serials"]:
            issuer = str(serial).split("-", 1)[0]
            if issuer != code:
                return issuer
    return None
