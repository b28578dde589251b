"""Cabinet changes: move what an ended ministry held to its successor, in one audited step.

When a ministry ends (reference data: valid until a date, with a successor), the office
reviews what will move and confirms. Then, dated at the end date:
- open wishes offered or assigned to the old ministry get the successor instead;
- statute responsibilities of the old ministry end on that date, the successor's start a day
  later;
- the old ministry's users belong to the successor.
Packages stay with the old ministry (published versions keep the ministry of their time);
the successor's users read them as history (`predecessor_ids`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bundler import audit
from bundler.enums import WishState
from bundler.models import (
    Ministry,
    StatuteResponsibility,
    User,
    Wish,
    ministry_split,
    wish_ministry,
)
from bundler.office.ops import touch
from bundler.responsibility import current_code
from bundler.rules import RuleError
from bundler.wish_items import ministry_spans

# Wishes that are done with: they stay with the ministry of their time.
CLOSED = (WishState.CONCEPT, WishState.REJECTED, WishState.MERGED, WishState.WITHDRAWN)


@dataclass
class Plan:
    """What moves from an ended ministry to its successor (or successors, when split)."""

    ministry: Ministry
    successors: list[Ministry]
    wishes: list[Wish] = field(default_factory=list)
    responsibilities: list[StatuteResponsibility] = field(default_factory=list)
    users: list[User] = field(default_factory=list)

    @property
    def successor(self) -> Ministry:
        """The successor of a merge; the first of a split."""
        return self.successors[0]

    @property
    def split(self) -> bool:
        """Tell whether the office must choose a successor per statute."""
        return len(self.successors) > 1

    @property
    def end(self) -> dt.date:
        assert self.ministry.valid_until is not None
        return self.ministry.valid_until

    @property
    def start(self) -> dt.date:
        """The successor's first day."""
        return self.end + dt.timedelta(days=1)

    def __bool__(self) -> bool:
        return bool(self.wishes or self.responsibilities or self.users)


def plan_for(session: Session, ministry: Ministry) -> Plan | None:
    """Describe what would move from an ended ministry; None if it has not ended or no successor."""
    successors = [ministry.successor] if ministry.successor else list(ministry.split_into)
    if ministry.valid_until is None or not successors:
        return None
    wishes = session.scalars(
        select(Wish)
        .join(wish_ministry, wish_ministry.c.wish_id == Wish.id)
        .where(wish_ministry.c.ministry_id == ministry.id, Wish.state.not_in(CLOSED))
        .options(selectinload(Wish.ministries))
        .order_by(Wish.reference)
    )
    held = session.scalars(
        select(StatuteResponsibility)
        .where(StatuteResponsibility.ministry_id == ministry.id)
        .options(selectinload(StatuteResponsibility.statute))
    )
    users = session.scalars(
        select(User).where(User.ministry_id == ministry.id).order_by(User.email)
    )
    return Plan(
        ministry=ministry,
        successors=successors,
        wishes=list(wishes),
        responsibilities=[
            r for r in held if r.valid_until is None or r.valid_until > ministry.valid_until
        ],
        users=list(users),
    )


def pending(session: Session, on: dt.date | None = None) -> list[Plan]:
    """Return the plans of ministries ended before a date (today) that still hold something."""
    on = on or dt.date.today()
    ended = session.scalars(
        select(Ministry)
        .where(
            Ministry.valid_until < on,
            or_(
                Ministry.successor_id.is_not(None),
                Ministry.id.in_(select(ministry_split.c.ministry_id)),
            ),
        )
        .order_by(Ministry.code)
    )
    plans = [plan_for(session, m) for m in ended]
    return [p for p in plans if p]


def _targets(
    plan: Plan, per_statute: Mapping[int, Ministry], rest: Ministry | None
) -> tuple[dict[int, Ministry], Ministry]:
    """Check the office's choices for a split; a merge needs none."""
    if not plan.split:
        return {r.statute_id: plan.successor for r in plan.responsibilities}, plan.successor
    allowed = {m.id for m in plan.successors}
    chosen = {r.statute_id: per_statute.get(r.statute_id) for r in plan.responsibilities}
    if any(m is None or m.id not in allowed for m in chosen.values()):
        raise RuleError(_l("Kies per wet een opvolger."), "statute")
    if rest is None or rest.id not in allowed:
        raise RuleError(_l("Kies de opvolger voor de overige knelpunten en gebruikers."), "rest")
    return {k: m for k, m in chosen.items() if m is not None}, rest


def apply(
    session: Session,
    plan: Plan,
    *,
    actor: User | None,
    per_statute: Mapping[int, Ministry] | None = None,
    rest: Ministry | None = None,
) -> None:
    """Move everything in the plan to the successor, dated at the end date (caller commits).

    A split ministry moves each statute, and the wishes on it, to the successor the office
    chose for that statute; its other wishes and its users to `rest`.
    """
    by_statute, default = _targets(plan, per_statute or {}, rest)
    old, start = plan.ministry, plan.start
    names = "/".join(m.code for m in plan.successors)
    note = f"kabinetswissel: {old.code} opgeheven per {plan.end.isoformat()}, opvolger {names}"
    for wish in plan.wishes:
        new = by_statute.get(wish.statute_id or 0, default)
        before = [m.code for m in wish.ministries]
        kept = [m for m in wish.ministries if m.id != old.id]
        wish.ministries = sorted({*kept, new}, key=lambda m: m.code)
        touch(wish)
        audit.record(
            session,
            "wish.ministries",
            actor=actor,
            obj=wish,
            before={"ministries": before},
            after={"ministries": [m.code for m in wish.ministries], "per": start.isoformat()},
            summary=f"{wish.reference}: {note}",
        )
    for held in plan.responsibilities:
        statute, new = held.statute, by_statute[held.statute_id]
        held.valid_until = plan.end
        if not any(r.ministry_id == new.id for r in statute.responsibilities):
            statute.responsibilities.append(StatuteResponsibility(ministry=new, valid_from=start))
        audit.record(
            session,
            "statute.updated",
            actor=actor,
            obj=statute,
            before={"ministries": f"{old.code}"},
            after={"ministries": f"{old.code}@..{plan.end.isoformat()};{new.code}@{start}.."},
            summary=f"{statute.bwb_id}: {note}",
        )
    for user in plan.users:
        new = default
        user.ministry = new
        audit.record(
            session,
            "user.updated",
            actor=actor,
            obj=user,
            before={"ministry": old.code},
            after={"ministry": new.code},
            summary=f"{user.email}: {note}",
        )
    audit.record(
        session,
        "ministry.succession",
        actor=actor,
        obj=old,
        after={
            "successor": names,
            "per": start.isoformat(),
            "wishes": [w.reference for w in plan.wishes],
            "statutes": [r.statute.bwb_id for r in plan.responsibilities],
            "users": len(plan.users),
        },
        summary=note,
    )
    session.flush()


def predecessor_ids(session: Session, ministry: Ministry, on: dt.date | None = None) -> list[int]:
    """Return the ids of the ministries this one succeeded (directly or through others)."""
    on = on or dt.date.today()
    spans = ministry_spans(session)
    codes = [c for c in spans if c != ministry.code and current_code(c, spans, on) == ministry.code]
    return list(session.scalars(select(Ministry.id).where(Ministry.code.in_(codes))))
