"""Users, roles and pilots."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Column, Enum, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bundler.enums import Phase, Role
from bundler.models.base import Base, utcnow
from bundler.models.reference import ExecutingOrganisation, Ministry, Municipality


def enum_column(kind: type[enum.Enum], name: str) -> Enum:
    """Store an enum by its value, as a portable VARCHAR with a CHECK constraint."""
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


pilot_member = Table(
    "pilot_member",
    Base.metadata,
    Column("pilot_id", ForeignKey("pilot.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """An account with one role; pilot members belong to pilots, ministry users to a ministry."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    ministry_id: Mapped[int | None] = mapped_column(ForeignKey("ministry.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Raised on logout and password change: cookies that carry an older value stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # MFA (bundler.mfa): the TOTP secret encrypted with a key derived from SECRET_KEY, and
    # the last time step accepted, so a code cannot be used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    ministry: Mapped[Ministry | None] = relationship()
    pilots: Mapped[list[Pilot]] = relationship(
        secondary=pilot_member, back_populates="members", order_by="Pilot.name"
    )

    # Flask-Login protocol, written out so the model needs no Flask import.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class Pilot(Base):
    """An innovation pilot: municipalities plus one executing organisation."""

    __tablename__ = "pilot"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[Phase] = mapped_column(enum_column(Phase, "phase"), default=Phase.PILOT)
    executing_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("executing_organisation.id")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    executing_organisation: Mapped[ExecutingOrganisation | None] = relationship()
    members: Mapped[list[User]] = relationship(
        secondary=pilot_member, back_populates="pilots", order_by="User.name"
    )
    participations: Mapped[list[PilotMunicipality]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan", order_by="PilotMunicipality.joined_on"
    )
    phase_changes: Mapped[list[PhaseChange]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan", order_by="PhaseChange.changed_at"
    )

    @property
    def municipalities(self) -> list[Municipality]:
        """Return the municipalities taking part now, in name order."""
        return sorted(
            (p.municipality for p in self.participations if p.left_on is None),
            key=lambda m: m.name,
        )

    def __repr__(self) -> str:
        return f"<Pilot {self.name}>"


class PilotMunicipality(Base):
    """A municipality's participation in a pilot; kept after scale-up as history."""

    __tablename__ = "pilot_municipality"

    pilot_id: Mapped[int] = mapped_column(
        ForeignKey("pilot.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), primary_key=True)
    joined_on: Mapped[dt.date] = mapped_column(default=dt.date.today)
    joined_in_phase: Mapped[Phase] = mapped_column(
        enum_column(Phase, "joined_phase"), default=Phase.PILOT
    )
    left_on: Mapped[dt.date | None]

    pilot: Mapped[Pilot] = relationship(back_populates="participations")
    municipality: Mapped[Municipality] = relationship()


class PhaseChange(Base):
    """A pilot moving to another phase, with the date it happened."""

    __tablename__ = "phase_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id", ondelete="CASCADE"), index=True)
    phase: Mapped[Phase] = mapped_column(enum_column(Phase, "changed_phase"))
    changed_on: Mapped[dt.date]
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    pilot: Mapped[Pilot] = relationship(back_populates="phase_changes")
    changed_by: Mapped[User | None] = relationship()
