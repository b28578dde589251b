"""Which published packages someone may see: one query for the ministry portal and the API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bundler.models import Package, PackageVersion


def published_packages(
    session: Session,
    ministry_id: int | None,
    *,
    package_id: int | None = None,
    number: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[Package]:
    """Return packages with at least one published version, newest first, with their versions.

    With a ministry, only that ministry's (a ministry sees nothing of another ministry's);
    without one, every ministry's (the programme office).
    """
    query = (
        select(Package)
        .where(Package.id.in_(select(PackageVersion.package_id)))
        .options(selectinload(Package.versions))
        .order_by(Package.id.desc())
        .offset(offset)
        .limit(limit)
    )
    if ministry_id is not None:
        query = query.where(Package.ministry_id == ministry_id)
    if package_id is not None:
        query = query.where(Package.id == package_id)
    if number is not None:
        query = query.where(Package.number == number)
    return list(session.scalars(query))
