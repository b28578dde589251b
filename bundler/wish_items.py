"""Turn Wish rows into the plain WishItem data that grouping and packages use."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import Session, selectinload

from bundler.grouping import PilotInfo, WishItem
from bundler.models import Pilot, PilotMunicipality, Wish, WishSupport


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


def to_item(wish: Wish) -> WishItem:
    """Describe one wish as plain data: the raising pilot first, then its supporters."""
    pilots = [pilot_info(wish.pilot, raising=True)]
    pilots += [pilot_info(s.pilot, note=s.note) for s in wish.supports]
    return WishItem(
        id=wish.id,
        reference=wish.reference,
        title=wish.title,
        state=wish.state.value,
        ministries=tuple(m.code for m in wish.ministries),
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
