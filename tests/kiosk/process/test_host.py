"""The UI side against real worker processes over simulated devices."""

from __future__ import annotations

import os
import time
from pathlib import Path

import msgspec
import pytest

from hardware_mocks.session.customer import Customer, HostTerminal, Script
from hardware_mocks.session.specs import fake_spec, write
from hardware_mocks.world import World
from kiosk import config as kiosk_config
from kiosk.config import Config
from kiosk.process.host import SessionHost
from kiosk.process.worker import WorkerSpec
from kiosk.session.viewmodel import Intent, IntentKind, Screen
from tests.fixtures.disk import DiskFaults


@pytest.fixture
def host(fresh_world: World, tmp_path: Path):
    h = SessionHost(fake_spec(fresh_world.root, tmp_path / "state", tmp_path / "run"))
    h.start()
    yield h
    h.close()


def test_one_customer_then_the_warm_spare_serves_the_next(host: SessionHost) -> None:
    first = host.worker_pid
    assert first is not None
    res = Customer(HostTerminal(host), Script("shiken-ichiro", "1234", pay=500)).run()
    assert res.final is not None and res.final.screen == Screen.THANK_YOU
    outcome = host.wait_outcome(res.final.session)
    assert (outcome["paid"], outcome["charged"], outcome["change"]) == (500, 200, 300)
    host.wait_for(lambda v: v.screen == Screen.START)
    assert host.worker_pid not in (None, first)
    with pytest.raises(ProcessLookupError):
        os.kill(first, 0)  # the first worker exited after its wipe


def test_kill_9_mid_payment_is_recovered_before_the_next_customer(host: SessionHost) -> None:
    host.wait_for(lambda v: v.screen == Screen.START)
    t = HostTerminal(host)
    res = Customer(t, Script("shiken-ichiro", "1234", kill_worker_at="printing")).run()
    assert res.killed
    died = host.wait_for(lambda v: v.final)
    assert died.error is not None and died.error.code == "worker_died"
    host.wait_for(lambda v: v.screen == Screen.START)
    assert host.worker_deaths == 1
    assert len(host.recovered) == 1 and host.recovered[0]["closed"]
    assert host.journal is not None and host.journal.open_sessions() == []


def test_pin_is_sent_from_a_bytearray_and_zeroed(host: SessionHost) -> None:
    host.wait_for(lambda v: v.screen == Screen.START)
    host.send_intent(Intent(IntentKind.START))
    host.device("card_insert", persona="shiken-ichiro")
    host.wait_for(lambda v: v.state == "pin")
    pin = bytearray(b"0000")
    host.send_pin(pin)
    assert pin == bytearray(4)
    vm = host.wait_for(lambda v: v.state == "pin" and v.tries_left == 2)
    assert vm.tries_left == 2
    host.send_intent(Intent(IntentKind.CANCEL))
    ended = host.wait_for(lambda v: v.final)
    assert ended.error is not None and ended.error.code == "cancelled"


def test_an_incompatible_relay_takes_the_terminal_out_of_service(fresh_world: World,
                                                                  tmp_path: Path) -> None:
    from hardware_mocks.session.specs import virtual_spec

    spec = virtual_spec(fresh_world.root, tmp_path / "state", tmp_path / "run",
                        relay_fault="incompatible")
    with SessionHost(spec) as h:
        vm = h.wait_for(lambda v: v.final)
        assert vm.screen == Screen.OUT_OF_SERVICE and vm.error is not None
        assert vm.error.code == "incompatible_relay" and h.out_of_service == "incompatible_relay"
        assert h.worker_pid is None  # no one is served


def test_sigterm_to_the_worker_ends_the_session_through_the_wipe(host: SessionHost) -> None:
    import signal

    host.wait_for(lambda v: v.screen == Screen.START)
    host.send_intent(Intent(IntentKind.START))
    host.device("card_insert", persona="shiken-ichiro")
    host.wait_for(lambda v: v.state == "pin")
    host.send_pin(bytearray(b"1234"))
    host.wait_for(lambda v: v.state == "remove_card")
    host.device("card_remove")
    host.wait_for(lambda v: v.state == "choose_type")
    host.send_intent(Intent(IntentKind.CHOOSE_TYPE, "inkan"))
    host.send_intent(Intent(IntentKind.SET_COPIES, "1"))
    host.send_intent(Intent(IntentKind.CONFIRM))
    host.wait_for(lambda v: v.state == "payment")
    host.device("coin", value=100)
    host.wait_for(lambda v: v.inserted == 100)
    assert host.worker_pid is not None
    os.kill(host.worker_pid, signal.SIGTERM)
    final = host.wait_for(lambda v: v.final)
    assert final.error is not None and final.error.code == "stopped"
    assert final.error.refunded == 100
    outcome = host.wait_outcome(final.session)
    assert (outcome["paid"], outcome["refunded"], outcome["reason"]) == (100, 100, "stop")
    assert host.worker_deaths == 0


