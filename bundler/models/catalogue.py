"""The statute catalogue's dated responsibilities: which ministry holds a statute when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Mapped, relationship

from bundler.models.base import Base
from bundler.models.reference import Ministry, Statute, statute_ministry


class StatuteResponsibility(Base):
    """A ministry responsible for a statute from one date until another (both optional)."""

    __table__ = statute_ministry

    statute_id: Mapped[int]
    ministry_id: Mapped[int]
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]

    statute: Mapped[Statute] = relationship(back_populates="responsibilities")
    ministry: Mapped[Ministry] = relationship()

    def holds_on(self, on: dt.date) -> bool:
        """Tell whether this responsibility holds on a date."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )
