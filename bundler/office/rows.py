"""Wishes as plain rows for the bundle overview and the exports.

A fixed number of column queries, never one ORM object per wish, so 100,000 wishes stay cheap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from bundler.enums import WishState
from bundler.grouping import PilotInfo, WishItem
from bundler.models import (
    Answer,
    ExecutingOrganisation,
    Ministry,
    Municipality,
    Pilot,
    PilotMunicipality,
    Statute,
    Wish,
    WishSupport,
    wish_ministry,
)


@dataclass(frozen=True)
class WishRow:
    """A wish as plain data for exports: its grouping item plus dates and urgency."""

    item: WishItem
    urgency: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime
    statute_short_title: str = ""
    problem: str = ""
    proposed_change: str = ""
    answers: tuple[RowAnswer, ...] = ()  # each ministry's newest answer, by ministry code


@dataclass(frozen=True)
class RowAnswer:
    """A ministry's newest answer on a wish, for exports."""

    ministry: str
    status: str
    effective_date: dt.date | None = None


@dataclass
class _PilotCache:
    """Every pilot once, with its current municipalities and executing organisation."""

    names: dict[int, str] = field(default_factory=dict)
    organisations: dict[int, str | None] = field(default_factory=dict)
    municipalities: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    infos: dict[tuple[int, bool], PilotInfo] = field(default_factory=dict)

    def info(self, pilot_id: int, *, raising: bool) -> PilotInfo:
        key = (pilot_id, raising)
        if key not in self.infos:
            self.infos[key] = PilotInfo(
                name=self.names.get(pilot_id, "?"),
                municipalities=tuple(self.municipalities.get(pilot_id, ())),
                executing_organisation=self.organisations.get(pilot_id),
                raising=raising,
            )
        return self.infos[key]


def _pilot_cache(session: Session) -> _PilotCache:
    cache = _PilotCache()
    for pilot_id, name, organisation in session.execute(
        select(Pilot.id, Pilot.name, ExecutingOrganisation.name).outerjoin(
            ExecutingOrganisation, ExecutingOrganisation.id == Pilot.executing_organisation_id
        )
    ):
        cache.names[pilot_id] = name
        cache.organisations[pilot_id] = organisation
    for pilot_id, code, name in session.execute(
        select(PilotMunicipality.pilot_id, Municipality.cbs_code, Municipality.name)
        .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
        .where(PilotMunicipality.left_on.is_(None))
        .order_by(Municipality.name)
    ):
        cache.municipalities.setdefault(pilot_id, []).append((code, name))
    return cache


_ITEM_COLUMNS = (
    Wish.id,
    Wish.reference,
    Wish.title,
    Wish.state,
    Wish.statute_id,
    Wish.article,
    Wish.paragraph,
    Wish.pilot_id,
)
_EXTRA_COLUMNS = (
    Wish.urgency,
    Wish.submitted_at,
    Wish.updated_at,
    Wish.problem,
    Wish.proposed_change,
)


def _load(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any],
    *,
    extras: bool,
) -> Iterator[tuple[WishItem, tuple[Any, ...]]]:
    """Yield a WishItem (and the extra columns) per wish, from six queries in all.

    Core statements on the session's connection: no ORM objects, so 100,000 wishes stay cheap.
    """
    connection = session.connection()
    ids = select(Wish.id).where(*where)
    statutes = {
        sid: (bwb, title, short)
        for sid, bwb, title, short in connection.execute(
            select(Statute.id, Statute.bwb_id, Statute.title, Statute.short_title)
        ).all()
    }
    found: dict[int, list[str]] = {}
    for wish_id, code in connection.execute(
        select(wish_ministry.c.wish_id, Ministry.code)
        .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
        .where(wish_ministry.c.wish_id.in_(ids))
        .order_by(Ministry.code)
    ).all():
        found.setdefault(wish_id, []).append(code)
    ministries = {wish_id: tuple(codes) for wish_id, codes in found.items()}
    pilots = _pilot_cache(session)
    raising = {pid: pilots.info(pid, raising=True) for pid in pilots.names}
    supporting = {pid: pilots.info(pid, raising=False) for pid in pilots.names}
    supporters: dict[int, list[PilotInfo]] = {}
    for wish_id, pilot_id in connection.execute(
        select(WishSupport.wish_id, WishSupport.pilot_id)
        .where(WishSupport.wish_id.in_(ids))
        .order_by(WishSupport.created_at, WishSupport.id)
    ).all():
        supporters.setdefault(wish_id, []).append(supporting[pilot_id])
    unknown = (None, "", "")
    columns = _ITEM_COLUMNS + _EXTRA_COLUMNS if extras else _ITEM_COLUMNS
    # fetchall in one go: much cheaper than a fetch per row at 100,000 rows.
    for row in connection.execute(select(*columns).where(*where).order_by(*order)).all():
        wish_id, reference, title, state, statute_id, article, paragraph, pilot_id = row[:8]
        bwb, statute_title, short = statutes.get(statute_id, unknown)
        backing = (raising[pilot_id], *supporters.get(wish_id, ()))
        item = WishItem(
            wish_id,
            reference,
            title,
            state.value,
            ministries.get(wish_id, ()),
            bwb,
            statute_title,
            article,
            paragraph,
            backing,
        )
        yield item, (*row[8:], short)


def load_rows(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    order: Sequence[Any] = (Wish.reference,),
) -> list[WishRow]:
    """Load the wishes matching `where` as plain rows with dates, texts and answers."""
    answers = _newest_answers(session, select(Wish.id).where(*where))
    return [
        WishRow(
            item=item,
            urgency=urgency.value,
            submitted_at=submitted_at,
            updated_at=updated_at,
            statute_short_title=short,
            problem=problem,
            proposed_change=proposed_change,
            answers=tuple(answers.get(item.id, {}).values()),
        )
        for item, (urgency, submitted_at, updated_at, problem, proposed_change, short) in _load(
            session, where, order, extras=True
        )
    ]


def _newest_answers(session: Session, ids: Any) -> dict[int, dict[str, RowAnswer]]:
    """Return per wish each ministry's newest answer (later rows overwrite earlier ones)."""
    found: dict[int, dict[str, RowAnswer]] = {}
    for wish_id, code, status, effective in (
        session.connection()
        .execute(
            select(Answer.wish_id, Ministry.code, Answer.status, Answer.effective_date)
            .join(Ministry, Ministry.id == Answer.ministry_id)
            .where(Answer.wish_id.in_(ids))
            .order_by(Ministry.code, Answer.answered_at, Answer.id)
        )
        .all()
    ):
        found.setdefault(wish_id, {})[code] = RowAnswer(code, status.value, effective)
    return found


def overview_items(
    session: Session, states: Iterable[WishState] = (WishState.ACCEPTED,)
) -> list[WishItem]:
    """Load the wishes of the bundle overview as grouping items."""
    wanted = list(states)
    where = [Wish.state.in_(wanted)] if wanted else [false()]
    return [item for item, _ in _load(session, where, (Wish.reference,), extras=False)]
