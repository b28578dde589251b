"""The administrator's outbox and the office's reminder list."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import OutboxMail
from bundler.notifications import outbox, reminders
from bundler.pagination import paginate
from forms.base import CsrfForm

PER_PAGE = 50


@role_required(Role.ADMIN)
def outbox_index() -> ResponseReturnValue:
    """List the mails of the outbox, newest first, with their delivery status."""
    db = get_session()
    total = db.scalar(select(func.count()).select_from(OutboxMail)) or 0
    page = paginate(request.args.get("pagina", 1, type=int) or 1, PER_PAGE, total)
    mails = db.scalars(
        select(OutboxMail)
        .order_by(OutboxMail.id.desc())
        .limit(page.per_page)
        .offset((page.page - 1) * page.per_page)
    ).all()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return render_template(
        "notifications/outbox.html",
        mails=mails,
        pagination=page,
        stale_before=outbox.unknown_after(app),
        configured=bool(app.config["MAIL_SERVER"]),
        page_url=lambda n: url_for("notifications.outbox_index", pagina=n),
    )


@role_required(Role.ADMIN)
def outbox_mail(outbox_mail_id: int) -> ResponseReturnValue:
    """Show one mail of the outbox as it was (or will be) sent."""
    mail = get_session().get(OutboxMail, outbox_mail_id)
    if mail is None:
        abort(404)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return render_template(
        "notifications/outbox_mail.html", mail=mail, stale_before=outbox.unknown_after(app)
    )


@role_required(Role.ADMIN)
def outbox_resend(outbox_mail_id: int) -> ResponseReturnValue:
    """Queue a failed mail, or one whose sending is unknown, again (same Message-ID)."""
    db = get_session()
    mail = db.get(OutboxMail, outbox_mail_id)
    if mail is None:
        abort(404)
    if not CsrfForm(request.form).validate():
        abort(400)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stale = mail.status == "sending" and (
        mail.claimed_at or mail.created_at
    ) < outbox.unknown_after(app)
    if mail.status == "failed" or stale:
        outbox.resend(db, mail)
        db.commit()
        from bundler.notifications import request_delivery

        request_delivery(app)
        flash(_("De e-mail staat opnieuw klaar om te versturen."), "success")
    return redirect(url_for("notifications.outbox_mail", outbox_mail_id=mail.id))


@role_required(Role.OFFICE)
def reminder_list() -> ResponseReturnValue:
    """List offered wishes waiting for an answer too long, and versions nobody downloaded."""
    db = get_session()
    config = current_app.config
    weeks = int(config["REMINDER_LIST_WEEKS"])
    return render_template(
        "notifications/reminders.html",
        overdue=reminders.overdue(db, weeks=weeks),
        weeks=weeks,
        mail_weeks=int(config["REMINDER_MAIL_WEEKS"]),
        days=int(config["NOT_DOWNLOADED_DAYS"]),
        not_downloaded=reminders.not_downloaded(db, days=int(config["NOT_DOWNLOADED_DAYS"])),
    )
