"""Hostile inputs for the public verification service: small files that ask for huge work.

Each is what an outsider sent once, or its next of kin: a 1.7 KB PDF whose one page is
14400×14400 pt (the largest page PDF allows), a 6000 pt one, an image just over the
40-megapixel limit, and a PNG whose header claims 80 megapixels over a few bytes of
data. For tests and benchmarks; ``python -m hardware_mocks.relay.hostile --port N --ca FILE``
sends them all to a public verification service on loopback.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import select
import ssl
import struct
import subprocess
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PIL import Image


def huge_page_pdf(points: int, shapes: int = 40) -> bytes:
    """A valid one-page PDF of ``points``×``points`` pt with a few filled shapes; about 1–2 KB."""
    content = b"".join(b"%d %d %d %d re f\n" % (i * points // shapes, i * points // shapes, points // 50, points // 50)
                       for i in range(shapes))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents 4 0 R >>" % (points, points),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header says ``width``×``height`` (grey, 8 bits) over one compressed row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\0" * (width + 1), 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def blank_png(megapixels: float) -> bytes:
    """A real, fully decodable white square PNG of about ``megapixels``."""
    side = int((megapixels * 1_000_000) ** 0.5)
    buf = io.BytesIO()
    Image.new("L", (side, side), 255).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def verify_body(scan: bytes) -> bytes:
    """The JSON body of ``POST /v1/verify`` for ``scan`` (one file)."""
    return json.dumps({"scans": [base64.b64encode(scan).decode("ascii")]}).encode()


def worst_inputs() -> dict[str, bytes]:
    """Each hostile input as a request body, by name."""
    return {
        "pdf-14400pt": verify_body(huge_page_pdf(14400)),
        "pdf-6000pt": verify_body(huge_page_pdf(6000)),
        "png-42mp": verify_body(blank_png(42)),
        "png-claims-80mp": verify_body(png_claiming(9000, 9000)),
        "png-36mp": verify_body(blank_png(36)),
    }


def post(port: int, ca_file: Path, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """``POST /v1/verify`` with ``body`` as it is; the status and the JSON answer."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=str(ca_file))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=120)
    try:
        conn.request("POST", "/v1/verify", body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


class HostileClient:
    """``rounds`` rounds of :func:`worst_inputs`, ``parallel`` at a time, from a child
    process (so that it never competes with a measuring client for one interpreter);
    ``answers`` holds (status, answer) pairs once the ``with`` block ends.

    Bounded, the end of the block too (it runs after pytest-timeout's signal as well, with
    no limit of its own): a child still sending ``within`` seconds after the start is
    killed and the block fails; one left behind by a block that failed is killed at once."""

    def __init__(self, port: int, ca_file: Path, rounds: int = 2, parallel: int = 3, within: float = 300.0) -> None:
        self.cmd = [sys.executable, "-m", "hardware_mocks.relay.hostile", "--port", str(port), "--ca", str(ca_file),
                    "--rounds", str(rounds), "--parallel", str(parallel)]
        self.within = within
        self.deadline = 0.0  # time.monotonic() at which the child is killed, from __enter__
        self.process: subprocess.Popen[str] | None = None
        self.answers: list[tuple[int, Any]] = []

    def __enter__(self) -> HostileClient:
        self.deadline = time.monotonic() + self.within
        self.process = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        # its first line within the bound: a child stuck before it must not hold the test
        ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, self.deadline - time.monotonic()))
        if not ready or self.process.stdout.readline().strip() != "sending":
            self._kill()
            raise RuntimeError("the hostile client did not start")
        return self

    def running(self) -> bool:
        """The child is still sending, and its time is not up (a loop on this ends then)."""
        return self.process is not None and self.process.poll() is None and time.monotonic() < self.deadline

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        assert self.process is not None
        if exc_type is not None:
            self._kill()  # the block's own error is the one to see; no answers are read
            return
        try:
            out, _ = self.process.communicate(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._kill()
            raise RuntimeError(f"the hostile client did not finish within {self.within:g} s") from None
        for line in out.splitlines():
            if line.startswith("["):
                status, answer = json.loads(line)
                self.answers.append((int(status), answer))

    def _kill(self) -> None:
        """End the child and reap it; its pipe closes with it (it starts no process of its own)."""
        assert self.process is not None
        self.process.kill()
        self.process.communicate(timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m hardware_mocks.relay.hostile")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--ca", type=Path, required=True)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--parallel", type=int, default=3)
    args = p.parse_args(argv)
    bodies = list(worst_inputs().values()) * args.rounds
    print("sending", flush=True)
    with ThreadPoolExecutor(args.parallel) as pool:
        for status, answer in pool.map(lambda b: post(args.port, args.ca, b), bodies):
            print(json.dumps([status, answer]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
