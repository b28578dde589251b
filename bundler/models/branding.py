"""The office's logo, shown on the package cover and letter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from bundler.models.base import Base, utcnow


class OfficeLogo(Base):
    """An uploaded, cleaned logo; the newest row is the one in use, none means no logo."""

    __tablename__ = "office_logo"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_type: Mapped[str] = mapped_column(String(40))  # image/png or image/svg+xml
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
