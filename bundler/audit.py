"""Record events in the audit log: actor, time, object, before and after, never secrets."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy.orm import Session

from bundler.models import AuditEvent, User

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
    if actor is None and has_request_context():
        from flask_login import current_user

        if current_user.is_authenticated:
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
