"""The connection limits of a relay listener, and the open-file limit they need.

Kept apart from :mod:`relay.listener` (which needs aiohttp) so that the command line can
read and check them without importing the server.
"""

from __future__ import annotations

import argparse
import resource
from dataclasses import dataclass

#: Descriptors a relay process needs besides its connections: the database, logs,
#: pipes to its children, the listening sockets.
DESCRIPTOR_RESERVE = 64


@dataclass(frozen=True)
class ConnectionLimits:
    """What one listener allows. The defaults are the kiosk API's."""

    max_connections: int = 1000
    max_per_source: int = 256  # kiosks behind one operator NAT share an address
    handshake_timeout: float = 3.0
    header_timeout: float = 5.0
    idle_timeout: float = 20.0  # the kiosk reuses a connection idle up to 15 s

    def __post_init__(self) -> None:
        if self.max_connections < 1 or self.max_per_source < 1:
            raise ValueError("connection caps must be at least 1")
        if min(self.handshake_timeout, self.header_timeout, self.idle_timeout) <= 0:
            raise ValueError("timeouts must be positive")


def check_descriptor_limit(max_connections: int) -> int:
    """Raise the soft open-file limit to what ``max_connections`` needs (up to the hard
    limit) and return it; ``ValueError`` if even the hard limit is too low."""
    needed = max_connections + DESCRIPTOR_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise ValueError(f"the open-file limit ({hard}) is below the {needed} descriptors "
                         f"{max_connections} connections need; raise LimitNOFILE or lower the cap")
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    except OSError as exc:  # not allowed here (a system call filter): the unit must set it
        raise ValueError(f"the open-file limit ({soft}) is below the {needed} descriptors "
                         f"{max_connections} connections need; raise LimitNOFILE") from exc
    return needed


def add_limit_options(p: argparse.ArgumentParser, limits: ConnectionLimits) -> None:
    """The connection limits of a listener (:mod:`relay.listener`), per process: the same
    options for ``relay serve`` and ``relay centre serve``."""
    p.add_argument("--max-connections", type=int, default=limits.max_connections,
                   help=f"connections held at once ({limits.max_connections}); the open-file limit must exceed it")
    p.add_argument("--max-per-source", type=int, default=limits.max_per_source,
                   help=f"connections from one address ({limits.max_per_source})")
    p.add_argument("--handshake-timeout", type=float, default=limits.handshake_timeout,
                   help=f"seconds for the TLS handshake ({limits.handshake_timeout:g})")
    p.add_argument("--header-timeout", type=float, default=limits.header_timeout,
                   help=f"seconds for a complete request head ({limits.header_timeout:g})")
    p.add_argument("--idle-timeout", type=float, default=limits.idle_timeout,
                   help=f"seconds a kept-alive connection may stay idle ({limits.idle_timeout:g})")


def limits_from(args: argparse.Namespace) -> ConnectionLimits:
    return ConnectionLimits(max_connections=args.max_connections, max_per_source=args.max_per_source,
                            handshake_timeout=args.handshake_timeout, header_timeout=args.header_timeout,
                            idle_timeout=args.idle_timeout)
