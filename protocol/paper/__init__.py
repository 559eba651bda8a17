"""The certificate on paper: layout, rendering, security printing and verification.

The face is printed once more on the back, scrambled with the document's key; a
verifier with the key puts it back together and compares the front with it
(:mod:`protocol.paper.verify`, :mod:`protocol.paper.verification`)."""
