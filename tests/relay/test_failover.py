"""Three centre nodes on one PostgreSQL database, and everything that can die under them.

Each kiosk here is the real HTTPS client given all three nodes. A node is killed with
SIGKILL in the middle of issuing (before and after its commit) and of recording an
outcome; PostgreSQL is restarted as a crash during load; one node loses its database
link; and a random schedule kills and restarts nodes under a few hundred sessions. What
must hold every time: a retry on another node returns the very documents first issued
(same serial numbers), each request is issued and audited once, each acknowledged outcome
is recorded exactly once, no document ever names anyone but the session's resident, and
the serial numbers are unique and without gaps.
"""

from __future__ import annotations

import random
import shutil
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hardware_mocks.relay.crowd import CrowdMember, add_crowd
from hardware_mocks.services.ports import held_port, hold_port
from hardware_mocks.services.postgres import PostgresServer
from hardware_mocks.services.relay import RelayServer, relay_config
from hardware_mocks.services.tcp_proxy import TcpProxy
from hardware_mocks.world import World
from kiosk.relay_client.errors import RelayError, RelayTimeout, RelayUnavailable
from kiosk.relay_client.https import HttpsRelayClient
from kiosk.relay_client.port import Issued, Outcome
from protocol import wire
from relay.store.postgres import PostgresStore
from relay.store.protocol import Series
from tests.fixtures.relay import open_hours
from tests.fixtures.waiting import join_all, wait_for

pytestmark = [pytest.mark.relay, pytest.mark.postgres, pytest.mark.slow]
KIOSKS = 6
#: Seconds a load test may take in all: its load, its waits and the join of its kiosks
#: draw on this one deadline (separate limits added up past pytest-timeout's 600 s, which
#: does not end a ``finally``); the rest of the 600 s is for the fixtures and the check.
BUDGET = 400.0
#: The last seconds of the budget: the load ends before them, so the kiosks can finish the
#: session in hand (several calls, each with a 5 s read timeout, on up to three nodes).
FINISH = 120.0
TYPE, OPTIONS = "juminhyo", {"scope": "self", "my_number": "omit"}


@dataclass
class Centre:
    world: World
    root: Path
    state: Path
    url: str  # the shared database
    crowd: list[CrowdMember]
    nodes: list[RelayServer] = field(default_factory=list)
    held: dict[int, socket.socket] = field(default_factory=dict)  # each node's port, to close()

    def start(self, i: int, *args: str, db: str | None = None) -> RelayServer:
        """Node ``i`` on its port, held for it from its first start to :meth:`close`: started
        again after a kill, as a supervisor restarts it, it finds the port taken by nothing
        else (a port freed by the kill could have been given to any process meanwhile)."""
        if i not in self.held:
            self.held[i] = hold_port()
        node = RelayServer.start(self.root, self.state / f"node{i}", clock_start=open_hours(self.world),
                                 db=db or self.url, port=held_port(self.held[i]), extra_args=args)
        if i < len(self.nodes):
            self.nodes[i] = node
        else:
            self.nodes.append(node)
        return node

    def client(self, member: CrowdMember, order: list[int], read_timeout: float = 8.0) -> HttpsRelayClient:
        config = relay_config([self.nodes[i] for i in order], member.kiosk_id, read_timeout)
        return HttpsRelayClient.from_config(config)

    def store(self) -> PostgresStore:
        return PostgresStore(self.url)

    def close(self) -> None:
        """Every node stopped for good, and their ports given up."""
        try:
            for node in self.nodes:
                node.stop()
        finally:
            for held in self.held.values():
                held.close()
            self.held.clear()


@pytest.fixture
def centre(world: World, postgres_db: str, tmp_path: Path) -> Iterator[Centre]:
    root = tmp_path / "world"
    shutil.copytree(world.root, root)
    c = Centre(world, root, tmp_path, postgres_db, add_crowd(root, KIOSKS))
    try:
        yield c
    finally:
        c.close()


