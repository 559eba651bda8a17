"""Ending a child process the relay (or a test harness) started: politely, then surely.

One helper for every server process started as a child: the public verification service
``relay serve`` and ``relay centre serve`` start, and the services the development
package starts for tests (which may import production code, never the reverse)."""

from __future__ import annotations

import subprocess

#: Seconds a process has, after SIGTERM, to close its listener and end by itself.
STOP_GRACE = 15.0


def stop(process: subprocess.Popen[bytes], grace: float = STOP_GRACE) -> None:
    """SIGTERM (it closes its listener and ends), SIGKILL if it is still running after
    ``grace`` seconds; returns once it has ended and been reaped. A process that already
    ended is only reaped."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()
