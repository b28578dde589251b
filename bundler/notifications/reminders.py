"""Reminders: offered wishes without an answer, and package versions nobody downloaded.

- After REMINDER_LIST_WEEKS (6) an offered wish without its ministry's answer is listed for
  the office (`overdue`, the page /bureau/herinneringen).
- After REMINDER_MAIL_WEEKS (10) every user of that ministry gets one notification (and so
  one mail) listing all of them, at most once per ISO week.
- A package version without a download by its ministry after NOT_DOWNLOADED_DAYS (7) is
  flagged to the office once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from bundler.enums import Role, WishState
from bundler.models import (
    Answer,
    DownloadReceipt,
    Ministry,
    Notification,
    Package,
    PackageEntry,
    PackageVersion,
    ReminderMark,
    User,
    Wish,
    utcnow,
)
from bundler.notifications import kinds
from bundler.wishes.visibility import can_view


@dataclass(frozen=True)
class Overdue:
    """An offered wish still waiting for one ministry's answer, and since when."""

    wish: Wish
    ministry: Ministry
    offered_at: dt.datetime


@dataclass
class Sent:
    """What a reminder run did: who was reminded about which wishes; versions flagged."""

    reminded: dict[str, list[str]] = field(default_factory=dict)  # e-mail -> references
    flagged: list[str] = field(default_factory=list)  # "JenV-2026-01 v1"


def overdue(session: Session, *, weeks: int, now: dt.datetime | None = None) -> list[Overdue]:
    """Return the offered wishes whose ministry has not answered `weeks` after first offer."""
    cutoff = (now or utcnow()) - dt.timedelta(weeks=weeks)
    first = (
        select(
            PackageEntry.wish_id,
            Package.ministry_id,
            func.min(PackageVersion.created_at).label("offered_at"),
        )
        .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
        .join(Package, Package.id == PackageVersion.package_id)
        .group_by(PackageEntry.wish_id, Package.ministry_id)
        .subquery()
    )
    answered = exists().where(
        Answer.wish_id == first.c.wish_id, Answer.ministry_id == first.c.ministry_id
    )
    rows = session.execute(
        select(Wish, Ministry, first.c.offered_at)
        .join(first, first.c.wish_id == Wish.id)
        .join(Ministry, Ministry.id == first.c.ministry_id)
        .where(Wish.state == WishState.OFFERED, first.c.offered_at <= cutoff, ~answered)
        .order_by(first.c.offered_at, Wish.reference)
    ).all()
    return [Overdue(wish, ministry, offered_at) for wish, ministry, offered_at in rows]


def not_downloaded(
    session: Session, *, days: int, now: dt.datetime | None = None
) -> list[PackageVersion]:
    """Return the newest versions older than `days` that no user of their ministry fetched."""
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    fetched = exists().where(
        DownloadReceipt.version_id == PackageVersion.id,
        DownloadReceipt.user_id == User.id,
        User.role == Role.MINISTRY,
        User.ministry_id == Package.ministry_id,
    )
    later = aliased(PackageVersion)
    newest = (
        select(func.max(later.number))
        .where(later.package_id == Package.id)
        .correlate(Package)
        .scalar_subquery()
    )
    return list(
        session.scalars(
            select(PackageVersion)
            .join(Package, Package.id == PackageVersion.package_id)
            .where(
                PackageVersion.created_at <= cutoff,
                PackageVersion.number == newest,
                ~fetched,
            )
            .order_by(PackageVersion.created_at)
        )
    )


def _mark_once(session: Session, kind: str, key: str) -> bool:
    """Record that a reminder went out; False when it already had (unique kind and key)."""
    try:
        with session.begin_nested():
            session.add(ReminderMark(kind=kind, key=key))
            session.flush()
    except IntegrityError:
        return False
    return True


def remind_ministries(
    session: Session, *, weeks: int, link: str = "", now: dt.datetime | None = None
) -> Sent:
    """Give each ministry user one notification listing the wishes overdue for their answer."""
    now = now or utcnow()
    sent = Sent()
    by_ministry: dict[int, list[Wish]] = {}
    for item in overdue(session, weeks=weeks, now=now):
        by_ministry.setdefault(item.ministry.id, []).append(item.wish)
    year, week, _ = now.isocalendar()
    for ministry_id, wishes in by_ministry.items():
        users = session.scalars(
            select(User)
            .where(User.role == Role.MINISTRY, User.ministry_id == ministry_id, User.active)
            .order_by(User.email)
        )
        for user in users:
            mine = [w.reference for w in wishes if can_view(user, w)]
            if not mine or not _mark_once(
                session, kinds.UNANSWERED_REMINDER, f"{user.id}:{year}-W{week:02d}"
            ):
                continue
            session.add(
                Notification(
                    user_id=user.id,
                    kind=kinds.UNANSWERED_REMINDER,
                    subject=", ".join(mine[:3]) + (" …" if len(mine) > 3 else ""),
                    data={"wishes": mine, "weeks": weeks},
                    link=link,
                )
            )
            sent.reminded[user.email] = mine
    session.flush()
    return sent


def flag_not_downloaded(
    session: Session,
    *,
    days: int,
    link: str = "",
    now: dt.datetime | None = None,
    sent: Sent | None = None,
) -> Sent:
    """Notify the office, once per version, of versions their ministry did not download."""
    sent = sent or Sent()
    office = list(session.scalars(select(User).where(User.role == Role.OFFICE, User.active)))
    for version in not_downloaded(session, days=days, now=now):
        if not _mark_once(session, kinds.NOT_DOWNLOADED, str(version.id)):
            continue
        number = version.package.number
        for user in office:
            session.add(
                Notification(
                    user_id=user.id,
                    kind=kinds.NOT_DOWNLOADED,
                    subject=number,
                    data={"package": number, "version": version.number},
                    link=link,
                )
            )
        sent.flagged.append(f"{number} v{version.number}")
    session.flush()
    return sent


def run(app: Flask, session: Session, now: dt.datetime | None = None) -> Sent:
    """Run every reminder with the instance's thresholds."""
    config, urls = app.config, app.url_map.bind("localhost")
    sent = remind_ministries(
        session,
        weeks=int(config["REMINDER_MAIL_WEEKS"]),
        link=urls.build("ministry.packages"),
        now=now,
    )
    return flag_not_downloaded(
        session,
        days=int(config["NOT_DOWNLOADED_DAYS"]),
        link=urls.build("notifications.reminders"),
        now=now,
        sent=sent,
    )
