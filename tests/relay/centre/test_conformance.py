"""``relay municipality check``: a conforming issuing server passes every check; one that
answers a request with another's documents fails and is not to be admitted."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.federation_world import A, FederationWorld
from hardware_mocks.services.federation import FederationServices
from relay.centre.store import CentreStore
from relay.municipal.history import IssuanceHistory


@pytest.fixture
def server_a(federation: FederationWorld, tmp_path: Path, request: pytest.FixtureRequest
             ) -> Iterator[FederationServices]:
    fault = getattr(request, "param", None)
    services = FederationServices(federation, tmp_path, faulty=A if fault else None, fault=fault or "swap")
    services.start_municipality(A)
    yield services
    services.stop()


def _check(world: FederationWorld, port: int) -> subprocess.CompletedProcess[str]:
    home = world.municipality_dir(A)
    return subprocess.run(
        [sys.executable, "-m", "relay.cli", "municipality", "check", "--member", str(home / "member.json"),
         "--endpoint", f"https://127.0.0.1:{port}", "--profile", str(home / "profile.json"),
         "--centre-home", str(world.centre_dir), "--federation-ca", str(world.root / "federation-ca.pem")],
        capture_output=True, text=True, timeout=120, check=False)


def test_a_conforming_server_passes_every_check(federation: FederationWorld, server_a: FederationServices) -> None:
    result = _check(federation, server_a.ports[A])
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[1] for line in lines if line.startswith("PASS")] == [
        "protocol", "signatures", "refusals", "idempotency", "same_millisecond_pairs", "load", "outcomes"]
    history = IssuanceHistory(server_a.state / A / "history.sqlite3")
    try:  # the kit's documents all cancelled, and deleted with their outcome
        entries = history.entries()
        assert entries and {e["outcome"] for e in entries} == {"cancelled"} and history.stored_documents() == 0
    finally:
        history.close()
    CentreStore(server_a.state / "centre-empty.sqlite3").close()  # a centre that delivered nothing yet
    reconciled = subprocess.run(
        [sys.executable, "-m", "relay.cli", "reconcile", "--municipality", A, "--history",
         str(server_a.state / A / "history.sqlite3"), "--centre-db", str(server_a.state / "centre-empty.sqlite3")],
        capture_output=True, text=True, timeout=120, check=False)
    assert reconciled.returncode == 0 and reconciled.stdout == "", reconciled.stdout  # the kit's are no incident
    assert f"note: {len(entries)} request(s) of the conformance kit" in reconciled.stderr


@pytest.mark.parametrize("server_a", ["outcome-liar"], indirect=True)
def test_a_server_that_acknowledges_outcomes_it_did_not_record_is_not_admitted(
        federation: FederationWorld, server_a: FederationServices) -> None:
    result = _check(federation, server_a.ports[A])
    assert result.returncode == 1 and "not to be admitted" in result.stdout
    assert [line.split()[1].rstrip(":") for line in result.stdout.splitlines() if line.startswith("FAIL")] == [
        "outcomes"]


@pytest.mark.parametrize("server_a", ["swap"], indirect=True)
def test_a_server_that_swaps_answers_is_not_admitted(federation: FederationWorld,
                                                     server_a: FederationServices) -> None:
    result = _check(federation, server_a.ports[A])
    assert result.returncode == 1
    assert "not to be admitted" in result.stdout
    assert any(line.startswith(("FAIL idempotency", "FAIL same_millisecond_pairs"))
               for line in result.stdout.splitlines()), result.stdout


def _check_with(world: FederationWorld, port: int, profile: Path) -> subprocess.CompletedProcess[str]:
    home = world.municipality_dir(A)
    return subprocess.run(
        [sys.executable, "-m", "relay.cli", "municipality", "check", "--member", str(home / "member.json"),
         "--endpoint", f"https://127.0.0.1:{port}", "--profile", str(profile),
         "--centre-home", str(world.centre_dir), "--federation-ca", str(world.root / "federation-ca.pem")],
        capture_output=True, text=True, timeout=120, check=False)


def test_test_cards_the_server_refuses_fail_the_checks_that_need_them(
        federation: FederationWorld, server_a: FederationServices, tmp_path: Path) -> None:
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"issuable": ["0" * 16, "1" * 16], "capacity_per_second": 5}))
    result = _check_with(federation, server_a.ports[A], profile)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert any(line.startswith("FAIL idempotency: first answer: refusal") for line in result.stdout.splitlines())


@pytest.mark.parametrize(("profile", "said"), [
    ({"issuable": ["A" * 16, "B" * 16], "capacity_per_second": 0}, "error: --profile: capacity_per_second"),
    ({"issuable": ["A" * 16, "B" * 16], "capacity_per_second": -3}, "error: --profile: capacity_per_second"),
    ([], "error: --profile: the profile is a JSON object"),
    ({"capacity_per_second": 5}, "error: --profile: the profile lists at least two issuable test cards"),
])
def test_a_profile_that_cannot_be_used_is_refused_before_any_check(
        federation: FederationWorld, tmp_path: Path, profile: object, said: str) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(profile))
    result = _check_with(federation, 9, path)  # nothing listens there: nothing is asked of it
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(said) and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("existing", [None, b"%PDF-1.7\n"])
def test_a_report_path_that_cannot_take_the_report_is_refused_before_any_check(
        federation: FederationWorld, tmp_path: Path, existing: bytes | None) -> None:
    """A folder, or a file that is no conformance report (a document named by mistake):
    refused before the kit issues a single test document, the file left as it was."""
    report = tmp_path / "given"
    if existing is None:
        report.mkdir()
    else:
        report.write_bytes(existing)
    home = federation.municipality_dir(A)
    result = subprocess.run(
        [sys.executable, "-m", "relay.cli", "municipality", "check", "--member", str(home / "member.json"),
         "--endpoint", "https://127.0.0.1:9", "--profile", str(home / "profile.json"),  # nothing listens there
         "--centre-home", str(federation.centre_dir), "--federation-ca", str(federation.root / "federation-ca.pem"),
         "--report", str(report)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "is not a conformance report" in result.stderr and len(result.stderr.splitlines()) == 1
    assert existing is None or report.read_bytes() == existing
