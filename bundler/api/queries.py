"""The API's read queries: wishes under the one visibility rule, packages, deliveries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, false, func, or_, select, union
from sqlalchemy.orm import Session, aliased, selectinload

from bundler import cache
from bundler.db import in_set
from bundler.enums import Role, WishState
from bundler.models import (
    ApiToken,
    Delivery,
    Ministry,
    Municipality,
    Package,
    PackageVersion,
    Pilot,
    PilotMunicipality,
    Statute,
    Subscription,
    User,
    Wish,
    WishSupport,
    wish_ministry,
)
from bundler.packages.published import published_packages
from bundler.wishes.visibility import can_view, per_wish, pilot_ids, visible_wishes_filter

# When a pilot set raised at least one in DENSE_SHARE of all wishes, walking the newest wishes
# finds a page at once; below that, collecting the set first is cheaper (at 100,000 wishes each
# way is 100x slower than the other on the wrong side: 0.1 ms against 32 ms, 1.5 against 50).
DENSE_SHARE = 50


def _dense(session: Session, key: tuple[Hashable, ...], matches: Select[Any]) -> bool:
    """Tell whether these rows are at least one in DENSE_SHARE of all wishes.

    Kept per `key` until the data changes (bundler.cache): two queries less on every call.
    """

    def count() -> bool:
        newest = session.scalar(select(func.max(Wish.id))) or 0
        enough = max(1, -(-newest // DENSE_SHARE)) if DENSE_SHARE else newest + 1
        counted = select(func.count()).select_from(matches.limit(enough).subquery())
        return (session.scalar(counted) or 0) >= enough

    return cache.cached(session, ("api-dense", DENSE_SHARE, *key), count)


def _backed_by(session: Session, pilots: Sequence[int]) -> ColumnElement[bool]:
    """Wishes raised or supported by one of these pilots, in the form that is fast for them."""
    if not pilots:
        return false()
    raised = select(Wish.id).where(Wish.pilot_id.in_(pilots))
    if _dense(session, ("pilots", *sorted(pilots)), raised):
        return or_(
            Wish.pilot_id.in_(pilots),
            per_wish(WishSupport.wish_id == Wish.id, WishSupport.pilot_id.in_(pilots)),
        )
    supported = select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilots))
    return in_set(Wish.id, union(raised, supported))


def _visible(session: Session, user: User) -> ColumnElement[bool]:
    """The one visibility rule, in the form that is fast for this user's share of wishes."""
    if user.role is Role.PILOT:
        pilots = sorted(pilot_ids(user))
        key: tuple[Hashable, ...] = ("pilots", *pilots)
        mine = select(Wish.id).where(Wish.pilot_id.in_(pilots))
    elif user.role is Role.MINISTRY:
        key = ("ministry", user.ministry_id)
        mine = select(wish_ministry.c.wish_id).where(
            wish_ministry.c.ministry_id == user.ministry_id
        )
    else:
        return visible_wishes_filter(user)
    return visible_wishes_filter(user, walk=_dense(session, key, mine))


def wish_conditions(
    session: Session,
    user: User,
    *,
    ministry: str | None = None,
    statute: str | None = None,
    state: WishState | None = None,
    pilot: int | None = None,
    municipality: str | None = None,
    changed_since: dt.datetime | None = None,
) -> list[ColumnElement[bool]]:
    """Return the WHERE of a wish list: what the user may see, narrowed by the filters.

    Codes are resolved to ids first, so each filter is a plain indexed condition the planner
    can start from (at 100,000 wishes a join inside the condition made it scan by state).
    """
    where = [_visible(session, user)]
    if ministry:
        ministry_id = session.scalar(select(Ministry.id).where(Ministry.code == ministry))
        where.append(
            exists().where(
                wish_ministry.c.wish_id == Wish.id, wish_ministry.c.ministry_id == ministry_id
            )
            if ministry_id is not None
            else false()
        )
    if statute:
        statute_id = session.scalar(select(Statute.id).where(Statute.bwb_id == statute))
        where.append(Wish.statute_id == statute_id if statute_id is not None else false())
    if state is not None:
        where.append(Wish.state == state)
    if pilot is not None:
        where.append(_backed_by(session, [pilot]))
    if municipality:
        pilots = session.scalars(
            select(PilotMunicipality.pilot_id)
            .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
            .where(Municipality.cbs_code == municipality, PilotMunicipality.left_on.is_(None))
        ).all()
        where.append(_backed_by(session, pilots))
    if changed_since is not None:
        where.append(Wish.updated_at >= changed_since)
    return where


@dataclass(frozen=True)
class WishRow:
    """What the API shows of a wish, as plain values (a list page loads no ORM objects)."""

    reference: str
    title: str
    state: WishState
    state_reason: str
    problem: str
    proposed_change: str
    statute: str | None
    article: str
    paragraph: str
    ministries: tuple[str, ...]
    pilot: tuple[int, str]
    supporters: tuple[tuple[int, str], ...]
    merged_into: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None

    @classmethod
    def of(cls, wish: Wish) -> WishRow:
        """The same values from a loaded wish (the single-wish endpoints)."""
        return cls(
            reference=wish.reference,
            title=wish.title,
            state=wish.state,
            state_reason=wish.state_reason,
            problem=wish.problem,
            proposed_change=wish.proposed_change,
            statute=wish.statute.bwb_id if wish.statute else None,
            article=wish.article,
            paragraph=wish.paragraph,
            ministries=tuple(m.code for m in wish.ministries),
            pilot=(wish.pilot.id, wish.pilot.name),
            supporters=tuple((x.pilot.id, x.pilot.name) for x in wish.supports),
            merged_into=wish.merged_into.reference if wish.merged_into else None,
            created_at=wish.created_at,
            updated_at=wish.updated_at,
            submitted_at=wish.submitted_at,
        )


