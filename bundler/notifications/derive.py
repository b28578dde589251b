"""Notifications derived from the audit log, in the transaction of the change they report.

The same emission point as the API's CloudEvents (bundler.api.events): every operation that
changes a wish or publishes a package writes an audit event; a `before_flush` listener turns
those events into one `Notification` per recipient. No operation needs a call of its own, and
a notification exists exactly when its change was committed.

Recipients are filtered with `bundler.wishes.visibility.can_view`, the rule of the pages, so
a notification never tells anyone about a wish they may not open. Nobody hears about their
own action.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.routing import BuildError, MapAdapter

from bundler.enums import Role, WishState
from bundler.models import AuditEvent, Notification, PackageVersion, Pilot, User, Wish
from bundler.notifications import kinds
from bundler.wishes.visibility import can_view

PENDING = "bundler.notifications.pending"


@dataclass
class _Flush:
    """What one flush already looked up (a package build changes many wishes at once)."""

    session: Session
    urls: MapAdapter
    office: list[User] | None = None
    members: dict[int, list[User]] = field(default_factory=dict)

    def office_users(self) -> list[User]:
        if self.office is None:
            self.office = list(
                self.session.scalars(
                    select(User).where(User.role == Role.OFFICE, User.active.is_(True))
                )
            )
        return self.office

    def pilot_members(self, pilot_ids: Iterable[int]) -> list[User]:
        found: dict[int, User] = {}
        for pilot_id in pilot_ids:
            if pilot_id not in self.members:
                pilot = self.session.get(Pilot, pilot_id)
                self.members[pilot_id] = [u for u in (pilot.members if pilot else []) if u.active]
            found.update((u.id, u) for u in self.members[pilot_id])
        return list(found.values())

    def path(self, endpoint: str, **values: Any) -> str:
        try:
            return self.urls.build(endpoint, values)
        except BuildError:
            return ""


def _notify(
    context: _Flush,
    users: Iterable[User],
    audit_event: AuditEvent,
    kind: str,
    *,
    data: dict[str, Any],
    subject: str,
    link: str,
    wish: Wish | None = None,
) -> int:
    made = 0
    for user in users:
        if user.id == audit_event.actor_id:
            continue  # nobody hears about their own action
        if wish is not None and not can_view(user, wish):
            continue
        context.session.add(
            Notification(
                user_id=user.id,
                kind=kind,
                subject=subject,
                data=data,
                link=link,
                wish_id=wish.id if wish is not None else None,
            )
        )
        made += 1
    return made


def _wish_notifications(context: _Flush, audit_event: AuditEvent, wish: Wish) -> int:
    after, before = audit_event.after or {}, audit_event.before or {}
    action = audit_event.action
    data: dict[str, Any] = {"reference": wish.reference, "title": wish.title}
    pilot_link = context.path("wishes.show", wish_id=wish.id)
    office_link = context.path("office.triage", reference=wish.reference)
    raising = context.pilot_members([wish.pilot_id])
    involved = context.pilot_members([wish.pilot_id, *(s.pilot_id for s in wish.supports)])
    made = 0

    def notify(users: Iterable[User], kind: str, extra: dict[str, Any], link: str) -> int:
        return _notify(
            context,
            users,
            audit_event,
            kind,
            data={**data, **extra},
            subject=wish.reference,
            link=link,
            wish=wish,
        )

    if action in ("wish.state", "wish.unmerge") and after.get("state"):
        change = {"state": after["state"], "previous": before.get("state", "")}
        made += notify(involved, kinds.WISH_STATE, change, pilot_link)
        if action == "wish.state" and after["state"] == WishState.SUBMITTED.value:
            made += notify(context.office_users(), kinds.OFFICE_SUBMISSION, change, office_link)
    elif action == "wish.merge":
        extra = {"merged_into": after.get("merged_into", "")}
        made += notify(involved, kinds.WISH_MERGED, extra, pilot_link)
    elif action == "wish.supported":
        extra = {"pilot": after.get("pilot", "")}
        made += notify(raising, kinds.WISH_SUPPORTED, extra, pilot_link)
        made += notify(context.office_users(), kinds.OFFICE_JOIN, extra, office_link)
    elif action == "wish.answer":
        extra = {"ministry": after.get("ministry", ""), "status": after.get("status", "")}
        made += notify(involved, kinds.WISH_ANSWERED, extra, pilot_link)
        made += notify(context.office_users(), kinds.OFFICE_ANSWER, extra, office_link)
    return made


def _package_notifications(
    context: _Flush, audit_event: AuditEvent, version: PackageVersion
) -> int:
    package = version.package
    users = context.session.scalars(
        select(User).where(
            User.role == Role.MINISTRY,
            User.ministry_id == package.ministry_id,
            User.active.is_(True),
        )
    )
    return _notify(
        context,
        users,
        audit_event,
        kinds.PACKAGE_VERSION,
        data={"package": package.number, "version": version.number, "wishes": version.wish_count},
        subject=package.number,
        link=context.path("ministry.package", package_id=package.id),
    )


WISH_ACTIONS = frozenset(
    {"wish.state", "wish.unmerge", "wish.merge", "wish.supported", "wish.answer"}
)


def notifications_for(context: _Flush, audit_event: AuditEvent) -> int:
    """Add the notifications an audit event stands for; return how many."""
    if audit_event.result != "ok" or not audit_event.object_id.isdigit():
        return 0
    if audit_event.action in WISH_ACTIONS:
        wish = context.session.get(Wish, int(audit_event.object_id))
        return _wish_notifications(context, audit_event, wish) if wish is not None else 0
    if audit_event.action == "package.published":
        version = context.session.get(PackageVersion, int(audit_event.object_id))
        return _package_notifications(context, audit_event, version) if version else 0
    return 0


def _preload(session: Session, audit_events: list[AuditEvent]) -> None:
    """Load the wishes of many events with their supports in one query (a package build
    offers hundreds at once), instead of one lazy load per wish."""
    ids = {
        int(e.object_id) for e in audit_events if e.object_type == "wish" and e.object_id.isdigit()
    }
    if len(ids) > 1:
        session.scalars(
            select(Wish).where(Wish.id.in_(ids)).options(selectinload(Wish.supports))
        ).all()


def install(app: Flask, on_commit: Callable[[], None]) -> None:
    """Derive notifications on every session of this app; call `on_commit` after a commit
    that made some (it queues the mail job)."""
    factory = app.extensions["bundler.sessionmaker"]
    urls = app.url_map.bind("localhost")

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        audit_events = [
            o
            for o in list(session.new)
            if isinstance(o, AuditEvent)
            and (o.action in WISH_ACTIONS or o.action.startswith("package."))
        ]
        if not audit_events:
            return
        context = _Flush(session, urls)
        _preload(session, audit_events)
        made = sum(notifications_for(context, e) for e in audit_events)
        if made:
            session.info[PENDING] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(PENDING, False):
            on_commit()

    event.listen(factory, "before_flush", before_flush)
    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_soft_rollback", lambda s, _tx: s.info.pop(PENDING, None))
