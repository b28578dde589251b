"""The plain rules of notifications: frequencies per role, the mail backoff, link tokens."""

from __future__ import annotations

import datetime as dt

import pytest

from bundler.enums import Role
from bundler.notifications import kinds, links
from bundler.notifications.outbox import backoff


@pytest.mark.parametrize(
    ("role", "kind", "chosen", "expected"),
    [
        (Role.PILOT, kinds.WISH_ANSWERED, {}, kinds.IMMEDIATELY),
        (Role.PILOT, kinds.WISH_SUPPORTED, {}, kinds.DAILY),
        (Role.OFFICE, kinds.OFFICE_JOIN, {}, kinds.WEEKLY),
        (Role.MINISTRY, kinds.PACKAGE_VERSION, {}, kinds.IMMEDIATELY),
        (Role.PILOT, kinds.WISH_ANSWERED, {kinds.WISH_ANSWERED: kinds.NEVER}, kinds.NEVER),
        # A choice that is no frequency falls back to the default.
        (Role.PILOT, kinds.WISH_ANSWERED, {kinds.WISH_ANSWERED: "hourly"}, kinds.IMMEDIATELY),
        # A type not meant for the role is never mailed.
        (Role.ADMIN, kinds.WISH_ANSWERED, {}, kinds.NEVER),
        (Role.MINISTRY, kinds.OFFICE_SUBMISSION, {}, kinds.NEVER),
    ],
)
def test_frequency_is_the_choice_else_the_roles_default(role, kind, chosen, expected):
    assert kinds.frequency(role, kind, chosen) == expected


def test_every_role_default_is_a_frequency():
    for defaults in kinds.ROLE_DEFAULTS.values():
        assert set(defaults.values()) <= set(kinds.FREQUENCIES)


def test_backoff_grows_fourfold_up_to_the_cap():
    waits = [backoff(n, 60, 3600).total_seconds() for n in range(1, 6)]
    assert waits == [60, 240, 960, 3600, 3600]
    assert backoff(0, 60, 3600) == dt.timedelta(seconds=60)


def test_token_hash_is_sha256_hex_and_not_the_token():
    digest = links.token_hash("abc")
    assert len(digest) == 64 and digest != "abc"
    assert digest == links.token_hash("abc") != links.token_hash("abd")
