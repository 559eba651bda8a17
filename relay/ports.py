"""Listening sockets and the port file that says a relay process is accepting."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path


def listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def write_ports(port_file: Path, ports: dict[str, int]) -> None:
    tmp = Path(str(port_file) + ".tmp")
    tmp.write_text(json.dumps(ports))
    os.replace(tmp, port_file)
