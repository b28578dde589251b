"""Follow-up of ministry answers: how many were answered, how fast, who waits longest.

Pure functions over plain rows; bundler.packages.follow_up loads them from the database.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from bundler.answer_rules import FINAL
from bundler.enums import AnswerStatus


@dataclass(frozen=True)
class OfferedWish:
    """A wish offered to a ministry, with the ministry's answers on it."""

    ministry: str
    wish_id: int
    reference: str
    title: str
    offered_at: dt.datetime  # the first published version that included it
    first_answer_at: dt.datetime | None = None
    latest_status: str | None = None
    latest_answer_at: dt.datetime | None = None
    latest_effective_date: dt.date | None = None  # when the newest answer takes effect

    @property
    def answered(self) -> bool:
        return self.first_answer_at is not None

    @property
    def closed(self) -> bool:
        return self.latest_status is not None and AnswerStatus(self.latest_status) in FINAL

    def days_to_answer(self) -> int | None:
        """Days from offering to the ministry's first answer."""
        if self.first_answer_at is None:
            return None
        return max((self.first_answer_at - self.offered_at).days, 0)

    def days_waiting(self, now: dt.datetime) -> int:
        """Days since offering, for a wish without an answer."""
        return max((now - self.offered_at).days, 0)


@dataclass
class MinistryFollowUp:
    """The figures of one ministry."""

    ministry: str
    offered: int = 0
    answered: int = 0
    closed: int = 0
    median_days: float | None = None
    longest_days: int | None = None
    waiting: list[OfferedWish] = field(default_factory=list)  # no answer, longest first
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def open_answered(self) -> int:
        return self.answered - self.closed

    @property
    def unanswered(self) -> int:
        return self.offered - self.answered


def follow_up(rows: Iterable[OfferedWish], now: dt.datetime) -> list[MinistryFollowUp]:
    """Summarise offered wishes per ministry, by ministry code."""
    by_ministry: dict[str, list[OfferedWish]] = {}
    for row in rows:
        by_ministry.setdefault(row.ministry, []).append(row)
    result = []
    for code in sorted(by_ministry):
        wishes = by_ministry[code]
        days = [d for w in wishes if (d := w.days_to_answer()) is not None]
        statuses: dict[str, int] = {}
        for w in wishes:
            key = w.latest_status or ""
            statuses[key] = statuses.get(key, 0) + 1
        result.append(
            MinistryFollowUp(
                ministry=code,
                offered=len(wishes),
                answered=sum(w.answered for w in wishes),
                closed=sum(w.closed for w in wishes),
                median_days=statistics.median(days) if days else None,
                longest_days=max(days) if days else None,
                waiting=sorted(
                    (w for w in wishes if not w.answered),
                    key=lambda w: (w.offered_at, w.reference),
                ),
                statuses=statuses,
            )
        )
    return result