def test_a_crashing_worker_leaves_no_core_and_is_recovered(host: SessionHost) -> None:
    import signal

    host.wait_for(lambda v: v.screen == Screen.START)
    pid = host.worker_pid
    assert pid is not None
    limits = Path(f"/proc/{pid}/limits").read_text()
    core = next(line for line in limits.splitlines() if line.startswith("Max core file size"))
    assert core.split()[4:6] == ["0", "0"]  # soft and hard limits: no core file
    os.kill(pid, signal.SIGSEGV)
    host.wait_for(lambda v: v.state == "worker_died")
    host.wait_for(lambda v: v.screen == Screen.START)
    assert host.worker_deaths == 1 and host.worker_pid != pid


def test_after_a_worker_death_the_customer_sees_the_refund(host: SessionHost) -> None:
    """The worker dies with coins in escrow: once recovery ran, a final view tells the
    customer at the screen what came back."""
    host.wait_for(lambda v: v.screen == Screen.START)
    host.send_intent(Intent(IntentKind.START))
    host.device("card_insert", persona="shiken-ichiro")
    host.wait_for(lambda v: v.state == "pin")
    host.send_pin(bytearray(b"1234"))
    host.wait_for(lambda v: v.state == "remove_card")
    host.device("card_remove")
    host.wait_for(lambda v: v.state == "choose_type")
    host.send_intent(Intent(IntentKind.CHOOSE_TYPE, "inkan"))
    host.send_intent(Intent(IntentKind.SET_COPIES, "1"))
    host.send_intent(Intent(IntentKind.CONFIRM))
    host.wait_for(lambda v: v.state == "payment")
    session = host.last_view.session if host.last_view else None
    host.device("coin", value=100)
    host.wait_for(lambda v: v.inserted == 100)
    host.kill_worker()
    recovered = host.wait_for(lambda v: v.state == "worker_died" and v.error is not None
                              and v.error.refunded > 0)
    assert recovered.final and recovered.session == session
    assert recovered.error is not None and recovered.error.refunded == 100
    assert recovered.error.voucher is None
    host.wait_for(lambda v: v.screen == Screen.START)


def test_a_bad_device_configuration_takes_the_terminal_out_of_service(tmp_path: Path) -> None:
    """A configuration that cannot be read, or devices that cannot be built from it, never
    kill the host's thread: the terminal shows OUT_OF_SERVICE with a code."""
    from kiosk.config import Config, RelayConfig, dump
    from kiosk.process.worker import WorkerSpec

    bad = tmp_path / "bad.toml"
    bad.write_text("[relay]\nurl = 3\n", encoding="ascii")
    no_reader = tmp_path / "kiosk.toml"  # valid, but this machine has no allowed reader
    no_reader.write_text(dump(Config(state_dir=tmp_path / "state", runtime_dir=tmp_path / "run",
                                     relay=RelayConfig(url="https://127.0.0.1:9"))),
                         encoding="utf-8")
    expected = {"missing.toml": "config_invalid", "bad.toml": "config_invalid",
                "kiosk.toml": "reader_gone"}
    for config in (tmp_path / "missing.toml", bad, no_reader):
        spec = WorkerSpec(config_path=str(config))
        with SessionHost(spec) as h:
            vm = h.last_view
            assert vm is not None and vm.final and vm.screen == Screen.OUT_OF_SERVICE
            assert vm.error is not None and h.out_of_service == vm.error.code
            assert vm.error.code == expected[config.name]


def test_a_spare_that_died_unseen_is_replaced_before_recovery(host: SessionHost) -> None:
    import signal

    host.wait_for(lambda v: v.screen == Screen.START)
    for _ in range(500):
        if host.spare_ready:
            break
        host.poll(0.02)
    spare = host.spare_pid
    assert spare is not None
    os.kill(spare, signal.SIGKILL)
    host.kill_worker()
    host.wait_for(lambda v: v.state == "worker_died", 30)
    host.wait_for(lambda v: v.screen == Screen.START, 30)
    assert host.worker_pid not in (None, spare) and host.out_of_service is None


def test_a_pin_sent_to_a_dead_worker_is_zeroed_and_the_death_recovered(
        host: SessionHost) -> None:
    host.wait_for(lambda v: v.screen == Screen.START)
    host.send_intent(Intent(IntentKind.START))
    host.device("card_insert", persona="shiken-ichiro")
    host.wait_for(lambda v: v.state == "pin")
    pid = host.worker_pid
    assert pid is not None
    host.kill_worker()
    os.waitpid(pid, 0)  # gone (reaped here; the host's reap then finds nothing to wait)
    pin = bytearray(b"1234")
    for _ in range(3):  # the first write may still fit in the socket buffer
        host.send_pin(pin)
        assert pin == bytearray(4)
        pin[:] = b"1234"
    host.wait_for(lambda v: v.screen == Screen.START, 30)
    assert host.worker_deaths == 1


