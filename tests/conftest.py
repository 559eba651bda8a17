"""Test-suite wiring: strictness, and the fixtures of each area.

Every service a test needs (pcscd with vpcd, a private cupsd, the relay) is started by a
fixture module below and stopped by it; tests talk only to loopback.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.fixtures.world",
    "tests.fixtures.pcscd",
    "tests.fixtures.cupsd",
    "tests.fixtures.relay",
    "tests.fixtures.documents",
    "tests.fixtures.ui",
]
