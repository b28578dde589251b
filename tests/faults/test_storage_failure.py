"""The disk failing during a package build: nothing is published, the office sees why.

Packages keep their PDF and JSON in the database (bundler.storage), so "the storage failing"
means the database's disk filling up while the files are written; the renderer's scratch
folder failing is the other disk a build touches. Each case runs a real build job step and
then checks that no package, version or stored file exists, every wish is still accepted,
the step and job say failed with a readable reason, and a build after the fault succeeds.
"""

from __future__ import annotations

import errno
import tempfile

import pytest
from sqlalchemy import event, func, select

from bundler import pdf
from bundler.db import session_scope
from bundler.enums import WishState
from bundler.models import (
    BuildJob,
    BuildStep,
    Ministry,
    Package,
    PackageVersion,
    StoredFile,
    Wish,
)
from bundler.packages import jobs
from tests.package_helpers import make_story


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def _run_build(app, code: str = "JenV") -> int:
    with session_scope(app) as session:
        ministry = session.scalar(select(Ministry).where(Ministry.code == code))
        job = jobs.create_job(session, [ministry], kind="one", actor=None)
        step_id = job.steps[0].id
        job_id = job.id
    jobs.run_step(app, step_id)
    return job_id


def _assert_nothing_published(db, job_id: int, wishes, reason: str) -> None:
    db.expire_all()
    assert _count(db, Package) == 0
    assert _count(db, PackageVersion) == 0
    assert _count(db, StoredFile) == 0
    for wish in wishes:
        assert db.get(Wish, wish.id).state is WishState.ACCEPTED
    job = db.get(BuildJob, job_id)
    step = db.scalars(select(BuildStep).where(BuildStep.job_id == job_id)).one()
    assert step.status == "failed" and job.status == "failed"
    assert reason in step.error.lower(), step.error
    assert reason in job.error.lower(), job.error


def _assert_build_works_again(app, db) -> None:
    job_id = _run_build(app)
    db.expire_all()
    assert db.get(BuildJob, job_id).status == "done"
    assert _count(db, PackageVersion) == 1


def test_database_disk_full_while_storing_the_pdf(app, db, make_pilot, make_wish):
    """SQLite's own 'database or disk is full', made real with max_page_count."""
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("a full disk is simulated with SQLite's max_page_count")
    story = make_story(make_pilot, make_wish, app)
    engine = app.extensions["bundler.engine"]
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    full = {"on": True}

    def cap(dbapi_connection, record):
        if full["on"]:
            # Room for small updates (job status), none for a PDF of tens of kilobytes.
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 4}")

    event.listen(engine, "connect", cap)
    engine.dispose()  # new connections carry the cap
    try:
        job_id = _run_build(app)
    finally:
        full["on"] = False
        event.remove(engine, "connect", cap)
        engine.dispose()
    _assert_nothing_published(db, job_id, [story.death, story.birth], "full")
    _assert_build_works_again(app, db)


def test_storage_write_failing_with_no_space_left(app, db, make_pilot, make_wish, monkeypatch):
    """The same on any database: the blob write raises ENOSPC."""
    story = make_story(make_pilot, make_wish, app)
    from bundler import storage

    real = storage.put

    def no_space(session, data, content_type):
        if content_type == "application/pdf":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(session, data, content_type)

    monkeypatch.setattr(storage, "put", no_space)
    job_id = _run_build(app)
    _assert_nothing_published(db, job_id, [story.death, story.birth], "no space left")
    monkeypatch.setattr(storage, "put", real)
    _assert_build_works_again(app, db)


def test_renderer_scratch_folder_failing(app, db, make_pilot, make_wish, monkeypatch):
    """The temporary folder of the isolated render cannot be created (disk failing)."""
    story = make_story(make_pilot, make_wish, app)
    real = tempfile.TemporaryDirectory

    def broken(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(pdf.tempfile, "TemporaryDirectory", broken)
    job_id = _run_build(app)
    _assert_nothing_published(db, job_id, [story.death, story.birth], "read-only")
    monkeypatch.setattr(pdf.tempfile, "TemporaryDirectory", real)
    _assert_build_works_again(app, db)
