"""The card layer: the My Number card over PC/SC, seen by the rest of the kiosk only
through typed domain errors.

- ``errors``: ``CardLayerError`` and its children ``WrongPin(tries_left)``, ``PinLocked``
  (``just_locked`` when the wrong PIN just sent used the last try), ``CardRemoved``,
  ``NotAMyNumberCard``, ``ReaderGone`` (``ReaderRefused`` when the policy forbids a reader),
  ``CardError(sw)`` (``MalformedResponse`` for unparsable data).
- ``transport``: the ``Transport`` port (``transmit(apdu) -> (data, sw)``, ``close()``), the
  pyscard adapter ``PcscTransport`` and the APDU trace at level ``TRAFFIC`` (5, below DEBUG)
  with VERIFY data redacted.
- ``inprocess``: ``InProcessTransport`` over any object with ``process(apdu) -> bytes`` and
  ``InProcessReader`` (insert/remove/pull_after, stale handles); tests use
  ``hardware_mocks.vreader.InProcessReader``, which also takes a card file path.
- ``reader``: the ``Reader`` port, ``PcscReader``, and the reader policy (``open_reader``,
  ``choose``, ``allowed``, ``check_policy``).
- ``jpki``: ``JpkiCard(transport)``: ``select_ap``, ``read_auth_certificate``,
  ``tries_left``, ``verify_pin(bytearray)``, ``sign``, ``sign_sha256``.
- ``watcher``: ``CardWatcher(reader, on_insert, on_remove, on_gone)`` on its own thread.
- ``status``: what ``kiosk card status`` reports.
"""
