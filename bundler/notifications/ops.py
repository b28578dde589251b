"""Operations on notifications and preferences (they add and flush, never commit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from bundler.models import MailSetting, Notification, NotificationPreference, User, utcnow
from bundler.notifications import kinds

# The header shows "99+" beyond this: every page counts, and someone who works from the
# inbox may leave tens of thousands unread (100,000 took 12-15 ms a page on SQLite).
UNREAD_SHOWN = 99


def unread_query(user_id: int) -> Select[int]:
    """Count the user's unread notifications, up to UNREAD_SHOWN + 1.

    The partial index on unread ones (`ix_notification_unread`) gives them without reading
    the others.
    """
    unread = (
        select(Notification.id)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .limit(UNREAD_SHOWN + 1)
        .subquery()
    )
    return select(func.count()).select_from(unread)


def unread_count(session: Session, user_id: int) -> int:
    """The number in the header: the user's unread notifications; more than UNREAD_SHOWN
    reads "99+"."""
    return session.scalar(unread_query(user_id)) or 0


def newest(session: Session, user_id: int, *, limit: int, offset: int = 0) -> list[Notification]:
    """Return the user's notifications, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def count(session: Session, user_id: int) -> int:
    """Count all of the user's notifications."""
    return (
        session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == user_id)
        )
        or 0
    )


def own(session: Session, user_id: int, notification_id: int) -> Notification | None:
    """Return one of the user's notifications; another's does not exist for them."""
    notification = session.get(Notification, notification_id)
    return notification if notification is not None and notification.user_id == user_id else None


def mark_read(notification: Notification) -> None:
    """Mark a notification as read (once: the first time counts)."""
    if notification.read_at is None:
        notification.read_at = utcnow()


def mark_all_read(session: Session, user_id: int) -> int:
    """Mark every unread notification of the user as read; return how many."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def save_preferences(
    session: Session, user: User, choices: Mapping[str, str], language: str | None = None
) -> None:
    """Store the user's frequency per event type of their role, and their mail language."""
    existing = {
        p.kind: p
        for p in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for kind in kinds.kinds_for(user.role):
        wanted = choices.get(kind)
        if wanted not in kinds.FREQUENCIES:
            continue
        if kind in existing:
            existing[kind].frequency = wanted
        else:
            session.add(NotificationPreference(user_id=user.id, kind=kind, frequency=wanted))
    if language:
        setting = session.get(MailSetting, user.id)
        if setting is None:
            session.add(MailSetting(user_id=user.id, language=language))
        else:
            setting.language = language
    session.flush()


def unsubscribe(session: Session, user: User, event_kinds: Sequence[str]) -> None:
    """Turn mail off for these event types (the one-click link in every mail)."""
    save_preferences(session, user, dict.fromkeys(event_kinds, kinds.NEVER))
