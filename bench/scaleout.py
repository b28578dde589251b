"""Scale-out: two app servers and two job consumers against one PostgreSQL, Redis as the queue.

    .venv/bin/python bench/scaleout.py [--scale 400] [--postgres-url ...] [--redis-url ...]

A new PostgreSQL database is migrated and filled (demo story plus `--scale` generated wishes);
two gunicorn servers (ports A and B) and two `huey_consumer bundler.worker.huey` processes
share it, with the package builds queued in Redis. Then:

1. "build all" is asked on A and B at the same moment: every step of both jobs must end
   (none lost), each ministry must get exactly one new version (the second job finds it
   unchanged), and every published version must be whole (its PDF and JSON stored, one entry
   per wish).
2. One wish changes and "build all" is asked again; while its package renders, the consumer
   doing it is killed with SIGKILL. Nothing may be published half; after starting a fresh
   consumer, building that ministry again (the retry) publishes its version exactly once.

Ends with one line per target: `target <name>: <measured> (limit <limit>)`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import Engine, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from bench.webclient import ROOT, Browser, Gunicorn, load
from bundler import create_app, demo, scale
from bundler.cli import upgrade_database
from bundler.db import session_scope
from bundler.models import (
    BuildJob,
    BuildStep,
    Package,
    PackageEntry,
    PackageVersion,
    StoredFile,
    Wish,
)
from bundler.refdata import load_reference_data

OFFICE = ("office@bundler.example", "office-demo-2026")
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bundler_bench_scaleout"
REDIS_DEFAULT = "redis://127.0.0.1:6379/11"
DONE = ("published", "unchanged", "failed")


def config(url: str, queue: str, workdir: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": url,
        "HUEY_URL": queue,
        "SECRET_KEY": "bench-scaleout",
        "MFA_REQUIRED": False,
        "RATELIMIT_ENABLED": False,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "STORAGE_FOLDER": str(workdir / "storage"),
        "PDF_TIMEOUT_SECONDS": 120,
    }


def prepare(url: str, queue: str, wishes: int, workdir: Path) -> None:
    """A new database with the demo story and generated wishes; an empty queue."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    app = create_app(config(url, queue, workdir))
    with app.app_context():
        upgrade_database(app)
    with session_scope(app) as session:
        load_reference_data(session)
        demo.load(session)
        scale.load_scale(session, wishes, upload_folder=workdir / "uploads")
    app.extensions["bundler.engine"].dispose()
    client = redis.Redis.from_url(queue)
    for key in client.scan_iter("huey.*bundler*"):
        client.delete(key)
    client.close()


