"""Wishes (knelpunten), their supporters, relations, attachments and ministry answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from bundler.enums import AnswerStatus, RelationKind, Urgency, WishState
from bundler.models.accounts import Pilot, User, enum_column
from bundler.models.base import Base, utcnow
from bundler.models.reference import Ministry, Statute

wish_ministry = Table(
    "wish_ministry",
    Base.metadata,
    Column("wish_id", ForeignKey("wish.id", ondelete="CASCADE"), primary_key=True),
    Column("ministry_id", ForeignKey("ministry.id"), primary_key=True),
    # A ministry's wishes: the API's and the ministry pages' filter starts here.
    Index("ix_wish_ministry_ministry_id", "ministry_id", "wish_id"),
)

# The longest a wish reference can be (KN-2026- and up to 12 digits).
REFERENCE_LENGTH = 20


class Wish(Base):
    """A wish (knelpunt): an obstacle in a statute that a pilot asks a ministry to change."""

    __tablename__ = "wish"
    __table_args__ = (
        # A pilot's wishes newest first: walked in order and cut at a page (pilot page).
        Index("ix_wish_pilot_id_id", "pilot_id", "id"),
        # The inbox's order over what the office sees, concepts (never submitted) left out:
        # walked newest first to one page, with no undated rows to skip first on PostgreSQL.
        Index(
            "ix_wish_submitted_visible",
            "submitted_at",
            "id",
            postgresql_where=text("state <> 'concept'"),
            sqlite_where=text("state <> 'concept'"),
        ),
        # The highest reference of a year: per length, the last one (wishes.ops._next_reference).
        Index("ix_wish_reference_length", func.length(text("reference")), "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(REFERENCE_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    statute_id: Mapped[int | None] = mapped_column(ForeignKey("statute.id"), index=True)
    statute_unknown: Mapped[bool] = mapped_column(default=False)
    # A pasted link's BWB id not yet in the catalogue; the office confirms it during triage.
    proposed_bwb_id: Mapped[str] = mapped_column(String(16), default="")
    article: Mapped[str] = mapped_column(String(40), default="")
    paragraph: Mapped[str] = mapped_column(String(20), default="")
    proposed_change: Mapped[str] = mapped_column(Text, default="")
    benefit_who: Mapped[str] = mapped_column(String(500), default="")
    benefit_cases_per_year: Mapped[int | None] = mapped_column(Integer)
    benefit_savings: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[Urgency] = mapped_column(
        enum_column(Urgency, "urgency"), default=Urgency.NORMAL
    )
    urgency_reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[WishState] = mapped_column(
        enum_column(WishState, "wish_state"), default=WishState.CONCEPT, index=True
    )
    state_reason: Mapped[str] = mapped_column(Text, default="")
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("wish.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it

    statute: Mapped[Statute | None] = relationship()
    pilot: Mapped[Pilot] = relationship()
    created_by: Mapped[User | None] = relationship()
    merged_into: Mapped[Wish | None] = relationship(remote_side=[id])
    ministries: Mapped[list[Ministry]] = relationship(
        secondary=wish_ministry, order_by="Ministry.code"
    )
    supports: Mapped[list[WishSupport]] = relationship(
        back_populates="wish",
        cascade="all, delete-orphan",
        foreign_keys="WishSupport.wish_id",
        order_by="WishSupport.created_at",
    )
    relations: Mapped[list[WishRelation]] = relationship(
        back_populates="wish",
        cascade="all, delete-orphan",
        foreign_keys="WishRelation.wish_id",
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="wish", cascade="all, delete-orphan", order_by="Attachment.uploaded_at"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="wish", cascade="all, delete-orphan", order_by="Answer.answered_at"
    )

    @property
    def is_shared(self) -> bool:
        """Tell whether more than one ministry is responsible (e.g. Jeugdwet)."""
        return len(self.ministries) > 1

    def __repr__(self) -> str:
        return f"<Wish {self.reference} {self.state.value}>"


class WishSupport(Base):
    """Another pilot that runs into the same obstacle, with its own context note."""

    __tablename__ = "wish_support"
    __table_args__ = (
        UniqueConstraint("wish_id", "pilot_id"),
        # The wishes a pilot supports, newest first (pilot page).
        Index("ix_wish_support_pilot_id_wish_id", "pilot_id", "wish_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"), index=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # Set when the support came from merging that wish into this one, so it can be undone.
    merged_from_id: Mapped[int | None] = mapped_column(ForeignKey("wish.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    wish: Mapped[Wish] = relationship(back_populates="supports", foreign_keys=[wish_id])
    pilot: Mapped[Pilot] = relationship()
    merged_from: Mapped[Wish | None] = relationship(foreign_keys=[merged_from_id])
    created_by: Mapped[User | None] = relationship()


class WishRelation(Base):
    """A wish that depends on or follows from another (birth and marriage follow death)."""

    __tablename__ = "wish_relation"

    wish_id: Mapped[int] = mapped_column(
        ForeignKey("wish.id", ondelete="CASCADE"), primary_key=True
    )
    related_id: Mapped[int] = mapped_column(
        ForeignKey("wish.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[RelationKind] = mapped_column(
        enum_column(RelationKind, "relation_kind"), default=RelationKind.DEPENDS_ON
    )

    wish: Mapped[Wish] = relationship(back_populates="relations", foreign_keys=[wish_id])
    related: Mapped[Wish] = relationship(foreign_keys=[related_id])


class Attachment(Base):
    """A file attached to a wish, stored outside the web root under a generated name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The raising pilot chose "delen met pilots die aansluiten": supporters may download it.
    shared_with_supporters: Mapped[bool] = mapped_column(default=False, server_default=false())

    wish: Mapped[Wish] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()


class Answer(Base):
    """A ministry's answer on a wish; every answer is kept, the newest one counts."""

    __tablename__ = "answer"
    # Two colleagues answering on the same newest answer at once: the second insert finds
    # its number taken (issue 10, finding 6) and gets the 409 page.
    __table_args__ = (UniqueConstraint("wish_id", "ministry_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"), index=True)
    ministry_id: Mapped[int] = mapped_column(ForeignKey("ministry.id"), index=True)
    status: Mapped[AnswerStatus] = mapped_column(enum_column(AnswerStatus, "answer_status"))
    link: Mapped[str] = mapped_column(String(500), default="")
    effective_date: Mapped[dt.date | None]
    reasons: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # 1 for a ministry's first answer on the wish, then 2, 3, ... `record_answer` sets it from
    # the answer the person saw; left empty, the next free number is taken (below).
    sequence: Mapped[int] = mapped_column(server_default="1")

    wish: Mapped[Wish] = relationship(back_populates="answers")
    ministry: Mapped[Ministry] = relationship()
    answered_by: Mapped[User | None] = relationship()


@event.listens_for(Answer, "before_insert")
def _number_answer(mapper: Any, connection: Connection, target: Answer) -> None:
    """Give an answer made without a number the next free one of its wish and ministry."""
    if target.sequence is not None:
        return
    key = (target.wish_id, target.ministry_id)
    session = object_session(target)
    # Several answers of one flush are inserted after all their hooks ran: count those too.
    given: dict[tuple[int, int], int] = session.info.setdefault(_GIVEN, {}) if session else {}
    stored = connection.scalar(
        select(func.coalesce(func.max(Answer.sequence), 0)).where(
            Answer.wish_id == target.wish_id, Answer.ministry_id == target.ministry_id
        )
    )
    target.sequence = max(int(stored or 0), given.get(key, 0)) + 1
    given[key] = target.sequence


_GIVEN = "bundler.answer_sequences"
