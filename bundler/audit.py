"""The audit log: record events (who, when, what, before and after, never secrets); read them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bundler.models import AuditEvent, User, Wish
from bundler.numbering import parse_wish_reference

# Keys that must never reach the log, whatever a caller passes in.
SECRET_KEYS = frozenset(
    {"password", "password_hash", "new_password", "totp_secret", "token", "csrf_token", "code"}
)


def scrub(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop secret keys from a before/after mapping."""
    if values is None:
        return None
    return {k: v for k, v in values.items() if k not in SECRET_KEYS}


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: str = "ok",
    summary: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Add an audit event to the session (the caller commits)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else actor_label,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=str(getattr(obj, "id", "") or "") if obj is not None else "",
        before=scrub(before),
        after=scrub(after),
        result=result,
        summary=summary,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    session.add(event)
    return event


# -- reading the log --------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """What the audit-log filter asks for; empty values do not narrow the list."""

    actor: str = ""
    action: str = ""
    object_type: str = ""
    object: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def of_object(obj_type: str, obj_id: int) -> list[ColumnElement[bool]]:
    """Return the conditions for the events of one object, such as one wish."""
    return [AuditEvent.object_type == obj_type, AuditEvent.object_id == str(obj_id)]


def conditions(session: Session, query: AuditQuery, tz: dt.tzinfo) -> list[ColumnElement[bool]]:
    """Translate an audit query into WHERE conditions; dates are days in local time."""
    where: list[ColumnElement[bool]] = []
    if query.actor:
        needle = query.actor.strip().lower()
        where.append(func.lower(AuditEvent.actor_label).contains(needle, autoescape=True))
    if query.action:
        where.append(AuditEvent.action == query.action)
    if query.object_type:
        where.append(AuditEvent.object_type == query.object_type)
    if query.object:
        value = query.object.strip()
        if parse_wish_reference(value.upper()):
            wish_id = session.scalar(select(Wish.id).where(Wish.reference == value.upper()))
            where += [AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish_id)]
        else:
            where.append(AuditEvent.object_id == value)
    if query.since:
        where.append(AuditEvent.at >= dt.datetime.combine(query.since, dt.time.min, tz))
    if query.until:
        end = query.until + dt.timedelta(days=1)
        where.append(AuditEvent.at < dt.datetime.combine(end, dt.time.min, tz))
    return where


def count(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
    """Count the events matching the conditions."""
    return session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0


def newest(
    session: Session, where: Sequence[ColumnElement[bool]], *, limit: int, offset: int = 0
) -> list[AuditEvent]:
    """Return matching events, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def actions(session: Session) -> list[str]:
    """Return every action that occurs in the log, sorted."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def object_types(session: Session) -> list[str]:
    """Return every kind of object that occurs in the log, sorted."""
    return list(
        session.scalars(
            select(AuditEvent.object_type)
            .distinct()
            .where(AuditEvent.object_type != "")
            .order_by(AuditEvent.object_type)
        )
    )