def test_a_state_directory_that_cannot_be_written_serves_no_one_until_it_can(
        fresh_world: World, tmp_path: Path, disk_faults: DiskFaults) -> None:
    """Checked before every session (a probe written and fsynced beside the journal): no
    one is offered a session whose journal and ledger could not be written; the host
    tries again every ``service_retry`` seconds and serves once the disk is back."""
    import errno

    spec = fake_spec(fresh_world.root, tmp_path / "state", tmp_path / "run")
    cfg = kiosk_config.load(spec.config_path)
    write(msgspec.structs.replace(cfg, service_retry=0.2), Path(spec.config_path))
    disk_faults.fail(".write-probe", errno.ENOSPC)
    with SessionHost(spec) as h:
        vm = h.wait_for(lambda v: v.final)
        assert vm.screen == Screen.OUT_OF_SERVICE and vm.error is not None
        assert vm.error.code == "state_unwritable" and h.out_of_service == "state_unwritable"
        assert h.worker_pid is None
        failed = len(disk_faults.failed)
        with pytest.raises(TimeoutError):
            h.wait_for(lambda v: v.screen == Screen.START, 1.0)  # still unwritable: retried
        assert len(disk_faults.failed) > failed
        disk_faults.heal()
        h.wait_for(lambda v: v.screen == Screen.START, 10.0)
        assert h.refused is None and h.worker_pid is not None  # back in service


def _register_fault(world: World, tmp_path: Path, fault: str, service_retry: float) -> tuple[WorkerSpec, Config]:
    """A stand-in relay whose kiosk register refuses this terminal (``fault``), and the same
    configuration with that fault cleared: rewritten in place, it is what the next worker
    reads, as the operator's register change is what the next call meets."""
    from hardware_mocks.session.specs import virtual_spec

    spec = virtual_spec(world.root, tmp_path / "state", tmp_path / "run", relay_fault=fault)
    cfg = kiosk_config.load(spec.config_path)
    write(msgspec.structs.replace(cfg, service_retry=service_retry), Path(spec.config_path))
    cleared = msgspec.structs.replace(cfg, service_retry=service_retry,
                                      devices=msgspec.structs.replace(cfg.devices, relay_fault=None))
    return spec, cleared


@pytest.mark.parametrize(("fault", "code"), [("suspended", "kiosk_suspended"), ("unregistered", "kiosk_unknown")])
def test_a_terminal_the_register_refuses_for_now_serves_again_once_the_operator_fixes_it(
        fresh_world: World, tmp_path: Path, fault: str, code: str) -> None:
    """Suspended (``relay kiosk activate`` clears it) or its certificate not registered to its
    kiosk id (``relay kiosk add`` or ``renew`` clears it): out of service with the code, tried
    again every ``service_retry`` seconds, serving once the register lets it."""
    spec, cleared = _register_fault(fresh_world, tmp_path, fault, 0.2)
    with SessionHost(spec) as h:
        first = h.wait_for(lambda v: v.final)
        assert first.screen == Screen.OUT_OF_SERVICE and first.error is not None
        assert first.error.code == code and h.out_of_service == code and h.worker_pid is None
        again = h.wait_for(lambda v: v is not first and v.final, 30.0)  # tried again, refused again
        assert again.error is not None and again.error.code == code
        write(cleared, Path(spec.config_path))
        h.wait_for(lambda v: v.screen == Screen.START, 30.0)
        assert h.refused is None and h.worker_pid is not None  # back in service


def test_a_retired_terminal_is_not_tried_again_until_a_technician_has_been(fresh_world: World,
                                                                          tmp_path: Path) -> None:
    """No register change serves a retired kiosk id again, so the host does not call the
    relay every ``service_retry`` seconds to be refused: however long it polls (each poll
    would run a due retry there and then), nothing starts, even once the relay would
    serve. Leaving diagnostic mode (a pause, then resume) runs the start checks anew."""
    spec, cleared = _register_fault(fresh_world, tmp_path, "retired", 0.05)
    with SessionHost(spec) as h:
        first = h.wait_for(lambda v: v.final)
        assert first.screen == Screen.OUT_OF_SERVICE and first.error is not None
        assert first.error.code == "kiosk_retired" and h.out_of_service == "kiosk_retired"
        write(cleared, Path(spec.config_path))  # a retry now would serve
        delivered = []
        end = time.monotonic() + 20 * 0.05  # many retry intervals of polls
        while time.monotonic() < end:
            delivered += h.poll(0.02)
        assert delivered == [] and h.worker_pid is None and h.out_of_service == "kiosk_retired"
        h.pause()
        h.resume()
        h.wait_for(lambda v: v.screen == Screen.START, 30.0)
        assert h.refused is None and h.worker_pid is not None
