"""The API's read queries: wishes under the one visibility rule, packages, deliveries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, selectinload

from bundler.enums import WishState
from bundler.models import (
    ApiToken,
    Delivery,
    Ministry,
    Municipality,
    Package,
    PackageVersion,
    PilotMunicipality,
    Statute,
    Subscription,
    User,
    Wish,
    WishSupport,
    wish_ministry,
)
from bundler.packages.published import published_packages
from bundler.wishes.visibility import can_view, visible_wishes_filter


def _backed_by(pilots: object) -> ColumnElement[bool]:
    supported = select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilots))  # type: ignore[arg-type]
    return or_(Wish.pilot_id.in_(pilots), Wish.id.in_(supported))  # type: ignore[arg-type]


def wish_conditions(
    user: User,
    *,
    ministry: str | None = None,
    statute: str | None = None,
    state: WishState | None = None,
    pilot: int | None = None,
    municipality: str | None = None,
    changed_since: dt.datetime | None = None,
) -> list[ColumnElement[bool]]:
    """Return the WHERE of a wish list: what the user may see, narrowed by the filters."""
    where = [visible_wishes_filter(user)]
    if ministry:
        where.append(
            Wish.id.in_(
                select(wish_ministry.c.wish_id)
                .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
                .where(Ministry.code == ministry)
            )
        )
    if statute:
        where.append(Wish.statute_id.in_(select(Statute.id).where(Statute.bwb_id == statute)))
    if state is not None:
        where.append(Wish.state == state)
    if pilot is not None:
        where.append(_backed_by([pilot]))
    if municipality:
        pilots = (
            select(PilotMunicipality.pilot_id)
            .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
            .where(Municipality.cbs_code == municipality, PilotMunicipality.left_on.is_(None))
        )
        where.append(_backed_by(pilots))
    if changed_since is not None:
        where.append(Wish.updated_at >= changed_since)
    return where


def wish_page(
    session: Session, where: Sequence[ColumnElement[bool]], *, page: int, size: int
) -> tuple[list[Wish], bool]:
    """Return one page of wishes (newest first) and whether another page follows."""
    rows = list(
        session.scalars(
            select(Wish)
            .where(*where)
            .order_by(Wish.id.desc())
            .offset((page - 1) * size)
            .limit(size + 1)
            .options(
                selectinload(Wish.statute),
                selectinload(Wish.ministries),
                selectinload(Wish.pilot),
                selectinload(Wish.supports).selectinload(WishSupport.pilot),
                selectinload(Wish.merged_into),
            )
        )
    )
    return rows[:size], len(rows) > size


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
