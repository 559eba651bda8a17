"""The certificate on paper: layout, rendering, security printing and verification.

The same code lays a certificate out for the printer and re-lays it out when a verifier
checks a printed copy, so the two can only agree."""
