"""Knowing a package is unchanged without reading its wishes ("build all" with nothing changed).

A full check reads every wish of the ministry and hashes what the package says
(`build.prepare_build`): seconds for a ministry with thousands of wishes. A `PackageCheck`
row remembers, per ministry, the data generation (`bundler.cache`) under which the content
was last found equal to the latest version, the date it was built for and the context (this
code and the settings the content reads). While all three are still the same, no watched
table has changed since, so the content is the same and the build skips it.

The generation is read before any wish, so a change that commits during a check leaves a
row under a generation that is already gone: never a row that claims too much.

Publishing a package raises the generation, which would make every other ministry's row
stale. What a publish writes is known (`build.publish`): the version and its entries, the
package row, and its own wishes moved from accepted to offered. Another ministry's content
reads those only for the wishes its own wishes relate to (their state and package number).
So the publishing transaction gives the new generation itself (`advance_generation`) and
moves every other row that was current to it, unless that row's related wishes include one
of the published wishes. `tests/test_packages_freshness.py` checks every row still current
after builds against a full check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler.models import Ministry, Package, PackageCheck, utcnow
from bundler.models.cache import advance_generation, read_generation
from bundler.package_content import PackageContent

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


@cache
def _code_version() -> str:
    """Hash this code (every module of the app): a new release checks every package again."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def context() -> str:
    """Return what, besides the database, the content depends on: code and settings."""
    settings = ""
    if has_app_context():
        config = current_app.config
        settings = f"{config['UPLOAD_FOLDER']}|{config['PACKAGE_ATTACHMENTS_MAX_MB']}"
    return hashlib.sha256(f"{_code_version()}|{settings}".encode()).hexdigest()


def known_unchanged(
    session: Session, ministry: Ministry, package: Package | None, current: int | None
) -> bool:
    """Tell whether the package is known equal to its latest version under this generation."""
    latest = package.latest if package else None
    if current is None or latest is None:
        return False
    check = session.get(PackageCheck, ministry.id)
    return (
        check is not None
        and check.generation == current
        and check.built_on == utcnow().date()
        and check.context == context()
        and check.content_hash == latest.content_hash
    )


def remember(
    session: Session,
    ministry_id: int,
    content: PackageContent,
    content_hash: str,
    built_on: dt.date,
    generation_read: int | None,
) -> None:
    """Record that the content read under `generation_read` is what the package says."""
    if generation_read is None:
        return
    check = session.get(PackageCheck, ministry_id)
    if check is None:
        check = PackageCheck(ministry_id=ministry_id)
        session.add(check)
    check.generation = generation_read
    check.built_on = built_on
    check.context = context()
    check.content_hash = content_hash
    check.related = sorted({r.reference for d in content.details.values() for r in d.related})
    session.flush()


def after_publish(
    session: Session,
    ministry_id: int,
    content: PackageContent,
    content_hash: str,
    built_on: dt.date,
    before: int | None,
    read_again: Callable[[], str],
) -> None:
    """Give the publish its generation; keep the checks it leaves true, record its own.

    `before` is the generation this transaction read before it read the content it publishes.
    If another change committed since (in "build all", often another ministry's publish), the
    publish advances from the generation as it is now: the checks current under it stay true
    but for the published wishes. Its own check is recorded only if its content, read again
    (`read_again`, after the generation is taken: nothing can commit in between), is still
    what it published.
    """
    if before is None:
        return
    after = advance_generation(session, before)
    if after is None:
        before = read_generation(session)
        after = advance_generation(session, before) if before is not None else None
        if after is None:
            return  # changes keep coming: every check is checked again
        if read_again() != content_hash:
            content_hash = ""  # changed meanwhile: no check of its own
    published = {item.reference for item in content.items}
    others = session.scalars(
        select(PackageCheck).where(
            PackageCheck.generation == before, PackageCheck.ministry_id != ministry_id
        )
    )
    for check in others:
        if published.isdisjoint(check.related):
            check.generation = after
    if content_hash:
        remember(session, ministry_id, content, content_hash, built_on, after)
