"""The report of what CUPS keeps on disk (for ``kiosk diag``)."""

from __future__ import annotations

from pathlib import Path

from kiosk.printing import residue


def _conf(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cupsd.conf"
    path.write_text(text)
    return path


def test_defaults_keep_documents(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    report = residue.report(_conf(tmp_path, "Listen localhost:631\n"), spool)
    assert (report.preserve_job_files, report.preserve_job_history) == ("86400", "Yes")
    assert not report.settings_ok and not report.ok
    assert report.problems() == ["preserve-job-files", "preserve-job-history"]


def test_kiosk_settings_and_clean_spool(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    (spool / "tmp").mkdir(parents=True)
    conf = _conf(tmp_path, "PreserveJobFiles Yes\nPreserveJobFiles No\nPreserveJobHistory No\n")
    report = residue.report(conf, spool)
    assert report.ok and report.problems() == []


def test_spool_residue_and_unreadable(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "c00007").write_text("attrs")
    (spool / "d00007-001").write_bytes(b"%PDF")
    (spool / "cache.txt").write_text("not a job file")
    conf = _conf(tmp_path, "PreserveJobFiles No\nPreserveJobHistory No\n")
    report = residue.report(conf, spool)
    assert report.spool_files == ("c00007", "d00007-001")
    assert report.problems() == ["spool-residue"]
    assert [p.name for p in residue.job_files(spool, 7)] == ["c00007", "d00007-001"]
    assert residue.job_files(spool, 8) == []
    missing = residue.report(tmp_path / "nope.conf", tmp_path / "nope")
    assert missing.problems() == ["cupsd-conf-unreadable", "spool-unreadable"]
