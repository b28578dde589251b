"""Merges of duplicate wishes: what merging wish A into wish B changed, so it can be undone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bundler.enums import WishState
from bundler.models.accounts import User, enum_column
from bundler.models.base import Base, utcnow
from bundler.models.wishes import Wish, WishSupport


class WishMerge(Base):
    """Wish A (source) merged into wish B (target), with what is needed to restore A exactly.

    A row stays after the merge is undone (`undone_at` set): the history of merges is kept.
    """

    __tablename__ = "wish_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("wish.id", ondelete="CASCADE"), index=True)
    # A's state and reason before the merge.
    previous_state: Mapped[WishState] = mapped_column(enum_column(WishState, "merge_prev_state"))
    previous_state_reason: Mapped[str] = mapped_column(Text, default="")
    # The support on B that speaks for A's pilot: added by the merge, or (previous_note set)
    # the pilot's existing support whose note got A's text. None when A's pilot raised B.
    support_id: Mapped[int | None] = mapped_column(
        ForeignKey("wish_support.id", ondelete="SET NULL")
    )
    # When A's pilot already supported B, A's text was appended to that note; this was the note.
    previous_note: Mapped[str | None] = mapped_column(Text)
    # Ids of A's own supports that moved to B with the merge.
    moved_support_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    merged_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    undone_at: Mapped[dt.datetime | None]

    source: Mapped[Wish] = relationship(foreign_keys=[source_id])
    target: Mapped[Wish] = relationship(foreign_keys=[target_id])
    support: Mapped[WishSupport | None] = relationship(foreign_keys=[support_id])
    merged_by: Mapped[User | None] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
