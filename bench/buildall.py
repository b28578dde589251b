"""The "build all" case of bench/packages.py (issue 15): every ministry's package at once.

A throwaway app on a SQLite file in a temporary folder, filled by the product's generator
(`bundler load-demo --scale`, bundler/scale.py) until about N wishes are in the package states
(accepted or offered) with a responsible ministry; then, printing each phase as it ends:
- "build all" as the office's button queues it (jobs.create_job, kind "all") and as the
  embedded worker runs it: queue.worker_threads(app) threads calling jobs.run_step, with
  PDF_RENDER_PARTS on (a cold part cache) or, with `parts` off, one bounded child per package;
- the same "build all" again with nothing changed: no new version, no PDF rendered (renders
  counted as calls of build.render_isolated, the one way a build renders);
- one wish's problem text edited through the ORM, "build all" again: only the packages holding
  that wish get a new version;
- baseline: each ministry's package HTML (build.prepare_build, shaped before the first build)
  rendered by plain single-pass WeasyPrint in a fresh process (packages.run_measure "plain"),
  one after another. It comes last, being the longest: a run stopped early keeps the rest.
"""

from __future__ import annotations

import datetime as dt
import math
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, insert, select, update

from bundler import create_app, scale
from bundler.db import session_scope
from bundler.enums import WishState
from bundler.models import (
    Base,
    BuildJob,
    BuildStep,
    Ministry,
    PackageEntry,
    PackageVersion,
    Wish,
    statute_ministry,
    wish_ministry,
)
from bundler.package_content import PACKAGE_STATES
from bundler.packages import build, jobs, parts
from bundler.queue import worker_threads
from bundler.refdata import current_ministries, load_reference_data
from bundler.responsibility import current_code
from bundler.wish_items import ministry_spans

# The generator puts about 54 % of wishes in the package states, 95 % of them with a statute
# (and so a ministry); start a little above that and trim to N.
PACKAGE_SHARE = 0.50
# A step's outcome: status (and error), version number, wishes, pages, seconds.
Step = tuple[str, int, int, int, float]


def make_app(folder: Path, parts: bool = True) -> Flask:
    """A throwaway app whose database, queue, storage and part cache live in `folder`."""
    return create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
            "HUEY_URL": f"sqlite:///{folder / 'jobs.sqlite'}",
            "SECRET_KEY": "bench-buildall",
            "MFA_REQUIRED": False,
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(folder / "uploads"),
            "STORAGE_FOLDER": str(folder / "storage"),
            "PDF_RENDER_PARTS": parts,
            "PDF_PART_CACHE_FOLDER": str(folder / "parts"),
            "PDF_TIMEOUT_SECONDS": 3600,
        }
    )


def package_wishes() -> Any:
    """Select the ids of package-state wishes with at least one responsible ministry."""
    linked = select(wish_ministry.c.wish_id)
    return select(Wish.id).where(Wish.state.in_(PACKAGE_STATES), Wish.id.in_(linked))


def spread_statutes(session: Any) -> str:
    """Give the catalogue's statutes round-robin to the current ministries; say so.

    The shipped catalogue (bundler/data/statuten.csv) names 6 ministries only; the generator
    links a wish to its statute's ministries, so without this half the ministries get none.
    A statute of two ministries keeps two.
    """
    ministries = [m.id for m in current_ministries(session)]
    held = session.execute(select(statute_ministry.c.statute_id, statute_ministry.c.ministry_id))
    counts: dict[int, int] = {}
    for statute_id, _ in held:
        counts[statute_id] = counts.get(statute_id, 0) + 1
    session.execute(delete(statute_ministry))
    rows = [
        {"statute_id": statute_id, "ministry_id": ministries[(n + k) % len(ministries)]}
        for n, statute_id in enumerate(sorted(counts))
        for k in range(counts[statute_id])
    ]
    session.execute(insert(statute_ministry), rows)
    return (
        f"the {len(counts)} statutes given round-robin to the {len(ministries)} current "
        "ministries (the shipped catalogue names 6; UPDATE of statute_ministry before generating)"
    )


