"""Who sees and may change which wish: the one visibility rule every area uses.

`visible_wishes_filter(user)` for queries and `can_view(user, wish)` for one wish hold the
same rule; pages, exports, notifications and the API all ask these two.

What a viewer sees *of* a wish follows from how they are involved (`involvement`):

- anyone deciding whether to join (the join page, the similar-wish list): only the reference,
  title, legal basis, state and number of pilots; closed wishes (afgewezen, ingetrokken,
  samengevoegd) are never offered and cannot be joined;
- a supporting pilot: the wish's text, legal basis, pilots, its own pilot's note and the
  ministries' answers; no timeline of events, no other pilot's note, and only the attachments
  the raising pilot shares with pilots that join (`Attachment.shared_with_supporters`);
- the raising pilot and the programme office: everything;
- a ministry the wish is offered to: the wish, its attachments and timeline, and only its own
  ministry's answers: another ministry's answer on a shared wish is that ministry's business
  (the same on the wish page, the answer page and in the API).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, false, literal, or_, select, union
from sqlalchemy.orm import Session

from bundler import search, workflow
from bundler.db import in_set
from bundler.enums import Role, WishState
from bundler.models import Answer, Attachment, Pilot, User, Wish, WishSupport, wish_ministry

if TYPE_CHECKING:
    from bundler.wishes.timeline import TimelineEntry

# Closed wishes: never offered as similar, never joinable; their join pages do not exist.
CLOSED_STATES = frozenset({WishState.REJECTED, WishState.WITHDRAWN, WishState.MERGED})
JOINABLE_STATES = search.SIMILAR_STATES
assert not JOINABLE_STATES & CLOSED_STATES

RAISER, SUPPORTER, OFFICE, MINISTRY = "raiser", "supporter", "office", "ministry"

_ALL_BUT_CONCEPTS = frozenset(set(WishState) - {WishState.CONCEPT})


def pilot_ids(user: User) -> list[int]:
    """Return the ids of the pilots the user is a member of."""
    return [p.id for p in user.pilots]


def per_wish(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """Return EXISTS(conditions), checked for each wish a query walks.

    PostgreSQL may run a correlated EXISTS as a "hashed SubPlan": it first reads every row
    that could match, then checks the wishes. A query that walks the newest wishes and stops
    after a page pays for all of them (a municipality's first page at 100,000 wishes: 8 ms
    against 0.6 ms). PostgreSQL leaves an EXISTS with an OFFSET as it is, so OFFSET 0 keeps it
    a probe per wish, on an index; SQLite ignores it.
    """
    return select(literal(1)).where(*conditions).offset(0).exists()


def visible_wishes_filter(user: User, *, walk: bool = False) -> ColumnElement[bool]:
    """Return the condition on Wish for the wishes this user may see.

    Pilot member: its pilots' wishes (concepts included) and the wishes its pilots support.
    Programme office: everything but concepts. Ministry user: wishes offered (aangeboden)
    to its ministry. Administrator and anyone else: nothing.

    The same rule comes in two forms. By default the user's own set is collected first (IN),
    which is fast when it is small. `walk=True` checks each wish on its own (EXISTS), which is
    fast when a query walks the newest wishes and the user's are common among them. At 100,000
    wishes each form is 100 times slower than the other on the wrong side.
    """
    if user.role is Role.PILOT:
        pilots = pilot_ids(user)
        if not pilots:
            return false()
        raised = Wish.pilot_id.in_(pilots)
        if walk:
            supported = per_wish(WishSupport.wish_id == Wish.id, WishSupport.pilot_id.in_(pilots))
            return or_(raised, and_(Wish.state != WishState.CONCEPT, supported))
        ids = union(
            select(Wish.id).where(raised),
            select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilots)),
        )
        return and_(in_set(Wish.id, ids), or_(raised, Wish.state != WishState.CONCEPT))
    if user.role is Role.OFFICE:
        if workflow.VISIBLE_TO_OFFICE == _ALL_BUT_CONCEPTS:
            # One inequality instead of a list of eight states: the database can then walk
            # the sort column's index (updated_at, reference) instead of sorting every wish.
            return Wish.state != WishState.CONCEPT
        return Wish.state.in_(workflow.VISIBLE_TO_OFFICE)
    if user.role is Role.MINISTRY and user.ministry_id is not None:
        ours = wish_ministry.c.ministry_id == user.ministry_id
        offered: ColumnElement[bool] = (
            per_wish(wish_ministry.c.wish_id == Wish.id, ours)
            if walk
            else Wish.id.in_(select(wish_ministry.c.wish_id).where(ours))
        )
        return and_(Wish.state == WishState.OFFERED, offered)
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


def involvement(user: User, wish: Wish) -> str | None:
    """Return how the user is involved in a wish they may see (RAISER, SUPPORTER, OFFICE,
    MINISTRY), or None when they may not see it."""
    if not can_view(user, wish):
        return None
    if user.role is Role.PILOT:
        return RAISER if wish.pilot_id in pilot_ids(user) else SUPPORTER
    return OFFICE if user.role is Role.OFFICE else MINISTRY


def can_see_attachment(user: User, wish: Wish, attachment: Attachment) -> bool:
    """Tell whether the user may see (and download) one attachment of a wish."""
    if attachment.wish_id != wish.id:
        return False
    who = involvement(user, wish)
    if who == SUPPORTER:
        return attachment.shared_with_supporters
    return who is not None


def visible_attachments(user: User, wish: Wish) -> list[Attachment]:
    """Return the wish's attachments this user may see."""
    return [a for a in wish.attachments if can_see_attachment(user, wish, a)]


