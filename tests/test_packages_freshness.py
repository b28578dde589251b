"""A package known unchanged is not read again; a check stays true only while its data does.

Builds run as the job runs them (`jobs.build_one`), rendering in this process. A full check is
a call of `build.prepare_build` (it reads every wish of the ministry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, update

from bundler import logo
from bundler.cache import generation
from bundler.db import session_scope
from bundler.enums import RelationKind
from bundler.models import Ministry, PackageCheck, PackageVersion, Wish, WishRelation, utcnow
from bundler.packages import build, jobs
from bundler.packages.content import load_content
from tests.package_helpers import Story, make_story
from tests.test_logo import png


@pytest.fixture
def full_checks(
    app: Flask, generation_row: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """Render in this process and list the ministries whose wishes a build read."""
    monkeypatch.setattr(build, "render_isolated", build.render_in_process)
    read: list[str] = []
    prepare = build.prepare_build

    def counting(session, ministry, **options):  # type: ignore[no-untyped-def]
        read.append(ministry.code)
        return prepare(session, ministry, **options)

    monkeypatch.setattr(build, "prepare_build", counting)
    with app.app_context():
        yield read


def build_all(app: Flask, read: list[str]) -> dict[str, int]:
    """Build every ministry's package as "build all" does; return the new version numbers."""
    read.clear()
    with session_scope(app) as session:
        codes = [m.code for m in build.ministries_with_wishes(session)]
    built = {code: jobs.build_one(app, code, None) for code in codes}
    with session_scope(app) as session:
        return {
            code: session.get(PackageVersion, version_id).number
            for code, version_id in built.items()
            if version_id is not None
        }


def assert_checks_true(app: Flask) -> int:
    """Every check still current says what a full read of the wishes says; return their count."""
    current = 0
    with session_scope(app) as session:
        now = generation(session)
        for check in session.scalars(select(PackageCheck)):
            if check.generation != now:
                continue
            ministry = session.get(Ministry, check.ministry_id)
            package = build.open_package(session, ministry)
            read = load_content(session, ministry, package, on=check.built_on).content_hash()
            assert read == check.content_hash == package.latest.content_hash, ministry.code
            current += 1
    return current


def relate(app: Flask, wish_id: int, related_id: int) -> None:
    with session_scope(app) as session:
        session.add(
            WishRelation(wish_id=wish_id, related_id=related_id, kind=RelationKind.DEPENDS_ON)
        )


@pytest.fixture
def story(app: Flask, make_pilot, make_wish) -> Story:  # type: ignore[no-untyped-def]
    return make_story(make_pilot, make_wish, app)


def test_build_all_again_reads_no_wish_when_nothing_changed(app, story, full_checks):
    assert build_all(app, full_checks) == {"BZK": 1, "JenV": 1}
    assert full_checks == ["BZK", "JenV"]
    assert assert_checks_true(app) == 2

    assert build_all(app, full_checks) == {}
    assert full_checks == []


def test_a_publish_drops_the_check_of_a_package_that_shows_a_published_wish(
    app, story, full_checks
):
    # BZK's wish depends on JenV's death wish: BZK's package shows where that wish stands.
    relate(app, story.bzk.id, story.death.id)
    assert build_all(app, full_checks) == {"BZK": 1, "JenV": 1}

    # JenV's publish offered the death wish after BZK's version was made: BZK reads again,
    # finds its content changed and publishes; JenV's check was kept and nothing is read.
    assert build_all(app, full_checks) == {"BZK": 2}
    assert full_checks == ["BZK"]
    assert assert_checks_true(app) == 2
    assert build_all(app, full_checks) == {}
    assert full_checks == []


def test_a_publish_keeps_the_checks_of_packages_it_does_not_touch(app, story, full_checks):
    # JenV's wish depends on BZK's: BZK publishes first, so JenV's first version shows it.
    relate(app, story.death.id, story.bzk.id)
    assert build_all(app, full_checks) == {"BZK": 1, "JenV": 1}
    assert assert_checks_true(app) == 2
    assert build_all(app, full_checks) == {}
    assert full_checks == []


def test_a_change_to_a_wish_reads_every_package_and_rebuilds_its_own(app, story, full_checks):
    build_all(app, full_checks)
    with session_scope(app) as session:
        session.execute(
            update(Wish).where(Wish.id == story.birth.id).values(problem="Een ander probleem.")
        )
    assert build_all(app, full_checks) == {"JenV": 2}
    assert full_checks == ["BZK", "JenV"]
    assert assert_checks_true(app) == 2


def test_a_new_logo_rebuilds_every_package(app, story, full_checks):
    build_all(app, full_checks)
    with session_scope(app) as session:
        logo.set_logo(session, png(), actor=None)
    assert build_all(app, full_checks) == {"BZK": 2, "JenV": 2}


def test_other_settings_or_another_day_read_the_wishes_again(app, story, full_checks):
    build_all(app, full_checks)
    app.config["PACKAGE_ATTACHMENTS_MAX_MB"] = 1
    assert build_all(app, full_checks) == {}
    assert full_checks == ["BZK", "JenV"]

    yesterday = utcnow().date() - dt.timedelta(days=1)  # checks are dated in UTC
    with session_scope(app) as session:
        session.execute(update(PackageCheck).values(built_on=yesterday))
    assert build_all(app, full_checks) == {}
    assert full_checks == ["BZK", "JenV"]
    assert build_all(app, full_checks) == {}
    assert full_checks == []


def test_publishes_that_overlap_keep_every_check(app, story, full_checks, monkeypatch):
    # "Build all" runs builds at once: BZK publishes while JenV's publish is under way (after
    # JenV read the generation its check would be valid under). Both checks must stay.
    publish = build.publish

    def with_bzk_meanwhile(session, prepared, result, **options):  # type: ignore[no-untyped-def]
        if prepared.content.ministry.code == "JenV":
            assert jobs.build_one(app, "BZK", None) is not None
        return publish(session, prepared, result, **options)

    monkeypatch.setattr(build, "publish", with_bzk_meanwhile)
    full_checks.clear()
    jobs.build_one(app, "JenV", None)
    assert sorted(full_checks) == ["BZK", "JenV"]
    assert assert_checks_true(app) == 2
    monkeypatch.setattr(build, "publish", publish)
    assert build_all(app, full_checks) == {}
    assert full_checks == []


def test_a_change_during_a_publish_is_read_at_the_next_build(app, story, full_checks, monkeypatch):
    build_all(app, full_checks)
    with session_scope(app) as session:  # BZK's content changes: it publishes version 2
        session.execute(update(Wish).where(Wish.id == story.bzk.id).values(problem="Nieuw."))
    read_content = build.load_content
    reads: list[str] = []

    def edited_meanwhile(session, ministry, *args, **options):  # type: ignore[no-untyped-def]
        content = read_content(session, ministry, *args, **options)
        reads.append(ministry.code)
        if len(reads) == 2:  # the publish's own read (the first is the build's)
            with session_scope(app) as other:  # a pilot edits BZK's wish right after it
                other.get(Wish, story.bzk.id).problem = "Intussen anders."
        return content

    monkeypatch.setattr(build, "load_content", edited_meanwhile)
    assert jobs.build_one(app, "BZK", None) is not None
    monkeypatch.setattr(build, "load_content", read_content)
    assert_checks_true(app)
    assert build_all(app, full_checks) == {"BZK": 3}  # the edit is seen, not skipped
