"""Two centre nodes on one PostgreSQL database share the registers: a kiosk's rate limit
counts its calls on every node together, and a kiosk suspended through one node (``relay
kiosk suspend --db postgresql://…``) is refused by the other on its next request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hardware_mocks.services.relay import RelayServer
from hardware_mocks.world import World
from kiosk.relay_client.client import load_issuer_public_key
from kiosk.relay_client.https import HttpsRelayClient
from protocol import wire
from relay.cli import main
from relay.store.postgres import PostgresStore
from tests.fixtures.relay import open_hours

pytestmark = [pytest.mark.relay, pytest.mark.postgres, pytest.mark.slow]
SHOP_KIOSK = "KIOSK-0003"  # registered with a shop's load: 30 sessions an hour, so 120 an hour at most


@pytest.fixture
def two_nodes(world: World, postgres_db: str, tmp_path: Path) -> Iterator[list[RelayServer]]:
    nodes: list[RelayServer] = []
    try:
        for i in range(2):  # the hour's limit only: a minute's would turn over during a slow run
            nodes.append(RelayServer.start(world.root, tmp_path / f"node{i}", clock_start=open_hours(world),
                                           db=postgres_db, extra_args=("--kiosk-sessions-per-minute", "1000")))
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def _client(server: RelayServer, kiosk: str) -> HttpsRelayClient:
    cert, key = server.kiosk_cert(kiosk)
    return HttpsRelayClient(server.url, ca_file=server.ca_file, cert_file=cert, key_file=key,
                            issuer_key=load_issuer_public_key(server.issuer_public_key), retries=0)


def test_a_kiosks_rate_limit_counts_its_sessions_on_every_node(two_nodes: list[RelayServer]) -> None:
    from kiosk.relay_client.errors import RelayProtocolError

    opened = [0, 0]
    refused: list[int] = []
    clients = [_client(node, SHOP_KIOSK) for node in two_nodes]
    try:
        for n in range(130):  # alternately on each node: 65 a node, under the limit on either alone
            try:
                clients[n % 2].open_session()
                opened[n % 2] += 1
            except RelayProtocolError as exc:
                assert exc.code == wire.RATE_LIMITED
                refused.append(n % 2)
    finally:
        for client in clients:
            client.close()
    assert sum(opened) == 120 and opened == [60, 60]
    assert refused == [0, 1] * 5  # once over, refused on both nodes
    store = PostgresStore(str(two_nodes[0].db))
    try:
        alerts = [e for e in store.audit_since() if e["event"] == "alert"]
    finally:
        store.close()
    assert [(a["kiosk_id"], a["code"]) for a in alerts] == [(SHOP_KIOSK, "volume")]  # once, not once a node


def test_a_kiosk_suspended_through_one_node_is_refused_by_the_other(two_nodes: list[RelayServer]) -> None:
    from kiosk.relay_client.errors import KioskSuspended

    with _client(two_nodes[1], "KIOSK-0002") as client:
        client.open_session()
        assert main(["kiosk", "suspend", "KIOSK-0002", "--db", str(two_nodes[0].db)]) == 0
        # the other node remembers the kiosk's standing until the database's change notice
        # reaches it (milliseconds): a request or two may still pass, never many
        code = None
        for _ in range(50):
            try:
                client.open_session()
            except KioskSuspended as err:
                code = err.code
                break
        assert code == wire.KIOSK_SUSPENDED
        with pytest.raises(KioskSuspended) as refused:
            client.open_session()  # and from then on, every time
        assert refused.value.code == wire.KIOSK_SUSPENDED
