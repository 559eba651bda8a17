"""Loopback ports kept for the servers tests start, stop and start again on the same port.

A port found free by binding to port 0 and closing the socket is free for anyone until
the server binds it, and a port a killed server freed is free for anyone until it is
restarted: another process may be given it in between (as a bind to port 0 or as the
local end of an outgoing connection). :func:`hold_port` keeps one from before the first
start to the last stop instead.
"""

from __future__ import annotations

import socket


def hold_port() -> socket.socket:
    """A loopback port kept for a server that starts on it, maybe more than once: bound with
    SO_REUSEADDR and never listening. The server may listen on it at each start (it sets
    SO_REUSEADDR too: relay.ports.listen, PostgreSQL, the test proxy), and while this socket
    is open the kernel gives the port to no socket that asks for any free one (a bind to
    port 0, an outgoing connection), as it may a port closed before a start or between a
    kill and a restart. Close it once the server is stopped for good."""
    held = socket.socket()
    try:
        held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        held.bind(("127.0.0.1", 0))
    except OSError:
        held.close()
        raise
    return held


def held_port(held: socket.socket) -> int:
    """The port number ``held`` (from :func:`hold_port`) keeps."""
    return int(held.getsockname()[1])
