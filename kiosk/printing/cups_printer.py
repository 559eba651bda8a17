"""The printer port on CUPS, through pycups.

How a job's end is known: the kiosk's cupsd runs with ``PreserveJobHistory No`` (and
``PreserveJobFiles No``), so a finished job disappears at once and a job subscription
disappears with it. Before creating the job we therefore take a short-lease *printer*
subscription (ippget pull) for job and printer events; ``job-completed`` with
``job-state`` 9 is success, 7/8 failure. The subscription is cancelled by ``purge``.

While waiting, the printer's ``printer-state-reasons`` are read each poll: an ``*-error``
or ``offline`` reason while our job is not finished is a fault (the paper ran out or
jammed in the middle of the job), and the job is cancelled with purge.

Consent: with a ``gate_dir`` the queue must print through the kiosk's print gate
(:mod:`kiosk.printing.gate`, checked by :meth:`CupsPrinter.preflight`). ``submit``
consents to the job (by its title) before creating it, ``purge`` revokes that consent
before cancelling, and :meth:`CupsPrinter.fate` says from the gate's records whether the
job came out, also when cupsd was down or restarted meanwhile.

pycups keeps its server address in process-global state (``cups.setServer``); the
session worker talks to one cupsd, so that is set once per connection.
"""

from __future__ import annotations

import ctypes
import logging
import os
import time
from pathlib import Path
from typing import Any

import cups

from kiosk.printing import gate
from kiosk.printing.printer import (
    ABORTED,
    CANCELED,
    GATE,
    HELD,
    LOST,
    NO_QUEUE,
    NOT_ACCEPTING,
    REJECTED,
    STOPPED,
    UNGATED,
    UNREACHABLE,
    Job,
    JobProgress,
    PrinterFault,
    PrintTimeout,
    ProgressCallback,
    SpoolResidue,
    check_copies,
    check_title,
    fault_from_reasons,
    new_title,
)
from kiosk.printing.residue import DEFAULT_SPOOL, job_files
from protocol.clock import Clock, SystemClock
from protocol.log import event

JOB_STATES = {3: "pending", 4: "held", 5: "processing", 6: "stopped", 7: "canceled",
              8: "aborted", 9: "completed"}
PRINTER_STOPPED = 5
IPP_NOT_FOUND = 1030
IPP_SERVER_ERROR = 0x0500  # server-error-* statuses (RFC 8011 §4.1.6.1)
EVENTS = ["job-state-changed", "job-completed", "job-stopped", "printer-state-changed"]
CHUNK = 64 * 1024
log = logging.getLogger("kiosk.printing")


def _wipe_bytes(data: bytes) -> None:
    """Overwrite a ``bytes`` object this module made and alone refers to.

    Length 0 and 1 objects are interpreter-wide singletons and are left alone; longer
    ones made by slicing are fresh objects whose hash has never been taken.
    """
    if len(data) > 1:
        address = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
        assert address is not None  # only a NULL pointer has none, and data is an object
        ctypes.memset(address, 0, len(data))