def fill(app: Flask, wishes: int, folder: Path) -> list[str]:
    """Generate data until exactly `wishes` wishes are in package states; say how."""
    total = math.ceil(wishes / PACKAGE_SHARE)
    notes = []
    with session_scope(app) as session:
        Base.metadata.create_all(session.get_bind())
        load_reference_data(session)
        session.flush()
        notes.append(spread_statutes(session))
        scale.load_scale(session, total, upload_folder=folder / "uploads")
        session.flush()
        ids = list(session.scalars(package_wishes().order_by(Wish.id)))
        notes.append(
            f"generated {total:,} wishes (bundler.scale, seed 2026); "
            f"{len(ids):,} of them accepted/offered with a ministry"
        )
        if len(ids) > wishes:
            extra = ids[wishes:]
            session.execute(
                update(Wish).where(Wish.id.in_(extra)).values(state=WishState.IN_TRIAGE)
            )
            notes.append(f"moved the newest {len(extra):,} of them to in_triage (UPDATE)")
        elif len(ids) < wishes:
            linked = select(wish_ministry.c.wish_id)
            more = list(
                session.scalars(
                    select(Wish.id)
                    .where(Wish.state == WishState.IN_TRIAGE, Wish.id.in_(linked))
                    .order_by(Wish.id)
                    .limit(wishes - len(ids))
                )
            )
            session.execute(update(Wish).where(Wish.id.in_(more)).values(state=WishState.ACCEPTED))
            notes.append(f"moved {len(more):,} in_triage wishes to accepted (UPDATE)")
    return notes


def spread(app: Flask) -> dict[str, int]:
    """Package-state wishes per current ministry (a wish may count for several)."""
    with session_scope(app) as session:
        spans = ministry_spans(session)
        rows = session.execute(
            select(wish_ministry.c.ministry_id, func.count())
            .join(Wish, Wish.id == wish_ministry.c.wish_id)
            .where(Wish.state.in_(PACKAGE_STATES))
            .group_by(wish_ministry.c.ministry_id)
        ).all()
        codes = dict(session.execute(select(Ministry.id, Ministry.code)).all())
        counts: dict[str, int] = {}
        for ministry_id, count in rows:
            code = current_code(codes[ministry_id], spans, dt.date.today())
            counts[code] = counts.get(code, 0) + count
        return dict(sorted(counts.items()))


def shape_plain(app: Flask, folder: Path) -> dict[str, tuple[Path, Path]]:
    """Write every ministry's package HTML and twin (build.prepare_build), as version 1 has it."""
    files = {}
    with app.app_context(), session_scope(app) as session:
        for ministry in build.ministries_with_wishes(session):
            prepared = build.prepare_build(session, ministry)
            html_path = folder / f"plain-{ministry.code}.html"
            twin_path = folder / f"plain-{ministry.code}.json"
            html_path.write_text(prepared.html, encoding="utf-8")
            twin_path.write_bytes(prepared.twin_bytes)
            files[ministry.code] = (html_path, twin_path)
        session.rollback()
    return files


def render_plain(
    files: dict[str, tuple[Path, Path]], run_measure: Any
) -> tuple[float, float, float, dict[str, int]]:
    """Render each package by plain WeasyPrint, one after another, each in a fresh process."""
    seconds, cpu, peak, pages = 0.0, 0.0, 0.0, {}
    for code, (html_path, twin_path) in files.items():
        result = run_measure("plain", html_path, twin_path)
        seconds += result["seconds"]
        cpu += result["cpu"]
        peak = max(peak, result["peak_mb"])
        pages[code] = int(result["pages"])
        say(
            f"    plain {code}: {pages[code]} pages, {result['seconds']:.1f} s "
            f"({seconds:.1f} s so far), peak {result['peak_mb']:.0f} MB"
        )
    return seconds, cpu, peak, pages


def part_files(folder: Path) -> int:
    """Rendered parts in the part cache (each part rendered once is one file)."""
    return sum(1 for _ in (folder / "parts").glob("*/*.pdf"))


