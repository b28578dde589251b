"""Package builds on the job queue: one task per ministry, progress in BuildJob rows.

Each task renders in a short-lived child process (pdf.render_isolated) with a wall-clock
timeout (PDF_TIMEOUT_SECONDS) and an address-space cap (PDF_MEMORY_MB). The queue itself is
`bundler.queue`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import Flask
from huey import Huey
from sqlalchemy import Integer, cast, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bundler.cache import generation
from bundler.db import session_scope
from bundler.models import BuildJob, BuildStep, Ministry, User, utcnow
from bundler.packages import build, freshness
from bundler.packages.budget import estimate_mb, render_budget
from bundler.packages.content import load_content
from bundler.pdf import RenderError
from bundler.queue import get_huey

log = logging.getLogger(__name__)


TASK = "bundler.packages.build_task"
# First half of the advisory lock key of package builds (the second: the ministry code's CRC).
BUILD_LOCK = 0x42554E44 - (1 << 31)


def install_tasks(huey: Huey, app: Flask) -> None:
    """Add the package-build task to the app's queue."""

    def build_package_task(step_id: int) -> None:
        run_step(app, step_id)

    app.extensions[TASK] = huey.task(name="bundler.build_package", retries=0)(build_package_task)


def create_job(
    session: Session, ministries: Sequence[Ministry], *, kind: str, actor: User | None
) -> BuildJob:
    """Add a build job with one step per ministry; the caller commits, then calls start_job."""
    job = BuildJob(
        kind=kind,
        ministry_codes=[m.code for m in ministries],
        total=len(ministries),
        done=0,
        status="queued" if ministries else "done",
        created_by=actor,
        steps=[BuildStep(ministry_code=m.code) for m in ministries],
    )
    if not ministries:
        job.finished_at = utcnow()
    session.add(job)
    session.flush()
    return job


def start_job(app: Flask, job: BuildJob) -> None:
    """Put one task per step on the queue (after the job was committed)."""
    get_huey(app)
    task = app.extensions[TASK]
    for step in job.steps:
        task(step.id)


def run_step(app: Flask, step_id: int) -> None:
    """Build one ministry's package for a job step and record the outcome."""
    with app.app_context():
        with session_scope(app) as session:
            step = session.get(BuildStep, step_id)
            if step is None or step.status != "queued":
                return  # gone, or already handled by another worker
            step.status = "rendering"
            step.started_at = utcnow()
            session.execute(
                update(BuildJob)
                .where(BuildJob.id == step.job_id, BuildJob.status == "queued")
                .values(status="running")
            )
            code, actor_id = step.ministry_code, step.job.created_by_id
        status, error, version_id = "failed", "", None
        try:
            version_id = build_one(app, code, actor_id)
            status = "published" if version_id else "unchanged"
        except build.AlreadyPublished:
            status = "unchanged"
        except (RenderError, build.BuildConflict) as exc:
            error = str(exc)
        except Exception as exc:  # any failure must reach the office, not vanish in a log
            log.exception("package build for %s failed", code)
            error = f"{type(exc).__name__}: {exc}"[:1000]
        finish_step(app, step_id, status=status, error=error, version_id=version_id)


def build_one(app: Flask, code: str, actor_id: int | None) -> int | None:
    """Prepare, render in a child process, publish; return the new version id or None.

    One build per ministry at a time, across every consumer: a second build of the same
    ministry waits, then finds the package unchanged instead of racing to the same number.
    """
    with ministry_build_lock(app, code):
        with session_scope(app) as session:
            # Read first: the generation the checks below are valid under (freshness).
            before = generation(session)
            ministry = session.scalar(select(Ministry).where(Ministry.code == code))
            if ministry is None:
                raise build.BuildConflict(f"Onbekend ministerie: {code}")
            package = build.open_package(session, ministry)
            if freshness.known_unchanged(session, ministry, package, before):
                return None
            prepared = build.prepare_build(session, ministry)
            if prepared.unchanged:
                built_on = prepared.created.date()
                content, digest = prepared.content, prepared.content_hash
                freshness.remember(session, ministry.id, content, digest, built_on, before)
                return None
        estimate = estimate_mb(len(prepared.content.items), int(app.config["PDF_MEMORY_MB"]))
        with render_budget(app).reserve(estimate):
            result = build.render_isolated(prepared.html, prepared.attachments, prepared.created)
        with session_scope(app) as session:
            before = generation(session)
            actor = session.get(User, actor_id) if actor_id else None
            version = build.publish(session, prepared, result, actor=actor)
            freshness.after_publish(
                session,
                prepared.ministry_id,
                prepared.content,
                prepared.content_hash,
                prepared.created.date(),
                before,
                lambda: load_content(
                    session, version.package.ministry, version.package, on=prepared.created.date()
                ).content_hash(),
            )
            return version.id


