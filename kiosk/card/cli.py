"""Sub-commands of `kiosk` for this area."""

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this area's sub-commands (none yet)."""
