"""A municipality's own issuing server (証明発行サーバ): its registry, rules, fees and
hours, its issuer key and scramble master, serial numbering, request idempotency and its
issuance history (交付履歴). It talks only to the centre, by signed messages
(:mod:`protocol.federation.envelope`), and never imports :mod:`relay.centre`."""
