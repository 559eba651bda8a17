"""Verification benchmark: time and peak memory of one check, genuine and hostile.

``python -m bench.verify [--rounds 5] [--record]``

Each case runs in a fresh process (``--measure``): it imports the verifier, checks the
files ``rounds`` times with the test world's keys (the face compared, as the relay's
verification service does), and reports the time of each check and its peak resident
memory, its own plus that of the pdfium child (:mod:`hardware_mocks.paper.memory`). Cases:

- a genuine PDF (the household head's 住民票, one sheet);
- a 300-dpi scan of both sides (JPEG quality 75, turned 0.8°);
- every hostile input of ``hardware_mocks.paper.bombs`` and ``/dev/zero``, each refused
  (the worst is reported).

Goals (issue 13): ≤ 1 s and ≤ 300 MB per check of a genuine PDF and of a 300-dpi scan;
≤ 512 MB on the worst input. ``--record`` rewrites the "## Verification" section of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.record import cpu_name, record

PERSONA = "shiken-ichiro"


def _measure(world: Path, files: list[str], rounds: int) -> None:
    """The child: check ``files`` ``rounds`` times, print times and peak memory as JSON."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from protocol.paper import verify
    from protocol.paper.verification import intake
    from protocol.paper.verification.limits import InputRefused
    from protocol.scramble_key import document_scramble_key

    key = serialization.load_pem_public_key((world / "pki" / "issuer.pub").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    master = bytes.fromhex((world / "pki" / "scramble.key").read_text().strip())
    import resource

    times, cpu, reason = [], [], ""
    for _ in range(rounds):
        start, own = time.perf_counter(), time.process_time()
        child = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            verdict = verify.verify_files([intake.read_file(Path(f)) for f in files], key,
                                          lambda serial: document_scramble_key(master, serial))
            reason = verdict.reason
        except InputRefused as exc:
            reason = exc.reason
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(time.process_time() - own + (after.ru_utime + after.ru_stime) - (child.ru_utime + child.ru_stime))
    from hardware_mocks.paper import memory

    self_mb = memory.self_peak_mb()
    print(json.dumps({"times": times, "cpu": cpu, "reason": reason, "self_mb": self_mb,
                      "child_mb": memory.child_peak_mb([Path(f) for f in files])}))


def _run(world: Path, files: list[Path], rounds: int, tree: Path | None = None) -> dict[str, object]:
    """One case measured in a fresh process; ``tree``: in another checkout's code."""
    out = subprocess.run([sys.executable, "-m", "bench.verify", "--measure", "--world", str(world),
                          "--rounds", str(rounds), *map(str, files)],
                         capture_output=True, text=True, check=True, timeout=600, cwd=tree)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _inputs(folder: Path) -> tuple[Path, dict[str, list[Path]]]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from hardware_mocks.paper import bombs, scanner
    from hardware_mocks.paper.scanner import Scan
    from hardware_mocks.world import World, create
    from protocol.documents.catalogue import CertType
    from protocol.paper.render import render
    from protocol.scramble_key import document_scramble_key
    from relay.documents import assemble

    world_dir = create(folder / "world", seed=1)
    world = World(world_dir)
    issuer = serialization.load_pem_private_key(world.pki("issuer.key").read_bytes(), None)
    assert isinstance(issuer, Ed25519PrivateKey)
    master = bytes.fromhex(world.pki("scramble.key").read_text().strip())
    serial = "139998-20261126-000123"
    document = dict(assemble(world.data, world.persona(PERSONA)["resident"], CertType.JUMINHYO,
                             {"scope": "household"}, serial, dt.date(2026, 11, 26)))
    pdf = bytes(render(document, issuer, document_scramble_key(master, serial)).pdf)
    cases: dict[str, list[Path]] = {"genuine PDF": [folder / "genuine.pdf"]}
    cases["genuine PDF"][0].write_bytes(pdf)
    scan = Scan(dpi=300, rotation=0.8, scale=0.99, jpeg=75, noise=3)
    sides = []
    for index, name in ((0, "front"), (1, "back")):
        path = folder / f"scan-{name}.jpg"
        path.write_bytes(scanner.scan_side(pdf, index, scan))
        sides.append(path)
    cases["300-dpi scan, both sides"] = sides
    for name, (make, _) in bombs.BOMBS.items():
        path = folder / (name + (".png" if "png" in name else ".pdf"))
        path.write_bytes(make())
        cases[f"hostile: {name}"] = [path]
    cases["hostile: /dev/zero"] = [Path("/dev/zero")]
    return world_dir, cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--baseline", type=Path, help="another checkout (e.g. `git archive` of an earlier "
                        "commit): each genuine case is measured in its code too, alternately, in the same run")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--world", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        _measure(args.world, args.files, args.rounds)
        return
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        world, cases = _inputs(Path(tmp))
        rows, worst = [], ("", 0.0, 0.0)
        runs: list[tuple[str, list[Path], Path | None]] = []
        for name, files in cases.items():
            if args.baseline is not None and not name.startswith("hostile"):
                runs.append((f"{name} (baseline)", files, args.baseline.resolve()))
            runs.append((name, files, None))
        for name, files, tree in runs:
            result = _run(world, files, args.rounds if not name.startswith("hostile") else 1, tree)
            times = [float(t) for t in result["times"]]  # type: ignore[attr-defined]
            cpu = [float(t) for t in result["cpu"]]  # type: ignore[attr-defined]
            peak = float(result["self_mb"]) + float(result["child_mb"])  # type: ignore[arg-type]
            if name.startswith("hostile"):
                if max(times) > worst[1] or peak > worst[2]:
                    worst = (name, max(worst[1], max(times)), max(worst[2], peak))
            rows.append(f"| {name} | {result['reason']} | {1000 * statistics.median(times):.0f} | "
                        f"{1000 * max(times):.0f} | {1000 * statistics.median(cpu):.0f} | "
                        f"{float(result['self_mb']):.0f} + "  # type: ignore[arg-type]
                        f"{float(result['child_mb']):.0f} = {peak:.0f} |")  # type: ignore[arg-type]
            print(rows[-1], flush=True)
    load = os.getloadavg()[0]
    baseline = " --baseline <an earlier checkout>" if args.baseline is not None else ""
    text = (f"`python -m bench.verify --rounds {args.rounds}{baseline}` on {dt.date.today().isoformat()}; "
            f"Linux {platform.release()}, {os.cpu_count()} cores ({cpu_name()}), Python {platform.python_version()}; "
            f"load average {load_start:.1f} at the start, {load:.1f} at the end.\n\n"
            "Each case in a fresh process, the face compared with the test world's master secret (as the relay's "
            "verification service does). Time: one check (reading, drawing the PDF in the sandboxed child, "
            "finding the back, unscrambling, registering and comparing), median and worst of the rounds; the "
            "process's start and imports are not in it. CPU: the processor time of one check, the verifier's "
            "(all its threads) and its pdfium child's, median: on a shared machine the wall time is mostly "
            "waiting for a core, the CPU time is the work. Peak memory: resident, the verifier's own plus its pdfium "
            "child's, for the whole process (imports included). Goals: ≤ 1 s and ≤ 300 MB for a genuine PDF and a "
            "300-dpi scan, ≤ 512 MB on the worst input."
            + (" Rows marked (baseline): the same case in the code of an earlier checkout, measured just before "
               "(--baseline)." if args.baseline is not None else "") + "\n\n"
            "| case | verdict | median ms | worst ms | CPU ms | peak MB (self + child) |\n|---|---|---|---|---|---|\n"
            + "\n".join(rows) + "\n")
    print(text)
    if args.record:
        record("Verification", text)


if __name__ == "__main__":
    main()