class PartsLog:
    """Record each ministry's parts render (rounds, parts rendered, seconds) while a build runs,
    and count the package renders (calls of build.render_isolated, in either mode) and the full
    reads of a ministry's wishes (calls of build.prepare_build; a package known unchanged by
    its check, bundler/packages/freshness.py, is not read).

    Only observes: wraps jobs.build_one (to know the ministry of the thread),
    build.render_isolated and build.prepare_build (to count) and parts.render_in_parts (to keep
    its result's figures).
    """

    def __init__(self) -> None:
        self.local = threading.local()
        self.runs: dict[str, str] = {}
        self.renders = 0
        self.reads = 0
        self.lock = threading.Lock()
        self.kept = (jobs.build_one, parts.render_in_parts, build.render_isolated)
        self.prepare = build.prepare_build

    def __enter__(self) -> PartsLog:
        build_one, render_in_parts, render_isolated = self.kept
        prepare = self.prepare

        def prepare_counted(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.reads += 1
            return prepare(*args, **kwargs)

        def render_counted(*args: Any, **kwargs: Any) -> Any:
            with self.lock:
                self.renders += 1
            return render_isolated(*args, **kwargs)

        def build_one_logged(app: Flask, code: str, actor_id: int | None) -> int | None:
            self.local.code = code
            return build_one(app, code, actor_id)

        def render_logged(*args: Any, **kwargs: Any) -> parts.PartsResult:
            done = render_in_parts(*args, **kwargs)
            if kwargs.get("render") is None:  # the outer call (it calls itself with a pool)
                self.runs[self.local.code] = (
                    f"{len(done.rendered)} parts rendered, {len(done.reused)} reused, "
                    f"{done.rounds} rounds; "
                    + ", ".join(f"{k} {v:.1f} s" for k, v in done.seconds.items())
                )
            return done

        jobs.build_one, parts.render_in_parts = build_one_logged, render_logged  # type: ignore[assignment]
        build.render_isolated, build.prepare_build = render_counted, prepare_counted
        return self

    def __exit__(self, *exc: object) -> None:
        jobs.build_one, parts.render_in_parts, build.render_isolated = self.kept  # type: ignore[assignment]
        build.prepare_build = self.prepare


def cpu_seconds() -> float:
    """CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def build_all(app: Flask, meter: Any = None) -> tuple[float, dict[str, Step]]:
    """Queue "build all" as the office's button does and run its steps as the worker does."""
    with app.app_context(), session_scope(app) as session:
        ministries = build.ministries_with_wishes(session)
        job = jobs.create_job(session, ministries, kind="all", actor=None)
        job_id, step_ids = job.id, [s.id for s in job.steps]
    if meter is not None:
        meter.install()
    started = time.perf_counter()
    with ThreadPoolExecutor(worker_threads(app)) as pool:
        list(pool.map(lambda step_id: jobs.run_step(app, step_id), step_ids))
    seconds = time.perf_counter() - started
    outcome = {}
    with session_scope(app) as session:
        job = session.get(BuildJob, job_id)
        assert job is not None
        for step in session.scalars(select(BuildStep).where(BuildStep.job_id == job_id)):
            version = session.get(PackageVersion, step.version_id) if step.version_id else None
            took = (step.finished_at - step.started_at).total_seconds()
            outcome[step.ministry_code] = (
                step.status + (f" ({step.error})" if step.error else ""),
                version.number if version else 0,
                version.wish_count if version else 0,
                version.page_count if version else 0,
                took,
            )
        assert job.status in ("done", "failed"), job.status
    return seconds, dict(sorted(outcome.items()))


def versions(app: Flask) -> int:
    with session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(PackageVersion)) or 0


def change_one_wish(app: Flask) -> tuple[str, list[str]]:
    """Edit one package-state wish's problem text (an ORM commit, as a user edit would be)."""
    with session_scope(app) as session:
        spans = ministry_spans(session)
        today = dt.date.today()
        # A wish of several ministries, if there is one: the case that shows "only those".
        wish = None
        for candidate in session.scalars(
            select(Wish).where(Wish.state.in_(PACKAGE_STATES)).order_by(Wish.id)
        ):
            if len(candidate.ministries) > 1:
                wish = candidate
                break
            wish = wish or candidate
        assert wish is not None
        wish.problem += " Aangevuld na overleg met de uitvoeringsorganisatie."
        # The packages that hold it: those whose latest version has an entry for it.
        codes = set()
        for version in session.scalars(
            select(PackageVersion).join(PackageEntry).where(PackageEntry.wish_id == wish.id)
        ):
            if version.package.latest is version:
                codes.add(version.ministry_code)
        linked = sorted({current_code(m.code, spans, today) for m in wish.ministries})
        assert sorted(codes) == linked, (codes, linked)
        return wish.reference, sorted(codes)


def say(line: str = "") -> None:
    """Print a line of figures at once (a run stopped halfway keeps what it measured)."""
    print(line, flush=True)


