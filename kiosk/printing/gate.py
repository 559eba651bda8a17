"""The print gate: a CUPS backend in front of the printer's own, so that cupsd prints a
kiosk job only while the session that submitted it consents, and leaves word of every
job that came out.

Why: cupsd keeps an unfinished job in its spool and starts it again by itself after a
restart. A job the kiosk could not purge (cupsd was down at the wipe) would print later,
for free, in someone else's hands. Every job passes the device URI's backend on its way
to the printer, so that is where the kiosk's consent is checked.

Records, one file per job in the gate directory, named by the job's opaque title
(``job-`` and 16 hex digits; nothing personal, ever):

- ``TITLE.consent``: written by the submitting process before the job exists; holds that
  process's pid and start time (``/proc/PID/stat`` field 22), so consent dies with it;
- ``TITLE.started``: the gate took the consent, by renaming it (atomic: a job reaches
  the device at most once, and a consent the kiosk has revoked can never be taken);
- ``TITLE.printed``: the device backend exited successfully (holds the CUPS job id).

The kiosk revokes a consent by unlinking it: if that succeeds, the job can never reach
the printer. After revoking it reads the job's fate (:func:`fate`): ``printed``;
``not_printed`` (it never passed the gate); or ``unknown`` (it passed the gate but the
device backend did not confirm: cupsd stopped or cancelled it while the printer had it).
The kiosk deletes the records once it has journaled the fate (:func:`forget`).

The gate refuses (``CUPS_BACKEND_CANCEL``: cupsd cancels the job, which is then purged
with ``PreserveJobFiles No``) a job whose title is not the kiosk's, that has no consent,
whose consent was already taken (a restarted job), or whose consenting process is gone.

Installed as ``ServerBin/backend/kiosk-gate`` with mode 0700 (cupsd runs it as root; a
device backend that others may execute is then run as ``lp``, as cupsd itself would).
Device URI: ``kiosk-gate:GATE_DIR?DEVICE_URI``, for example
``kiosk-gate:/var/lib/kiosk/print-gate?usb://Maker/Model?serial=1``. cupsd runs it as
``python3 -I``: this module uses the standard library only.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

SCHEME = "kiosk-gate"
TITLE = re.compile(r"job-[0-9a-f]{16}")
PRINTED = "printed"
NOT_PRINTED = "not_printed"
UNKNOWN = "unknown"
CUPS_BACKEND_OK = 0
CUPS_BACKEND_FAILED = 1
CUPS_BACKEND_CANCEL = 5
#: The user cupsd runs a backend as when others may execute it (cupsd.conf ``User``).
UNPRIVILEGED = "lp"
_INNER_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*")


class GateError(ValueError):
    """A title that is not the kiosk's, or a device URI the gate cannot use."""


def _record(gate_dir: Path, title: str, kind: str) -> Path:
    if not TITLE.fullmatch(title):
        raise GateError("not a kiosk job title")
    return Path(gate_dir) / f"{title}.{kind}"


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all, and make the name durable."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _sync_dir(path.parent)


def process_start(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot, or None if there is
    no such process: with the pid it names one process, never a later one given the
    same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[19] if len(fields) > 19 else None


# -- the kiosk's side -----------------------------------------------------------------------


def grant(gate_dir: Path, title: str) -> None:
    """Consent to job ``title`` for as long as this process lives (before submitting it)."""
    Path(gate_dir).mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    _write(_record(gate_dir, title, "consent"), f"{pid} {process_start(pid)}\n")


def revoke(gate_dir: Path, title: str) -> bool:
    """Withdraw the consent to ``title``; True if it was still there (the job can now never
    reach the printer), False if the gate had taken it or there was none."""
    try:
        _record(gate_dir, title, "consent").unlink()
    except FileNotFoundError:
        return False
    _sync_dir(Path(gate_dir))
    return True


def fate(gate_dir: Path, title: str) -> str:
    """Revoke the consent, then say what became of the job: ``printed``, ``not_printed``
    (it never passed the gate and now never will) or ``unknown`` (it passed the gate and
    the device backend did not confirm; final only once cupsd no longer has the job)."""
    revoke(gate_dir, title)
    if _record(gate_dir, title, "printed").exists():
        return PRINTED
    if _record(gate_dir, title, "started").exists():
        return UNKNOWN
    return NOT_PRINTED


def forget(gate_dir: Path, title: str | None = None) -> None:
    """Delete the records of ``title`` (None: of every job) once its fate is journaled."""
    folder = Path(gate_dir)
    if title is None:
        if not folder.is_dir():
            return
        names = [p for p in folder.iterdir() if TITLE.fullmatch(p.name.lstrip(".").split(".")[0])]
    else:
        names = [_record(folder, title, kind) for kind in ("consent", "started", "printed")]
    for path in names:
        path.unlink(missing_ok=True)


# -- the backend cupsd runs ---------------------------------------------------------------


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def parse_uri(uri: str) -> tuple[Path, str, str]:
    """``kiosk-gate:GATE_DIR?DEVICE_URI`` → (gate dir, device URI, device scheme)."""
    if not uri.startswith(SCHEME + ":") or "?" not in uri:
        raise GateError("device URI must be kiosk-gate:GATE_DIR?DEVICE_URI")
    folder, inner = uri[len(SCHEME) + 1:].split("?", 1)
    scheme = inner.split(":", 1)[0]
    if not folder.startswith("/") or not _INNER_SCHEME.fullmatch(scheme) or scheme == SCHEME:
        raise GateError("device URI must be kiosk-gate:GATE_DIR?DEVICE_URI")
    return Path(folder), inner, scheme


def take(gate_dir: Path, title: str) -> bool:
    """Take the consent to ``title`` (once) and check that its process still lives."""
    consent, started = _record(gate_dir, title, "consent"), _record(gate_dir, title, "started")
    try:
        os.rename(consent, started)
    except FileNotFoundError:
        return False
    _sync_dir(Path(gate_dir))
    try:
        pid, start = started.read_text(encoding="ascii").split()
        alive = start != "None" and process_start(int(pid)) == start
    except (OSError, ValueError):
        alive = False
    if not alive:  # the session that consented is gone: nothing of its jobs may print
        started.unlink(missing_ok=True)
        _sync_dir(Path(gate_dir))
    return alive


def _drop_privileges(device: Path) -> None:
    """Run a device backend others may execute as ``lp``, as cupsd would (in the child)."""
    if os.geteuid() != 0 or device.stat().st_mode & 0o005 != 0o005:
        return
    import pwd

    user = pwd.getpwnam(UNPRIVILEGED)
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)


