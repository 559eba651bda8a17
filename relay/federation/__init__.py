"""The federation's operator side: the CA, the directory source and its signed publication,
and serving the signed directory (:mod:`protocol.federation.directory` is its format)."""
