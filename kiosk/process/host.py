"""The UI side of the session: starts workers, forwards intents, delivers view models.

``SessionHost`` holds no personal data and imports no Qt. It keeps one *current* worker
(serving the customer at the screen) and one *warm spare* (already started, imported
and waiting), so the next customer never waits for a process to start. When the
current worker ends (its last view model has ``final=True``) the spare takes over; when
it dies instead (crash, ``kill -9``) the host shows an error screen, and the spare first
runs recovery from the journal before it serves anyone.

The UI calls :meth:`SessionHost.poll` from its event loop (a ``QTimer`` every 20–50 ms):
view models are handed to ``on_view`` on the caller's thread, and also kept in
``views`` for callers without a callback. Nothing here blocks for long except
:meth:`start` (until the first worker is ready and recovery has run).

Devices live in the worker. With simulated devices (demo and tests) the tester panel
reaches them through :meth:`SessionHost.device`, a control channel on the same pipe
(card insert/remove/pull, coins, jam); with real devices the tester uses the card
engineer's vreader control and the real coin device instead, and the channel refuses.

While a technician works in diagnostic mode the host is *paused* (:meth:`SessionHost.pause`):
no worker runs, so none holds the card reader, the cash device's serial ports or the
printer, and diagnostic mode's probes (in the UI process) may open them; the screen says
out of service. :meth:`SessionHost.resume` serves again, recovery first.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from kiosk import config as kiosk_config
from kiosk.payment.ledger import Ledger
from kiosk.process.worker import WorkerSpec
from kiosk.session import outbox
from kiosk.session.engine import OutcomeRecord
from kiosk.session.faults import SessionFault
from kiosk.session.journal import Journal, Rec
from kiosk.session.recovery import PRINT_UNPURGED, RecoveredAnswer, SettledRecord
from kiosk.session.viewmodel import ErrorInfo, Intent, Screen, ViewModel
from protocol.log import event
from protocol.sensitive import zero

READY_TIMEOUT_S = 30.0
#: Out-of-service codes that can clear without anyone at the terminal: the host tries
#: again every ``service_retry`` seconds (recovery and the start checks run anew;
#: ``print_unpurged`` at the printer's sweep interval). ``directory_unavailable``: a
#: federation terminal whose directory expired serves again once it fetches a valid one;
#: ``kiosk_suspended``: a terminal the operator suspended serves again once it is
#: activated; ``kiosk_unknown``: one whose certificate is not registered to its kiosk id
#: serves again once the operator registers it (``relay kiosk add`` or ``renew``).
#: ``kiosk_retired`` is not tried again: no register change serves a retired kiosk id
#: again, only a new id and certificate installed by a technician, after which leaving
#: diagnostic mode (or a restart) runs the start checks anew; retrying would only call
#: the relay every ``service_retry`` seconds to be refused.
RETRYABLE = frozenset({"state_unwritable", PRINT_UNPURGED, "directory_unavailable", "kiosk_suspended",
                       "kiosk_unknown"})
#: The out-of-service code while a technician works in diagnostic mode.
MAINTENANCE = "maintenance"
#: The out-of-service code of a terminal the technician left out of service.
TECHNICIAN_OUT_OF_SERVICE = "technician_out_of_service"
LOG = logging.getLogger("kiosk.process.host")


class HostError(RuntimeError):
    """The host cannot serve (no worker could be started, or recovery failed); ``code``
    is what the out-of-service screen shows."""

    def __init__(self, message: str, code: str = "worker_start_failed") -> None:
        super().__init__(message)
        self.code = code


class _Worker:
    """One worker process: ``python -m kiosk.process.worker FD`` over a socket pair. A
    fresh interpreter (not ``fork`` of the UI, not ``multiprocessing`` spawn, which
    would re-import the UI's main module) so the worker shares no memory with the UI."""

    def __init__(self, spec: WorkerSpec) -> None:
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.process.worker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()], close_fds=True, stdin=subprocess.DEVNULL,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.conn.send(("spec", asdict(spec)))
        self.pid: int | None = None
        self.done = False
        self.outcome: OutcomeRecord | None = None

    def wait_ready(self, timeout: float) -> None:
        if self.pid is not None:
            return
        try:
            if not self.conn.poll(timeout):
                raise HostError("worker did not start")
            msg = self.conn.recv()
        except (EOFError, OSError):
            raise HostError("worker died before it was ready") from None
        if msg[0] != "ready":
            raise HostError("worker did not start")
        self.pid = int(msg[1])

    def request(self, msg: tuple[Any, ...], answer: str, timeout: float) -> Any:
        """Send ``msg`` and wait for ``answer``; a worker that refuses (it could not build
        its devices) raises ``HostError`` with its code, one that dies raises it too."""
        try:
            self.conn.send(msg)
            if not self.conn.poll(timeout):
                raise HostError(f"worker did not answer {msg[0]}", "worker_unresponsive")
            reply = self.conn.recv()
        except (EOFError, OSError, ValueError):
            raise HostError(f"worker died before answering {msg[0]}") from None
        if reply[0] == "refused":
            raise HostError(f"worker refused {msg[0]}", str(reply[1]))
        if reply[0] != answer:
            raise HostError(f"worker answered {reply[0]} to {msg[0]}", "worker_protocol")
        return reply[1]

    def stop(self) -> None:
        try:
            self.conn.send(("stop",))
        except (OSError, ValueError):
            pass
        self.reap()
        self.conn.close()

    def reap(self) -> None:
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


