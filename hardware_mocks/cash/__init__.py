"""Byte-level emulators of the kiosk's cash devices on pseudo-terminals: a ccTalk coin
acceptor, ccTalk hoppers and a JCM ID-003 note validator, which the real drivers of
:mod:`kiosk.payment` open by their tty paths (:mod:`hardware_mocks.cash.rig` starts a
terminal's worth)."""
