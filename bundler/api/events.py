"""Events for subscribers, derived in one place from the audit log.

Every operation that changes a wish or publishes a package already writes an audit event in
its own transaction. A `before_flush` listener on the app's sessions turns the audit events
that matter to other systems into `ApiEvent` rows in that same transaction (an outbox), so an
event exists exactly when its change was committed, and no operation needs a call of its own.
After the commit a dispatch job fans the events out to the subscriptions that may see them.

The same listener puts the API token's name on audit events of API calls (they have no user).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from cloudevents.core.bindings.http import to_structured_event
from cloudevents.core.v1.event import CloudEvent
from flask import Flask, g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bundler.models import ApiEvent, ApiToken, AuditEvent, PackageVersion, Subscription, Wish

API_PATH = "/api/v1"
PENDING = "bundler.api.events_pending"

# audit action -> CloudEvents type
TYPES = {
    "wish.state": "nl.bundler.wish.state-changed",
    "wish.unmerge": "nl.bundler.wish.state-changed",
    "wish.answer": "nl.bundler.wish.answered",
    "wish.merge": "nl.bundler.wish.merged",
    "package.published": "nl.bundler.package.version-published",
}


def _wish_event(session: Session, audit_event: AuditEvent, kind: str) -> ApiEvent | None:
    wish = session.get(Wish, int(audit_event.object_id))
    if wish is None:
        return None
    after, before = audit_event.after or {}, audit_event.before or {}
    data: dict[str, Any] = {"reference": wish.reference}
    dataref = f"{API_PATH}/wishes/{wish.reference}"
    if kind.endswith("answered"):
        data.update(ministry=after.get("ministry"), status=after.get("status"))
        dataref += "/answers"
    elif kind.endswith("merged"):
        data.update(mergedInto=after.get("merged_into"))
    else:
        data.update(state=after.get("state"), previousState=before.get("state"))
    return ApiEvent(type=kind, subject=wish.reference, dataref=dataref, data=data, wish_id=wish.id)


def _package_event(session: Session, audit_event: AuditEvent, kind: str) -> ApiEvent | None:
    version = session.get(PackageVersion, int(audit_event.object_id))
    if version is None:
        return None
    number = version.package.number
    return ApiEvent(
        type=kind,
        subject=number,
        dataref=f"{API_PATH}/packages/{number}/versions/{version.number}",
        data={"package": number, "version": version.number, "ministry": version.ministry_code},
        package_id=version.package_id,
    )


def event_for(session: Session, audit_event: AuditEvent) -> ApiEvent | None:
    """Return the subscriber event an audit event stands for, or None."""
    kind = TYPES.get(audit_event.action)
    if kind is None or not audit_event.object_id.isdigit() or audit_event.result != "ok":
        return None
    make = _package_event if audit_event.action == "package.published" else _wish_event
    found = make(session, audit_event, kind)
    if found is not None:
        found.event_id = str(uuid.uuid4())
        found.time = audit_event.at or dt.datetime.now(dt.UTC)
    return found


def subscribed_types(session: Session) -> set[str]:
    """Return the event types some active subscription wants."""
    rows = session.scalars(
        select(Subscription.event_types).where(Subscription.deleted_at.is_(None))
    )
    return {kind for types in rows for kind in types}


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    token: ApiToken | None = g.get("api_token") if has_request_context() else None
    wanted: set[str] | None = None
    for obj in list(session.new):
        if not isinstance(obj, AuditEvent):
            continue
        if token is not None and obj.actor_id is None and not obj.actor_label:
            obj.actor_label = token.label  # an API call: the token is the actor
        if obj.action in TYPES and obj.after is not None:
            # An event nobody subscribes to is not kept (subscriptions start from now).
            wanted = subscribed_types(session) if wanted is None else wanted
            if TYPES[obj.action] not in wanted:
                continue
            found = event_for(session, obj)
            if found is not None:
                session.add(found)
                session.info[PENDING] = True


def install(app: Flask, on_commit: Callable[[], None]) -> None:
    """Derive events on every session of this app; call `on_commit` after a commit made some."""
    factory = app.extensions["bundler.sessionmaker"]
    event.listen(factory, "before_flush", _before_flush)

    def after_commit(session: Session) -> None:
        if session.info.pop(PENDING, False):
            on_commit()

    def after_rollback(session: Session) -> None:
        session.info.pop(PENDING, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda session, _tx: after_rollback(session))


# -- CloudEvents, structured mode, NL GOV profile ---------------------------------------------


def cloudevent(api_event: ApiEvent, *, source: str, base_url: str) -> tuple[dict[str, str], bytes]:
    """Return headers and body of an event as a structured-mode CloudEvent (NL GOV profile):
    a uuid id, a URN source, the subject, the time, a dataref to the API resource, and
    minimal data (the receiver fetches the rest through the API)."""
    attributes: dict[str, Any] = {
        "specversion": "1.0",
        "id": api_event.event_id,
        "source": source,
        "type": api_event.type,
        "subject": api_event.subject,
        "time": api_event.time.astimezone(dt.UTC),
        "datacontenttype": "application/json",
        "dataref": base_url.rstrip("/") + api_event.dataref,
    }
    message = to_structured_event(CloudEvent(attributes, dict(api_event.data)))
    return dict(message.headers), message.body


def unsent(session: Session, limit: int) -> list[ApiEvent]:
    """Return events not yet fanned out to the subscriptions, oldest first."""
    return list(
        session.scalars(
            select(ApiEvent)
            .where(ApiEvent.fanned_out_at.is_(None))
            .order_by(ApiEvent.id)
            .limit(limit)
        )
    )