class SessionHost:
    def __init__(
        self,
        spec: WorkerSpec,
        on_view: Callable[[ViewModel], None] | None = None,
        *,
        warm_spare: bool = True,
        paused: str | None = None,
    ) -> None:
        self.spec = spec
        self.on_view = on_view
        self.warm_spare = warm_spare
        self.views: deque[ViewModel] = deque(maxlen=256)
        self.outcomes: list[OutcomeRecord] = []
        self.recovered: list[SettledRecord] = []
        self.worker_deaths = 0
        try:
            cfg: kiosk_config.Config | None = kiosk_config.load(spec.config_path)
        except kiosk_config.ConfigError as exc:
            event(LOG, "host.config_invalid", logging.ERROR, kind=type(exc).__name__)
            cfg = None  # start() takes the terminal out of service
        self.journal = Journal(Path(cfg.state_dir) / "journal.jsonl") if cfg else None
        self.ledger = Ledger.in_state_dir(cfg.state_dir) if cfg else None
        self.service_retry = cfg.service_retry if cfg else 30.0
        #: Seconds between sweeps while a print job is owed a purge (out of service meanwhile).
        self.sweep_interval = cfg.printing.sweep_interval if cfg else 30.0
        self._current: _Worker | None = None
        self._spare: _Worker | None = None
        self._need_recovery = True  # at start, always
        self.last_view: ViewModel | None = None
        self.refused: str | None = None  # a start check failed (incompatible relay …)
        self._recovering_death = False  # the next recovery follows a worker death
        self._died_session: str | None = None
        self._batch: list[ViewModel] | None = None  # what the running poll() delivered
        self._retry_at: float | None = None  # monotonic time of the next return-to-service try
        self._alarm: str | None = None  # an alarm the journal could not record
        #: Why no worker may run (diagnostic mode, or left out of service by a technician).
        self.paused: str | None = paused

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the first worker (recovery included) and its warm spare; a configuration
        that cannot be read takes the terminal out of service instead."""
        if self.journal is None:
            self._out_of_service("config_invalid", "device")
            return
        if self.paused is not None:
            self._show_paused()
            return
        self._spare = self._spawn()
        self._advance()

    def pause(self, code: str = MAINTENANCE) -> None:
        """Serve no one until :meth:`resume`: the current worker ends its session through
        the wipe and exits (killed if it does not within seconds), the spare exits too, and
        a session a killed worker left open is settled by recovery in a worker of its own,
        which exits as well. Afterwards no process of the host holds a device. Idempotent;
        a second call only changes the code shown."""
        self.paused = code
        self._retry_at = None
        for w in (self._current, self._spare):
            if w is not None:
                w.stop()
        self._current = self._spare = None
        if self.journal is not None and self.journal.open_sessions():
            self._settle()
        self._need_recovery = True  # resume runs recovery and the start checks anew
        self._show_paused()

    def resume(self) -> None:
        """Serve again after :meth:`pause`: recovery and the start checks run first."""
        if self.paused is None:
            return
        self.paused = None
        self.refused = None
        self._need_recovery = True
        if self.journal is None:
            self._out_of_service("config_invalid", "device")
            return
        self._advance()

    def _settle(self) -> None:
        """Recovery in a worker that serves no one (what a killed worker left open)."""
        w = self._spawn()
        if w is None:
            return
        try:
            w.wait_ready(READY_TIMEOUT_S)
            answer: RecoveredAnswer = w.request(("recover",), "recovered", READY_TIMEOUT_S)
            self.recovered.extend(answer["settled"])
        except HostError as exc:
            event(LOG, "host.settle_failed", logging.ERROR, code=exc.code)
        finally:
            w.stop()

    def _show_paused(self) -> None:
        event(LOG, "host.paused", code=self.paused)
        self._deliver(ViewModel(screen=Screen.OUT_OF_SERVICE, final=True,
                                error=ErrorInfo(code=str(self.paused), kind="device",
                                                next_step="call_staff")))

    def close(self) -> None:
        for w in (self._current, self._spare):
            if w is not None:
                w.stop()
        self._current = self._spare = None

    def __enter__(self) -> SessionHost:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def out_of_service(self) -> str | None:
        """The code of an uncleared alarm (integrity): no session is started until the
        technician clears it (:meth:`clear_alarm`, from the diagnostic mode); else the
        code of a failed start check, such as ``print_unpurged`` while a print job is owed
        a purge (cleared by the host's own sweep); else the code of a pause
        (:meth:`pause`)."""
        if self.journal is None:
            return "config_invalid"
        return self.journal.alarm_raised() or self._alarm or self.refused or self.paused

    def journal_alarm(self) -> str | None:
        return self.journal.alarm_raised() if self.journal is not None else None

    def clear_alarm(self) -> None:
        """Clear an integrity alarm (diagnostic mode) and, as after a refused start check,
        try again to serve: recovery and the start checks run anew."""
        if self.journal is None:
            return  # nothing to clear: the configuration itself must be fixed
        self._alarm = None
        if self.journal_alarm():
            try:
                self.journal.append("terminal", Rec.ALARM_CLEARED)
            except SessionFault:
                return  # the state folder still cannot be written: the alarm stands
        if self._current is None:
            self._need_recovery = True  # e.g. money a wipe could not settle
            self.refused = None
            self._advance()

    @property
    def worker_pid(self) -> int | None:
        return self._current.pid if self._current else None

    @property
    def spare_ready(self) -> bool:
        """The next worker is started and waiting (polls it without blocking)."""
        spare = self._spare
        if spare is None:
            return False
        if spare.pid is None and spare.conn.poll(0):
            spare.wait_ready(0)
        return spare.pid is not None

    @property
    def spare_pid(self) -> int | None:
        return self._spare.pid if self._spare else None

    # -- to the worker ----------------------------------------------------------------------

    def send_intent(self, intent: Intent) -> None:
        self._send(("intent", intent.to_dict()))

    def send_pin(self, pin: bytearray) -> None:
        """Hand the PIN digits (ASCII) to the worker and zero ``pin``.

        ``Connection.send_bytes`` would concatenate header and payload into a ``bytes``
        object this process could never wipe, so the frame (4-byte length, then the
        digits: the Connection wire format) is built in a bytearray and written as is."""
        frame = bytearray(4 + len(pin))
        try:
            w = self._current
            if w is None or w.done:
                return
            w.conn.send(("pin", len(pin)))
            struct.pack_into("!i", frame, 0, len(pin))
            frame[4:] = pin
            os.write(w.conn.fileno(), frame)
        except (OSError, ValueError):
            pass  # the worker died (broken pipe): poll() sees it and recovers
        finally:
            zero(frame)
            zero(pin)

    def device(self, kind: str, **fields: Any) -> None:
        """Tester panel → simulated device in the worker (card_insert persona=…,
        card_remove, card_pull_after n=…, coin value=…, coin_jam, coin_clear_jam)."""
        self._send(("device", {"kind": kind, **fields}))

    def stop_session(self) -> None:
        self._send(("stop",))

    def kill_worker(self) -> None:
        """Test and tester hook: ``kill -9`` the current worker (recovery must follow)."""
        if self._current is not None and self._current.pid:
            os.kill(self._current.pid, signal.SIGKILL)

    def _send(self, msg: tuple[Any, ...]) -> None:
        w = self._current
        if w is None or w.done:
            return
        try:
            w.conn.send(msg)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it died: poll() sees it and recovers

    # -- from the worker ----------------------------------------------------------------

    def poll(self, timeout: float = 0.0) -> list[ViewModel]:
        """Deliver what the worker published; notice its end or death. Returns the view
        models delivered by this call."""
        delivered: list[ViewModel] = []
        w = self._current
        self._batch = delivered  # _deliver adds to it, also from _advance and _on_death
        try:
            if w is not None:
                self._poll(w, timeout)
            else:
                self._maybe_retry(timeout)
        finally:
            self._batch = None
        return delivered

    def _poll(self, w: _Worker, timeout: float) -> None:
        wait([w.conn], timeout)
        dead = False
        while True:
            try:
                if not w.conn.poll(0):
                    break
                msg = w.conn.recv()
            except (EOFError, OSError):
                dead = True
                break
            if msg[0] == "vm":
                self._deliver(ViewModel.from_dict(msg[1]))
            elif msg[0] == "outcome":
                w.outcome = msg[1]
                w.done = True
                self.outcomes.append(msg[1])
                if msg[1]["alarm"] and not self.journal_alarm():
                    # the session raised an alarm its journal could not hold (a full
                    # disk): keep it here, for staff, rather than serve on
                    self._alarm = "integrity" if msg[1]["code"] == "integrity" \
                        else "money_unsettled"
            elif msg[0] == "refused":  # it could not build its devices: serve no one
                w.reap()
                w.conn.close()
                self._current = None
                self._out_of_service(str(msg[1]), "device")
                return
        if w.done:
            w.reap()
            w.conn.close()
            self._current = None
            self._advance()
        elif dead or w.process.poll() is not None:
            self._on_death(w)

    def _maybe_retry(self, timeout: float) -> None:
        """Out of service for a cause that may clear by itself: try again when it is time
        (else wait out ``timeout`` as a poll would)."""
        if self._retry_at is None or self.refused not in RETRYABLE:
            if timeout > 0:
                time.sleep(timeout)  # nothing to wait on: no worker serves
            return
        now = time.monotonic()
        if now < self._retry_at:
            time.sleep(min(timeout, self._retry_at - now))
            return
        self._retry_at = None
        self.refused = None
        self._need_recovery = True
        self._advance()

    def wait_for(self, predicate: Callable[[ViewModel], bool], timeout: float = 10.0) -> ViewModel:
        """Poll until a delivered view model satisfies ``predicate`` (tests, CLI)."""
        end = time.monotonic() + timeout
        if self.last_view is not None and predicate(self.last_view):
            return self.last_view
        while time.monotonic() < end:
            for vm in self.poll(0.02):
                if predicate(vm):
                    return vm
        raise TimeoutError("no such view model")

    def wait_outcome(self, session: str | None, timeout: float = 10.0) -> OutcomeRecord:
        """After a final view model: the ending worker's outcome (no personal data:
        result, code, amounts, copies)."""
        end = time.monotonic() + timeout
        while True:
            for o in reversed(self.outcomes):
                if o["session"] == session:
                    return o
            if time.monotonic() >= end:
                raise TimeoutError("no outcome")
            self.poll(0.02)

    def _deliver(self, vm: ViewModel) -> ViewModel:
        self.last_view = vm
        self.views.append(vm)
        if self._batch is not None:
            self._batch.append(vm)
        if self.on_view is not None:
            self.on_view(vm)
        return vm

    def _on_death(self, w: _Worker) -> None:
        w.reap()
        w.conn.close()
        self._current = None
        self.worker_deaths += 1
        self._need_recovery = True
        self._died_session = self.last_view.session if self.last_view else None
        self._recovering_death = True
        self._deliver(ViewModel(
            screen=Screen.ERROR, final=True, state="worker_died", session=self._died_session,
            error=ErrorInfo(code="worker_died", kind="device", next_step="call_staff")))
        self._advance()
        self._recovering_death, self._died_session = False, None

    def _after_death(self, settled: list[SettledRecord]) -> None:
        """Recovery settled what the dead worker left: tell the customer at the screen
        what came back (refund or change, or the voucher to take instead)."""
        mine = [r for r in settled if r.get("session") == self._died_session] or settled
        back = sum(int(r.get("refunded") or 0) + int(r.get("change") or 0) for r in mine)
        voucher = next((r["voucher"] for r in reversed(mine) if r.get("voucher")), None)
        self._deliver(ViewModel(
            screen=Screen.ERROR, final=True, state="worker_died", session=self._died_session,
            change_due=sum(int(r.get("change") or 0) for r in mine),
            error=ErrorInfo(code="worker_died", kind="device", next_step="call_staff",
                            refunded=back, voucher=voucher)))

    def _advance(self) -> None:
        """Hand the terminal to the spare: recover first if needed, start a new spare.

        Whatever goes wrong with a worker here (it died, answered nonsense, could not
        build its devices from the configuration) ends as ``OUT_OF_SERVICE`` with a code,
        never as an exception out of the UI's event loop."""
        if self.journal is None:
            return  # start() already went out of service: the configuration is unusable
        if self.paused is not None:
            return  # a technician works on the devices (or left the terminal out of service)
        alarm = self.journal.alarm_raised() or self._alarm
        if alarm:
            self._deliver(ViewModel(screen=Screen.OUT_OF_SERVICE, final=True,
                                    error=ErrorInfo(code=alarm, kind="integrity",
                                                    next_step="call_staff")))
            return
        if not self.journal.writable():
            # no session may open whose journal and ledger cannot be written: no money is
            # taken that could not be accounted for
            self._out_of_service("state_unwritable", "device")
            return
        if outbox.ready(self.journal):
            self._need_recovery = True  # an outcome's retry is due: recovery sends it
        if self.journal.print_obligations():
            self._need_recovery = True  # a print job is owed a purge: the sweep runs first
        w: _Worker | None = None
        for attempt in (1, 2):  # one more try with a fresh process
            w, self._spare = self._spare or self._spawn(), None
            try:
                if w is None:
                    raise HostError("worker did not start")
                w.wait_ready(READY_TIMEOUT_S)
                if self._need_recovery:
                    answer: RecoveredAnswer = w.request(("recover",), "recovered", READY_TIMEOUT_S)
                break
            except HostError as exc:
                if w is not None:
                    w.stop()
                if attempt == 2 or exc.code != "worker_start_failed":
                    self._out_of_service(exc.code, "device")
                    return
        assert w is not None
        if self._need_recovery:
            self.recovered.extend(answer["settled"])
            if self._recovering_death:
                self._after_death(answer["settled"])
            if answer["refused"] == PRINT_UNPURGED:
                # a job the sweep could not purge may print later: serve no one, sweep again
                w.stop()
                self._out_of_service(PRINT_UNPURGED, "printer")
                return
            if answer["refused"]:
                # e.g. an incompatible relay: serve no one; recovery runs again on retry
                w.stop()
                self._out_of_service(answer["refused"], "relay")
                return
            self.refused = None
            self._need_recovery = False
        self.journal.compact()  # between sessions, once it has grown: every hand-over reads it whole
        if self.ledger is not None:
            self.ledger.archive()  # likewise: recovery reads the whole ledger
        try:
            w.conn.send(("session",))
        except (OSError, ValueError):
            pass  # it died just now: poll() sees it and recovers
        self._current = w
        if self.warm_spare:
            self._spare = self._spawn()

    def _spawn(self) -> _Worker | None:
        try:
            return _Worker(self.spec)
        except (OSError, ValueError):
            return None

    def _out_of_service(self, code: str, kind: str) -> None:
        self.refused = code
        self._need_recovery = True  # recovery runs again when staff try again
        if code in RETRYABLE:
            interval = self.sweep_interval if code == PRINT_UNPURGED else self.service_retry
            self._retry_at = time.monotonic() + interval
        event(LOG, "host.out_of_service", logging.ERROR, code=code)
        self._deliver(ViewModel(screen=Screen.OUT_OF_SERVICE, final=True,
                                error=ErrorInfo(code=code, kind=kind, next_step="call_staff")))

