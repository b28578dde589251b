"""The JSON API's tokens, event subscriptions (webhooks), events and their deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bundler.enums import Role
from bundler.models.accounts import Pilot, User, enum_column
from bundler.models.base import Base, utcnow
from bundler.models.reference import Ministry


class ApiToken(Base):
    """A bearer token for the API: one role, scoped to one ministry or pilot, stored hashed.

    Only the SHA-256 of the token is kept (the token is 256 random bits, shown once);
    `prefix` is its first characters, so people can tell their tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    role: Mapped[Role] = mapped_column(enum_column(Role, "api_token_role"))
    ministry_id: Mapped[int | None] = mapped_column(ForeignKey("ministry.id"), index=True)
    pilot_id: Mapped[int | None] = mapped_column(ForeignKey("pilot.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    ministry: Mapped[Ministry | None] = relationship()
    pilot: Mapped[Pilot | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="token", order_by="Subscription.id"
    )

    def is_usable(self, now: dt.datetime) -> bool:
        """Tell whether the token may be used now: not revoked, not expired."""
        return self.revoked_at is None and self.expires_at > now

    @property
    def label(self) -> str:
        """What the audit log shows as the actor of an API call."""
        return f"API-token {self.name} ({self.prefix}…)"

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} {self.role.value}>"


class Subscription(Base):
    """A token holder's callback URL for some event types; sees what its token may see."""

    __tablename__ = "api_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"), index=True)
    callback_url: Mapped[str] = mapped_column(String(500))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    # The signing secret, encrypted with a key derived from SECRET_KEY (it must be read back
    # to sign each delivery); shown to the subscriber once.
    secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[dt.datetime | None]

    token: Mapped[ApiToken] = relationship(back_populates="subscriptions")


class ApiEvent(Base):
    """An event for subscribers, written in the same transaction as the change it reports.

    `event_id` is the CloudEvents id: every delivery (and redelivery) of the event carries it.
    """

    __tablename__ = "api_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(40))
    dataref: Mapped[str] = mapped_column(String(200))  # path under the API, e.g. /wishes/KN-…
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    time: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # What the event is about, for the visibility rule at fan-out.
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wish.id", ondelete="SET NULL"))
    package_id: Mapped[int | None] = mapped_column(ForeignKey("package.id"))
    # Set once a delivery row exists for every matching subscription.
    fanned_out_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class Delivery(Base):
    """One event for one subscription: retried with backoff until delivered or given up."""

    __tablename__ = "api_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("api_subscription.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("api_event.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    subscription: Mapped[Subscription] = relationship()
    event: Mapped[ApiEvent] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(Base):
    """One try to deliver: when, the receiver's HTTP status or the error, how long it took."""

    __tablename__ = "api_delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("api_delivery.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None]
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")
