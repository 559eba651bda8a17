"""Printing benchmark: rendering per certificate type, and a job through CUPS.

``python -m bench.render [--rounds 10] [--jobs 10] [--world DIR] [--record]``

- **render**: ``protocol.paper.render.render`` (layout, ground pattern, face raster,
  scrambling, signed QR, PDF in memory) for each certificate type, for the test world's
  household head (the 住民票 with the whole household and every option). The first call of
  a process also builds the ground pattern and loads the fonts; it is reported apart.
  "per page" divides by the face pages (each face comes with its back).
- **cups**: submission to ``completed`` (job-completed notification) of the canary's
  certificate on a private cupsd (``hardware_mocks.services.cupsd``): stream, pdftopdf,
  fault backend writing the PDF, then purge and the spool check.

Goals (issue 4): ≤ 150 ms per page, ≤ 400 KB per document. ``--record`` rewrites the
"## Printing" section of ``docs/benchmarks.md`` in place.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.record import cpu_name, record
from hardware_mocks.world import World, create
from protocol.documents.catalogue import CertType

PERSONA = "shiken-ichiro"
ALL_OPTIONS = {"scope": "household", "honseki": "include", "relationship": "include", "my_number": "include"}


def _issuer_key(world: World) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    assert isinstance(key, Ed25519PrivateKey)  # the test world's issuer signs with Ed25519
    return key


def _documents(world: World) -> list[tuple[str, dict[str, Any]]]:
    from relay.documents import assemble

    data = world.data
    issued = dt.date.fromisoformat(data["today"])
    resident = world.persona(PERSONA)["resident"]
    out = []
    for cert_type in CertType:
        options = ALL_OPTIONS if cert_type is CertType.JUMINHYO else (
            {"scope": "household"} if cert_type is CertType.JUMINHYO_KISAI else {})
        out.append((cert_type.value, dict(assemble(data, resident, cert_type, options,
                                                   "139998-00000001", issued))))
    return out


def bench_render(world: World, rounds: int) -> tuple[float, list[str]]:
    from protocol.paper.render import render

    key = _issuer_key(world)
    scramble_key = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    docs = _documents(world)
    start = time.perf_counter()
    render(docs[0][1], key, scramble_key)
    cold = time.perf_counter() - start
    rows = []
    for name, document in docs:
        times, size, faces = [], 0, 0
        for _ in range(rounds):
            t0 = time.perf_counter()
            out = render(document, key, scramble_key)
            times.append(time.perf_counter() - t0)
            size, faces = len(out.pdf), out.face_pages
        med = statistics.median(times) * 1000
        rows.append(f"| {name} | {faces} | {med:.0f} | {med / faces:.0f} | {max(times) * 1000:.0f} | "
                    f"{size / 1024:.0f} |")
    return cold, rows


def bench_cups(world: World, jobs: int) -> str:
    from hardware_mocks.services.cupsd import Cupsd
    from kiosk.printing.cups_printer import CupsPrinter
    from protocol.paper.render import render
    from relay.documents import assemble

    data = world.data
    document = assemble(data, world.persona("canary")["resident"], CertType.JUMINHYO,
                        {"scope": "household"}, "139998-00000002", dt.date.fromisoformat(data["today"]))
    key = _issuer_key(world)
    pdf = render(dict(document), key, bytes.fromhex(world.pki("scramble.key").read_text().strip())).pdf
    root = Path(tempfile.mkdtemp(prefix="kiosk-bench-cupsd-"))
    root.chmod(0o755)
    try:
        with Cupsd(root) as cupsd:
            printer = CupsPrinter(cupsd.queue, cupsd.server, spool_dir=cupsd.spool_dir)
            times, purge_times = [], []
            for _ in range(jobs):
                printer.preflight()
                t0 = time.perf_counter()
                job = printer.submit(pdf, 1, True)
                printer.wait(job, time.monotonic() + 30)
                t1 = time.perf_counter()
                printer.purge(job)
                times.append(t1 - t0)
                purge_times.append(time.perf_counter() - t1)
            cupsd.clear_output()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return (f"| submission → completed | {statistics.median(times) * 1000:.0f} | "
            f"{max(times) * 1000:.0f} |\n| purge + spool check | "
            f"{statistics.median(purge_times) * 1000:.0f} | {max(purge_times) * 1000:.0f} |")


def report(cold: float, rows: list[str], cups_rows: str, rounds: int, jobs: int) -> str:
    machine = (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu_name()}), "
               f"Python {platform.python_version()}")
    return "\n".join([
        f"`python -m bench.render` on {dt.date.today().isoformat()}; {machine}.",
        "",
        (f"Rendering ({rounds} rounds per type, median; the household head's certificates; "
         "goal ≤ 150 ms per page, ≤ 400 KB):"),
        "",
        "| type | face pages | ms per certificate | ms per page | worst ms | KB |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        (f"First render of a process (fonts, ground pattern): {cold * 1000:.0f} ms; the session "
         "worker is a warm spare, so it can pay this before a customer arrives."),
        "",
        (f"Printing through the private cupsd ({jobs} jobs, canary 住民票, duplex; fault backend "
         "writing to a folder after pdftopdf):"),
        "",
        "| step | median ms | worst ms |",
        "|---|---|---|",
        cups_rows,
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.render")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--world", type=Path, default=None)
    parser.add_argument("--no-cups", action="store_true", help="skip the CUPS part")
    parser.add_argument("--record", action="store_true", help="write the results to docs/benchmarks.md")
    args = parser.parse_args(argv)
    tmp = None
    if args.world is None:
        tmp = tempfile.mkdtemp(prefix="kiosk-bench-world-")
        args.world = create(Path(tmp) / "world")
    try:
        world = World(args.world)
        cold, rows = bench_render(world, args.rounds)
        skip_cups = args.no_cups or shutil.which("cupsd") is None
        cups_rows = "| (skipped) | | |" if skip_cups else bench_cups(world, args.jobs)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    text = report(cold, rows, cups_rows, args.rounds, args.jobs)
    print(text)
    if args.record:
        record("Printing", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
