"""The printer port: what the session sees of a printer.

The session engine checks the printer before taking money (:meth:`Printer.preflight`),
submits the certificate, watches it to a terminal state with a deadline, and purges it
whatever happened. Every way a print can go wrong reaches it as a :class:`PrinterFault`
with a machine-readable ``reason``; a deadline expiry is a :class:`PrintTimeout`.

Contract of an adapter:

- ``submit`` streams the PDF (never a file path), with a random job title (the caller's,
  journaled before, or a fresh one) and explicit options, and returns a :class:`Job`;
- ``wait`` returns only when the job *completed*; on any fault or on the deadline it
  cancels the whole job with purge and raises (the Yokohama incident was a timeout that
  released only the queue, leaving the job to print later);
- ``purge`` cancels with purge (idempotent; also after a completed job, to drop its
  history) and then checks that the spool holds nothing of the job, raising
  :class:`SpoolResidue` if it does. Call it in a ``finally`` after every job;
- ``fate`` says, once the job is purged (or can no longer start), whether it came out:
  ``printed``, ``not_printed`` or ``unknown`` (CUPS had handed it to the printer, which
  never confirmed); ``forget`` drops what was kept to answer that.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from kiosk.printing import gate
from protocol.documents.catalogue import MAX_COPIES

#: Reasons a PrinterFault carries.
MEDIA_EMPTY = "media-empty"
MEDIA_JAM = "media-jam"
OFFLINE = "offline"
STOPPED = "stopped"
NOT_ACCEPTING = "not-accepting"
NO_QUEUE = "no-queue"
UNREACHABLE = "unreachable"
HELD = "held"
CANCELED = "canceled"
ABORTED = "aborted"
LOST = "lost"
TIMEOUT = "timeout"
REJECTED = "rejected"
GATE = "gate"  # the consent to a job could not be written
UNGATED = "ungated"  # the queue does not print through the kiosk's print gate
#: What became of a job (``Printer.fate``): not fault reasons, never shown as an error.
PRINTED, NOT_PRINTED, UNKNOWN = gate.PRINTED, gate.NOT_PRINTED, gate.UNKNOWN
FATES = frozenset({PRINTED, NOT_PRINTED, UNKNOWN})


class PrinterFault(Exception):
    """The printer cannot print or did not print. ``reason`` is a keyword, never free text."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"printer fault: {reason}")
        self.reason = reason


class PrintTimeout(PrinterFault):
    """The job did not complete before its deadline; it has been cancelled and purged."""

    def __init__(self) -> None:
        super().__init__(TIMEOUT)


class SpoolResidue(Exception):
    """After purge, the spool or the job history still holds something of the job."""

    def __init__(self, job_id: int, what: str) -> None:
        super().__init__(f"job {job_id} left {what} behind")
        self.job_id = job_id
        self.what = what


@dataclass(frozen=True)
class Job:
    id: int
    title: str  # random, opaque
    subscription: int | None = None


@dataclass(frozen=True)
class JobProgress:
    """One observed state of a job: ``state`` is pending/held/processing/stopped/completed…"""

    job: int
    state: str
    reasons: tuple[str, ...] = ()


ProgressCallback = Callable[[JobProgress], None]


class Printer(Protocol):
    def preflight(self) -> None:
        """Raise :class:`PrinterFault` unless the printer can take a job now."""

    def submit(self, pdf: bytearray, copies: int, duplex: bool, title: str | None = None) -> Job:
        """Stream ``pdf`` as a new job titled ``title`` (None: a fresh one); the caller
        keeps and zeroes ``pdf``."""

    def wait(self, job: Job, deadline: float, on_progress: ProgressCallback | None = None) -> None:
        """Return when ``job`` completed; else purge it and raise. ``deadline`` is clock.monotonic()."""

    def purge(self, job: Job) -> None:
        """Cancel with purge, then check nothing of the job is left."""

    def purge_all(self) -> None:
        """Recovery and sweep: revoke every consent, cancel every job the kiosk owns with
        purge, then check the same."""

    def fate(self, title: str) -> str:
        """``printed``, ``not_printed`` or ``unknown``: what became of the job ``title``
        (its consent is revoked first, so a job that had not started never will)."""

    def forget(self, title: str | None = None) -> None:
        """Drop what was kept about ``title`` (None: every job) to answer :meth:`fate`."""


def new_title() -> str:
    """An opaque job title: it lands in CUPS logs, history and notifications, and names
    the job's records at the print gate."""
    return "job-" + secrets.token_hex(8)


def check_title(title: str) -> None:
    """Refuse a title that is not of the kiosk's scheme (the gate would cancel the job)."""
    if not gate.TITLE.fullmatch(title):
        raise ValueError("a job title is job- and 16 hex digits")


def check_copies(copies: object) -> None:
    """Refuse anything but an int in 1..MAX_COPIES, whatever the caller's declared type."""
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be 1..{MAX_COPIES}")


def fault_from_reasons(reasons: list[str] | tuple[str, ...]) -> str | None:
    """The fault a set of IPP ``printer-state-reasons`` means, or None if it can print.

    Keywords carry a severity suffix (``-error``, ``-warning``, ``-report``); warnings do
    not stop a print, errors do, and ``offline`` stops it whatever its suffix.
    """
    for reason in reasons:
        base = reason
        for suffix in ("-error", "-warning", "-report"):
            if reason.endswith(suffix):
                base = reason[: -len(suffix)]
                break
        if base == "offline":
            return OFFLINE
        if reason.endswith("-error"):
            return base
    return None
