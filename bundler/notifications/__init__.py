"""Notifications, mail, invitations and reminders: everyone hears when it is their turn.

Every URL of the area is declared here, next to the module that handles it:
- `views`: the list, opening and marking read, preferences, the one-click unsubscribe;
- `accounts`: invitations, "wachtwoord vergeten" and the page that sets a password;
- `pages`: the administrator's outbox and the office's reminder list.
`derive` makes notifications from the audit log, `mail` composes mails into the outbox,
`outbox` sends them exactly once, `reminders` finds what waits too long, `jobs` runs it all.
"""

from __future__ import annotations

import logging

import click
from flask import Blueprint, Flask, current_app
from flask.cli import with_appcontext
from flask_login import current_user

from bundler import queue, security
from bundler.db import get_session
from bundler.notifications import accounts, derive, jobs, kinds, ops, pages, views
from bundler.security import limiter

log = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__)
bp.add_url_rule("/meldingen", "index", views.index)
bp.add_url_rule("/meldingen/<int:notification_id>", "open", views.open_notification)
bp.add_url_rule(
    "/meldingen/<int:notification_id>/gelezen", "mark_read", views.mark_read, methods=["POST"]
)
bp.add_url_rule("/meldingen/gelezen", "mark_all_read", views.mark_all_read, methods=["POST"])
bp.add_url_rule("/meldingen/voorkeuren", "preferences", views.preferences, methods=["GET", "POST"])
UNSUBSCRIBE_PREFIX = "/meldingen/afmelden/"
bp.add_url_rule(
    UNSUBSCRIBE_PREFIX + "<token>", "unsubscribe", views.unsubscribe, methods=["GET", "POST"]
)
bp.add_url_rule(
    "/account-instellen/<token>", view_func=accounts.set_password, methods=["GET", "POST"]
)
# Requests that asked for a link count (not refused forms): per address asked about, so
# nobody's mailbox is flooded, and per client address, so addresses cannot be tried in bulk.
forgot = limiter.limit(
    lambda: str(current_app.config["RESET_IP_RATE_LIMIT"]),
    methods=["POST"],
    deduct_when=accounts.asked_for_link,
)(
    limiter.limit(
        lambda: str(current_app.config["RESET_RATE_LIMIT"]),
        methods=["POST"],
        key_func=accounts.reset_email_key,
        deduct_when=accounts.asked_for_link,
    )(accounts.forgot_password)
)
bp.add_url_rule("/wachtwoord-vergeten", "forgot_password", forgot, methods=["GET", "POST"])
bp.add_url_rule(
    "/beheer/gebruikers/<int:user_id>/uitnodigen",
    "send_invitation",
    accounts.send_invitation,
    methods=["POST"],
)
bp.add_url_rule(
    "/beheer/gebruikers/<int:user_id>/uitnodiging", "invitation_sent", accounts.invitation_sent
)
bp.add_url_rule("/beheer/uitgaande-mail", "outbox_index", pages.outbox_index)
bp.add_url_rule("/beheer/uitgaande-mail/<int:outbox_mail_id>", "outbox_mail", pages.outbox_mail)
bp.add_url_rule(
    "/beheer/uitgaande-mail/<int:outbox_mail_id>/opnieuw",
    "outbox_resend",
    pages.outbox_resend,
    methods=["POST"],
)
bp.add_url_rule("/bureau/herinneringen", "reminders", pages.reminder_list)


def request_delivery(app: Flask) -> None:
    """Queue the mail job now; if the queue is down, the minutely sweep sends the mails."""
    try:
        jobs.schedule(app)
    except Exception:  # the change is committed: a failing queue never breaks a request
        log.exception("could not queue the mail job")


def _unread() -> int:
    if not current_user.is_authenticated:
        return 0
    return ops.unread_count(get_session(), current_user.id)


@click.command("send-digests")
@click.option(
    "--frequency",
    type=click.Choice([kinds.DAILY, kinds.WEEKLY]),
    default=kinds.DAILY,
    show_default=True,
)
@with_appcontext
def send_digests_command(frequency: str) -> None:
    """Send the daily or weekly digests now (the worker does this at 07:00)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    made = jobs.send_digests(app, frequency)
    click.echo(f"{made} digest mail(s) composed")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Remind ministry users of unanswered wishes; flag versions nobody downloaded."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sent = jobs.send_reminders(app)
    for email, references in sent.reminded.items():
        click.echo(f"reminded {email}: {', '.join(references)}")
    for version in sent.flagged:
        click.echo(f"not downloaded: {version}")
    if not sent.reminded and not sent.flagged:
        click.echo("nothing to remind")


def init_app(app: Flask) -> None:
    """Register the pages, the header count, the derivation, the jobs and the commands."""
    app.register_blueprint(bp)
    # The one-click unsubscribe (RFC 8058) is POSTed by mail clients without a session: its
    # signed token is the only credential, so no cookie and no CSRF token play a part there.
    security.cookieless(app, UNSUBSCRIBE_PREFIX)
    app.jinja_env.globals["unread_notifications"] = _unread
    app.jinja_env.globals["unread_shown"] = ops.UNREAD_SHOWN
    derive.install(app, lambda: request_delivery(app))
    queue.register(app, jobs.install_tasks)
    app.cli.add_command(send_digests_command)
    app.cli.add_command(send_reminders_command)
