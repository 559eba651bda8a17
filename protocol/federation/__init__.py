"""What the centre and the municipal issuing servers agree on: the signed federation
directory (:mod:`protocol.federation.directory`) that kiosks and verifiers also read."""
