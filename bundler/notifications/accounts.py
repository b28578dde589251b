"""Invitations and password resets: their mails and pages (the links live in `links`)."""

from __future__ import annotations

import datetime as dt
import secrets

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as web_session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bundler import auth
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import User
from bundler.notifications import links
from bundler.notifications.mail import compose
from bundler.rules import RuleError
from bundler.web import current_actor
from forms.base import CsrfForm
from forms.notifications import ForgotPasswordForm, SetPasswordForm

SHOWN_LINK = "bundler.invitation_link"


def mail_configured(app: Flask) -> bool:
    """Tell whether mails really leave this instance (else they go to the log)."""
    return bool(app.config["MAIL_SERVER"])


def _link_mail(app: Flask, session: Session, user: User, token: str, purpose: str) -> None:
    def url() -> str:
        return url_for("notifications.set_password", token=token, _external=True)

    if purpose == links.INVITATION:
        days = int(app.config["INVITATION_DAYS"])
        compose(
            app,
            session,
            user,
            kind="invitation",
            subject=lambda: _("Uitnodiging voor bundler"),
            intro=lambda: [
                _(
                    "U bent uitgenodigd voor bundler, %(office)s.",
                    office=app.config["PROGRAMME_OFFICE_NAME"],
                ),
                _(
                    "Kies met de link hieronder uw wachtwoord. "
                    "De link werkt één keer en %(days)s dagen lang.",
                    days=days,
                ),
            ],
            action=lambda: (_("Wachtwoord kiezen"), url()),
        )
    else:
        hours = int(app.config["RESET_LINK_HOURS"])
        compose(
            app,
            session,
            user,
            kind="reset",
            subject=lambda: _("Nieuw wachtwoord voor bundler"),
            intro=lambda: [
                _(
                    "Iemand vroeg een nieuw wachtwoord aan voor dit account. "
                    "Was u dat niet, dan hoeft u niets te doen."
                ),
                _(
                    "De link werkt één keer en %(hours)s uur lang. Daarna bent u overal afgemeld.",
                    hours=hours,
                ),
            ],
            action=lambda: (_("Nieuw wachtwoord kiezen"), url()),
        )


def invite(app: Flask, session: Session, user: User, *, actor: User | None) -> str:
    """Make an invitation link, put its mail in the outbox and return the link's token."""
    valid = dt.timedelta(days=int(app.config["INVITATION_DAYS"]))
    token = links.issue(session, user, links.INVITATION, valid=valid, actor=actor)
    _link_mail(app, session, user, token, links.INVITATION)
    return token


def unusable_password() -> str:
    """A password nobody knows, for an account that waits for its invitation."""
    return secrets.token_urlsafe(48)


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _after_commit_send() -> None:
    from bundler.notifications import request_delivery

    request_delivery(_app())


@role_required(Role.ADMIN)
def send_invitation(user_id: int) -> ResponseReturnValue:
    """Send (or show) a new invitation for an account; older links stop working."""
    db = get_session()
    user = db.get(User, user_id)
    if user is None:
        abort(404)
    if not CsrfForm(request.form).validate():
        abort(400)
    return invitation_for_new_user(user)


def invitation_for_new_user(user: User) -> ResponseReturnValue:
    """Invite an account the administrator just saved, then show the result (POST/redirect/GET).

    Without a mail server the link goes to the administrator instead: kept in their session
    for the next page only, so it is shown once.
    """
    db = get_session()
    token = invite(_app(), db, user, actor=current_actor())
    db.commit()
    _after_commit_send()
    if not mail_configured(_app()):
        web_session[SHOWN_LINK] = {"user": user.id, "token": token}
    return redirect(url_for("notifications.invitation_sent", user_id=user.id))


@role_required(Role.ADMIN)
def invitation_sent(user_id: int) -> ResponseReturnValue:
    """Say the invitation went by mail, or show its link once when no mail is configured."""
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    shown = web_session.pop(SHOWN_LINK, None)
    link = None
    if isinstance(shown, dict) and shown.get("user") == user.id:
        link = url_for("notifications.set_password", token=shown["token"], _external=True)
    return render_template(
        "notifications/invitation_sent.html",
        user=user,
        link=link,
        mailed=mail_configured(_app()),
        days=_app().config["INVITATION_DAYS"],
    )


def reset_email_key() -> str:
    """Key the reset throttle by the address asked about."""
    return "reset:" + request.form.get("email", "").strip().lower()


def asked_for_link(response: Response) -> bool:
    """Tell whether a reset request was a valid one (refused forms do not count)."""
    return response.status_code == 200


def forgot_password() -> ResponseReturnValue:
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm(request.form)
    if request.method == "POST" and form.validate():
        db = get_session()
        user = links.user_by_email(db, form.email.data or "")
        if user is not None:
            valid = dt.timedelta(hours=int(_app().config["RESET_LINK_HOURS"]))
            token = links.issue(db, user, links.RESET, valid=valid, actor=user)
            _link_mail(_app(), db, user, token, links.RESET)
            db.commit()
            _after_commit_send()
        return render_template("notifications/reset_requested.html")
    status = 400 if form.errors else 200
    return render_template("notifications/forgot.html", form=form), status


def set_password(token: str) -> ResponseReturnValue:
    """Choose a password through an invitation or reset link (once, before it expires)."""
    db = get_session()
    link = links.find(db, token)
    if link is None:
        return render_template("notifications/link_invalid.html"), 404
    form = SetPasswordForm(request.form)
    if request.method == "POST" and form.validate():
        try:
            user = links.use(db, link, form.password.data or "")
        except RuleError as error:
            form.add_rule_error(error)
        else:
            if current_user.is_authenticated:
                logout_user()
            if link.purpose == links.INVITATION and user.totp_secret is None:
                # Signed in; the enrolment gate (bundler.mfa) asks for MFA where the role needs it.
                auth.complete_login(db, user, method="invitation")
                flash(_("Uw wachtwoord is ingesteld. Welkom bij bundler."), "success")
                return redirect(url_for("main.index"))
            db.commit()
            flash(_("Uw wachtwoord is ingesteld. Meld u aan met het nieuwe wachtwoord."), "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template(
        "notifications/set_password.html", form=form, purpose=link.purpose, user=link.user
    ), status
