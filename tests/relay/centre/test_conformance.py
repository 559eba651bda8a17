"""``relay municipality check``: a conforming issuing server passes every check; one that
answers a request with another's documents fails and is not to be admitted."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.federation_world import A, FederationWorld
from hardware_mocks.services.federation import FederationServices
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
