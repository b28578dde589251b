"""Time API reads at 100,000 wishes against a trivial token-checked endpoint.

    .venv/bin/python bench/api.py                      # SQLite file in a temporary folder
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/api.py

The data comes from the product's generator (`bundler load-demo --scale N`, via bench/inbox.py):
pilots, the reference statutes, a spread of states and ministries. Each request goes through
the Flask test client with a bearer token; the trivial endpoint is a route that only checks the
token and answers {} (the same authentication, rate limiting and headers as every API call).
Prints the median of --runs requests per case (the cases interleaved, round by round) and its
ratio to the trivial endpoint (the target: at most 5x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inbox import fill  # bench/inbox.py

from bundler import create_app
from bundler.api.ops import TOKEN_PREFIX, token_hash
from bundler.api.web import token_required
from bundler.db import make_engine
from bundler.enums import Role
from bundler.models import ApiToken, Base, Ministry, Pilot, Wish, utcnow
from bundler.refdata import load_reference_data


def _token(session: Session, role: Role, **scope: int | None) -> str:
    secret = TOKEN_PREFIX + f"bench-{role.value}-" + "x" * 30
    session.add(
        ApiToken(
            name=f"bench {role.value}",
            token_hash=token_hash(secret),
            prefix=secret[:11],
            role=role,
            expires_at=utcnow().replace(year=utcnow().year + 1),
            **scope,
        )
    )
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wishes", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bundler-bench-api-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    engine = make_engine(url)
    with Session(engine) as session:
        existing = (
            session.scalar(select(func.count()).select_from(Wish)) if _has_schema(engine) else 0
        )
        if not existing:
            Base.metadata.drop_all(engine)
            Base.metadata.create_all(engine)
            load_reference_data(session)
            session.commit()
            started = time.perf_counter()
            fill(session, args.wishes)
            session.commit()
            print(f"filled {args.wishes} wishes in {time.perf_counter() - started:.0f} s")
        session.execute(ApiToken.__table__.delete())
        bzk = session.scalar(select(Ministry.id).where(Ministry.code == "BZK"))
        pilot = session.scalar(select(Pilot.id).order_by(Pilot.id))
        office = _token(session, Role.OFFICE)
        ministry = _token(session, Role.MINISTRY, ministry_id=bzk)
        pilot_token = _token(session, Role.PILOT, pilot_id=pilot)
        session.commit()
    engine.dispose()

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "HUEY_URL": f"sqlite:///{workdir / 'jobs.sqlite'}",
            "API_RATE_LIMIT": "1000000 per minute",
        }
    )
    app.add_url_rule("/api/v1/_bench", "bench_trivial", token_required(*Role)(lambda: {"ok": True}))
    client = app.test_client()
    cases = [
        ("trivial (token check only)", "/api/v1/_bench", office),
        ("office: first page", "/api/v1/wishes", office),
        ("office: ministry+state", "/api/v1/wishes?ministry=BZK&state=geaccepteerd", office),
        ("office: statute+pilot", f"/api/v1/wishes?statute=BWBR0005416&pilot={pilot}", office),
        ("office: municipality", "/api/v1/wishes?municipality=GM0796", office),
        ("office: changedSince", "/api/v1/wishes?changedSince=2026-06-01T00:00:00Z", office),
        ("ministry BZK: first page", "/api/v1/wishes", ministry),
        ("pilot: first page", "/api/v1/wishes", pilot_token),
        ("reference: statutes", "/api/v1/statutes", office),
    ]
    # Interleaved: each round asks every case once, so a slow moment of the machine falls on
    # the trivial endpoint as much as on the lists (a baseline measured once, first, made the
    # ratios swing between 3x and 9x from one run to the next).
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    bodies: dict[str, dict[str, Any]] = {}
    for round_number in range(args.runs + 2):
        for name, path, token in cases:
            started = time.perf_counter()
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
            if round_number >= 2:  # two rounds to warm up: caches, prepared statements
                times[name].append(elapsed)
            bodies[name] = response.get_json()
    baseline = statistics.median(times[cases[0][0]])
    worst = ("", 0.0)
    print(f"{'case':34} {'median ms':>10} {'x trivial':>10} {'p90 ms':>8} {'items':>6}")
    for name, path, _ in cases:
        median = statistics.median(times[name])
        p90 = statistics.quantiles(times[name], n=10)[-1]
        body = bodies[name]
        items = len(body.get("wishes", body.get("statutes", [])))
        print(f"{name:34} {median:10.1f} {median / baseline:10.1f} {p90:8.1f} {items:6}")
        if path.startswith("/api/v1/wishes") and median / baseline > worst[1]:
            worst = (name, median / baseline)
    app.extensions["bundler.engine"].dispose()
    print(f"target api-wish-reads: {worst[1]:.1f} x trivial, worst {worst[0]} (limit 5)")


def _has_schema(engine: object) -> bool:
    from sqlalchemy import inspect

    return "wish" in inspect(engine).get_table_names()


if __name__ == "__main__":
    main()