def _sign_in(client: HttpsRelayClient, member: CrowdMember) -> None:
    opened = client.open_session()
    client.authenticate(member.card.cert_der, member.card.sign(opened.challenge, opened.session_id, member.kiosk_id))
    client.menu()


def _own(issued: Issued, member: CrowdMember) -> bool:
    return all(d["body"]["members"][0]["name"]["given"] == member.given_name for d in issued.documents)


def _serials(issued: Issued) -> list[str]:
    return [d["serial"] for d in issued.documents]


def _check_database(centre: Centre, acknowledged: dict[str, tuple[str, list[str]]],
                    outcomes: dict[str, str]) -> None:
    """What the kiosks were told is what the database holds, once each; numbers without gaps."""
    store = centre.store()
    try:
        code = str(centre.world.data["municipality"]["code"])
        year = open_hours(centre.world).year
        last, runs = store.issued_serials(Series(code, year))
        numbers = sorted(n for first, count in runs for n in range(first, first + count))
        assert numbers == list(range(1, last + 1))  # unique, and no number lost to a dead node
        for rid, (_, serials) in acknowledged.items():
            row = store.request(rid)
            assert row is not None and row.serial_first is not None
            assert serials == [f"{code}-{year}-{row.serial_first + i:07d}" for i in range(row.copies)]
        audit = store.audit_since()
    finally:
        store.close()
    requests = Counter(e["request_id"] for e in audit if e["event"] == "request")
    assert set(requests.values()) <= {1}  # every request issued once, whoever retried where
    assert set(acknowledged) <= set(requests)
    recorded = Counter((e["request_id"], e["code"]) for e in audit if e["event"] == "outcome")
    assert set(recorded.values()) <= {1}  # one outcome per request, never two
    for rid, outcome in outcomes.items():
        assert recorded[(rid, outcome)] == 1


def test_a_node_killed_while_issuing_before_its_commit(centre: Centre) -> None:
    centre.start(0, "--inject-delay", "6:6", "--inject-delay-rate", "1")  # holds every issuance before it commits
    centre.start(1)
    centre.start(2)
    member = centre.crowd[0]
    client = centre.client(member, [0, 1, 2])
    _sign_in(client, member)
    rid = str(uuid.uuid4())
    asked = threading.Event()
    got: list[Issued] = []

    def ask() -> None:
        asked.set()
        got.append(client.request_documents(rid, TYPE, OPTIONS, 2))

    kiosk = threading.Thread(target=ask)
    kiosk.start()
    asked.wait()
    time.sleep(1.0)  # well inside the node's 6 s hold
    centre.nodes[0].kill()
    kiosk.join(timeout=30)
    assert got and [path for path, _ in client.failovers] == [wire.DOCUMENTS_PATH]
    (issued,) = got
    assert _own(issued, member)
    client.report_outcome(rid, Outcome.PRINTED, 2, issued.amount)  # one print, then one outcome
    client.close()
    _check_database(centre, {rid: (member.kiosk_id, _serials(issued))}, {rid: "printed"})
    year = open_hours(centre.world).year
    assert [s.rsplit("-", 1)[1] for s in _serials(issued)] == ["0000001", "0000002"]  # the dead node took none
    assert str(year) in _serials(issued)[0]


