"""Pages and form submissions at 100,000 wishes, served by gunicorn on loopback.

    .venv/bin/python bench/web.py                              # SQLite and PostgreSQL
    .venv/bin/python bench/web.py --databases sqlite --scale 20000 --requests 60   # quick

Per database: a new database is migrated (`bundler init-db`), gets the demo story and
`--scale` generated wishes (`bundler load-demo --scale`, timed), and is served by gunicorn with
2 sync workers. A bounded client (`--clients` threads, one request at a time each) signs in as
the office and fetches every page `--requests` times, each page right after the same number of
requests to a trivial page of the same app (the accessibility statement), after a warm-up;
it prints median and p99 of both and their ratio. Then, on SQLite only, gunicorn with 4
workers takes wish submissions through the real form (CSRF token and session cookie, one
signed-in pilot member per client, signed in and warmed up before the clock starts) for
`--form-seconds`: requests per second, the count of
acknowledged submissions (303/302 to the new wish), 5xx, and the rows stored, each checked to
be stored exactly once. Ends with one line per target: `target <name>: <measured> (limit <limit>)`.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.webclient import Browser, Gunicorn, load, median, percentile
from bundler import create_app, demo, scale
from bundler.cli import upgrade_database
from bundler.db import session_scope
from bundler.models import Ministry, Pilot, Wish, wish_ministry
from bundler.refdata import load_reference_data

OFFICE = ("office@bundler.example", "office-demo-2026")
TRIVIAL = "/toegankelijkheid"
INBOX = "/bureau/knelpunten"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bundler_bench_web"
targets: list[str] = []


def config(url: str, workdir: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-web",
        "MFA_REQUIRED": False,
        "RATELIMIT_ENABLED": False,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "STORAGE_FOLDER": str(workdir / "storage"),
        "HUEY_URL": f"sqlite:///{workdir / 'jobs.sqlite'}",
    }


def prepare(url: str, wishes: int, workdir: Path) -> float:
    """Create, migrate and fill the database; return the seconds the generator took."""
    if url.startswith("postgresql"):
        parsed = make_url(url)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    app = create_app(config(url, workdir))
    with app.app_context():
        upgrade_database(app)
    with session_scope(app) as session:
        load_reference_data(session)
        demo.load(session)
    began = time.perf_counter()
    with session_scope(app) as session:
        scale.load_scale(session, wishes, upload_folder=workdir / "uploads")
    seconds = time.perf_counter() - began
    app.extensions["bundler.engine"].dispose()
    return seconds


def facts(url: str) -> dict[str, Any]:
    """The busiest pilot and ministry, to put in the page URLs."""
    engine = create_engine(url)
    with engine.connect() as connection:
        pilot = connection.execute(
            select(Wish.pilot_id).group_by(Wish.pilot_id).order_by(func.count().desc()).limit(1)
        ).scalar_one()
        ministry = connection.execute(
            select(Ministry.code)
            .join(wish_ministry, wish_ministry.c.ministry_id == Ministry.id)
            .group_by(Ministry.code)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        total = connection.execute(select(func.count()).select_from(Wish)).scalar_one()
        member_pilots = dict(
            connection.execute(
                text(
                    "SELECT u.email, m.pilot_id FROM user_account u "
                    "JOIN pilot_member m ON m.user_id = u.id WHERE u.email LIKE 'pilot-%'"
                )
            ).all()
        )
        pilots = connection.execute(select(func.count()).select_from(Pilot)).scalar_one()
    engine.dispose()
    return {"pilot": pilot, "ministry": ministry, "total": total, "members": member_pilots,
            "pilots": pilots}  # fmt: skip


def timed(port: int, path: str, requests: int, clients: int, jar: dict[str, str]) -> list[float]:
    """Fetch path `requests` times with `clients` threads; return the times in ms."""
    times: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        browser = Browser(port, cookies=dict(jar))
        began = time.perf_counter()
        response = browser.request("GET", path)
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        with lock:
            times.append(elapsed)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    return times


def pages(db: str, url: str, workdir: Path, args: argparse.Namespace) -> None:
    known = facts(url)
    server = Gunicorn(config(url, workdir), 2, workdir / f"gunicorn-{db}.log")
    try:
        office = Browser(server.port)
        office.sign_in(*OFFICE)
        cases = [
            ("inbox first page", "/bureau/knelpunten"),
            ("inbox filtered", f"{INBOX}?status=geaccepteerd&ministerie={known['ministry']}"),
            ("search rare word", f"/bureau/knelpunten?zoek={scale.RARE_WORD}"),
            ("search common word", f"/bureau/knelpunten?zoek={scale.COMMON_WORD}"),
            ("bundle overview", "/bureau/overzicht"),
            ("pilot overview", f"/pilots/{known['pilot']}"),
            ("ministry packages", f"/bureau/pakketten/{known['ministry']}"),
        ]  # fmt: skip
        print(f"\n{db}: {known['total']:,} wishes, {known['pilots']} pilots; gunicorn -w 2; "
              f"{args.clients} clients; {args.requests} requests a case")  # fmt: skip
        print(f"load: {load()}")
        print(f"{'page':22} {'median ms':>10} {'p99 ms':>8} {'trivial':>8} {'p99':>6} "
              f"{'x median':>9} {'x p99':>6}")  # fmt: skip
        for name, path in cases:
            for warm in (TRIVIAL, path):
                timed(server.port, warm, 2 * args.clients, args.clients, office.cookies)
            base = timed(server.port, TRIVIAL, args.requests, args.clients, office.cookies)
            found = timed(server.port, path, args.requests, args.clients, office.cookies)
            m, p = median(found), percentile(found, 0.99)
            bm, bp = median(base), percentile(base, 0.99)
            print(f"{name:22} {m:>10.1f} {p:>8.1f} {bm:>8.1f} {bp:>6.1f} {m / bm:>8.1f}x "
                  f"{p / bp:>5.1f}x")  # fmt: skip
            targets.append(f"target {db} {name} median: {m / bm:.1f}x trivial (limit 5x)")
            targets.append(f"target {db} {name} p99: {p / bp:.1f}x trivial (limit 10x)")
        print(f"load after the pages: {load()}")
    finally:
        server.stop()


WISH = {
    "problem": "Inwoners moeten voor deze aanvraag met een papieren formulier naar het loket.",
    "statute": "BWBR0005416",
    "article": "160",
    "paragraph": "",
    "proposed_change": "Sta een digitale aanvraag toe.",
    "benefit_who": "Inwoners en gemeenten",
    "benefit_cases_per_year": "5000",
    "benefit_savings": "Een loketbezoek per aanvraag.",
    "urgency": "normaal",
    "urgency_reason": "",
    "depends_on": "",
    "follows_from": "",
    "action": "toch-indienen",
}


def forms(url: str, workdir: Path, args: argparse.Namespace) -> None:
    known = facts(url)
    members = sorted(known["members"].items())[: args.form_clients]
    server = Gunicorn(config(url, workdir), 4, workdir / "gunicorn-forms.log")
    run = uuid.uuid4().hex[:8]
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop_at = 0.0

    def ready(index: int) -> tuple[Browser, str]:
        """Sign in (scrypt: not part of a submission) and read the form's CSRF token."""
        browser = Browser(server.port)
        browser.sign_in(members[index][0], scale.PASSWORD)
        return browser, browser.token("/knelpunten/nieuw")

    def submit(index: int, title: str) -> int:
        browser, token = browsers[index]
        # A form instance of its own, as a fresh form page gives: the server checks that
        # this form made no wish yet and stores the id with the wish.
        form = {**WISH, "csrf_token": token, "pilot": str(members[index][1]), "title": title,
                "form_id": secrets.token_urlsafe(24)}  # fmt: skip
        response = browser.request("POST", "/knelpunten/nieuw", form)
        location = response.headers.get("Location") or ""
        return int(response.status) if "/knelpunten/" in location else -response.status

    def client(index: int) -> None:
        number = 0
        while time.monotonic() < stop_at:
            number += 1
            title = f"Bench {run} {index}-{number}"
            status = submit(index, title)
            with lock:
                statuses[abs(status)] += 1
                if status in (302, 303):
                    acknowledged.append(title)

    def warm_up(index: int) -> None:
        for number in range(args.form_warm_up):
            submit(index, f"Warm-up {run} {index}-{number}")

    try:
        with ThreadPoolExecutor(len(members)) as pool:
            browsers = list(pool.map(ready, range(len(members))))
            list(pool.map(warm_up, range(len(members))))  # every worker has served a form
        print(f"\nforms (SQLite): gunicorn -w 4, {len(members)} clients, {args.form_seconds} s "
              f"after {args.form_warm_up} warm-up posts each; load {load()}")  # fmt: skip
        stop_at = time.monotonic() + args.form_seconds
        began, client_cpu, server_cpu = time.monotonic(), time.process_time(), server.cpu_seconds()
        with ThreadPoolExecutor(len(members)) as pool:
            list(pool.map(client, range(len(members))))
        seconds = time.monotonic() - began
        client_cpu, server_cpu = time.process_time() - client_cpu, server.cpu_seconds() - server_cpu
    finally:
        server.stop()
    engine = create_engine(url)
    with engine.connect() as connection:
        stored = Counter(
            connection.execute(
                select(Wish.title).where(Wish.title.like(f"Bench {run} %"))
            ).scalars()
        )
    engine.dispose()
    total = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if status >= 500)
    twice = sum(1 for n in stored.values() if n > 1)
    missing = sum(1 for t in acknowledged if stored[t] != 1)
    print(f"answers: {dict(sorted(statuses.items()))}; {total / seconds:.0f} requests/s; "
          f"acknowledged {len(acknowledged)}; stored {sum(stored.values())}; stored twice "
          f"{twice}; acknowledged but not stored once {missing}; load {load()}")  # fmt: skip
    print(f"CPU ms per request: server {server_cpu / max(total, 1) * 1000:.1f}, "
          f"client {client_cpu / max(total, 1) * 1000:.1f}")  # fmt: skip
    targets.append(f"target form submissions per second: {len(acknowledged) / seconds:.0f} "
                   "(limit 200)")  # fmt: skip
    targets.append(f"target form 5xx: {errors} (limit 0)")
    targets.append(f"target form acknowledged not stored exactly once: {missing + twice} "
                   f"of {len(acknowledged)} (limit 0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--postgres-url", default=PG_DEFAULT, help="a database it may drop")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--form-seconds", type=float, default=20)
    parser.add_argument("--form-clients", type=int, default=8)
    parser.add_argument("--form-warm-up", type=int, default=3, help="untimed posts per client")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--only", choices=("pages", "forms"), help="run one part only")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bundler-bench-web-"))
    print(f"load at start: {load()}")
    try:
        for db in args.databases.split(","):
            url = f"sqlite:///{workdir / 'web.sqlite'}" if db == "sqlite" else args.postgres_url
            seconds = prepare(url, args.scale, workdir)
            print(f"\n{db}: generated {args.scale:,} wishes in {seconds:.0f} s (load {load()})")
            targets.append(f"target {db} generate {args.scale:,} wishes: {seconds:.0f} s "
                           "(limit 180 s)")  # fmt: skip
            if args.only != "forms":
                pages(db, url, workdir, args)
            if db == "sqlite" and args.form_seconds > 0 and args.only != "pages":
                forms(url, workdir, args)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    for line in targets:
        print(line)


if __name__ == "__main__":
    main()