class _Cancel:
    """cupsd cancels a job (or stops) with SIGTERM: passed on to the device backend once it
    runs; before that, the device is never started."""

    def __init__(self) -> None:
        self.requested = False
        self.child: subprocess.Popen[bytes] | None = None
        signal.signal(signal.SIGTERM, self._on_term)

    def _on_term(self, signum: int, frame: object) -> None:
        self.requested = True
        if self.child is not None:
            self.child.send_signal(signal.SIGTERM)

    def started(self, child: subprocess.Popen[bytes]) -> None:
        """Keep the device backend; a cancel that came while it was being started goes
        on to it now."""
        self.child = child
        if self.requested:
            child.send_signal(signal.SIGTERM)


def run_device(inner: str, scheme: str, args: list[str], cancel: _Cancel) -> int | None:
    """Run the device backend for ``inner`` with this job's arguments, its data on stdin
    and cupsd's back and side channels (fds 3 and 4); None if the job was cancelled
    before the device was started."""
    server_bin = Path(os.environ.get("CUPS_SERVERBIN", "/usr/lib/cups"))
    device = server_bin / "backend" / scheme
    if not device.is_file():
        _say(f"ERROR: kiosk-gate: no backend {scheme}")
        return None
    fds = []
    for fd in (3, 4):
        with contextlib.suppress(OSError):
            os.fstat(fd)
            fds.append(fd)
    if cancel.requested:
        return None
    try:
        child = subprocess.Popen([inner, *args], executable=device, pass_fds=fds,
                                 env={**os.environ, "DEVICE_URI": inner},
                                 preexec_fn=lambda: _drop_privileges(device))
    except OSError as exc:
        _say(f"ERROR: kiosk-gate: backend {scheme} cannot run: {exc.strerror}")
        return None
    cancel.started(child)
    status = child.wait()
    return CUPS_BACKEND_FAILED if status < 0 else status  # killed by a signal: it failed


def main(argv: list[str]) -> int:
    if len(argv) == 1:
        return CUPS_BACKEND_OK  # device discovery: the gate offers no device of its own
    if len(argv) not in (6, 7):
        _say("ERROR: usage: kiosk-gate job-id user title copies options [file]")
        return CUPS_BACKEND_FAILED
    job_id, title = argv[1], argv[3]
    try:
        gate_dir, inner, scheme = parse_uri(os.environ.get("DEVICE_URI", ""))
    except GateError as exc:
        _say(f"ERROR: kiosk-gate: {exc}")
        return CUPS_BACKEND_CANCEL
    if not TITLE.fullmatch(title):
        _say(f"ERROR: kiosk-gate: job {job_id} is not a kiosk job: cancelled")
        return CUPS_BACKEND_CANCEL
    cancel = _Cancel()
    if not take(gate_dir, title):
        _say(f"ERROR: kiosk-gate: job {job_id} has no consent: cancelled")
        return CUPS_BACKEND_CANCEL
    status = run_device(inner, scheme, argv[1:], cancel)
    if status is None:  # the device never had it: it did not print, and never will
        _record(gate_dir, title, "started").unlink(missing_ok=True)
        _sync_dir(gate_dir)
        return CUPS_BACKEND_FAILED
    if status == CUPS_BACKEND_OK:
        _write(_record(gate_dir, title, "printed"), f"{int(job_id)}\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
