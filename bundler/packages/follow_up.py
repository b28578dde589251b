"""Follow-up queries: what the next packages would hold, and which offered wishes were answered.

The figures themselves are computed by the pure `bundler.follow_up` from the rows loaded here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bundler import cache
from bundler.enums import AnswerStatus, WishState
from bundler.follow_up import OfferedWish
from bundler.models import (
    Answer,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    Wish,
    wish_ministry,
)
from bundler.package_content import OPEN_ANSWERS


@dataclass(frozen=True)
class Readiness:
    """How many wishes a ministry's next package would hold."""

    accepted: int = 0
    open_offered: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.open_offered


def readiness(session: Session) -> dict[int, Readiness]:
    """Count, per ministry id, the accepted wishes and the offered ones still open.

    Two grouped counts (the rule of `is_included` in SQL), cached until the data changes.
    """
    return dict(cache.cached(session, ("packages.readiness",), lambda: _readiness(session)))


def _readiness(session: Session) -> dict[int, Readiness]:
    ministry = wish_ministry.c.ministry_id
    accepted: dict[int, int] = dict(
        session.execute(
            select(ministry, func.count())
            .join(Wish, Wish.id == wish_ministry.c.wish_id)
            .where(Wish.state == WishState.ACCEPTED)
            .group_by(ministry)
        ).all()
    )
    latest = (
        select(Answer.status)
        .where(Answer.wish_id == wish_ministry.c.wish_id, Answer.ministry_id == ministry)
        .order_by(Answer.answered_at.desc(), Answer.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    is_open = or_(latest.is_(None), latest.in_(sorted(OPEN_ANSWERS)))
    offered: dict[int, int] = dict(
        session.execute(
            select(ministry, func.count())
            .join(Wish, Wish.id == wish_ministry.c.wish_id)
            .where(Wish.state == WishState.OFFERED, is_open)
            .group_by(ministry)
        ).all()
    )
    return {
        m: Readiness(accepted.get(m, 0), offered.get(m, 0))
        for m in sorted(set(accepted) | set(offered))
    }


def offered_in(session: Session, ministry_id: int) -> dict[int, list[tuple[str, int]]]:
    """Return per wish the (package number, version number) pairs that offered it, oldest first."""
    found: dict[int, list[tuple[str, int]]] = {}
    for wish_id, number, version in session.execute(
        select(PackageEntry.wish_id, Package.number, PackageVersion.number)
        .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
        .join(Package, Package.id == PackageVersion.package_id)
        .where(Package.ministry_id == ministry_id)
        .order_by(PackageVersion.created_at, PackageVersion.id)
    ):
        found.setdefault(wish_id, []).append((number, version))
    return found


def offered_rows(session: Session, ministry_id: int | None = None) -> list[OfferedWish]:
    """Load every wish offered in a package, per ministry, with that ministry's answers."""
    statement = (
        select(
            Ministry.code,
            Package.ministry_id,
            Wish.id,
            Wish.reference,
            Wish.title,
            func.min(PackageVersion.created_at),
        )
        .select_from(PackageEntry)
        .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
        .join(Package, Package.id == PackageVersion.package_id)
        .join(Ministry, Ministry.id == Package.ministry_id)
        .join(Wish, Wish.id == PackageEntry.wish_id)
        .group_by(Ministry.code, Package.ministry_id, Wish.id, Wish.reference, Wish.title)
    )
    if ministry_id is not None:
        statement = statement.where(Package.ministry_id == ministry_id)
    offered = session.execute(statement).all()
    wish_ids = {row[2] for row in offered}
    answers: dict[tuple[int, int], list[tuple[dt.datetime, AnswerStatus, dt.date | None]]] = {}
    if wish_ids:
        for wish_id, m_id, status, at, effective in session.execute(
            select(
                Answer.wish_id,
                Answer.ministry_id,
                Answer.status,
                Answer.answered_at,
                Answer.effective_date,
            )
            .where(Answer.wish_id.in_(wish_ids))
            .order_by(Answer.answered_at, Answer.id)
        ):
            answers.setdefault((wish_id, m_id), []).append((at, status, effective))
    rows = []
    for code, m_id, wish_id, reference, title, offered_at in offered:
        own = answers.get((wish_id, m_id), [])
        rows.append(
            OfferedWish(
                ministry=code,
                wish_id=wish_id,
                reference=reference,
                title=title,
                offered_at=_aware(offered_at),
                first_answer_at=own[0][0] if own else None,
                latest_status=own[-1][1].value if own else None,
                latest_answer_at=own[-1][0] if own else None,
                latest_effective_date=own[-1][2] if own else None,
            )
        )
    return rows


def _aware(value: dt.datetime) -> dt.datetime:
    # Aggregates bypass the column type, so SQLite hands back naive UTC (or even text).
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
