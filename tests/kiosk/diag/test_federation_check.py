"""The diagnostic relay check of a federation terminal: the centre reachable but no valid
directory to be had is a fault named ``directory_unavailable``; with one, the check passes
and the directory is kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from hardware_mocks.services.relay import RelayServer
from kiosk.diag import checks
from kiosk.diag.adapters import TlsRelayProbe, https_version_check
from kiosk.diag.checks import Status
from tests.fixtures.federation_relay import FederatedRelay

pytestmark = pytest.mark.relay


def test_a_centre_that_serves_no_directory_is_a_fault(relay_server: RelayServer, federated_relay: FederatedRelay,
                                                       tmp_path: Path) -> None:
    config = msgspec.structs.replace(relay_server.relay_config(), issuer_public_key=None,
                                     anchor=federated_relay.anchor, directory_cache=tmp_path / "directory.json")
    result = checks.relay_status(TlsRelayProbe(config, https_version_check(config)), dt.datetime.now(dt.UTC))
    assert (result.status, result.code) == (Status.FAULT, "directory_unavailable")


def test_a_centre_with_the_directory_passes(federated_relay: FederatedRelay, tmp_path: Path) -> None:
    config = msgspec.structs.replace(federated_relay.server.relay_config(), issuer_public_key=None,
                                     anchor=federated_relay.anchor, directory_cache=tmp_path / "directory.json")
    result = checks.relay_status(TlsRelayProbe(config, https_version_check(config)), dt.datetime.now(dt.UTC))
    assert result.status in {Status.OK, Status.WARNING}, result
    assert (tmp_path / "directory.json").exists()
