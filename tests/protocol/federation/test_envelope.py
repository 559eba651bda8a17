"""A federation message is trusted only if the key the directory lists for its sender
signed exactly this body for this recipient, recently."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from protocol.federation.directory import PublishedKey
from protocol.federation.envelope import CENTRE, EnvelopeError, open_message, seal

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
KEY = Ed25519PrivateKey.generate()
LISTED = PublishedKey(KEY.public_key(), NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))


def keys(sender: str, kid: str, when: dt.datetime) -> PublishedKey | None:
    return LISTED if sender == CENTRE and kid == LISTED.key_id and LISTED.valid_at(when) else None


def _message(**change: Any) -> dict[str, Any]:
    return seal({"card_serial": "ABC", "copies": 1}, sender=CENTRE, recipient="139998", key=KEY, kind="issue",
                now=change.pop("now", NOW), **change)


def test_a_sealed_message_opens_with_the_listed_key() -> None:
    env, body = open_message(_message(), keys, recipient="139998", now=NOW)
    assert body == {"card_serial": "ABC", "copies": 1}
    assert (env.sender, env.kind, env.in_reply_to) == (CENTRE, "issue", None)


@pytest.mark.parametrize(("tamper", "code"), [
    (lambda m: m["body"].update(copies=2), "digest"),
    (lambda m: m["envelope"].update(kind="outcome"), "bad_signature"),
    (lambda m: m["envelope"].update(sender="139971"), "unknown_key"),
    (lambda m: m["envelope"].update(signature="AAAA"), "bad_signature"),
    (lambda m: m["envelope"].update(format="other"), "malformed"),
    (lambda m: m.pop("body"), "malformed"),
])
def test_any_change_is_refused(tamper: Any, code: str) -> None:
    message = _message()
    tamper(message)
    with pytest.raises(EnvelopeError) as exc:
        open_message(message, keys, recipient="139998", now=NOW)
    assert exc.value.code == code


def test_a_message_for_another_recipient_or_too_old_is_refused() -> None:
    with pytest.raises(EnvelopeError) as exc:
        open_message(_message(), keys, recipient="139971", now=NOW)
    assert exc.value.code == "sender"
    with pytest.raises(EnvelopeError) as exc:
        open_message(_message(now=NOW - dt.timedelta(minutes=6)), keys, recipient="139998", now=NOW)
    assert exc.value.code == "stale"


def test_a_key_outside_its_period_is_not_trusted() -> None:
    late = NOW + dt.timedelta(days=2)
    with pytest.raises(EnvelopeError) as exc:
        open_message(_message(now=late), keys, recipient="139998", now=late)
    assert exc.value.code == "unknown_key"
