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
    withdrawn = member.issuer_keys[0].key_id
    assert main(["federation", "revoke-key", str(fed), "139998", withdrawn, "--reason", "a\nb"]) == 2
    assert "one line" in capsys.readouterr().err
    assert main(["federation", "revoke-key", str(fed), "139998", withdrawn, "--reason", "compromised",
                 "--publish"]) == 0
    assert "verifiers are told it was withdrawn, when and why" in capsys.readouterr().out
    assert main(["federation", "show", str(fed)]) == 0
    assert f"revoked issuer key {withdrawn} of 139998 at " in capsys.readouterr().out


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


def test_sign_csr_never_writes_over_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out naming the CA's own key (a slip of the finger) leaves it as it was."""
    fed, home = tmp_path / "fed", tmp_path / "home"
    assert main(["federation", "init", str(fed), "--name", "test-federation"]) == 0
    assert main(["municipality", "init", str(home), "--code", "139998", "--name", "x",
                 "--endpoint", "https://issuing.example"]) == 0
    key = fed / "private" / "ca.key"
    before = key.read_bytes()
    capsys.readouterr()
    assert main(["federation", "sign-csr", str(fed), str(home / "tls.csr"), "--role", "municipal", "--host",
                 "issuing.example", "--out", str(key)]) == 2
    err = capsys.readouterr().err
    assert "exists" in err and len(err.strip().splitlines()) == 1
    assert key.read_bytes() == before
    assert main(["federation", "sign-csr", str(fed), str(home / "tls.csr"), "--role", "municipal", "--host",
                 "issuing.example", "--out", str(tmp_path / "server.pem")]) == 0


def test_add_key_valid_for_is_the_directory_s_as_everywhere_else(tmp_path: Path) -> None:
    """--key-valid-for is how long the key may sign; --valid-for, with --publish, how long
    the directory is valid, as in every other federation command."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    fed = tmp_path / "fed"
    assert main(["federation", "init", str(fed), "--name", "test-federation"]) == 0
    now = dt.datetime.now(dt.UTC)
    city = municipality("139998", now - dt.timedelta(days=1))
    (tmp_path / "member.json").write_bytes(city.member_json())
    (tmp_path / "report.json").write_bytes(conformance_report(fed, city.member, now))
    assert main(["federation", "admit", str(fed), str(tmp_path / "member.json"),
                 "--conformance-report", str(tmp_path / "report.json")]) == 0
    pub = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.PEM,
                                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "new.pub").write_bytes(pub)
    assert main(["federation", "add-key", str(fed), "139998", "message", str(tmp_path / "new.pub"),
                 "--key-valid-for", "30d", "--publish", "--valid-for", "2d"]) == 0
    directory = verify((fed / "directory.json").read_bytes(), Anchor.from_bytes((fed / "anchor.json").read_bytes()),
                       now)
    assert dt.timedelta(days=1) < directory.expires_at - now <= dt.timedelta(days=2)
    member = directory.member("139998")
    assert member is not None
    assert any(dt.timedelta(days=29) < k.not_after - now <= dt.timedelta(days=30) for k in member.message_keys)