def test_nodes_killed_after_issuing_and_after_recording_the_outcome(centre: Centre) -> None:
    for i in (0, 1):  # both answer every issuance and outcome only after a 6 s hold: killed then
        centre.start(i, "--inject-answer-delay", "6:6", "--request-timeout", "30")
    centre.start(2)
    member = centre.crowd[0]
    client = centre.client(member, [0, 1, 2], read_timeout=10.0)
    _sign_in(client, member)
    rid = str(uuid.uuid4())
    store = centre.store()
    got: list[Issued] = []
    try:
        kiosk = threading.Thread(target=lambda: got.append(client.request_documents(rid, TYPE, OPTIONS, 2)))
        kiosk.start()
        wait_for(lambda: store.request(rid) is not None, what="the first node issued")
        first = store.request(rid)
        centre.nodes[0].kill()  # committed, answer not yet sent
        kiosk.join(timeout=30)
        assert got, "the retry on the next node got no documents"
        (issued,) = got
        assert first is not None and first.serial_first is not None
        assert _serials(issued)[0].endswith(f"-{first.serial_first:07d}")  # the same documents, not new ones
        assert [path for path, _ in client.failovers] == [wire.DOCUMENTS_PATH]  # one move, to node 1
        printed = [issued]  # the kiosk prints what it got, once

        reported = threading.Thread(target=lambda: client.report_outcome(rid, Outcome.PRINTED, 2, issued.amount))
        reported.start()

        def outcome_stored() -> bool:
            row = store.request(rid)
            return row is not None and row.outcome is not None

        wait_for(outcome_stored, what="the second node recorded the outcome")
        centre.nodes[1].kill()  # recorded, answer not yet sent
        reported.join(timeout=30)
        assert not reported.is_alive()
        assert [path for path, _ in client.failovers] == [wire.DOCUMENTS_PATH, wire.OUTCOME_PATH]
    finally:
        store.close()
        client.close()
    assert len(printed) == 1 and _own(issued, member)
    _check_database(centre, {rid: (member.kiosk_id, _serials(issued))}, {rid: "printed"})


@dataclass
class Tally:
    """What the kiosks were told, and what went wrong, across threads."""

    acknowledged: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    wrong_person: int = 0
    sessions: int = 0
    failovers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _run_kiosk(centre: Centre, member: CrowdMember, order: list[int], tally: Tally, until: Callable[[], bool]) -> None:
    """Complete sessions back to back. A session the relay fails is given up, as a kiosk
    refunds: what it was told stays in the tally."""
    while not until():
        client = centre.client(member, order, read_timeout=5.0)
        rid = str(uuid.uuid4())
        try:
            _sign_in(client, member)
            copies = random.randint(1, 2)
            issued = client.request_documents(rid, TYPE, OPTIONS, copies)
            with tally.lock:
                tally.acknowledged[rid] = (member.kiosk_id, _serials(issued))
                tally.wrong_person += not _own(issued, member)
            client.report_outcome(rid, Outcome.PRINTED, copies, issued.amount)
            with tally.lock:
                tally.outcomes[rid] = "printed"
                tally.sessions += 1
        except (RelayUnavailable, RelayTimeout) as exc:
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
        except RelayError as exc:  # anything else is a defect: counted, and asserted on
            with tally.lock:
                tally.errors[f"{type(exc).__name__}:{getattr(exc, 'code', '')}"] += 1
        finally:
            with tally.lock:
                tally.failovers += len(client.failovers)
            client.close()


def _load(centre: Centre, tally: Tally, until: Callable[[], bool]) -> list[threading.Thread]:
    threads = []
    for k, member in enumerate(centre.crowd):
        order = [(k + j) % len(centre.nodes) for j in range(len(centre.nodes))]  # kiosks spread over the nodes
        threads.append(threading.Thread(target=_run_kiosk, args=(centre, member, order, tally, until), daemon=True))
    for t in threads:
        t.start()
    return threads


def _join(threads: list[threading.Thread], deadline: float) -> None:
    """Wait for the kiosks to finish their sessions: all of them by the test's ``deadline``
    (``time.monotonic()``), not a limit for each (six kiosks waited on in turn would
    outlast the suite's ten-minute timeout)."""
    join_all(threads, deadline - time.monotonic(), "kiosks")


#: Failures a kiosk handles cleanly: nothing issued, the customer starts again. A node killed
#: after it consumed a session's challenge and before it answered leaves the challenge used
#: (authentication is not repeatable by design): the next node refuses it, and the session,
#: which has taken no money yet, ends with a retry.
CLEAN_FAILURES = {"RelayUnavailable", "RelayTimeout", "RelayRefused:challenge_used"}