def run(
    size: int, folder: Path, run_measure: Any, meter_class: Any, parts: bool = True
) -> list[str]:
    """The whole case, printing each phase's figures as it ends; returns its target lines.

    `parts`: PDF_RENDER_PARTS (off: each package in one bounded child, as by default).
    """
    app = make_app(folder, parts)
    began = time.perf_counter()
    notes = fill(app, size, folder)
    say()
    filled, counts = time.perf_counter() - began, spread(app)
    say(
        f"build all: {size:,} accepted/offered wishes, {len(counts)} ministries "
        f"(filled in {filled:.0f} s)"
    )
    for note in notes:
        say(f"  {note}")
    say("  wishes per ministry's package (a wish of two ministries counts in both):")
    say("    " + ", ".join(f"{code} {n}" for code, n in counts.items()))
    # The baseline's HTML now, as the first build will shape it; rendered last (the longest).
    plain_files = shape_plain(app, folder)

    meter = meter_class()
    cpu_before = cpu_seconds()
    with PartsLog() as log:
        cold, first = build_all(app, meter)
    summed, at_once, processes = meter.summary()
    say(
        f"  build all ({worker_threads(app)} worker threads, "
        f"{'parts, cold part cache' if parts else 'one child per package, parts off'}): "
        f"{cold:.1f} s; {log.renders} packages rendered, "
        f"{part_files(folder)} parts rendered by {processes} processes; "
        f"memory at once {at_once:.0f} MB, summed {summed:.0f} MB; "
        f"bench process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    say(
        f"    CPU seconds: rendering processes {sum(meter.cpu.values()):.0f} (sampled), "
        f"bench process (shaping, cutting, merging, publishing) {cpu_seconds() - cpu_before:.0f}"
    )
    say(f"    {'ministry':<8} {'status':<10} {'version':>7} {'wishes':>6} {'pages':>5} {'s':>6}")
    for code, (status, number, wishes, pages, took) in first.items():
        say(f"    {code:<8} {status:<10} {number:>7} {wishes:>6} {pages:>5} {took:>6.1f}")
        say(f"      {log.runs.get(code, '')}")
    published = all(status == "published" for status, *_ in first.values())
    targets: list[str] = []

    before_versions, before_parts = versions(app), part_files(folder)
    with PartsLog() as counted:
        unchanged, second = build_all(app)
    new_versions = versions(app) - before_versions
    new_parts = part_files(folder) - before_parts
    say(
        f"  build all, nothing changed: {unchanged:.2f} s; "
        f"steps {sorted({status for status, *_ in second.values()})}; "
        f"{new_versions} new versions, {counted.renders} PDFs rendered, "
        f"{new_parts} parts rendered; {counted.reads} of {len(second)} ministries' wishes read "
        "(the others known unchanged by their check)"
    )
    targets.append(
        f"target build-all-unchanged: {unchanged:.2f} s, {counted.renders} PDFs rendered, "
        f"{new_versions} new versions (limit 2 s, 0)"
    )

    reference, holders = change_one_wish(app)
    before_parts = part_files(folder)
    with PartsLog() as counted:
        one, third = build_all(app)
    rebuilt = sorted(code for code, (status, *_) in third.items() if status == "published")
    say(
        f"  one wish changed ({reference}, in the packages of {', '.join(holders)}): "
        f"build all {one:.1f} s; new versions for {rebuilt or 'none'}; "
        f"{part_files(folder) - before_parts} parts rendered; "
        f"{counted.reads} of {len(third)} ministries' wishes read"
    )
    for code in rebuilt:
        status, number, wishes, pages, took = third[code]
        say(f"    {code}: version {number}, {pages} pages, {took:.1f} s")
    targets.append(
        f"target build-all-one-changed: rebuilt {', '.join(rebuilt) or 'none'} "
        f"(limit: only {', '.join(holders)})"
    )

    say("  plain WeasyPrint, the same packages (version 1's HTML) one after another:")
    plain_seconds, plain_cpu, plain_peak, plain_pages = render_plain(plain_files, run_measure)
    differ = {c: (p, first[c][3]) for c, p in plain_pages.items() if p != first[c][3]}
    say(
        f"  plain WeasyPrint, one package after another (fresh process each): "
        f"{plain_seconds:.1f} s, {plain_cpu:.0f} CPU s, peak {plain_peak:.0f} MB (largest one); "
        f"pages differing from build all's: {differ or 'none'}"
    )
    targets.insert(
        0,
        f"target build-all{'' if parts else ' (parts off)'}: "
        f"{cold / plain_seconds:.2f} x plain one-after-another "
        f"({cold:.1f} s against {plain_seconds:.1f} s; every step published: {published}) "
        "(limit 0.5)",
    )
    return targets
