"""The notification pages: the list, opening one, marking read, preferences, unsubscribing."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from bundler.auth import login_required
from bundler.db import get_session
from bundler.models import MailSetting, User
from bundler.notifications import kinds, ops
from bundler.notifications.mail import preferences_of, read_unsubscribe_token
from bundler.notifications.text import FREQUENCY_LABELS, describe, kind_label
from bundler.pagination import paginate
from bundler.security import safe_next
from bundler.web import current_actor
from forms.base import CsrfForm
from forms.notifications import PreferencesForm

PER_PAGE = 25
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


@login_required
def index() -> ResponseReturnValue:
    """List the signed-in user's notifications, newest first, unread ones marked."""
    db, user = get_session(), current_actor()
    page = paginate(request.args.get("pagina", 1, type=int) or 1, PER_PAGE, ops.count(db, user.id))
    rows = ops.newest(db, user.id, limit=page.per_page, offset=(page.page - 1) * page.per_page)
    items = [(n, describe(n.kind, n.data)) for n in rows]
    return render_template(
        "notifications/index.html",
        items=items,
        pagination=page,
        unread=ops.unread_count(db, user.id),
        page_url=lambda n: url_for("notifications.index", pagina=n),
    )


@login_required
def open_notification(notification_id: int) -> ResponseReturnValue:
    """Mark a notification as read and go to what it is about."""
    db = get_session()
    notification = ops.own(db, current_actor().id, notification_id)
    if notification is None:
        abort(404)
    ops.mark_read(notification)
    db.commit()
    # The link is made by the app; safe_next still keeps it on this site whatever it holds.
    return redirect(safe_next(notification.link or url_for("notifications.index")))


@login_required
def mark_read(notification_id: int) -> ResponseReturnValue:
    """Mark one notification as read."""
    db = get_session()
    notification = ops.own(db, current_actor().id, notification_id)
    if notification is None:
        abort(404)
    if not CsrfForm(request.form).validate():
        abort(400)
    ops.mark_read(notification)
    db.commit()
    return redirect(url_for("notifications.index"))


@login_required
def mark_all_read() -> ResponseReturnValue:
    """Mark all of the user's notifications as read."""
    if not CsrfForm(request.form).validate():
        abort(400)
    db = get_session()
    marked = ops.mark_all_read(db, current_actor().id)
    db.commit()
    flash(_("%(n)s meldingen gemarkeerd als gelezen.", n=marked), "success")
    return redirect(url_for("notifications.index"))


def _preferences_form(user: User) -> PreferencesForm:
    db = get_session()
    chosen = preferences_of(db, user.id)
    setting = db.get(MailSetting, user.id)

    class Form(PreferencesForm):
        pass

    choices = [SelectChoice(f, str(FREQUENCY_LABELS[f])) for f in kinds.FREQUENCIES]
    for kind in kinds.kinds_for(user.role):
        setattr(
            Form,
            kind,
            SelectField(
                kind_label(kind),
                choices=choices,
                default=kinds.frequency(user.role, kind, chosen),
            ),
        )
    data = {"language": setting.language if setting else "nl"}
    form = Form(request.form if request.method == "POST" else None, data=data)
    form.language.choices = [
        SelectChoice(code, LANGUAGE_NAMES.get(code, code))
        for code in current_app.config["LANGUAGES"]
    ]
    return form


@login_required
def preferences() -> ResponseReturnValue:
    """Choose per event type how to hear about it, and the language of the mails."""
    user = current_actor()
    form = _preferences_form(user)
    if request.method == "POST" and form.validate():
        db = get_session()
        choices = {kind: str(form[kind].data) for kind in kinds.kinds_for(user.role)}
        ops.save_preferences(db, user, choices, language=str(form.language.data))
        db.commit()
        flash(_("Uw voorkeuren zijn opgeslagen."), "success")
        return redirect(url_for("notifications.preferences"))
    event_fields = [form[kind] for kind in kinds.kinds_for(user.role)]
    status = 400 if form.errors else 200
    return render_template(
        "notifications/preferences.html", form=form, event_fields=event_fields
    ), status


def unsubscribe(token: str) -> ResponseReturnValue:
    """The one-click link of every mail: GET asks, POST turns these mails off (RFC 8058)."""
    db = get_session()
    found = read_unsubscribe_token(current_app._get_current_object(), token)  # type: ignore[attr-defined]
    user = db.get(User, found[0]) if found else None
    if found is None or user is None:
        abort(404)
    event_kinds = [k for k in found[1] if k in kinds.kinds_for(user.role)]
    if request.method == "POST":
        ops.unsubscribe(db, user, event_kinds)
        db.commit()
        return render_template("notifications/unsubscribed.html", labels=_labels(event_kinds))
    return render_template(
        "notifications/unsubscribe.html", labels=_labels(event_kinds), token=token
    )


def _labels(event_kinds: list[str]) -> list[str]:
    return [kind_label(k) for k in event_kinds]
