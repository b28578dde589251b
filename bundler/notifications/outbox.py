"""The mail outbox: every mail is a row first, then sent exactly once by a background job.

Why exactly once. A mail is sent in three steps, each its own transaction:

1. **claim**: `UPDATE outbox_mail SET status='sending' WHERE id=? AND status='pending'`,
   then COMMIT. Only one job can win the row; the commit is durable before any byte of
   the mail leaves.
2. **send**: hand the mail (with the `Message-ID` fixed when the row was made) to the SMTP
   server. The connection is opened and authenticated *before* the claim, so the only step
   between the claim and the server accepting the mail is the DATA command itself.
3. **mark**: `status='sent'`, `sent_at`, COMMIT.

A job that fails *before* the server accepted the mail (refused, timeout, connection lost)
knows the mail did not go and puts the row back to `pending` with a backoff; it is retried
until `MAIL_MAX_ATTEMPTS`. A job that crashes *between* the server's acceptance and step 3
leaves the row in `sending`: a retried job never touches `sending` rows, so it does not send
a second mail. After the lease (`MAIL_TIMEOUT_SECONDS` x 3) such a row is shown to the
administrator as `unknown` (it most likely went; the receiving side also deduplicates on the
unchanged Message-ID if the administrator sends it again). The reverse order (send, then
claim) would send a second mail after every such crash.

Without MAIL_SERVER the mail is written to the log and kept as `logged`, for the outbox page.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bundler.db import session_scope
from bundler.models import OutboxMail, utcnow

log = logging.getLogger(__name__)
BATCH = 100
# Lines up to RFC 5322's hard limit: folded at 78, Python would encode List-Unsubscribe's long
# URL as RFC 2047 words, which no mail client reads as a link.
POLICY = SMTP.clone(max_line_length=998)


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Return the wait after a failed attempt: base, 4x base, 16x base, ... at most cap."""
    return dt.timedelta(seconds=min(cap, base * 4 ** max(attempts - 1, 0)))


def message(mail: OutboxMail, sender: str) -> EmailMessage:
    """Build the MIME message of an outbox row: plain text plus HTML, its fixed Message-ID."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = sender
    msg["To"] = mail.to_address
    msg["Subject"] = mail.subject
    msg["Message-ID"] = mail.message_id
    msg["Date"] = formatdate(mail.created_at.timestamp(), localtime=False)
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text_body)
    msg.add_alternative(mail.html_body, subtype="html")
    return msg


def connect(app: Flask) -> smtplib.SMTP:
    """Open and authenticate a connection to the configured SMTP server."""
    config = app.config
    host, port = str(config["MAIL_SERVER"]), int(config["MAIL_PORT"])
    timeout = float(config["MAIL_TIMEOUT_SECONDS"])
    security = str(config["MAIL_SECURITY"]).lower()
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if security == "tls":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            smtp.starttls(context=context)
    if config["MAIL_USERNAME"]:
        smtp.login(str(config["MAIL_USERNAME"]), str(config["MAIL_PASSWORD"]))
    return smtp


def _claim(app: Flask, mail_id: int) -> OutboxMail | None:
    """Step 1: take a due row for this job (committed), or None when another job has it."""
    now = utcnow()
    with session_scope(app) as session:
        result = session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == mail_id,
                OutboxMail.status == "pending",
                OutboxMail.next_attempt_at <= now,
            )
            .values(status="sending", claimed_at=now, attempts=OutboxMail.attempts + 1)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        mail = session.get(OutboxMail, mail_id)
        assert mail is not None
        session.expunge(mail)
    return mail


# Mails that carry a password link: their text is dropped once the server has them.
SECRET_KINDS = frozenset({"invitation", "reset"})


def _mark_sent(app: Flask, mail_id: int, status: str = "sent") -> None:
    """Step 3: record that the server accepted the mail."""
    with session_scope(app) as session:
        mail = session.get(OutboxMail, mail_id)
        assert mail is not None
        mail.status, mail.sent_at, mail.last_error = status, utcnow(), ""
        if status == "sent" and mail.kind in SECRET_KINDS:
            mail.text_body = mail.html_body = ""


def _mark_failed(app: Flask, mail: OutboxMail, error: str) -> None:
    """The server did not accept the mail: try again later, or give up after the last try."""
    config = app.config
    with session_scope(app) as session:
        row = session.get(OutboxMail, mail.id)
        assert row is not None
        row.last_error = error[:500]
        if row.attempts >= int(config["MAIL_MAX_ATTEMPTS"]):
            row.status = "failed"
        else:
            row.status = "pending"
            row.next_attempt_at = utcnow() + backoff(
                row.attempts,
                float(config["MAIL_RETRY_SECONDS"]),
                float(config["MAIL_RETRY_MAX_SECONDS"]),
            )


# Tests replace this to simulate a crash between the server's acceptance and the record.
after_send: Callable[[int], None] = lambda _mail_id: None  # noqa: E731


def due(session: Session, limit: int = BATCH) -> list[int]:
    """Return the ids of mails waiting to be sent whose time has come, oldest first."""
    return list(
        session.scalars(
            select(OutboxMail.id)
            .where(OutboxMail.status == "pending", OutboxMail.next_attempt_at <= utcnow())
            .order_by(OutboxMail.id)
            .limit(limit)
        )
    )


def send_due(app: Flask) -> int:
    """Send every mail that is due (claim, send, mark); return how many the server took."""
    with session_scope(app) as session:
        ids = due(session)
    if not ids:
        return 0
    sender = str(app.config["MAIL_FROM"])
    if not app.config["MAIL_SERVER"]:
        return _log_all(app, ids, sender)
    sent = 0
    smtp: smtplib.SMTP | None = None
    try:
        for mail_id in ids:
            if smtp is None:
                try:
                    smtp = connect(app)  # before the claim: see the module's docstring
                except (OSError, smtplib.SMTPException) as error:
                    log.warning("SMTP server not reachable: %s", error)
                    _fail_unclaimed(app, mail_id, f"{type(error).__name__}: {error}")
                    continue
            mail = _claim(app, mail_id)
            if mail is None:
                continue
            try:
                smtp.send_message(message(mail, sender))
            except (OSError, smtplib.SMTPException) as error:
                _mark_failed(app, mail, f"{type(error).__name__}: {error}")
                _close(smtp)
                smtp = None
                continue
            after_send(mail.id)
            _mark_sent(app, mail.id)
            sent += 1
    finally:
        _close(smtp)
    return sent


def _fail_unclaimed(app: Flask, mail_id: int, error: str) -> None:
    mail = _claim(app, mail_id)
    if mail is not None:
        _mark_failed(app, mail, error)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


def _log_all(app: Flask, ids: list[int], sender: str) -> int:
    for mail_id in ids:
        mail = _claim(app, mail_id)
        if mail is None:
            continue
        log.info(
            "no MAIL_SERVER: mail %s to %s not sent\n%s",
            mail.message_id,
            mail.to_address,
            message(mail, sender).get_body(("plain",)),
        )
        _mark_sent(app, mail.id, status="logged")
    return 0


def unknown_after(app: Flask) -> dt.datetime:
    """Return the time before which a `sending` row has outlived any job that claimed it."""
    return utcnow() - dt.timedelta(seconds=float(app.config["MAIL_TIMEOUT_SECONDS"]) * 3)


def resend(session: Session, mail: OutboxMail) -> None:
    """Queue a failed or unknown mail again, with the same Message-ID (the administrator)."""
    mail.status, mail.next_attempt_at, mail.attempts = "pending", utcnow(), 0
    session.flush()
