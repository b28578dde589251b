"""Operations on pilots for the programme office (they add and flush, never commit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from bundler import audit
from bundler.enums import Phase, Role
from bundler.models import (
    ExecutingOrganisation,
    Municipality,
    PhaseChange,
    Pilot,
    PilotMunicipality,
    User,
    Wish,
    WishSupport,
)
from bundler.rules import RuleError
from bundler.wishes.visibility import visible_wishes_filter

PHASE_ORDER = (Phase.PILOT, Phase.LIMITED_SCALE_UP, Phase.STANDARD)
# How many municipalities a phase expects (DOMAIN.md); outside the range the page warns.
EXPECTED_MUNICIPALITIES: dict[Phase, tuple[int, int | None]] = {
    Phase.PILOT: (5, 5),
    Phase.LIMITED_SCALE_UP: (30, 40),
    Phase.STANDARD: (30, None),
}


def snapshot(pilot: Pilot) -> dict[str, Any]:
    """Describe a pilot for the audit log."""
    return {
        "name": pilot.name,
        "description": pilot.description,
        "phase": pilot.phase.value,
        "executing_organisation": pilot.executing_organisation.code
        if pilot.executing_organisation
        else None,
        "municipalities": sorted(m.cbs_code for m in pilot.municipalities),
        "members": sorted(u.email for u in pilot.members),
    }


def municipality_warning(pilot: Pilot) -> tuple[int, int, int | None] | None:
    """Return (count, expected min, expected max) when the count does not fit the phase."""
    low, high = EXPECTED_MUNICIPALITIES[pilot.phase]
    count = len(pilot.municipalities)
    if count < low or (high is not None and count > high):
        return count, low, high
    return None


def _check_name(session: Session, name: str, pilot: Pilot | None) -> str:
    name = name.strip()
    clash = session.scalar(
        select(Pilot.id).where(
            func.lower(Pilot.name) == name.lower(), Pilot.id != (pilot.id if pilot else -1)
        )
    )
    if clash:
        raise RuleError(_l("Er is al een pilot met deze naam."), "name")
    return name


def _check_members(members: Sequence[User]) -> None:
    if any(u.role is not Role.PILOT for u in members):
        raise RuleError(_l("Alleen accounts met de rol pilotteamlid kunnen lid zijn."), "members")


def set_municipalities(
    pilot: Pilot, municipalities: Sequence[Municipality], *, on: dt.date | None = None
) -> None:
    """Make these the pilot's municipalities, keeping those that leave as history.

    A newly added municipality records the phase it joined in, so after scale-up the first
    five stay recognisable; one that leaves gets a leaving date instead of being deleted.
    """
    on = on or dt.date.today()
    wanted = {m.id: m for m in municipalities}
    by_id = {p.municipality_id: p for p in pilot.participations}
    for municipality_id, participation in by_id.items():
        if municipality_id not in wanted and participation.left_on is None:
            participation.left_on = on
    for municipality_id, municipality in wanted.items():
        existing = by_id.get(municipality_id)
        if existing is None:
            pilot.participations.append(
                PilotMunicipality(
                    municipality=municipality, joined_on=on, joined_in_phase=pilot.phase
                )
            )
        elif existing.left_on is not None:
            # Back again: it takes part once more, in today's phase.
            existing.left_on = None
            existing.joined_on = on
            existing.joined_in_phase = pilot.phase


def create_pilot(
    session: Session,
    *,
    name: str,
    description: str,
    executing_organisation: ExecutingOrganisation | None,
    municipalities: Sequence[Municipality],
    members: Sequence[User],
    actor: User | None = None,
    on: dt.date | None = None,
) -> Pilot:
    """Register a pilot in the pilot phase, recording that phase's start."""
    pilot = Pilot(
        name=_check_name(session, name, None),
        description=description.strip(),
        phase=Phase.PILOT,
        executing_organisation=executing_organisation,
    )
    _check_members(members)
    pilot.members = list(members)
    set_municipalities(pilot, municipalities, on=on)
    pilot.phase_changes.append(
        PhaseChange(phase=Phase.PILOT, changed_on=on or dt.date.today(), changed_by=actor)
    )
    session.add(pilot)
    session.flush()
    audit.record(
        session,
        "pilot.created",
        actor=actor,
        obj=pilot,
        after=snapshot(pilot),
        summary=f"Pilot {pilot.name} aangemaakt",
    )
    return pilot


def update_pilot(
    session: Session,
    pilot: Pilot,
    *,
    name: str,
    description: str,
    executing_organisation: ExecutingOrganisation | None,
    municipalities: Sequence[Municipality],
    members: Sequence[User],
    actor: User | None = None,
    on: dt.date | None = None,
) -> None:
    """Change a pilot's details, municipalities (history kept) and members."""
    before = snapshot(pilot)
    pilot.name = _check_name(session, name, pilot)
    pilot.description = description.strip()
    pilot.executing_organisation = executing_organisation
    _check_members(members)
    pilot.members = list(members)
    set_municipalities(pilot, municipalities, on=on)
    session.flush()
    after = snapshot(pilot)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit.record(
            session,
            "pilot.updated",
            actor=actor,
            obj=pilot,
            before={k: before[k] for k in changed},
            after=changed,
            summary=f"Pilot {pilot.name} gewijzigd",
        )


def move_phase(
    session: Session, pilot: Pilot, *, phase: Phase, on: dt.date, actor: User | None = None
) -> PhaseChange:
    """Move a pilot to another phase and record the date it happened."""
    if phase is pilot.phase:
        raise RuleError(_l("De pilot is al in deze fase."), "phase")
    before = pilot.phase
    pilot.phase = phase
    change = PhaseChange(phase=phase, changed_on=on, changed_by=actor)
    pilot.phase_changes.append(change)
    session.flush()
    audit.record(
        session,
        "pilot.phase",
        actor=actor,
        obj=pilot,
        before={"phase": before.value},
        after={"phase": phase.value, "changed_on": on.isoformat()},
        summary=f"Pilot {pilot.name} naar fase {phase.value}",
    )
    return change


def next_phase(phase: Phase) -> Phase | None:
    """Return the phase after this one, or None for the last."""
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def can_view_pilot(session: Session, user: User, pilot: Pilot) -> bool:
    """Tell whether a user may see a pilot's page.

    The office and administrators see every pilot, a pilot member its own pilots, a ministry
    user the pilots behind the wishes it can see.
    """
    if user.role in (Role.OFFICE, Role.ADMIN):
        return True
    if user.role is Role.PILOT:
        return any(p.id == pilot.id for p in user.pilots)
    if user.role is Role.MINISTRY:
        supported = select(WishSupport.wish_id).where(WishSupport.pilot_id == pilot.id)
        return bool(
            session.scalar(
                select(
                    exists().where(
                        visible_wishes_filter(user),
                        or_(Wish.pilot_id == pilot.id, Wish.id.in_(supported)),
                    )
                )
            )
        )
    return False
