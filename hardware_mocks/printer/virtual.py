"""A scriptable printer for tests and the demo, behind the printer port of
:mod:`kiosk.printing.printer`: jobs walk through a script of states and faults, and the
spool is a dictionary whose purge can be made to fail."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from kiosk.printing.printer import (
    NOT_PRINTED,
    PRINTED,
    Job,
    JobProgress,
    PrinterFault,
    PrintTimeout,
    ProgressCallback,
    SpoolResidue,
    check_copies,
    check_title,
    new_title,
)
from protocol.clock import Clock, FakeClock
from protocol.sensitive import zero


@dataclass
class VirtualJob:
    job: Job
    data: bytearray
    copies: int
    duplex: bool
    script: Iterator[str]
    state: str = "pending"


@dataclass
class VirtualPrinter:
    """A printer for unit tests, driven by a script.

    ``preflight_fault`` makes :meth:`preflight` raise. Each job walks through
    ``script`` one step per poll: a job state (``pending``, ``processing``,
    ``completed``, ``held``, ``stopped``, ``canceled``, ``aborted``) or a fault reason
    (``media-empty``, ``media-jam``, ``offline`` …); after the script's last step the
    job stays there (``processing`` forever is a hang, for deadline tests). Polls sleep
    on the clock, so with a :class:`~protocol.clock.FakeClock` the wait is instant.
    ``spool`` holds a copy of each job's bytes until it is purged;
    ``leave_residue`` makes purge forget to remove it, to test the check. A job's
    :meth:`fate` is ``printed`` once its script completed, else ``not_printed`` (a
    scripted job that faulted never came out).
    """

    clock: Clock = field(default_factory=FakeClock)
    script: tuple[str, ...] = ("processing", "completed")
    preflight_fault: str | None = None
    poll_interval: float = 0.25
    leave_residue: bool = False
    jobs: dict[int, VirtualJob] = field(default_factory=dict)
    spool: dict[int, bytearray] = field(default_factory=dict)
    purged: list[int] = field(default_factory=list)
    _next_id: int = 1

    def preflight(self) -> None:
        if self.preflight_fault is not None:
            raise PrinterFault(self.preflight_fault)

    def submit(self, pdf: bytearray, copies: int, duplex: bool, title: str | None = None) -> Job:
        check_copies(copies)
        self.preflight()
        job = Job(self._next_id, title or new_title())
        check_title(job.title)
        self._next_id += 1
        self.spool[job.id] = bytearray(pdf)
        self.jobs[job.id] = VirtualJob(job, self.spool[job.id], copies, duplex, iter(self.script))
        return job

    def _sleep(self, seconds: float) -> None:
        if isinstance(self.clock, FakeClock):
            self.clock.advance(seconds)
        else:
            time.sleep(seconds)

    def wait(self, job: Job, deadline: float, on_progress: ProgressCallback | None = None) -> None:
        fake = self.jobs[job.id]
        try:
            while True:
                if self.clock.monotonic() >= deadline:
                    raise PrintTimeout()
                step = next(fake.script, fake.state)
                if step in ("completed",):
                    fake.state = step
                    if on_progress:
                        on_progress(JobProgress(job.id, step))
                    return
                if step in ("pending", "processing"):
                    if step != fake.state and on_progress:
                        on_progress(JobProgress(job.id, step))
                    fake.state = step
                elif step in ("held", "stopped", "canceled", "aborted"):
                    fake.state = step
                    raise PrinterFault(step)
                else:
                    raise PrinterFault(step)
                self._sleep(self.poll_interval)
        except PrinterFault:
            self.purge(job)
            raise

    def purge_all(self) -> None:
        for job_id in list(self.jobs):
            self.purge(self.jobs[job_id].job)

    def fate(self, title: str) -> str:
        done = any(j.job.title == title and j.state == "completed" for j in self.jobs.values())
        return PRINTED if done else NOT_PRINTED

    def forget(self, title: str | None = None) -> None:
        for job_id in [k for k, j in self.jobs.items() if title in (None, j.job.title)]:
            if job_id not in self.spool:  # purged: nothing more to say about it
                del self.jobs[job_id]

    def purge(self, job: Job) -> None:
        data = self.spool.get(job.id)
        if data is not None and not self.leave_residue:
            zero(data)
            del self.spool[job.id]
        self.purged.append(job.id)
        if job.id in self.spool:
            raise SpoolResidue(job.id, "spool file")
