"""Reference data: ministries, statutes, municipalities, executing organisations."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Column, Date, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bundler.models.base import Base

if TYPE_CHECKING:
    from bundler.models.catalogue import StatuteResponsibility

TOOI_MINISTRY = "https://identifier.overheid.nl/tooi/id/ministerie/"
TOOI_MUNICIPALITY = "https://identifier.overheid.nl/tooi/id/gemeente/"

statute_ministry = Table(
    "statute_ministry",
    Base.metadata,
    Column("statute_id", ForeignKey("statute.id", ondelete="CASCADE"), primary_key=True),
    Column("ministry_id", ForeignKey("ministry.id", ondelete="RESTRICT"), primary_key=True),
    # The period in which the ministry is responsible; empty means open-ended.
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
)

# A ministry split across several successors (a merge uses Ministry.successor).
ministry_split = Table(
    "ministry_split",
    Base.metadata,
    Column("ministry_id", ForeignKey("ministry.id", ondelete="CASCADE"), primary_key=True),
    Column("successor_id", ForeignKey("ministry.id", ondelete="CASCADE"), primary_key=True),
)


class Ministry(Base):
    """A ministry as registered in TOOI, with its validity period and successor."""

    __tablename__ = "ministry"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str] = mapped_column(String(250))
    tooi_code: Mapped[str] = mapped_column(String(16), unique=True)
    valid_from: Mapped[dt.date | None]
    valid_until: Mapped[dt.date | None]
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("ministry.id"))
    notes: Mapped[str] = mapped_column(Text, default="")

    successor: Mapped[Ministry | None] = relationship(remote_side=[id])
    split_into: Mapped[list[Ministry]] = relationship(
        secondary=ministry_split,
        primaryjoin=lambda: Ministry.id == ministry_split.c.ministry_id,
        secondaryjoin=lambda: Ministry.id == ministry_split.c.successor_id,
        order_by=lambda: Ministry.code,
    )
    # Every statute the ministry ever held; changes go through Statute.responsibilities.
    statutes: Mapped[list[Statute]] = relationship(
        secondary=statute_ministry,
        back_populates="ministries",
        order_by="Statute.title",
        viewonly=True,
    )

    @property
    def tooi_uri(self) -> str:
        return TOOI_MINISTRY + self.tooi_code

    def is_current(self, on: dt.date | None = None) -> bool:
        """Tell whether the ministry exists on the given date (today by default)."""
        on = on or dt.date.today()
        return self.valid_until is None or self.valid_until >= on

    def __repr__(self) -> str:
        return f"<Ministry {self.code}>"


class Statute(Base):
    """A statute, identified by its BWB id; wishes group on that id, never on the title."""

    __tablename__ = "statute"

    id: Mapped[int] = mapped_column(primary_key=True)
    bwb_id: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(250))
    short_title: Mapped[str] = mapped_column(String(100), default="")
    citation_title: Mapped[str] = mapped_column(String(250), default="")
    kind: Mapped[str] = mapped_column(String(32), default="wet")
    # Retired regulations stay (wishes and packages refer to them) but are offered no more.
    retired_on: Mapped[dt.date | None]

    # Every ministry that ever held the statute; see ministries_on() for one date.
    ministries: Mapped[list[Ministry]] = relationship(
        secondary=statute_ministry,
        back_populates="statutes",
        order_by="Ministry.code",
        viewonly=True,
    )
    responsibilities: Mapped[list[StatuteResponsibility]] = relationship(
        back_populates="statute",
        cascade="all, delete-orphan",
        order_by="StatuteResponsibility.valid_from",
    )

    def ministries_on(self, on: dt.date) -> list[Ministry]:
        """Return the ministries responsible for this statute on a date, by code."""
        return sorted(
            (r.ministry for r in self.responsibilities if r.holds_on(on)), key=lambda m: m.code
        )

    @property
    def label(self) -> str:
        return f"{self.title} ({self.bwb_id})"

    def __repr__(self) -> str:
        return f"<Statute {self.bwb_id}>"


class Municipality(Base):
    """A municipality, identified by its CBS code (GM0796)."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    cbs_code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    province: Mapped[str] = mapped_column(String(60))
    tooi_id: Mapped[str] = mapped_column(String(10))
    tooi_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def tooi_uri(self) -> str:
        return TOOI_MUNICIPALITY + self.tooi_id

    def __repr__(self) -> str:
        return f"<Municipality {self.cbs_code} {self.name}>"


class ExecutingOrganisation(Base):
    """A national executing organisation (uitvoeringsorganisatie) such as RDW."""

    __tablename__ = "executing_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(200), default="")

    def __repr__(self) -> str:
        return f"<ExecutingOrganisation {self.code}>"