# What a page of wishes shows, for the ids in `ids`: built once, as building a statement
# costs more than running it on a page of twenty.
_target = aliased(Wish)
_PAGE_WISHES = (
    select(
        Wish.id,
        Wish.reference,
        Wish.title,
        Wish.state,
        Wish.state_reason,
        Wish.problem,
        Wish.proposed_change,
        Statute.bwb_id,
        Wish.article,
        Wish.paragraph,
        Pilot.id.label("pilot_id"),
        Pilot.name.label("pilot_name"),
        _target.reference.label("merged_into"),
        Wish.created_at,
        Wish.updated_at,
        Wish.submitted_at,
    )
    .join(Pilot, Pilot.id == Wish.pilot_id)
    .outerjoin(Statute, Statute.id == Wish.statute_id)
    .outerjoin(_target, _target.id == Wish.merged_into_id)
    .where(Wish.id.in_(bindparam("ids", expanding=True)))
    .order_by(Wish.id.desc())
)
_PAGE_MINISTRIES = (
    select(wish_ministry.c.wish_id, Ministry.code)
    .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
    .where(wish_ministry.c.wish_id.in_(bindparam("ids", expanding=True)))
    .order_by(Ministry.code)
)
_PAGE_SUPPORTERS = (
    select(WishSupport.wish_id, Pilot.id, Pilot.name)
    .join(Pilot, Pilot.id == WishSupport.pilot_id)
    .where(WishSupport.wish_id.in_(bindparam("ids", expanding=True)))
    .order_by(WishSupport.created_at, WishSupport.id)
)


def wish_page(
    session: Session, where: Sequence[ColumnElement[bool]], *, page: int, size: int
) -> tuple[list[WishRow], bool]:
    """Return one page of wishes (newest first) and whether another page follows.

    The page's ids come first from the indexes alone (sorting whole rows made a pilot's first
    page 4x slower at 100,000 wishes); then three plain queries read what those rows show:
    the wishes with their statute, pilot and merge target, their ministries, their supporters.
    Plain rows, not ORM objects: the identity map and relationship loaders cost more than
    the SQL itself on a page of twenty.
    """
    ids = list(
        session.scalars(
            select(Wish.id)
            .where(*where)
            .order_by(Wish.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
        )
    )
    shown = ids[:size]
    if not shown:
        return [], False
    rows = session.execute(_PAGE_WISHES, {"ids": shown}).all()
    ministries: dict[int, list[str]] = defaultdict(list)
    for wish_id, code in session.execute(_PAGE_MINISTRIES, {"ids": shown}):
        ministries[wish_id].append(code)
    supporters: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for wish_id, pilot_id, name in session.execute(_PAGE_SUPPORTERS, {"ids": shown}):
        supporters[wish_id].append((pilot_id, name))
    page_rows = [
        WishRow(
            reference=r.reference,
            title=r.title,
            state=r.state,
            state_reason=r.state_reason,
            problem=r.problem,
            proposed_change=r.proposed_change,
            statute=r.bwb_id,
            article=r.article,
            paragraph=r.paragraph,
            ministries=tuple(ministries[r.id]),
            pilot=(r.pilot_id, r.pilot_name),
            supporters=tuple(supporters[r.id]),
            merged_into=r.merged_into,
            created_at=r.created_at,
            updated_at=r.updated_at,
            submitted_at=r.submitted_at,
        )
        for r in rows
    ]
    return page_rows, len(ids) > size


def visible_wish(session: Session, user: User, reference: str) -> Wish | None:
    """Return the wish with this reference if the user may see it (else as if missing)."""
    wish = session.scalar(select(Wish).where(Wish.reference == reference.upper()))
    return wish if wish is not None and can_view(user, wish) else None


def package_page(
    session: Session, token: ApiToken, *, page: int, size: int
) -> tuple[list[Package], bool]:
    """Return one page of the published packages the token may see, and whether more follow."""
    ministry_id = token.ministry_id if token.ministry_id is not None else None
    rows = published_packages(session, ministry_id, offset=(page - 1) * size, limit=size + 1)
    return rows[:size], len(rows) > size


def package_by_number(session: Session, token: ApiToken, number: str) -> Package | None:
    """Return a published package the token may see, by its number (else as if missing)."""
    found = published_packages(session, token.ministry_id, number=number)
    return found[0] if found else None


def version_of(package: Package, number: int) -> PackageVersion | None:
    """Return a package's version by its number."""
    return next((v for v in package.versions if v.number == number), None)


def subscription_of(session: Session, token: ApiToken, subscription_id: int) -> Subscription | None:
    """Return one of the token's active subscriptions."""
    found = session.get(Subscription, subscription_id)
    if found is None or found.token_id != token.id or found.deleted_at is not None:
        return None
    return found


def deliveries(
    session: Session, subscription: Subscription, *, page: int, size: int
) -> tuple[list[Delivery], bool]:
    """Return a subscription's deliveries, newest first, with their attempts."""
    rows = list(
        session.scalars(
            select(Delivery)
            .where(Delivery.subscription_id == subscription.id)
            .order_by(Delivery.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
            .options(selectinload(Delivery.event), selectinload(Delivery.attempt_log))
        )
    )
    return rows[:size], len(rows) > size
