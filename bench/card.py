"""Card benchmark: the kiosk's whole authentication vs OpenSC, same virtual card, same run.

``python -m bench.card [--rounds 10] [--world DIR] [--record]``

Through a private pcscd + vpcd and the virtual My Number card (hardware_mocks), it runs
``--rounds`` times:

- **kiosk**: connect, SELECT AP, read the authentication certificate, tries left, VERIFY,
  sign a SHA-256 challenge, disconnect (``kiosk.card.jpki.JpkiCard``);
- **OpenSC**: ``pkcs15-tool --read-certificate 01`` (the same certificate) then
  ``pkcs11-tool --login --sign --mechanism SHA256-RSA-PKCS`` (VERIFY + signature).

APDUs are counted at the card (every command vpcd delivered), wall time per round with
``time.perf_counter``. OpenSC's time includes starting its two tools, which is how it is
used. ``--record`` rewrites the "## Card" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.record import cpu_name, record
from hardware_mocks.services.pcscd import Pcscd
from hardware_mocks.vreader import VirtualReader
from hardware_mocks.world import World, create
from kiosk.card.jpki import JpkiCard
from kiosk.card.reader import PcscReader

PERSONA = "shiken-ichiro"
PKCS11_MODULES = ("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
                  "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so", "/usr/lib/opensc-pkcs11.so")


@dataclass
class Series:
    name: str
    seconds: list[float] = field(default_factory=list)
    apdus: list[int] = field(default_factory=list)

    def row(self) -> str:
        s = sorted(self.seconds)
        return (f"| {self.name} | {statistics.median(self.apdus):.0f} | "
                f"{statistics.median(s) * 1000:.0f} | {s[0] * 1000:.0f} | {s[-1] * 1000:.0f} |")


def wait_present(reader: PcscReader, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not reader.card_present():
        if time.monotonic() > deadline:
            raise TimeoutError("the virtual card did not appear in pcscd")
        reader.wait_for_change(False, 0.5)


def kiosk_round(reader: PcscReader, pin: str) -> None:
    with reader.connect() as transport:
        card = JpkiCard(transport)
        card.select_ap()
        cert = card.read_auth_certificate()
        if card.tries_left() == 0:
            raise RuntimeError("card locked")
        card.verify_pin(bytearray(pin.encode("ascii")))
        signature = card.sign_sha256(b"bench challenge")
        assert len(signature) == 256 and cert is not None


def opensc_round(reader: PcscReader, pin: str, module: str, work: Path) -> None:
    message = work / "challenge.bin"
    message.write_bytes(b"bench challenge")
    for args in (
        ["pkcs15-tool", "--reader", reader.name, "--read-certificate", "01"],
        ["pkcs11-tool", "--module", module, "--slot-index", "0", "--login", "--pin", pin,
         "--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "01", "-i", str(message),
         "-o", str(work / "sig.bin")],
    ):
        done = subprocess.run(args, capture_output=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.decode(errors='replace')[-300:]}")


def measure(rounds: int, world: World) -> tuple[Series, Series | None]:
    module = next((m for m in PKCS11_MODULES if Path(m).exists()), None)
    pin = world.persona(PERSONA)["pin"]
    kiosk, opensc = Series("kiosk (kiosk.card)"), Series("OpenSC (pkcs15-tool + pkcs11-tool)")
    with Pcscd() as pcscd:
        assert pcscd.port is not None  # started: the port is chosen
        with VirtualReader(port=pcscd.port, world=world.root) as vreader, \
                tempfile.TemporaryDirectory() as tmp:
            vreader.insert(PERSONA)
            reader = PcscReader(pcscd.reader)
            wait_present(reader)
            kiosk_round(reader, pin)  # warm-up (imports, key loading in the card)
            for _ in range(rounds):
                before = vreader.apdus
                t = time.perf_counter()
                kiosk_round(reader, pin)
                kiosk.seconds.append(time.perf_counter() - t)
                kiosk.apdus.append(vreader.apdus - before)
                if module is None or shutil.which("pkcs15-tool") is None:
                    continue
                before = vreader.apdus
                t = time.perf_counter()
                opensc_round(reader, pin, module, Path(tmp))
                opensc.seconds.append(time.perf_counter() - t)
                opensc.apdus.append(vreader.apdus - before)
    return kiosk, (opensc if opensc.seconds else None)


def report(kiosk: Series, opensc: Series | None, rounds: int) -> str:
    cpu = cpu_name()
    opensc_version = ""
    if shutil.which("opensc-tool"):
        done = subprocess.run(["opensc-tool", "--info"], capture_output=True, text=True)
        opensc_version = done.stdout.splitlines()[0] if done.stdout else ""
    lines = [
        (f"Last run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, `python -m bench.card "
         f"--rounds {rounds}`, on {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
         f"{opensc_version or 'OpenSC not installed'}; pcscd + vpcd + the virtual card "
         f"(`hardware_mocks`), persona `{PERSONA}`."),
        "",
        ("Whole authentication: select, certificate, tries left, VERIFY, SHA-256 signature. APDUs "
         "counted at the card; times per round (OpenSC's include starting its two tools)."),
        "",
        "| client | APDUs | median ms | min ms | max ms |",
        "|---|---|---|---|---|",
        kiosk.row(),
    ]
    if opensc is not None:
        lines.append(opensc.row())
    lines += [
        "",
        ("The kiosk's 8: SELECT AP, SELECT EF 000A, one extended READ BINARY (whole certificate), "
         "SELECT EF 0018, empty VERIFY (tries left), VERIFY, SELECT EF 0017, COMPUTE SIGNATURE. "
         "Each OpenSC tool connects anew, is probed by the card drivers ahead of `jpki` "
         "(jpki-card.md §3), reads the certificate in 256-byte chunks and queries both PINs."),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.card")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--world", type=Path, help="an existing test world (copied, not changed)")
    parser.add_argument("--record", action="store_true", help="write docs/benchmarks.md ## Card")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "world"
        if args.world:
            shutil.copytree(args.world, root)
        else:
            create(root, seed=1)
        kiosk, opensc = measure(args.rounds, World(root))
    text = report(kiosk, opensc, args.rounds)
    print(text)
    if args.record:
        record("Card", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
