"""The tester's hands on the demo's devices (``device(kind, **fields)``, the tester
panel's and the scripted customer's channel).

Each command goes where its device lives: coins, notes and cash faults into the cash
emulators (:class:`hardware_mocks.cash.rig.CashRig`, in this process; the kiosk's real
drivers in the session worker see them on their ttys); the card through the virtual
reader's control socket when the reader is served by pcscd, printer faults through the
cupsd queue's fault switch; a municipal issuing server stopped (kill -9) or started again
on its port through the federation's harness; anything else (the worker's virtual card, the relay's faults)
through the session's device channel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

from hardware_mocks.cash.rig import CashRig

# the tester panel's printer faults → the fault queue's switch
PRINTER_SWITCH = {None: "none", "media-empty": "media-empty", "jam": "media-jam",
                  "offline": "offline", "timeout": "slow"}


class DeviceChannel(Protocol):
    def device(self, kind: str, **fields: Any) -> None: ...


class Switch(Protocol):
    def set(self, state: str) -> None: ...


class Municipalities(Protocol):
    def kill(self, code: str) -> None: ...

    def restart(self, code: str) -> None: ...

    def running(self, code: str) -> bool: ...


class Hands:
    def __init__(self, link: DeviceChannel, rig: CashRig | None = None,
                 vreader_socket: Path | None = None, switch: Switch | None = None,
                 federation: Municipalities | None = None) -> None:
        self.link = link
        self.federation = federation
        self.rig = rig
        self.vreader_socket = vreader_socket
        self.switch = switch
        # a coin waits for the slot to open, the reader's socket can take a moment: never
        # on the GUI thread, and in the order given
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tester-hands")

    def device(self, kind: str, **fields: Any) -> None:
        self._pool.submit(self._device, kind, fields)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _device(self, kind: str, fields: dict[str, Any]) -> None:
        if self.rig is not None and self.rig.control(kind, **fields):
            return
        if self.vreader_socket is not None and kind.startswith("card_"):
            from hardware_mocks.vreader import control

            if kind == "card_insert":
                control({"cmd": "insert", "persona": str(fields["persona"])}, self.vreader_socket)
            elif kind == "card_remove":
                control({"cmd": "remove"}, self.vreader_socket)
            elif kind == "card_pull_after":
                control({"cmd": "pull-after", "n": int(fields["n"])}, self.vreader_socket)
            return
        if self.federation is not None and kind in ("municipality_stop", "municipality_start"):
            code = str(fields["code"])
            if kind == "municipality_stop":
                self.federation.kill(code)
            elif not self.federation.running(code):  # its port is free again only once stopped
                self.federation.restart(code)
            return
        if self.switch is not None and kind == "printer_fault":
            self.switch.set(PRINTER_SWITCH.get(str(fields.get("value")), "none"))
            return
        self.link.device(kind, **fields)
