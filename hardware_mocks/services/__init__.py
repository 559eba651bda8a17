"""Services the tests, the demo and testers start and stop themselves (pcscd, cupsd)."""
