"""Test-suite wiring: strictness, and the fixtures of each area.

Every service a test needs (pcscd with vpcd, a private cupsd, a private PostgreSQL, the
relay) is started by a fixture module below and stopped by it; tests talk only to
loopback. The modules of
``tests/fixtures`` with helpers and no fixture (``card``, ``canary``) are imported by the
tests that use them, not listed here.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.fixtures.world",
    "tests.fixtures.pcscd",
    "tests.fixtures.cupsd",
    "tests.fixtures.relay",
    "tests.fixtures.postgres",
    "tests.fixtures.documents",
    "tests.fixtures.diag",
    "tests.fixtures.session",
    "tests.fixtures.cash",
    "tests.fixtures.ui",
    "tests.fixtures.disk",
    "tests.fixtures.federation_relay",
    "tests.fixtures.federation_services",
    "tests.fixtures.tracebacks",
]