def sees_timeline(user: User, wish: Wish) -> bool:
    """Tell whether the user sees the wish's events (supporters see only the answers)."""
    return involvement(user, wish) in (RAISER, OFFICE, MINISTRY)


def outcome_answers(user: User, wish: Wish) -> list[Answer]:
    """Return each ministry's newest answer on the wish that this user may see (its outcome)."""
    newest: dict[int, Answer] = {}
    for answer in wish.answers:
        known = newest.get(answer.ministry_id)
        if known is None or (answer.answered_at, answer.id) > (known.answered_at, known.id):
            newest[answer.ministry_id] = answer
    shown = [a for a in newest.values() if sees_answer(user, a)]
    return sorted(shown, key=lambda a: a.ministry_id)


def sees_answer(user: User, answer: Answer) -> bool:
    """Tell whether the user sees a ministry's answer: a ministry only its own ministry's
    (as on the answer page and in the API); pilots involved and the office every answer."""
    return user.role is not Role.MINISTRY or answer.ministry_id == user.ministry_id


def visible_timeline(
    user: User, wish: Wish, entries: Sequence[TimelineEntry]
) -> list[TimelineEntry]:
    """Keep the timeline entries the user may see (supporters: only the answers)."""
    events = sees_timeline(user, wish)
    return [
        e
        for e in entries
        if (e.answer is not None and sees_answer(user, e.answer)) or (e.kind != "answer" and events)
    ]


def support_notes_shown(user: User, wish: Wish) -> set[int] | None:
    """Return the pilots whose support notes the user sees (None: every pilot's)."""
    if involvement(user, wish) == SUPPORTER:
        return set(pilot_ids(user))
    return None


def can_join(wish: Wish) -> bool:
    """Tell whether a pilot may join the wish at all (it is submitted and not closed)."""
    return wish.state in JOINABLE_STATES


def similar_for(
    session: Session,
    user: User,
    *,
    title: str,
    statute_id: int | None,
    article: str,
    exclude_wish_id: int | None = None,
) -> list[Wish]:
    """Return the wishes of other pilots a pilot member may join, most alike first: the same
    statute and article first, then by text. The user's own pilots' wishes are left out."""
    found = search.similar_wishes(
        session,
        title=title,
        statute_id=statute_id,
        article=article,
        exclude_wish_id=exclude_wish_id,
        exclude_pilot_ids=pilot_ids(user) if user.role is Role.PILOT else (),
    )
    return [w for w in found if can_join(w)]


def supporting_pilot_choices(user: User, wish: Wish) -> list[Pilot]:
    """List the user's pilots that could join the wish: not the raiser, not yet supporting."""
    if user.role is not Role.PILOT or not can_join(wish):
        return []
    taken = {wish.pilot_id} | {s.pilot_id for s in wish.supports}
    return [p for p in user.pilots if p.id not in taken]