class CupsPrinter:
    """One CUPS queue. ``server`` is ``host:port`` (None: the system default).

    ``spool_dir`` is where purge looks for the job's ``c``/``d`` files; by default the
    system spool when talking to the local cupsd and it is readable (as root or lp),
    else only the job history is checked (over IPP). ``gate_dir`` is the print gate's
    directory (the queue's device URI names the same one); without it nothing consents,
    and :meth:`fate` can only answer ``unknown``.
    """

    def __init__(self, queue: str, server: str | None = None, clock: Clock | None = None,
                 poll_interval: float = 0.05, spool_dir: Path | None = None,
                 purge_check_timeout: float = 3.0, gate_dir: Path | None = None) -> None:
        self.queue = queue
        self.gate_dir = gate_dir
        self.server = server
        self.clock = clock or SystemClock()
        self.poll_interval = poll_interval
        if spool_dir is None and server is None and os.access(DEFAULT_SPOOL, os.R_OK | os.X_OK):
            spool_dir = DEFAULT_SPOOL
        self.spool_dir = spool_dir
        self.purge_check_timeout = purge_check_timeout
        self._conn: cups.Connection | None = None

    # --- connection -------------------------------------------------------------------
    def _connection(self) -> cups.Connection:
        if self._conn is None:
            try:
                if self.server:
                    cups.setServer(self.server)
                self._conn = cups.Connection()
            except RuntimeError as exc:
                raise PrinterFault(UNREACHABLE) from exc
        return self._conn

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call pycups; a broken connection is re-opened once, then becomes a fault. The
        answer is as pycups gives it (``Any``): IPP attribute values vary by server (a
        reason list may come as a single string) and are checked where they are read.

        Once connected, pycups reports a cupsd that went away as an ``IPPError`` of the
        server-error class (``service-unavailable``, 0x0502): that is a lost connection
        too, never an answer (a purge must not take it for "no such job")."""
        for attempt in (0, 1):
            conn = self._connection()
            try:
                return getattr(conn, method)(*args, **kwargs)
            except cups.IPPError as exc:
                if not exc.args or exc.args[0] < IPP_SERVER_ERROR:
                    raise
                self._conn = None
                if attempt:
                    raise PrinterFault(UNREACHABLE) from exc
            except (RuntimeError, cups.HTTPError) as exc:
                self._conn = None
                if attempt:
                    raise PrinterFault(UNREACHABLE) from exc
        raise AssertionError("unreachable")

    @property
    def _printer_uri(self) -> str:
        return f"ipp://localhost/printers/{self.queue}"

    # --- the port ---------------------------------------------------------------------
    def printer_state(self) -> dict[str, Any]:
        try:
            return dict(self._call("getPrinterAttributes", self.queue, requested_attributes=[
                "printer-state", "printer-state-reasons", "printer-is-accepting-jobs"]))
        except cups.IPPError as exc:
            raise PrinterFault(NO_QUEUE if exc.args[0] == IPP_NOT_FOUND else UNREACHABLE) from exc

    def _raise_printer_fault(self) -> dict[str, Any]:
        """Raise the printer's fault (an error reason, or stopped); else return its state."""
        attrs = self.printer_state()
        fault = fault_from_reasons(list(attrs.get("printer-state-reasons", [])))
        if fault:
            raise PrinterFault(fault)
        if attrs.get("printer-state") == PRINTER_STOPPED:
            raise PrinterFault(STOPPED)
        return attrs

    def preflight(self) -> None:
        attrs = self._raise_printer_fault()
        if not attrs.get("printer-is-accepting-jobs", False):
            raise PrinterFault(NOT_ACCEPTING)
        if self.gate_dir is not None:
            self._check_gate()

    def _check_gate(self) -> None:
        """The queue prints through the print gate, with this kiosk's gate directory: a
        queue without it would print a job cupsd restarted, consent or not."""
        try:
            uri = self._call("getPrinterAttributes", self.queue,
                             requested_attributes=["device-uri"]).get("device-uri", "")
            folder, _, _ = gate.parse_uri(str(uri))
        except cups.IPPError as exc:
            raise PrinterFault(UNREACHABLE) from exc
        except gate.GateError:
            folder = None
        if folder is None or Path(folder) != Path(self.gate_dir or ""):
            event(log, "printer.ungated", logging.ERROR, queue=self.queue)
            raise PrinterFault(UNGATED)

    def submit(self, pdf: bytearray, copies: int, duplex: bool, title: str | None = None) -> Job:
        check_copies(copies)
        title = title or new_title()
        check_title(title)
        options = {
            "media": "A4",
            "sides": "two-sided-long-edge" if duplex else "one-sided",
            "copies": str(copies),
            "print-scaling": "none",
            "fit-to-page": "false",
        }
        if self.gate_dir is not None:
            try:
                gate.grant(self.gate_dir, title)
            except OSError as exc:
                event(log, "printer.fault", logging.ERROR, job=0, reason=GATE, step="consent")
                raise PrinterFault(GATE) from exc
        try:
            sub = self._call("createSubscription", self._printer_uri, events=EVENTS, lease_duration=900)
        except (cups.IPPError, PrinterFault) as exc:
            self._revoke(title)
            if isinstance(exc, PrinterFault):
                raise
            raise PrinterFault(NO_QUEUE if exc.args[0] == IPP_NOT_FOUND else REJECTED) from exc
        job = Job(0, title, sub)
        try:
            job_id = int(self._call("createJob", self.queue, title, options))
            job = Job(job_id, title, sub)
            self._call("startDocument", self.queue, job_id, "document", "application/pdf", 1)
            self._stream(pdf)
            self._call("finishDocument", self.queue)
        except (cups.IPPError, PrinterFault) as exc:
            self.purge(job)
            fault = exc if isinstance(exc, PrinterFault) else PrinterFault(REJECTED)
            event(log, "printer.fault", logging.WARNING, job=job.id, reason=fault.reason, step="submit")
            raise fault from exc
        event(log, "printer.submitted", job=job.id, copies=copies, len=len(pdf), queue=self.queue)
        return job

    def _stream(self, pdf: bytearray) -> None:
        """Send ``pdf`` in chunks. pycups takes only ``bytes`` (a bytearray crashes it), so
        each chunk is a short-lived ``bytes`` that is overwritten as soon as it is sent."""
        view = memoryview(pdf)
        try:
            for offset in range(0, len(pdf), CHUNK):
                chunk = bytes(view[offset : offset + CHUNK])
                try:
                    self._call("writeRequestData", chunk, len(chunk))
                finally:
                    _wipe_bytes(chunk)
                    del chunk
        finally:
            view.release()

    def _notifications(self, job: Job, seq: int) -> tuple[list[dict[str, Any]], int]:
        try:
            reply = self._call("getNotifications", [job.subscription], [seq + 1])
        except cups.IPPError as exc:
            raise PrinterFault(LOST) from exc
        events = [e for e in reply.get("events", []) if e.get("notify-sequence-number", 0) > seq]
        for e in events:
            seq = max(seq, int(e.get("notify-sequence-number", seq)))
        return events, seq

    def wait(self, job: Job, deadline: float, on_progress: ProgressCallback | None = None) -> None:
        seq, last, released = 0, "", False
        try:
            while True:
                events, seq = self._notifications(job, seq)
                for e in events:
                    if e.get("notify-job-id") != job.id or "job-state" not in e:
                        continue
                    state = JOB_STATES.get(int(e["job-state"]), "unknown")
                    reasons = e.get("job-state-reasons", [])
                    reasons = tuple([reasons] if isinstance(reasons, str) else reasons)
                    if state == "held" and not released:
                        continue  # Create-Job holds the job until its document has arrived
                    released = released or state in ("pending", "processing")
                    if state != last and on_progress:
                        on_progress(JobProgress(job.id, state, reasons))
                    last = state
                    if state == "completed":
                        event(log, "printer.completed", job=job.id)
                        return
                    if state in ("canceled", "aborted"):
                        raise PrinterFault(CANCELED if state == "canceled" else ABORTED)
                    if state == "held":
                        raise PrinterFault(HELD)
                    if state == "stopped":
                        attrs = self.printer_state()
                        raise PrinterFault(fault_from_reasons(attrs.get("printer-state-reasons", []))
                                           or STOPPED)
                self._raise_printer_fault()
                if self.clock.monotonic() >= deadline:
                    raise PrintTimeout()
                time.sleep(self.poll_interval)
        except PrinterFault as fault:
            event(log, "printer.fault", logging.WARNING, job=job.id, reason=fault.reason, step="wait")
            self.purge(job)
            raise

    def _revoke(self, title: str) -> None:
        if self.gate_dir is not None:
            try:
                gate.revoke(self.gate_dir, title)
            except OSError:
                event(log, "printer.revoke_failed", logging.ERROR)  # the sweep revokes again

    def purge(self, job: Job) -> None:
        """Revoke the job's consent, cancel it with purge, and check that CUPS knows it no
        more. A job whose id never came back (``id`` 0) is found by its title."""
        self._revoke(job.title)
        ids = [job.id] if job.id else list(self._jobs_titled(job.title))
        for job_id in ids:
            try:
                self._call("cancelJob", job_id, purge_job=True)
            except cups.IPPError:
                pass  # already gone: nothing to cancel, the checks below still run
        if job.subscription is not None:
            try:
                self._call("cancelSubscription", job.subscription)
            except (cups.IPPError, PrinterFault):
                pass
        for job_id in ids:
            self.check_purged(job_id)
        event(log, "printer.purged", job=job.id, ok=True)

    def _jobs(self) -> dict[int, dict[str, Any]]:
        """Every job cupsd knows, with its queue, and the title of those this user
        submitted (cupsd shows a job's name to its owner only: ``JobPrivateValues``). An
        unreachable cupsd raises."""
        attributes = ["job-id", "job-name", "job-printer-uri"]
        try:
            jobs = {int(k): dict(v) for k, v in self._call(
                "getJobs", which_jobs="all", requested_attributes=attributes).items()}
            mine = self._call("getJobs", which_jobs="all", my_jobs=True,
                              requested_attributes=attributes)
        except cups.IPPError:
            return {}
        for k, v in mine.items():
            jobs.setdefault(int(k), {}).update(v)
        return jobs

    def _jobs_titled(self, title: str) -> list[int]:
        return [k for k, v in self._jobs().items() if v.get("job-name") == title]

    def _owned(self) -> list[int]:
        """The kiosk's jobs: every job of its queue, and every job titled as it titles
        its own, whichever queue it is on."""
        suffix = f"/printers/{self.queue}"
        return [k for k, v in self._jobs().items()
                if str(v.get("job-printer-uri", "")).endswith(suffix)
                or gate.TITLE.fullmatch(str(v.get("job-name", "")))]

    def purge_all(self) -> None:
        """The sweep (recovery, and while a purge is owed): revoke every consent, cancel
        every job the kiosk owns with purge, then check that CUPS knows none of them and
        (if readable) the spool holds no job file."""
        if self.gate_dir is not None:
            try:
                for path in Path(self.gate_dir).glob("*.consent"):
                    path.unlink(missing_ok=True)
            except OSError:
                event(log, "printer.revoke_failed", logging.ERROR)
        try:
            self._call("cancelAllJobs", name=self.queue, purge_jobs=True)
        except cups.IPPError as exc:
            raise PrinterFault(NO_QUEUE if exc.args[0] == IPP_NOT_FOUND else REJECTED) from exc
        for job_id in self._owned():
            try:
                self._call("cancelJob", job_id, purge_job=True)
            except cups.IPPError:
                pass  # ended meanwhile
        end = time.monotonic() + self.purge_check_timeout
        while True:
            jobs = self._owned()
            files = job_files(self.spool_dir) if self.spool_dir is not None else []
            if not jobs and not files:
                event(log, "printer.purged_all", ok=True)
                return
            if time.monotonic() > end:
                raise SpoolResidue(jobs[0] if jobs else 0, "job history" if jobs else "spool file")
            time.sleep(0.02)

    def fate(self, title: str) -> str:
        """What became of the job titled ``title``: ``printed``, ``not_printed`` or
        ``unknown`` (see :func:`kiosk.printing.gate.fate`; it revokes the consent first)."""
        if self.gate_dir is None:
            return gate.UNKNOWN
        try:
            return gate.fate(self.gate_dir, title)
        except (OSError, gate.GateError):
            return gate.UNKNOWN

    def forget(self, title: str | None = None) -> None:
        """Drop the gate's records of ``title`` (None: all) once its fate is journaled."""
        if self.gate_dir is not None:
            try:
                gate.forget(self.gate_dir, title)
            except (OSError, gate.GateError):
                event(log, "printer.forget_failed", logging.WARNING)

    def check_purged(self, job_id: int) -> None:
        """Raise :class:`SpoolResidue` if CUPS still knows the job or its files remain."""
        end = time.monotonic() + self.purge_check_timeout
        while True:
            what = self._residue(job_id)
            if what is None:
                return
            if time.monotonic() > end:
                raise SpoolResidue(job_id, what)
            time.sleep(0.02)

    def _residue(self, job_id: int) -> str | None:
        try:
            jobs = self._call("getJobs", which_jobs="all", requested_attributes=["job-id"])
        except cups.IPPError:
            jobs = {}
        if job_id in jobs:
            return "job history"
        if self.spool_dir is not None:
            if job_files(self.spool_dir, job_id):
                return "spool file"
        return None
