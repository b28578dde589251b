"""Notifications, mail preferences, the mail outbox and single-use account links."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bundler.models.accounts import User
from bundler.models.base import Base, utcnow


class Notification(Base):
    """One event for one recipient: shown in the app, mailed at once or in a digest.

    `kind` is an event type of `bundler.notifications.kinds`; `data` holds what the text
    needs (reference, states, package number), so a notification reads the same later.
    """

    __tablename__ = "notification"
    __table_args__ = (
        # The header's count of unread ones, on every page: only those in the index. With
        # read_at as well, both columns match, so SQLite (without statistics) prefers it to
        # ix_notification_user_id rather than taking whichever index was created first.
        Index(
            "ix_notification_unread",
            "user_id",
            "read_at",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(40), default="")  # wish reference, package no.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(200), default="")  # a path inside the app
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wish.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None]
    # The mail that carried it (immediately or in a digest); None: not (yet) mailed.
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_mail.id", ondelete="SET NULL"))
    # Set once the notification no longer waits for a mail (mailed, or "never").
    mail_done: Mapped[bool] = mapped_column(default=False, index=True)

    user: Mapped[User] = relationship()


class NotificationPreference(Base):
    """How one user wants to hear about one event type: now, daily, weekly or never."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    frequency: Mapped[str] = mapped_column(String(12))  # immediately, daily, weekly, never


class MailSetting(Base):
    """A user's mail language (the app's language when the user never chose)."""

    __tablename__ = "mail_setting"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), default="nl")


class OutboxMail(Base):
    """A mail to send, recorded in the transaction that caused it; sent exactly once.

    `message_id` is fixed when the row is made. The sender claims a row (status `sending`,
    committed) before it talks to the SMTP server and marks it `sent` after; see
    `bundler.notifications.outbox` for why that order gives exactly one mail.
    """

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(40))
    # pending -> sending -> sent; failed after the last attempt; logged when no SMTP is set.
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AccountLink(Base):
    """A single-use, expiring link that sets a password: an invitation or a reset.

    Only the SHA-256 of the link's 256-bit token is kept; `used_at` makes it single-use.
    """

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(12))  # invitation, reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class ReminderMark(Base):
    """That a reminder went out once for something (a package version not downloaded)."""

    __tablename__ = "reminder_mark"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
