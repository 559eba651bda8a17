"""The systemd notification protocol (sd_notify), without a dependency.

``kiosk.service`` is ``Type=notify`` with a watchdog: systemd considers the kiosk started
only once it says READY (first screen up, self-test passed) and restarts it when WATCHDOG
pings stop. The pings must come from the GUI thread (a ``QTimer``), so that a hung event
loop stops them; a background thread would keep pinging a frozen screen.

Outside systemd (tests, a developer's shell) ``NOTIFY_SOCKET`` is unset and every call is
a no-op that returns ``False``. A send error never raises: losing a notification must
not crash the kiosk (systemd then restarts it, which is the safe outcome).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping

_STATUS_SAFE = re.compile(r"[^A-Za-z0-9_.:\- /]")


class Notifier:
    """Sends state lines to the service manager named by ``NOTIFY_SOCKET``."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self._address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        self._watchdog_usec = _watchdog_usec(env)

    @property
    def enabled(self) -> bool:
        """True when running under a service manager that listens."""
        return self._address is not None

    def watchdog_interval_ms(self) -> int | None:
        """How often to call :meth:`watchdog`: half the configured timeout, or None."""
        if self._watchdog_usec is None:
            return None
        return max(1, self._watchdog_usec // 2000)

    def ready(self, status: str | None = None) -> bool:
        """The first screen is shown and the start-up self-test passed."""
        return self._send("READY=1", status)

    def watchdog(self) -> bool:
        """Call from the GUI thread only (see the module docstring)."""
        return self._send("WATCHDOG=1")

    def status(self, status: str) -> bool:
        """A one-line state for ``systemctl status`` (a mode name, never personal data)."""
        return self._send(None, status)

    def stopping(self, status: str | None = None) -> bool:
        return self._send("STOPPING=1", status)

    def _send(self, line: str | None, status: str | None = None) -> bool:
        if self._address is None:
            return False
        lines = [line] if line else []
        if status is not None:
            lines.append("STATUS=" + _STATUS_SAFE.sub("_", status)[:120])
        payload = "\n".join(lines).encode("ascii")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.connect(self._address)
                sock.sendall(payload)
        except OSError:
            return False
        return True


def _socket_address(value: str) -> str | None:
    if not value or not value.startswith(("/", "@")):
        return None  # vsock addresses are not used by the kiosk
    return "\0" + value[1:] if value.startswith("@") else value


def _watchdog_usec(env: Mapping[str, str]) -> int | None:
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    # WATCHDOG_PID is deliberately ignored: under cage it names cage (the unit's main
    # process), yet the pings must come from the kiosk's GUI thread (NotifyAccess=all).
    return usec if usec > 0 else None


_default: Notifier | None = None


def notifier() -> Notifier:
    """The process-wide notifier, created from the environment on first use."""
    global _default
    if _default is None:
        _default = Notifier()
    return _default
