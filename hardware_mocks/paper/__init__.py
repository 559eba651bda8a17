"""Paper in the test world: a certificate printed and scanned or photocopied, and the
forgeries a verifier must catch. Models only: the tests and benchmarks that use them
say which numbers they stand for (``docs/security-printing.md``)."""
