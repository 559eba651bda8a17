"""Listening sockets and the port file that says a relay process is accepting."""

from __future__ import annotations

import errno
import json
import os
import socket
from pathlib import Path


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; :class:`OSError` naming both when it cannot be
    (the port taken: "port N is in use", out of range, the name unknown)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except (OSError, OverflowError) as exc:
        sock.close()
        if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
            reason = f"port {port} is in use"
        else:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "the port must be 0-65535"
        raise OSError(getattr(exc, "errno", None) or errno.EINVAL, f"cannot listen on {host}:{port}: {reason}") from exc
    sock.setblocking(False)
    return sock


def write_ports(port_file: Path, ports: dict[str, int]) -> None:
    tmp = Path(str(port_file) + ".tmp")
    tmp.write_text(json.dumps(ports))
    os.replace(tmp, port_file)


def check_free(host: str, port: int) -> None:
    """:class:`OSError` as :func:`listen` says it when nothing could listen on ``host:port``
    (a server started in a process of its own checks it from its parent first)."""
    listen(host, port).close()
