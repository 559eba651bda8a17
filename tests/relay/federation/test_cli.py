"""``relay federation``: the operator's commands end in one line and exit code 2 on any
error (never a traceback), and run in order they onboard a municipality."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from protocol.federation.directory import Anchor, verify
from relay.cli import main
from tests.fixtures.federation import conformance_report, municipality


def test_onboarding_in_order(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fed = tmp_path / "fed"
    assert main(["federation", "init", str(fed), "--name", "test-federation"]) == 0
    now = dt.datetime.now(dt.UTC)
    city = municipality("139998", now - dt.timedelta(days=1))
    (tmp_path / "member.json").write_bytes(city.member_json())
    (tmp_path / "report.json").write_bytes(conformance_report(fed, city.member, now))
    assert main(["federation", "admit", str(fed), str(tmp_path / "member.json"),
                 "--conformance-report", str(tmp_path / "report.json"), "--publish", "--valid-for", "2d"]) == 0
    directory = verify((fed / "directory.json").read_bytes(), Anchor.from_bytes((fed / "anchor.json").read_bytes()),
                       now)
    assert directory.serial == 1 and directory.active("139998") is not None
    assert main(["federation", "suspend", str(fed), "139998", "--reason", "wrong document"]) == 0
    assert "not yet published" in capsys.readouterr().out
    assert main(["federation", "publish", str(fed)]) == 0
    assert main(["federation", "show", str(fed)]) == 0
    out = capsys.readouterr().out
    assert "serial 2" in out and "139998" in out and "[suspended]" in out
    nodes = ["https://issuing-1.example:8443", "https://issuing-2.example:8443"]
    assert main(["federation", "set-endpoints", str(fed), "139998", *nodes, "--publish"]) == 0
    directory = verify((fed / "directory.json").read_bytes(), Anchor.from_bytes((fed / "anchor.json").read_bytes()),
                       now)
    member = directory.member("139998")
    assert directory.serial == 3 and member is not None and list(member.endpoints) == nodes


@pytest.mark.parametrize("argv, message", [
    (["federation", "publish", "{dir}"], "holds no federation"),
    (["federation", "admit", "{dir}", "{dir}/missing.json"], "cannot read"),
    (["federation", "add-key", "{dir}", "139998", "issuer", "{dir}/missing.pem"], "cannot read"),
    (["federation", "set-endpoints", "{dir}", "139998", "http://plain.example"], "https://"),
])
def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str],
                             message: str) -> None:
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("command", "said"), [
    (["init", "{fed}", "--name", "x", "--ca-days", "-5"], "argument --ca-days: a whole number of days, 1 to 36500"),
    (["init", "{fed}", "--name", "x", "--ca-days", "99999999"], "argument --ca-days: a whole number of days"),
    (["publish", "{fed}", "--valid-for", "99999999d"], "argument --valid-for: at most 36500d"),
    (["publish", "{fed}", "--valid-for", "9999999999d"], "argument --valid-for: use a duration like"),
])
def test_a_period_past_what_the_calendar_holds_is_refused_before_anything_is_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], said: str) -> None:
    fed = tmp_path / "fed"
    with pytest.raises(SystemExit) as exc:
        main(["federation", *[part.format(fed=fed) for part in command]])
    assert exc.value.code == 2
    assert said in capsys.readouterr().err
    assert not fed.exists()  # no half-made federation directory
