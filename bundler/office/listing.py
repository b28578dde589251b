"""The inbox's read queries: a filter (`bundler.office.filters`) turned into SQL, one page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bundler import cache
from bundler.enums import Urgency, WishState
from bundler.models import (
    Answer,
    Ministry,
    Municipality,
    PilotMunicipality,
    Statute,
    Wish,
    WishSupport,
    wish_ministry,
)
from bundler.numbering import parse_wish_reference
from bundler.office.filters import INBOX_STATES, NONE, InboxFilter
from bundler.pagination import Pagination, paginate
from bundler.search import text_condition

LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
# With a text query, counting stops here ("meer dan 10.000"): an exact count of a word found
# in nearly every wish costs seconds.
COUNT_CAP = 10_000


def _text_match(query: str) -> ColumnElement[bool]:
    # The match as a plain condition: with the stored tsvector (PostgreSQL) testing a row is
    # cheap, so a common word walks the sort index to one page and a rare one starts from the
    # full-text index (at 100,000 wishes: 10 ms instead of 770 ms for a word in every wish).
    words = text_condition(query)
    reference = query.strip().upper()
    if parse_wish_reference(reference):
        return or_(Wish.reference == reference, words)
    return words


def _pilots_with_municipality(cbs_code: str) -> Select[int]:
    return (
        select(PilotMunicipality.pilot_id)
        .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
        .where(Municipality.cbs_code == cbs_code, PilotMunicipality.left_on.is_(None))
    )


def _backed_by(pilot_ids: Select[int] | list[int]) -> ColumnElement[bool]:
    """Wishes raised or supported by one of these pilots."""
    supported = select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilot_ids))
    return or_(Wish.pilot_id.in_(pilot_ids), Wish.id.in_(supported))


def conditions(
    f: InboxFilter, *, with_states: bool = True, tz: dt.tzinfo = LOCAL_TIME
) -> list[ColumnElement[bool]]:
    """Translate a filter into WHERE conditions on Wish; dates are days in local time."""
    states = f.shown_states if with_states else INBOX_STATES
    # "Everything but concepts" as a != lets the database walk the sort column's index
    # instead of sorting every wish (SQLite picks the state index for a long IN list); kept
    # beside a choice of states too, so SQLite may use the partial index on what the office
    # sees (`ix_wish_submitted_visible`).
    where: list[ColumnElement[bool]] = [Wish.state != WishState.CONCEPT]
    if set(states) != set(INBOX_STATES):
        where.append(Wish.state.in_(states))
    # EXISTS per wish rather than IN (every wish of the ministry): the database can then walk
    # the sort order and stop at a page, instead of sorting the ministry's 30,000 wishes.
    if f.ministry == NONE:
        where.append(~exists().where(wish_ministry.c.wish_id == Wish.id))
    elif f.ministry:
        where.append(
            exists().where(
                wish_ministry.c.wish_id == Wish.id,
                wish_ministry.c.ministry_id.in_(
                    select(Ministry.id).where(Ministry.code == f.ministry)
                ),
            )
        )
    if f.statute == NONE:
        where.append(Wish.statute_id.is_(None))
    elif f.statute:
        where.append(Wish.statute_id.in_(select(Statute.id).where(Statute.bwb_id == f.statute)))
    if f.article == NONE:
        where.append(Wish.article == "")
    elif f.article:
        where.append(Wish.article == f.article)
    if f.pilot is not None:
        where.append(_backed_by([f.pilot]))
    if f.municipality:
        where.append(_backed_by(_pilots_with_municipality(f.municipality)))
    if f.urgency is not None:
        where.append(Wish.urgency == f.urgency)
    if f.submitted_from is not None:
        start = dt.datetime.combine(f.submitted_from, dt.time.min, tzinfo=tz)
        where.append(Wish.submitted_at >= start)
    if f.submitted_to is not None:
        end = dt.datetime.combine(f.submitted_to + dt.timedelta(days=1), dt.time.min, tz)
        where.append(Wish.submitted_at < end)
    if f.q:
        where.append(_text_match(f.q))
    return where


_URGENCY_RANK = case(
    {Urgency.HIGH: 3, Urgency.NORMAL: 2, Urgency.LOW: 1}, value=Wish.urgency, else_=0
)
_STATE_RANK = case({s: i for i, s in enumerate(WishState)}, value=Wish.state, else_=99)


def order_by(f: InboxFilter) -> list[Any]:
    """Return the ORDER BY of a filter, with the id as a stable tie-breaker."""
    column: Any = {
        "ingediend": Wish.submitted_at,
        "kenmerk": Wish.reference,
        "titel": func.lower(Wish.title),
        "status": _STATE_RANK,
        "urgentie": _URGENCY_RANK,
        "gewijzigd": Wish.updated_at,
    }[f.sort]
    if f.descending:
        return [column.desc(), Wish.id.desc()]
    return [column.asc(), Wish.id.asc()]


def _cache_key(name: str, f: InboxFilter, tz: dt.tzinfo) -> tuple[Hashable, ...]:
    # Sorting and paging do not change a count.
    return (name, replace(f, sort="", descending=False, page=1, per_page=0), str(tz))


def state_counts(
    session: Session, f: InboxFilter, tz: dt.tzinfo = LOCAL_TIME
) -> dict[WishState, int]:
    """Count wishes per state under the filter, ignoring its state choice (for the tabs).

    With a text query, counting stops at COUNT_CAP + 1 wishes in all (`counts_capped`).
    Cached until the data changes.
    """

    def count() -> dict[WishState, int]:
        where = and_(*conditions(f, with_states=False, tz=tz))
        if f.q:
            limited = select(Wish.state).where(where).limit(COUNT_CAP + 1).subquery()
            statement = select(limited.c.state, func.count()).group_by(limited.c.state)
        else:
            statement = select(Wish.state, func.count()).where(where).group_by(Wish.state)
        found = {WishState(state): number for state, number in session.execute(statement)}
        return {s: found.get(s, 0) for s in INBOX_STATES}

    return dict(cache.cached(session, _cache_key("inbox.state_counts", f, tz), count))


def counts_capped(counts: dict[WishState, int]) -> bool:
    """Tell whether state_counts stopped counting (the numbers per state are then partial)."""
    return sum(counts.values()) > COUNT_CAP


def _shown_total(
    session: Session, f: InboxFilter, counts: dict[WishState, int], tz: dt.tzinfo
) -> int:
    if not counts_capped(counts) or not f.states:
        # Every state shown: the (capped) counts already add up to the total.
        return sum(counts[s] for s in f.shown_states)

    def count() -> int:
        limited = select(Wish.id).where(*conditions(f, tz=tz)).limit(COUNT_CAP + 1).subquery()
        return session.scalar(select(func.count()).select_from(limited)) or 0

    return cache.cached(session, _cache_key("inbox.shown_total", f, tz), count)


def inbox_page(
    session: Session, f: InboxFilter, tz: dt.tzinfo = LOCAL_TIME
) -> tuple[list[int], Pagination, dict[WishState, int]]:
    """Return the ids of one page of wishes, its pagination and the counts per state."""
    counts = state_counts(session, f, tz)
    total = _shown_total(session, f, counts, tz)
    pagination = paginate(f.page, f.per_page, min(total, COUNT_CAP), capped=total > COUNT_CAP)
    # Page through narrow rows (sort key and id); `load_wishes` loads the page in full.
    # Cached like the counts: a common word on SQLite reads every match to find one page.
    statement = (
        select(Wish.id)
        .where(*conditions(f, tz=tz))
        .order_by(*order_by(f))
        .limit(pagination.per_page)
        .offset((pagination.page - 1) * pagination.per_page)
    )
    key = ("inbox.page", replace(f, page=pagination.page), str(tz))
    page_ids = cache.cached(session, key, lambda: tuple(session.scalars(statement)))
    return list(page_ids), pagination, counts


def load_wishes(session: Session, ids: list[int]) -> list[Wish]:
    """Load these wishes, in this order, with what an inbox row shows."""
    loaded = {
        w.id: w
        for w in session.scalars(
            select(Wish)
            .where(Wish.id.in_(ids))
            .options(
                selectinload(Wish.statute),
                selectinload(Wish.ministries),
                selectinload(Wish.pilot),
                selectinload(Wish.supports),
                selectinload(Wish.answers).selectinload(Answer.ministry),
            )
        )
    }
    return [loaded[i] for i in ids]
