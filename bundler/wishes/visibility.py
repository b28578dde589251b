"""Who sees and may change which wish: the one visibility rule every area uses.

`visible_wishes_filter(user)` for queries and `can_view(user, wish)` for one wish hold the
same rule; pages, exports, notifications and the API all ask these two.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select

from bundler import search, workflow
from bundler.enums import Role, WishState
from bundler.models import Pilot, User, Wish, WishSupport, wish_ministry

_ALL_BUT_CONCEPTS = frozenset(set(WishState) - {WishState.CONCEPT})


def pilot_ids(user: User) -> list[int]:
    """Return the ids of the pilots the user is a member of."""
    return [p.id for p in user.pilots]


def visible_wishes_filter(user: User) -> ColumnElement[bool]:
    """Return the condition on Wish for the wishes this user may see.

    Pilot member: its pilots' wishes (concepts included) and the wishes its pilots support.
    Programme office: everything but concepts. Ministry user: wishes offered (aangeboden)
    to its ministry. Administrator and anyone else: nothing.
    """
    if user.role is Role.PILOT:
        pilots = pilot_ids(user)
        if not pilots:
            return false()
        supported = select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilots))
        return or_(
            Wish.pilot_id.in_(pilots),
            and_(Wish.state != WishState.CONCEPT, Wish.id.in_(supported)),
        )
    if user.role is Role.OFFICE:
        if workflow.VISIBLE_TO_OFFICE == _ALL_BUT_CONCEPTS:
            # One inequality instead of a list of eight states: the database can then walk
            # the sort column's index (updated_at, reference) instead of sorting every wish.
            return Wish.state != WishState.CONCEPT
        return Wish.state.in_(workflow.VISIBLE_TO_OFFICE)
    if user.role is Role.MINISTRY and user.ministry_id is not None:
        offered = select(wish_ministry.c.wish_id).where(
            wish_ministry.c.ministry_id == user.ministry_id
        )
        return and_(Wish.state == WishState.OFFERED, Wish.id.in_(offered))
    return false()


def can_view(user: User, wish: Wish) -> bool:
    """Tell whether this user may see this wish (the same rule as visible_wishes_filter)."""
    if user.role is Role.PILOT:
        pilots = set(pilot_ids(user))
        if wish.pilot_id in pilots:
            return True
        return wish.state is not WishState.CONCEPT and any(
            s.pilot_id in pilots for s in wish.supports
        )
    if user.role is Role.OFFICE:
        return wish.state in workflow.VISIBLE_TO_OFFICE
    if user.role is Role.MINISTRY and user.ministry_id is not None:
        return wish.state is WishState.OFFERED and any(
            m.id == user.ministry_id for m in wish.ministries
        )
    return False


def is_raising_member(user: User, wish: Wish) -> bool:
    """Tell whether the user is a member of the pilot that raised the wish."""
    return user.role is Role.PILOT and wish.pilot_id in pilot_ids(user)


def can_edit(user: User, wish: Wish) -> bool:
    """Tell whether the user may change the wish's text now (concept or aanvulling nodig)."""
    return is_raising_member(user, wish) and wish.state in workflow.EDITABLE_BY_PILOT


def can_withdraw(user: User, wish: Wish) -> bool:
    """Tell whether the user may withdraw the wish in its current state."""
    return is_raising_member(user, wish) and workflow.can_move(
        wish.state, WishState.WITHDRAWN, Role.PILOT
    )


def supporting_pilot_choices(user: User, wish: Wish) -> list[Pilot]:
    """List the user's pilots that could join the wish: not the raiser, not yet supporting."""
    if user.role is not Role.PILOT or wish.state not in search.SIMILAR_STATES:
        return []
    taken = {wish.pilot_id} | {s.pilot_id for s in wish.supports}
    return [p for p in user.pilots if p.id not in taken]
