"""One process per customer: the session worker, which builds its devices through the
composition root and runs one engine to the end, and the host on the UI side, which keeps
a warm spare and runs recovery after a worker dies."""
