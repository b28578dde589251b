"""Turn Wish rows into the plain WishItem data that grouping and packages use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from bundler import responsibility
from bundler.grouping import PilotInfo, WishItem
from bundler.models import (
    Ministry,
    Pilot,
    PilotMunicipality,
    Statute,
    StatuteResponsibility,
    Wish,
    WishSupport,
    statute_ministry,
)
from bundler.refdata import statute_periods
from bundler.statute_rules import Period

Spans = Mapping[str, responsibility.MinistrySpan]


def pilot_info(pilot: Pilot, *, raising: bool = False, note: str = "") -> PilotInfo:
    """Describe a pilot with its current municipalities and executing organisation."""
    return PilotInfo(
        name=pilot.name,
        municipalities=tuple((m.cbs_code, m.name) for m in pilot.municipalities),
        executing_organisation=(
            pilot.executing_organisation.name if pilot.executing_organisation else None
        ),
        raising=raising,
        note=note,
    )


def ministry_spans(session: Session) -> dict[str, responsibility.MinistrySpan]:
    """Return every ministry's end date and successor, by code."""
    return {
        m.code: responsibility.MinistrySpan(
            m.code, m.valid_until, m.successor.code if m.successor else None
        )
        for m in session.scalars(select(Ministry).options(selectinload(Ministry.successor)))
    }


def responsible_codes(wish: Wish, spans: Spans, on: dt.date) -> tuple[str, ...]:
    """Return the codes of the ministries responsible for a wish on a date."""
    periods = statute_periods(wish.statute) if wish.statute is not None else []
    return responsibility.ministries_on((m.code for m in wish.ministries), periods, spans, on)


def items_on(session: Session, items: Sequence[WishItem], on: dt.date) -> list[WishItem]:
    """Put each item under the ministries responsible on a date (two small queries)."""
    spans = ministry_spans(session)
    rows = session.execute(
        select(
            Statute.bwb_id,
            Ministry.code,
            statute_ministry.c.valid_from,
            statute_ministry.c.valid_until,
        )
        .join(Statute, Statute.id == statute_ministry.c.statute_id)
        .join(Ministry, Ministry.id == statute_ministry.c.ministry_id)
    )
    periods: dict[str, list[Period]] = {}
    for bwb_id, code, start, end in rows:
        periods.setdefault(bwb_id, []).append(Period(code, start, end))
    return [
        replace(
            item,
            ministries=responsibility.ministries_on(
                item.ministries, periods.get(item.statute_bwb_id or "", []), spans, on
            ),
        )
        for item in items
    ]


def with_responsibility_loads(statement: Select[Wish]) -> Select[Wish]:
    """Add the eager loads responsible_codes needs."""
    return statement.options(
        selectinload(Wish.statute)
        .selectinload(Statute.responsibilities)
        .selectinload(StatuteResponsibility.ministry)
    )


def to_item(wish: Wish, *, on: dt.date | None = None, spans: Spans | None = None) -> WishItem:
    """Describe one wish as plain data: the raising pilot first, then its supporters.

    With a date, the ministries are those responsible on that date (see `responsibility`).
    """
    ministries = tuple(m.code for m in wish.ministries)
    if on is not None:
        ministries = responsible_codes(wish, spans or {}, on)
    pilots = [pilot_info(wish.pilot, raising=True)]
    pilots += [pilot_info(s.pilot, note=s.note) for s in wish.supports]
    return WishItem(
        id=wish.id,
        reference=wish.reference,
        title=wish.title,
        state=wish.state.value,
        ministries=ministries,
        statute_bwb_id=wish.statute.bwb_id if wish.statute else None,
        statute_title=wish.statute.title if wish.statute else "",
        article=wish.article,
        paragraph=wish.paragraph,
        pilots=tuple(pilots),
    )


def with_item_loads(statement: Select[Wish]) -> Select[Wish]:
    """Add the eager loads to_item needs, so loading N wishes takes a fixed number of queries."""
    raising = selectinload(Wish.pilot)
    supporting = selectinload(Wish.supports).selectinload(WishSupport.pilot)
    return statement.options(
        selectinload(Wish.statute),
        selectinload(Wish.ministries),
        raising.selectinload(Pilot.participations).selectinload(PilotMunicipality.municipality),
        raising.selectinload(Pilot.executing_organisation),
        supporting.selectinload(Pilot.participations).selectinload(PilotMunicipality.municipality),
        supporting.selectinload(Pilot.executing_organisation),
    )


def load_items(session: Session, statement: Select[Wish]) -> list[WishItem]:
    """Run a select of wishes and return them as WishItems."""
    return [to_item(w) for w in session.scalars(with_item_loads(statement))]
