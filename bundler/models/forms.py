"""Form instances already used: one new wish per form, however often it is posted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bundler.models.base import Base, utcnow


class FormSubmission(Base):
    """A new-wish form instance that made a wish (its idempotency key)."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
