"""Background jobs on huey: package builds, one task per ministry, progress in BuildJob rows.

The queue is chosen by HUEY_URL:
- `sqlite:///path` (default, in the instance folder): no extra service; `bundler serve`
  (`make run`) runs an embedded consumer thread next to the web server;
- `redis://host:6379/0` or `postgresql://...`: several machines share the work; run
  `huey_consumer bundler.worker.huey -k thread -w 2` on each worker machine (same config).

Each task renders in a short-lived child process (pdf.render_isolated) with a wall-clock
timeout (PDF_TIMEOUT_SECONDS) and an address-space cap (PDF_MEMORY_MB).
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from collections.abc import Sequence
from typing import Any

from flask import Flask
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bundler.db import session_scope
from bundler.models import BuildJob, BuildStep, Ministry, User, utcnow
from bundler.packages import build
from bundler.pdf import RenderError

log = logging.getLogger(__name__)
EXTENSION = "bundler.jobs"


def queue_settings(url: str) -> tuple[type[Huey], dict[str, Any]]:
    """Return the huey class and its storage options for a queue URL."""
    if url.startswith("sqlite:///"):
        return SqliteHuey, {"filename": url[len("sqlite:///") :]}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey, {"url": url}
    if url.startswith("postgresql"):
        return PostgresHuey, {"dsn": url.replace("postgresql+psycopg://", "postgresql://", 1)}
    if url.startswith("memory://"):
        return MemoryHuey, {}
    raise ValueError(f"unsupported HUEY_URL: {url.split(':', 1)[0]}")


def make_huey(url: str, *, immediate: bool = False) -> Huey:
    """Create the huey instance for a queue URL (sqlite, redis, postgresql or memory)."""
    kind, options = queue_settings(url)
    return kind("bundler", results=False, immediate=immediate, utc=True, **options)


def get_huey(app: Flask) -> Huey:
    """Return the app's huey instance, creating it and registering the tasks on first use."""
    if EXTENSION not in app.extensions:
        huey = make_huey(app.config["HUEY_URL"], immediate=bool(app.config["HUEY_IMMEDIATE"]))

        def build_package_task(step_id: int) -> None:
            run_step(app, step_id)

        task = huey.task(name="bundler.build_package", retries=0)(build_package_task)
        app.extensions[EXTENSION] = (huey, task)
    instance: Huey = app.extensions[EXTENSION][0]
    return instance


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
    _, task = app.extensions[EXTENSION]
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
    """Prepare, render in a child process, publish; return the new version id or None."""
    with session_scope(app) as session:
        ministry = session.scalar(select(Ministry).where(Ministry.code == code))
        if ministry is None:
            raise build.BuildConflict(f"Onbekend ministerie: {code}")
        prepared = build.prepare_build(session, ministry)
    if prepared.unchanged:
        return None
    result = build.render_isolated(prepared.html, prepared.attachments, prepared.created)
    with session_scope(app) as session:
        actor = session.get(User, actor_id) if actor_id else None
        version = build.publish(session, prepared, result, actor=actor)
        return version.id


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
        step.error = "De build is onderbroken (de verwerking is gestopt). Bouw opnieuw."
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


def run_pending(app: Flask) -> int:
    """Run every queued task in this process (tests and one-off maintenance); return the count."""
    huey = get_huey(app)
    count = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        count += 1
    return count


def start_embedded_consumer(app: Flask, workers: int = 1) -> Any:
    """Run a huey consumer in threads of this process, next to the web server (make run)."""
    huey = get_huey(app)
    recover_interrupted(app)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
    # The consumer installs its own signal handlers; give Ctrl+C back to the web server.
    kept = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for signum, handler in kept.items():
        signal.signal(signum, handler)
    return consumer
