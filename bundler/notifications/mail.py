"""Mails in the recipient's language: composed into the outbox, sent by `outbox`.

Every mail is plain text plus HTML (inline NL Design System styling, no remote images), links
into the app, and carries `List-Unsubscribe` (RFC 8058 one-click) for its event types.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr

from flask import Flask, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bundler.models import (
    MailSetting,
    Notification,
    NotificationPreference,
    OutboxMail,
    User,
    Wish,
)
from bundler.notifications import kinds
from bundler.notifications.text import describe, kind_label
from bundler.wishes.visibility import can_view

BATCH = 500
UNSUBSCRIBE_SALT = "bundler.unsubscribe"


@dataclass(frozen=True)
class Item:
    """One line of a mail: what happened and where to see it."""

    text: str
    url: str


def language_of(session: Session, user: User) -> str:
    """Return the language the user reads mails in (Dutch unless chosen otherwise)."""
    setting = session.get(MailSetting, user.id)
    return setting.language if setting is not None else "nl"


def preferences_of(session: Session, user_id: int) -> dict[str, str]:
    """Return the user's chosen frequency per event type (defaults not included)."""
    rows = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    return {row.kind: row.frequency for row in rows}


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(str(app.config["SECRET_KEY"]), salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(app: Flask, user_id: int, event_kinds: Sequence[str]) -> str:
    """Return the signed token of a one-click unsubscribe link (user and event types)."""
    return str(_serializer(app).dumps({"u": user_id, "k": list(event_kinds)}))


def read_unsubscribe_token(app: Flask, token: str) -> tuple[int, list[str]] | None:
    """Return the user id and event types of an unsubscribe token, or None if forged."""
    try:
        value = _serializer(app).loads(token)
    except BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("u"), int):
        return None
    return value["u"], [k for k in value.get("k", []) if isinstance(k, str)]


def _domain(app: Flask) -> str:
    address = parseaddr(str(app.config["MAIL_FROM"]))[1]
    return address.rpartition("@")[2] or "bundler.invalid"


def compose(
    app: Flask,
    session: Session,
    user: User,
    *,
    kind: str,
    subject: Callable[[], str],
    intro: Callable[[], list[str]],
    items: Callable[[], list[Item]] = list,
    action: Callable[[], tuple[str, str]] | None = None,
    unsubscribe: Sequence[str] = (),
) -> OutboxMail:
    """Render a mail for one user in their language and add it to the outbox."""
    token = unsubscribe_token(app, user.id, unsubscribe) if unsubscribe else ""
    base_url = str(app.config["PUBLIC_URL"])
    with app.test_request_context(base_url=base_url), force_locale(language_of(session, user)):
        context = {
            "user": user,
            "intro": intro(),
            "items": items(),
            "action": action() if action else None,
            "preferences_url": url_for("notifications.preferences", _external=True),
            "unsubscribe_url": (
                url_for("notifications.unsubscribe", token=token, _external=True) if token else ""
            ),
            "office": app.config["PROGRAMME_OFFICE_NAME"],
        }
        title = subject()
        text = render_template("mail/message.txt", subject=title, **context)
        html = render_template("mail/message.html", subject=title, **context)
    headers = {}
    if token:
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = OutboxMail(
        message_id=f"<{uuid.uuid4().hex}@{_domain(app)}>",
        user_id=user.id,
        to_address=user.email,
        subject=title,
        text_body=text,
        html_body=html,
        headers=headers,
        kind=kind,
    )
    session.add(mail)
    session.flush()
    return mail


def _external(app: Flask, path: str) -> str:
    return str(app.config["PUBLIC_URL"]).rstrip("/") + path if path else ""


def _still_visible(session: Session, user: User, notification: Notification) -> bool:
    if notification.wish_id is None:
        return True
    wish = session.get(Wish, notification.wish_id)
    return wish is not None and can_view(user, wish)


def _claim(session: Session, notification: Notification, mail: OutboxMail | None) -> bool:
    """Take a notification for one mail (or for none); False when another job has it."""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification.id, Notification.mail_done.is_(False))
        .values(mail_done=True, mail_id=mail.id if mail is not None else None)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def _subjects(notifications: Sequence[Notification]) -> str:
    names = list(dict.fromkeys(n.subject for n in notifications if n.subject))
    shown = ", ".join(names[:3])
    return shown + (_(" en %(count)s meer", count=len(names) - 3) if len(names) > 3 else "")


def mail_notifications(app: Flask, session: Session, *, frequency: str) -> int:
    """Mail the notifications waiting for this frequency: one mail each when immediate, one
    digest per user for daily or weekly; settle those whose user wants none. Return mails."""
    waiting = list(
        session.scalars(
            select(Notification)
            .where(Notification.mail_done.is_(False))
            .order_by(Notification.user_id, Notification.id)
            .limit(BATCH)
        )
    )
    by_user: dict[int, list[Notification]] = {}
    for notification in waiting:
        by_user.setdefault(notification.user_id, []).append(notification)
    made = 0
    for user_id, notifications in by_user.items():
        user = session.get(User, user_id)
        assert user is not None
        chosen = preferences_of(session, user_id)
        mine: list[Notification] = []
        for n in notifications:
            wanted = kinds.frequency(user.role, n.kind, chosen)
            if wanted == kinds.NEVER or not user.active or not _still_visible(session, user, n):
                _claim(session, n, None)
            elif wanted == frequency:
                mine.append(n)
        if not mine:
            continue
        if frequency == kinds.IMMEDIATELY:
            for n in mine:
                mail = _single(app, session, user, n)
                if _claim(session, n, mail):
                    made += 1
                else:
                    session.delete(mail)
        else:
            mail = _digest(app, session, user, mine, frequency)
            claimed = [n for n in mine if _claim(session, n, mail)]
            if claimed:
                made += 1
            else:
                session.delete(mail)
    session.flush()
    return made


def _single(app: Flask, session: Session, user: User, n: Notification) -> OutboxMail:
    return compose(
        app,
        session,
        user,
        kind=n.kind,
        subject=lambda: f"{n.subject}: {kind_label(n.kind)}" if n.subject else kind_label(n.kind),
        intro=lambda: [describe(n.kind, n.data)],
        action=lambda: (_("Bekijk het in bundler"), _external(app, n.link)),
        unsubscribe=[n.kind],
    )


def _digest(
    app: Flask, session: Session, user: User, mine: list[Notification], frequency: str
) -> OutboxMail:
    def subject() -> str:
        title = _("Dagelijks overzicht") if frequency == kinds.DAILY else _("Wekelijks overzicht")
        return f"{title}: {_subjects(mine)}"

    return compose(
        app,
        session,
        user,
        kind=f"digest_{frequency}",
        subject=subject,
        intro=lambda: [_("Dit gebeurde er sinds het vorige overzicht.")],
        items=lambda: [Item(describe(n.kind, n.data), _external(app, n.link)) for n in mine],
        unsubscribe=sorted({n.kind for n in mine}),
    )