@contextmanager
def ministry_build_lock(app: Flask, code: str) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock for this ministry's builds (nothing on SQLite).

    The lock lives on its own connection: a consumer that dies (even by SIGKILL) loses the
    connection and with it the lock. SQLite serialises the writes of publishing anyway.
    """
    engine = app.extensions["bundler.engine"]
    if engine.dialect.name != "postgresql":
        yield
        return
    key = cast(zlib.crc32(code.encode()) - (1 << 31), Integer)  # int4, as the function wants
    namespace = cast(BUILD_LOCK, Integer)
    with engine.connect() as connection:
        connection.execute(select(func.pg_advisory_lock(namespace, key)))
        connection.commit()
        try:
            yield
        finally:
            connection.execute(select(func.pg_advisory_unlock(namespace, key)))
            connection.commit()


def finish_step(
    app: Flask, step_id: int, *, status: str, error: str = "", version_id: int | None = None
) -> None:
    """Record a step's outcome and count it towards its job; close the job when all are done."""
    # A shared database may refuse a write for a moment; the outcome must not be lost.
    for attempt in range(3):
        try:
            _record_outcome(app, step_id, status, error, version_id)
            return
        except OperationalError:
            if attempt == 2:
                raise
            log.warning("recording build step %s failed; trying again", step_id)
            time.sleep(1 + attempt)


def _record_outcome(
    app: Flask, step_id: int, status: str, error: str, version_id: int | None
) -> None:
    with session_scope(app) as session:
        step = session.get(BuildStep, step_id)
        assert step is not None
        step.status, step.error, step.version_id = status, error, version_id
        step.finished_at = utcnow()
        session.execute(
            update(BuildJob).where(BuildJob.id == step.job_id).values(done=BuildJob.done + 1)
        )
        session.flush()
        job = session.get(BuildJob, step.job_id)
        assert job is not None
        session.refresh(job)
        if job.done >= job.total:
            failed = [s for s in job.steps if s.status == "failed"]
            job.status = "failed" if failed else "done"
            job.error = "\n".join(f"{s.ministry_code}: {s.error}" for s in failed)
            job.finished_at = utcnow()


def expire_stale_steps(session: Session, *, older_than_seconds: float) -> int:
    """Fail steps that started rendering long ago and never finished (a worker died)."""
    limit = utcnow() - dt.timedelta(seconds=older_than_seconds)
    stale = session.scalars(
        select(BuildStep).where(BuildStep.status == "rendering", BuildStep.started_at < limit)
    ).all()
    for step in stale:
        step.status = "failed"
        step.error = "De bouwopdracht is onderbroken (de verwerking is gestopt). Bouw opnieuw."
        step.finished_at = utcnow()
        job = step.job
        job.done += 1
        if job.done >= job.total:
            job.status = "failed"
            job.error = f"{step.ministry_code}: {step.error}"
            job.finished_at = utcnow()
    return len(stale)


def recover_interrupted(app: Flask) -> int:
    """Fail the steps a stopped worker left half-done, so their jobs finish (worker start)."""
    with app.app_context(), session_scope(app) as session:
        timeout = float(app.config["PDF_TIMEOUT_SECONDS"])
        return expire_stale_steps(session, older_than_seconds=timeout * 2)
