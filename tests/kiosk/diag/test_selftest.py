"""The full self-test, residue, counters and log export."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hardware_mocks.world import (
    CANARY_ADDRESS_MARK,
    CANARY_FAMILY,
    CANARY_MY_NUMBER,
    CANARY_NAME,
    CANARY_PIN,
)
from kiosk.diag import residue
from kiosk.diag.checks import Status
from tests.fixtures.diag import Rig


def test_healthy_terminal_can_serve(rig: Rig) -> None:
    report = rig.service.self_test(trigger="start")
    assert report.can_serve, report.as_dict()
    assert {r.name for r in report.results} >= {
        "card.readers", "printer.state", "payment.self_test", "payment.levels", "relay",
        "residue.spool", "residue.cups_settings", "residue.files", "disk", "journal"}
    assert rig.service.audit.records()[-1]["event"] == "diag.selftest"


def test_faults_are_named(rig: Rig) -> None:
    rig.printer.state, rig.printer.reasons = "stopped", ("media-empty-error",)
    rig.payment.fault = "payment_fault"
    report = rig.service.self_test()
    assert not report.can_serve
    assert report.as_dict()["faults"] == ["printer.state:media-empty-error",
                                          "payment.self_test:payment_fault"]
    codes = [r["code"] for r in rig.service.audit.records() if r["event"] == "diag.selftest.fault"]
    assert codes == ["media-empty-error", "payment_fault"]


def test_daily_schedule(rig: Rig) -> None:
    assert rig.service.selftest_due()
    rig.service.self_test(trigger="daily")
    assert not rig.service.selftest_due()
    rig.clock.advance(24 * 3600)
    assert rig.service.selftest_due()


def test_residue_found(rig: Rig) -> None:
    paths = rig.service.paths.residue
    (paths.spool_dir / "d00012-001").write_bytes(b"%PDF canary")
    (paths.spool_dir / "c00012").write_bytes(b"attrs")
    (paths.scratch_dirs[0] / "session").mkdir()
    (paths.scratch_dirs[0] / "session" / "doc.pdf").write_bytes(b"x")
    paths.cupsd_conf.write_text("PreserveJobFiles 86400\n")
    results = {r.name: r for r in residue.check_all(paths)}
    assert results["residue.spool"].code == "spool_not_empty"
    assert results["residue.spool"].details["job_files"] == 2
    assert results["residue.files"].details["files"] == 1
    assert results["residue.cups_settings"].code == "preserve-job-files"
    # nothing names the files themselves
    assert "doc.pdf" not in json.dumps([r.as_dict() for r in results.values()])
    assert not rig.service.self_test().can_serve


def test_residue_clean_but_spool_on_disk(rig: Rig) -> None:
    paths = rig.service.paths.residue
    os.mkfifo(paths.scratch_dirs[0] / "worker.fifo")  # not a file: not residue
    assert residue.check_scratch(paths).status is Status.OK
    strict = residue.ResiduePaths(paths.spool_dir, paths.cupsd_conf, paths.scratch_dirs, True)
    result = residue.check_spool(strict)
    assert result.code == "spool_not_on_tmpfs" and result.status is Status.FAULT


def test_filesystem_type_from_mountinfo() -> None:
    lines = [
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "30 22 0:25 / /var/spool/cups rw,nosuid shared:9 - tmpfs tmpfs rw,mode=710",
    ]
    assert residue.filesystem_type(Path("/var/spool/cups"), lines) == "tmpfs"
    assert residue.filesystem_type(Path("/var/spool/cupsx"), lines) == "ext4"


def test_counters_since_service(rig: Rig) -> None:
    journal = rig.service.paths.journal
    assert journal is not None
    start = rig.clock.now().timestamp()
    recs = [
        {"t": start - 10, "session": "s0", "rec": "opened"},
        {"t": start - 9, "session": "s0", "rec": "closed", "code": "device_fault"},
        {"t": start + 1, "session": "s1", "rec": "opened"},
        {"t": start + 2, "session": "s1", "rec": "printed", "job": "9"},
        {"t": start + 3, "session": "s1", "rec": "closed", "code": "printed"},
        {"t": start + 4, "session": "s2", "rec": "opened"},
        {"t": start + 5, "session": "s2", "rec": "closed", "code": "print_failed"},
        {"t": start + 6, "session": "s3", "rec": "opened"},
        {"t": start + 7, "session": "s3", "rec": "closed", "code": "moving_out"},
    ]
    journal.write_text("".join(json.dumps(r) + "\n" for r in recs))
    rig.enter()
    rig.service.mark_serviced()
    rig.clock.advance(60)
    rig.payment.fault = "payment_fault"
    rig.service.self_test()
    counters = rig.service.counters().as_dict()
    assert counters["sessions"] == 3 and counters["prints"] == 1
    assert counters["faults"] == {"payment_fault": 1, "print_failed": 1}
    assert [e["code"] for e in counters["last_errors"]] == ["payment_fault", "print_failed"]


def test_log_export_keeps_only_structured_events(rig: Rig) -> None:
    log = rig.tmp / "kiosk.log"
    lines = [
        {"t": 1.0, "level": "INFO", "logger": "kiosk.session", "event": "session.closed",
         "session": "s1", "code": "printed"},
        {"t": 2.0, "level": "WARNING", "logger": "urllib3", "event": "library.message"},
        {"t": 3.0, "level": "INFO", "logger": "x", "event": "session.opened",
         "name": CANARY_NAME},  # a field no event may carry
        {"t": 4.0, "level": "INFO", "logger": "x", "event": "session.state",
         "state": CANARY_ADDRESS_MARK, "code": CANARY_MY_NUMBER},  # values that are not safe
    ]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines)
    log.write_text(text + f"Traceback (most recent call last): {CANARY_NAME} {CANARY_PIN}\n",
                   encoding="utf-8")
    rig.enter()
    result = rig.service.export_logs()
    exported = [json.loads(x) for x in result.path.read_text().splitlines()]
    assert result.path.parent == rig.tmp / "usb"
    assert exported[0]["event"] == "session.closed"
    assert {e["event"] for e in exported} == {"session.closed", "session.state",
                                              "diag.auth.accepted", "diag.enter"}
    assert result.skipped == 3
    out = result.path.read_text(encoding="utf-8")
    for canary in (CANARY_NAME, CANARY_FAMILY, CANARY_ADDRESS_MARK, CANARY_MY_NUMBER):
        assert canary not in out
    assert rig.service.audit.records()[-1]["event"] == "diag.export"


def test_log_export_without_a_stick(rig: Rig) -> None:
    from kiosk.diag.export import ExportError

    rig.enter()
    try:
        rig.service.export_logs(rig.tmp / "no-stick")
    except ExportError as exc:
        assert exc.code == "usb_not_available"
    else:
        raise AssertionError("export to a missing stick must fail")
    rec = rig.service.audit.records()[-1]
    assert (rec["event"], rec["ok"], rec["code"]) == ("diag.export", False, "usb_not_available")