class Cluster:
    """Two gunicorn servers and two huey consumers on one database and one queue."""

    def __init__(self, url: str, queue: str, workdir: Path) -> None:
        self.config = config(url, queue, workdir)
        self.workdir = workdir
        self.servers = [Gunicorn(self.config, 1, workdir / f"server-{n}.log") for n in range(2)]
        self.consumers: list[subprocess.Popen[bytes] | None] = [None, None]
        for n in range(2):
            self.start_consumer(n)

    def start_consumer(self, n: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for key, value in self.config.items():
            env[f"BUNDLER_{key}"] = value if isinstance(value, str) else json.dumps(value)
        consumer = Path(sys.executable).with_name("huey_consumer")
        with (self.workdir / f"consumer-{n}.log").open("a") as log:  # the child keeps a copy
            self.consumers[n] = subprocess.Popen(
                [str(consumer), "bundler.worker.huey", "-k", "thread", "-w", "1"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def renderer_of(self, n: int) -> int | None:
        """The pid of the render child process of consumer n, if it is rendering now."""
        process = self.consumers[n]
        if process is None:
            return None
        # The renders start from the consumer's worker threads: look at every thread's children.
        pids = []
        for children in Path(f"/proc/{process.pid}/task").glob("*/children"):
            try:
                pids += children.read_text().split()
            except OSError:
                continue  # the thread ended meanwhile
        for pid in pids:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"bundler.pdf" in cmdline:
                return int(pid)
        return None

    def kill_consumer(self, n: int) -> int | None:
        """SIGKILL consumer n (as the OOM killer would); return its orphaned renderer's pid."""
        process = self.consumers[n]
        assert process is not None
        renderer = self.renderer_of(n)
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.consumers[n] = None
        return renderer

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        for process in self.consumers:
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def office(server: Gunicorn) -> Browser:
    browser = Browser(server.port)
    browser.sign_in(*OFFICE)
    return browser


def ask(browser: Browser, path: str) -> int:
    """POST a build form (CSRF token from the packages page); return the job id."""
    token = browser.token("/bureau/pakketten")
    response = browser.request("POST", path, {"csrf_token": token})
    match = re.search(r"/taken/(\d+)", response.headers.get("Location") or "")
    if response.status not in (302, 303) or not match:
        raise RuntimeError(f"{path} answered {response.status}")
    return int(match.group(1))


def wait_for(engine: Engine, jobs: list[int], timeout: float) -> bool:
    """Wait until every step of the jobs has an outcome; False on timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with engine.connect() as connection:
            open_steps = connection.scalar(
                select(func.count())
                .select_from(BuildStep)
                .where(BuildStep.job_id.in_(jobs), BuildStep.status.not_in(DONE))
            )
        if not open_steps:
            return True
        time.sleep(0.5)
    return False


def versions(engine: Engine) -> dict[str, int]:
    """Published versions per ministry."""
    with engine.connect() as connection:
        return dict(
            connection.execute(
                select(PackageVersion.ministry_code, func.count())
                .join(Package, Package.id == PackageVersion.package_id)
                .group_by(PackageVersion.ministry_code)
            ).all()
        )


def half_published(engine: Engine) -> int:
    """Versions without their stored PDF or JSON, or with fewer entries than wishes."""
    bad = 0
    with engine.connect() as connection:
        stored = set(connection.scalars(select(StoredFile.key)))
        entries = dict(
            connection.execute(
                select(PackageEntry.version_id, func.count()).group_by(PackageEntry.version_id)
            ).all()
        )
        for version_id, pdf_key, json_key, wish_count in connection.execute(
            select(
                PackageVersion.id,
                PackageVersion.storage_key,
                PackageVersion.json_storage_key,
                PackageVersion.wish_count,
            )
        ):
            whole = pdf_key in stored and json_key in stored
            bad += not whole or entries.get(version_id, 0) != wish_count
    return bad


def steps(engine: Engine, jobs: list[int]) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(
            connection.execute(
                select(BuildStep.status, func.count())
                .where(BuildStep.job_id.in_(jobs))
                .group_by(BuildStep.status)
            ).all()
        )


def build_all_twice(cluster: Cluster, engine: Engine, timeout: float) -> dict[str, Any]:
    """Phase 1: build all on both servers at once; return what happened."""
    browsers = [office(server) for server in cluster.servers]
    before = versions(engine)
    began = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        jobs = list(pool.map(lambda b: ask(b, "/bureau/pakketten/bouwen"), browsers))
    finished = wait_for(engine, jobs, timeout)
    after = versions(engine)
    with engine.connect() as connection:
        expected = connection.scalar(select(func.sum(BuildJob.total)).where(BuildJob.id.in_(jobs)))
        codes = set(
            connection.scalars(select(BuildStep.ministry_code).where(BuildStep.job_id.in_(jobs)))
        )
    new = {code: after.get(code, 0) - before.get(code, 0) for code in sorted(codes)}
    return {
        "jobs": jobs,
        "finished": finished,
        "seconds": time.monotonic() - began,
        "steps": steps(engine, jobs),
        "expected_steps": expected or 0,
        "new_versions": new,
        "half": half_published(engine),
    }


def change_one_wish(engine: Engine) -> str:
    """Change the title of a wish in the newest package version; return that ministry's code."""
    with engine.begin() as connection:
        wish_id, code = connection.execute(
            select(PackageEntry.wish_id, PackageVersion.ministry_code)
            .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
            .order_by(PackageVersion.id.desc(), PackageEntry.position)
            .limit(1)
        ).one()
        connection.execute(
            update(Wish).where(Wish.id == wish_id).values(title=Wish.title + " (gewijzigd)")
        )
    return str(code)


def kill_mid_build(cluster: Cluster, engine: Engine, timeout: float) -> dict[str, Any]:
    """Phase 2: a changed wish, build all, SIGKILL the consumer rendering it, then retry."""
    code = change_one_wish(engine)
    before = versions(engine)
    browser = office(cluster.servers[0])
    job = ask(browser, "/bureau/pakketten/bouwen")
    killed, orphan = None, None
    end = time.monotonic() + timeout
    while time.monotonic() < end and killed is None:
        for n in range(2):
            if cluster.renderer_of(n):
                time.sleep(0.5)  # well inside the render
                orphan = cluster.kill_consumer(n)
                killed = n
                break
        time.sleep(0.05)
    if killed is None:
        raise RuntimeError("no consumer was seen rendering")
    time.sleep(1)
    after_kill = versions(engine)
    half = half_published(engine)
    stuck = steps(engine, [job])
    with engine.connect() as connection:
        code = (
            connection.scalar(
                select(BuildStep.ministry_code).where(
                    BuildStep.job_id == job, BuildStep.status == "rendering"
                )
            )
            or code
        )
    if orphan is not None:  # the render child outlives its consumer; it can publish nothing
        with contextlib.suppress(ProcessLookupError):
            os.kill(orphan, signal.SIGKILL)
    cluster.start_consumer(killed)
    retry = ask(browser, f"/bureau/pakketten/{code}/bouwen")
    finished = wait_for(engine, [retry], timeout)
    after = versions(engine)
    return {
        "code": code,
        "published_by_killed_build": after_kill.get(code, 0) - before.get(code, 0),
        "half": max(half, half_published(engine)),
        "killed_job_steps": stuck,
        "retry_finished": finished,
        "retry_steps": steps(engine, [retry]),
        "new_versions_after_retry": after.get(code, 0) - before.get(code, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=400)
    parser.add_argument("--postgres-url", default=PG_DEFAULT, help="a database it may drop")
    parser.add_argument("--redis-url", default=REDIS_DEFAULT)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bundler-bench-scaleout-"))
    print(f"load at start: {load()}")
    prepare(args.postgres_url, args.redis_url, args.scale, workdir)
    engine = create_engine(args.postgres_url)
    cluster = Cluster(args.postgres_url, args.redis_url, workdir)
    try:
        first = build_all_twice(cluster, engine, args.timeout)
        print(f"\nbuild all on both servers at once: jobs {first['jobs']}, "
              f"{first['seconds']:.0f} s, steps {first['steps']} of {first['expected_steps']}, "
              f"new versions {first['new_versions']}; load {load()}")  # fmt: skip
        second = kill_mid_build(cluster, engine, args.timeout)
        print(f"SIGKILL of the consumer rendering {second['code']}: versions published by "
              f"the killed build {second['published_by_killed_build']}, killed job's steps "
              f"{second['killed_job_steps']}; retry steps {second['retry_steps']}, new versions "
              f"{second['new_versions_after_retry']}; load {load()}")  # fmt: skip
    finally:
        cluster.stop()
        engine.dispose()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    lost = first["expected_steps"] - sum(
        n for status, n in first["steps"].items() if status in DONE
    )
    twice = sum(1 for n in first["new_versions"].values() if n != 1)
    print()
    print(f"target build all: steps without an outcome (lost): {lost} (limit 0)")
    print(f"target build all: ministries without exactly one new version: {twice} (limit 0)")
    print(f"target build all: failed steps: {first['steps'].get('failed', 0)} (limit 0)")
    print(f"target half-published versions: {first['half'] + second['half']} (limit 0)")
    print(f"target versions from the killed build: {second['published_by_killed_build']} "
          "(limit 0)")  # fmt: skip
    print(f"target versions after the retry: {second['new_versions_after_retry']} (limit 1)")


if __name__ == "__main__":
    main()
