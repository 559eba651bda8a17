"""Payment benchmark: a coin's way from the acceptor to the kiosk, and idle polling's cost.

``python -m bench.payment [--coins 200] [--idle 20] [--poll 0.05] [--record]``

Over the byte-level emulators on pseudo-terminals (``hardware_mocks.cash``) and the
kiosk's real drivers (``kiosk.payment.cash_device``):

- **latency**: from the coin entering the emulated acceptor (the moment it is in the
  acceptor's buffer) to (a) the ``Credited`` event at ``PaymentDevice.poll`` and (b) the
  inserted amount in the payment controller's progress, which is what the session's view
  shows (``pump`` polls the device and fsyncs the credit to the money ledger first). The
  consumer polls every 5 ms, coins go in at random 20-120 ms gaps so they fall anywhere
  in the poll cycle; p50/p99 per path. The session worker's loop adds up to one tick
  (20 ms) before the view is published.
- **CPU**: the drivers' threads (coin acceptor, four hoppers, note validator) polling
  with nobody at the terminal (idle), then with a payment open (accepting), as CPU
  seconds per second of wall time, read per thread from ``/proc/self/task/<tid>/stat``
  (so the emulators' own CPU is not counted).

``--record`` rewrites the "## Payment" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.record import cpu_name, record
from hardware_mocks.cash.rig import CashRig
from kiosk.payment.cash_device import IDLE_POLL, CashDevice
from kiosk.payment.controller import PaymentController
from kiosk.payment.hopper import LEVEL_INTERVAL
from kiosk.payment.ledger import Ledger
from kiosk.payment.port import Credited
from protocol.clock import SystemClock

CONSUMER_POLL = 0.005
TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ready(device: CashDevice) -> None:
    for driver in device.devices:
        if not driver.wait_ready(10):
            raise SystemExit(f"{driver.name} did not come up: {driver.fault}")


def latency_at_poll(rig: CashRig, device: CashDevice, coins: int) -> list[float]:
    """ms from the coin in the acceptor's buffer to ``Credited`` at ``poll``."""
    device.start_accept(10 * coins + 10)
    rig.wait_accepting(10)
    out: list[float] = []
    for _ in range(coins):
        time.sleep(random.uniform(0.02, 0.12))
        t0 = time.perf_counter()
        if rig.acceptor.insert(10) != "credited":
            raise SystemExit("the acceptor refused a coin")
        while not any(isinstance(e, Credited) for e in device.poll()):
            time.sleep(CONSUMER_POLL)
        out.append((time.perf_counter() - t0) * 1000)
    _stop(device)
    return out


def latency_at_view(rig: CashRig, device: CashDevice, state: Path, coins: int) -> list[float]:
    """ms from the coin in the acceptor's buffer to the inserted amount in the controller's
    progress (ledger written and fsynced)."""
    ctl = PaymentController(device, Ledger.in_state_dir(state), SystemClock())
    ctl.begin("BENCH", 10 * coins + 10)
    rig.wait_accepting(10)
    out: list[float] = []
    inserted = 0
    for _ in range(coins):
        time.sleep(random.uniform(0.02, 0.12))
        t0 = time.perf_counter()
        rig.acceptor.insert(10)
        inserted += 10
        while ctl.pump().inserted < inserted:
            time.sleep(CONSUMER_POLL)
        out.append((time.perf_counter() - t0) * 1000)
    ctl.refund_all()
    while ctl.pump().settlement is None:
        time.sleep(CONSUMER_POLL)
    return out


def _stop(device: CashDevice) -> None:
    from kiosk.payment.port import Final

    while not isinstance(device.stop(), Final):
        device.poll()
        time.sleep(CONSUMER_POLL)


def thread_cpu(names: set[str]) -> float:
    """CPU seconds (user + system) the named threads of this process have used."""
    total = 0
    for thread in threading.enumerate():
        if thread.name in names and thread.native_id is not None:
            try:
                fields = Path(f"/proc/self/task/{thread.native_id}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
    return total / TICKS


def driver_cpu(device: CashDevice, seconds: float) -> float:
    """The drivers' CPU seconds per second over ``seconds`` of wall time."""
    names = {f"cash-{d.name}" for d in device.devices}
    c0, t0 = thread_cpu(names), time.monotonic()
    time.sleep(seconds)
    return (thread_cpu(names) - c0) / (time.monotonic() - t0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payment")
    parser.add_argument("--coins", type=int, default=200)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle polling")
    parser.add_argument("--poll", type=float, default=0.05, help="the drivers' poll interval")
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args(argv)
    random.seed(11)
    load_before = os.getloadavg()[0]
    when = dt.datetime.now(dt.UTC)
    with CashRig() as rig, tempfile.TemporaryDirectory(prefix="bench-payment-") as tmp:
        state = Path(tmp)
        rig.record_loaded(state)
        device = rig.open_device(state, poll_interval=args.poll)
        try:
            ready(device)
            at_poll = latency_at_poll(rig, device, args.coins)
            at_view = latency_at_view(rig, device, state, args.coins)
            idle = driver_cpu(device, args.idle)
            device.start_accept(10)
            accepting = driver_cpu(device, args.idle)
            _stop(device)
        finally:
            device.close()
    load_after = os.getloadavg()[0]
    rows = [("`PaymentDevice.poll` (Credited)", at_poll),
            ("controller progress (ledger fsynced)", at_view)]
    lines = [
        (f"Last run: {when:%Y-%m-%d %H:%M} UTC, `python -m bench.payment --coins {args.coins} "
        f"--idle {args.idle:g} --poll {args.poll:g}`, on {cpu_name()}, {os.cpu_count()} CPUs, "
        f"Linux {platform.release()}, Python {platform.python_version()}; load average "
        f"{load_before:.1f} at the start, {load_after:.1f} at the end (other engineers' runs "
        "share the machine). The kiosk's real drivers (pyserial) on the emulated coin "
        "acceptor, four hoppers and note validator (`hardware_mocks.cash`, ptys, same "
        "process)."),
        "",
        (f"Coin entering the acceptor's buffer -> credited, {args.coins} coins at random "
        f"20-120 ms gaps, drivers polling every {args.poll * 1000:g} ms, consumer every "
        f"{CONSUMER_POLL * 1000:g} ms (goal: p99 <= 100 ms at a 50 ms poll):"),
        "",
        "| credited at | p50 ms | p99 ms | max ms |",
        "|---|---|---|---|",
    ]
    for label, values in rows:
        lines.append(f"| {label} | {statistics.median(values):.1f} | "
                     f"{percentile(values, 0.99):.1f} | {max(values):.1f} |")
    lines += [
        "",
        (f"CPU of the six driver threads, {args.idle:g} s each (goal for idle: <= 1 % of one "
        "core; user + system time, which on ptys includes the kernel's tty work):"),
        "",
        "| polling | acceptor, validator every | hoppers every | % of one core |",
        "|---|---|---|---|",
        (f"| idle (nobody at the terminal, inhibited) | {IDLE_POLL * 1000:g} ms | "
        f"{LEVEL_INTERVAL:g} s | {idle * 100:.2f} |"),
        (f"| accepting (a payment screen) | {args.poll * 1000:g} ms | {LEVEL_INTERVAL:g} s | "
        f"{accepting * 100:.2f} |"),
        "",
        ("The session worker's loop adds up to one 20 ms tick before the view reaches the "
        "screen."),
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        record("Payment", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
