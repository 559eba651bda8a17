"""What the kiosk and the issuing services agree on, and nothing else.

Both sides import this package and no code of each other's, so neither can drift from
the other: the wire constants and refusal codes (:mod:`protocol.wire`,
:mod:`protocol.refusals`), the challenge a card signs (:mod:`protocol.challenge`), the
menu (:mod:`protocol.menu`), the document model, catalogue, binding and QR payload
(:mod:`protocol.documents`), the per-document scramble key (:mod:`protocol.scramble_key`),
technician events (:mod:`protocol.technician`), and the certificate's printed form, which
the issuer lays out, the kiosk prints and any verifier checks (:mod:`protocol.paper`).
The clock, the structured log and the zeroing helper are here because both sides use them.
"""
