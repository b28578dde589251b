"""Notification types, mail frequencies and each role's defaults: plain data, no framework."""

from __future__ import annotations

from bundler.enums import Role

# Event types a user may hear about.
WISH_STATE = "wish_state"  # a pilot's wish changed state
WISH_MERGED = "wish_merged"  # a pilot's wish was merged into another
WISH_SUPPORTED = "wish_supported"  # another pilot joined a pilot's wish
WISH_ANSWERED = "wish_answered"  # a ministry answered a pilot's wish
PACKAGE_VERSION = "package_version"  # a ministry received a new package version
OFFICE_SUBMISSION = "office_submission"  # the office received a (re)submitted wish
OFFICE_ANSWER = "office_answer"  # the office: a ministry answered
OFFICE_JOIN = "office_join"  # the office: a pilot joined a wish
UNANSWERED_REMINDER = "unanswered_reminder"  # a ministry: wishes still without an answer
NOT_DOWNLOADED = "not_downloaded"  # the office: a version not downloaded within a week

IMMEDIATELY, DAILY, WEEKLY, NEVER = "immediately", "daily", "weekly", "never"
FREQUENCIES = (IMMEDIATELY, DAILY, WEEKLY, NEVER)
DIGESTS = (DAILY, WEEKLY)

# The event types of each role, in the order of the preferences form, with their defaults:
# what is someone's turn comes at once; what is only good to know comes in a digest.
ROLE_DEFAULTS: dict[Role, dict[str, str]] = {
    Role.PILOT: {
        WISH_STATE: IMMEDIATELY,
        WISH_ANSWERED: IMMEDIATELY,
        WISH_MERGED: IMMEDIATELY,
        WISH_SUPPORTED: DAILY,
    },
    Role.MINISTRY: {
        PACKAGE_VERSION: IMMEDIATELY,
        UNANSWERED_REMINDER: IMMEDIATELY,
    },
    Role.OFFICE: {
        OFFICE_SUBMISSION: DAILY,
        OFFICE_ANSWER: DAILY,
        OFFICE_JOIN: WEEKLY,
        NOT_DOWNLOADED: IMMEDIATELY,
    },
    Role.ADMIN: {},
}


def kinds_for(role: Role) -> list[str]:
    """Return the event types a role hears about, in form order."""
    return list(ROLE_DEFAULTS.get(role, {}))


def frequency(role: Role, kind: str, chosen: dict[str, str]) -> str:
    """Return how a user of a role wants to hear about a type: their choice, else the default."""
    if kind in chosen and chosen[kind] in FREQUENCIES:
        return chosen[kind]
    return ROLE_DEFAULTS.get(role, {}).get(kind, NEVER)
