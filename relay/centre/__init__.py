"""The issuing centre (証明書交付センター): the kiosk-facing API (sessions, challenge, the
JPKI chain and revocation check), routing by card to the holder's municipality, the checks
on every document a municipality returns, and the delivery log. It holds no resident record
and no registry, and never imports :mod:`relay.municipal`: it reaches each municipality
through the :class:`relay.centre.port.Municipality` port, by signed messages."""
