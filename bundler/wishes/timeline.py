"""A wish's history: its audit events and the ministries' answers, in one list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bundler.models import Answer, AuditEvent, Wish


@dataclass(frozen=True)
class TimelineEntry:
    """One line in a wish's history: an audit event or a ministry's answer."""

    at: dt.datetime
    kind: str  # "event" or "answer"
    action: str
    actor: str
    summary: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    answer: Answer | None = None


# Within the same moment, what causes comes before what follows from it.
CAUSAL_ORDER = {"wish.created": 0, "wish.updated": 1, "wish.attachment_added": 2}
LATER = 5


def _order(entry: TimelineEntry) -> tuple[int, dt.datetime, int]:
    # Nothing about a wish happens before it exists, whatever the clock says.
    created = 0 if entry.action == "wish.created" else 1
    return created, entry.at, CAUSAL_ORDER.get(entry.action, LATER)


def timeline(session: Session, wish: Wish) -> list[TimelineEntry]:
    """Merge the wish's audit events and the ministries' answers: by time, then by cause."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish.id))
        # An answer shows as the answer itself, once, not also as its audit event.
        .where(AuditEvent.action != "wish.answer")
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    answers = session.scalars(
        select(Answer)
        .where(Answer.wish_id == wish.id)
        .options(joinedload(Answer.ministry), joinedload(Answer.answered_by))
        .order_by(Answer.answered_at, Answer.id)
    ).all()
    entries = [
        TimelineEntry(
            at=e.at,
            kind="event",
            action=e.action,
            actor=e.actor.name if e.actor else e.actor_label,
            summary=e.summary,
            before=e.before,
            after=e.after,
        )
        for e in events
    ] + [
        TimelineEntry(
            at=a.answered_at,
            kind="answer",
            action="answer",
            actor=a.ministry.name,
            summary=a.reasons,
            answer=a,
        )
        for a in answers
    ]
    return sorted(entries, key=_order)