def _only_clean_failures(tally: Tally) -> None:
    assert set(tally.errors) <= CLEAN_FAILURES, tally.errors
    assert tally.wrong_person == 0


def test_postgresql_restarted_during_load(centre: Centre, postgres_server: PostgresServer) -> None:
    for i in range(3):
        centre.start(i)
    tally = Tally()
    phase = {"restarts": 0, "after": 0}
    end = time.monotonic() + BUDGET  # every wait below draws on this one deadline
    load_end = end - FINISH  # bounded in time: a service that never resumes fails below
    stop = threading.Event()

    def done() -> bool:
        resumed = phase["restarts"] == 2 and tally.sessions >= phase["after"] + 3 * KIOSKS
        return resumed or stop.is_set() or time.monotonic() > load_end

    threads = _load(centre, tally, done)
    try:
        for _ in range(2):
            wait_for(lambda: tally.sessions >= phase["after"] + 2 * KIOSKS, load_end - time.monotonic(),
                     "sessions before the restart")
            postgres_server.restart(immediate=True)  # as a crash: recovery from the write-ahead log
            with tally.lock:
                phase["restarts"] += 1
                phase["after"] = tally.sessions
    except BaseException:
        stop.set()  # a failure above ends the kiosks now, not at the deadline
        raise
    finally:
        _join(threads, end)
    _only_clean_failures(tally)
    assert tally.failovers + sum(tally.errors.values()) > 0  # the restarts were felt, and answered cleanly
    assert tally.sessions >= phase["after"] + 3 * KIOSKS  # and service resumed
    _check_database(centre, tally.acknowledged, tally.outcomes)


def test_a_node_whose_database_link_is_cut(centre: Centre, postgres_server: PostgresServer) -> None:
    link = TcpProxy.start(postgres_server.port)
    try:
        centre.start(0, db=centre.url.replace(f":{postgres_server.port}/", f":{link.port}/"))
        centre.start(1)
        centre.start(2)
        link.cut()
        tally = Tally()
        member = centre.crowd[0]
        for _ in range(3):  # the kiosk tries node 0 first, every session
            _run_kiosk(centre, member, [0, 1, 2], tally, lambda: tally.sessions + sum(tally.errors.values()) >= 3)
        _only_clean_failures(tally)
        assert tally.sessions == 3 and tally.failovers >= 3  # each session moved on from the cut node
        link.mend()
        alone = Tally()  # node 0 alone: tried until it serves a whole session again (bounded)
        _run_kiosk(centre, member, [0], alone, lambda: alone.sessions > 0 or sum(alone.errors.values()) >= 20)
        assert alone.sessions == 1, alone.errors
        _check_database(centre, {**tally.acknowledged, **alone.acknowledged}, {**tally.outcomes, **alone.outcomes})
    finally:
        link.close()


def test_random_kills_under_a_few_hundred_sessions(centre: Centre) -> None:
    for i in range(3):
        centre.start(i)
    tally = Tally()
    end = time.monotonic() + BUDGET  # the load and the join draw on this one deadline
    target, load_end = 300, end - FINISH  # bounded in count and in time
    stop = threading.Event()

    kills = 0

    def done() -> bool:
        # enough sessions and enough kills (a fast machine must not end the run before the
        # kills), or the time bound
        return stop.is_set() or (tally.sessions >= target and kills >= 3) or time.monotonic() > load_end

    rng = random.Random(17)
    threads = _load(centre, tally, done)
    try:
        while not done():
            time.sleep(rng.uniform(0.5, 2.0))
            victim = rng.randrange(3)
            centre.nodes[victim].kill()
            kills += 1
            time.sleep(rng.uniform(0.1, 1.0))
            centre.start(victim)  # back on its own (held) port, as a supervisor restarts it
    finally:
        stop.set()
        _join(threads, end)
    _only_clean_failures(tally)
    assert kills >= 3 and tally.failovers > 0
    assert tally.sessions >= 100
    _check_database(centre, tally.acknowledged, tally.outcomes)
