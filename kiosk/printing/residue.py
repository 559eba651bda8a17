"""What CUPS keeps on disk, for ``kiosk diag`` and the purge check.

Measured on Debian 12 (CUPS 2.4): with the defaults cupsd keeps every printed PDF byte
for byte for a day (``PreserveJobFiles 86400``) and the job's attributes until
``MaxJobs`` (``PreserveJobHistory Yes``). A kiosk must run with both set to plain ``No``
(numeric values have had bugs; ``docs/deployment.md`` shows how they are set), and its
spool must hold no ``c*`` or ``d*`` file between sessions. :func:`report` reads both; it reports file names and
counts, never contents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CONF = Path("/etc/cups/cupsd.conf")
DEFAULT_SPOOL = Path("/var/spool/cups")
#: cupsd.conf(5) defaults on CUPS 2.4.
DEFAULTS = {"PreserveJobFiles": "86400", "PreserveJobHistory": "Yes"}


@dataclass(frozen=True)
class ResidueReport:
    preserve_job_files: str
    preserve_job_history: str
    conf_readable: bool
    spool_readable: bool
    spool_files: tuple[str, ...] = field(default=())

    @property
    def settings_ok(self) -> bool:
        """Both settings are plain ``No``: nothing is kept after a job ends."""
        return (self.conf_readable and self.preserve_job_files.lower() == "no"
                and self.preserve_job_history.lower() == "no")

    @property
    def ok(self) -> bool:
        return self.settings_ok and self.spool_readable and not self.spool_files

    def problems(self) -> list[str]:
        """Machine-readable problem codes, for the diag screen and events."""
        out = []
        if not self.conf_readable:
            out.append("cupsd-conf-unreadable")
        elif self.preserve_job_files.lower() != "no":
            out.append("preserve-job-files")
        if self.conf_readable and self.preserve_job_history.lower() != "no":
            out.append("preserve-job-history")
        if not self.spool_readable:
            out.append("spool-unreadable")
        elif self.spool_files:
            out.append("spool-residue")
        return out


def cupsd_settings(conf: Path = DEFAULT_CONF) -> dict[str, str]:
    """``PreserveJobFiles`` and ``PreserveJobHistory`` as cupsd will apply them.

    Raises ``OSError`` if the file cannot be read. The last occurrence wins, as in cupsd.
    """
    values = dict(DEFAULTS)
    for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in values:
            values[words[0]] = words[1]
    return values


def job_files(spool: Path, job_id: int | None = None) -> list[Path]:
    """Job control (``cNNNNN``) and document (``dNNNNN-NNN``) files in ``spool``.

    With ``job_id``, only that job's files.
    """
    out = []
    for p in spool.iterdir():
        name = p.name
        if not p.is_file() or name[:1] not in ("c", "d") or not name[1:6].isdigit():
            continue
        if job_id is None or int(name[1:6]) == job_id:
            out.append(p)
    return sorted(out)


def report(conf: Path = DEFAULT_CONF, spool: Path = DEFAULT_SPOOL) -> ResidueReport:
    try:
        settings = cupsd_settings(conf)
        conf_ok = True
    except OSError:
        settings, conf_ok = dict(DEFAULTS), False
    try:
        files = tuple(p.name for p in job_files(spool))
        spool_ok = True
    except OSError:
        files, spool_ok = (), False
    return ResidueReport(settings["PreserveJobFiles"], settings["PreserveJobHistory"], conf_ok,
                         spool_ok, files)
