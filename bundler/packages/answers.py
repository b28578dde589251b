"""A ministry's answers on the wishes offered to it (operations: add and flush, no commit)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import audit
from bundler.enums import AnswerStatus
from bundler.models import (
    Answer,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    User,
    Wish,
    utcnow,
)


def latest_answer(wish: Wish, ministry_id: int) -> Answer | None:
    """Return this ministry's newest answer on a wish (the newest one counts)."""
    own = [a for a in wish.answers if a.ministry_id == ministry_id]
    return max(own, key=lambda a: (a.answered_at, a.id)) if own else None


def record_answer(
    session: Session,
    wish: Wish,
    ministry: Ministry,
    *,
    status: AnswerStatus,
    link: str = "",
    effective_date: dt.date | None = None,
    reasons: str = "",
    actor: User | None,
) -> Answer:
    """Add a ministry's answer on a wish (the history is kept; the newest counts)."""
    before = latest_answer(wish, ministry.id)
    answer = Answer(
        wish=wish,
        ministry=ministry,
        status=status,
        link=link.strip(),
        effective_date=effective_date,
        reasons=reasons.strip(),
        answered_by=actor,
        answered_at=utcnow(),
        sequence=(before.sequence if before else 0) + 1,
    )
    session.add(answer)
    audit.record(
        session,
        "wish.answer",
        actor=actor,
        obj=wish,
        before={"status": before.status.value} if before else None,
        after={
            "status": status.value,
            "ministry": ministry.code,
            "effective_date": effective_date.isoformat() if effective_date else None,
            "link": answer.link,
        },
        summary=f"{ministry.code}: {status.value}",
    )
    session.flush()
    return answer


def offered_to(session: Session, wish_id: int, ministry_id: int) -> bool:
    """Tell whether a wish is in any published version of this ministry's packages."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(PackageEntry)
            .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
            .join(Package, Package.id == PackageVersion.package_id)
            .where(PackageEntry.wish_id == wish_id, Package.ministry_id == ministry_id)
        )
    )
