"""Time the office's inbox and overview on a large database (100,000 wishes by default).

    .venv/bin/python bench/inbox.py                      # SQLite file in a temporary folder
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/inbox.py

The database is filled by the product's own generator (`bundler load-demo --scale`, in
`bundler/scale.py`): pilots, the reference statutes, states, supporters, merges and answers in
believable proportions; then each page is fetched through the Flask test client as a
signed-in office user. A database that already holds wishes is reused as it is (use --reset to
start again). Prints the median time of a few runs, the size of the page and the number of SQL
statements it took.
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

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bundler import create_app, scale
from bundler.accounts import create_user
from bundler.db import make_engine
from bundler.enums import Role, WishState
from bundler.models import (
    Base,
    Municipality,
    PilotMunicipality,
    Wish,
)
from bundler.refdata import load_reference_data

EMAIL = "bench-office@example.org"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway account in a throwaway database
S = WishState


def fill(session: Session, wishes: int, seed: int = 2026) -> None:
    """Add an office account and `wishes` generated wishes (`bundler load-demo --scale`)."""
    create_user(session, email=EMAIL, name="Bench", role=Role.OFFICE, password=PASSWORD)
    began = time.perf_counter()
    scale.load_scale(
        session,
        wishes,
        seed=seed,
        progress=lambda done: print(
            f"  {done:>7,} wishes ({time.perf_counter() - began:.0f} s)", file=sys.stderr
        ),
    )


PAGES = [
    ("inbox, first page", "/bureau/knelpunten"),
    ("inbox, accepted BZK Gemeentewet", "/bureau/knelpunten?status=geaccepteerd&ministerie=BZK"
     "&wet=BWBR0005416"),
    ("inbox, municipality + urgency", "/bureau/knelpunten?gemeente={municipality}&urgentie=hoog"),
    ("inbox, full text", "/bureau/knelpunten?zoek=aangifte+overlijden"),
    ("inbox, full text + filter", "/bureau/knelpunten?zoek=papier&status=ingediend&sorteer=titel"),
    ("inbox, page 200 by title", "/bureau/knelpunten?sorteer=titel&richting=op&pagina=200"),
    ("overview (tree)", "/bureau/overzicht"),
    ("triage page of one wish", "/bureau/knelpunten/{reference}"),
    ("audit log", "/bureau/logboek"),
]  # fmt: skip
EXPORTS = [
    ("export CSV, accepted BZK", "/bureau/export.csv?status=geaccepteerd&ministerie=BZK"),
    ("export XLSX, accepted BZK", "/bureau/export.xlsx?status=geaccepteerd&ministerie=BZK"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wishes", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--reset", action="store_true", help="drop and refill the database")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--exports", action="store_true", help="also time two exports")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bundler-bench-"))
    try:
        run(args, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:
    """Fill (or reuse) the database, sign in and time every page."""
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    engine = make_engine(url)
    if args.reset:
        Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        existing = session.scalar(select(func.count()).select_from(Wish)) or 0
        if existing == 0:
            print(f"filling {url} with {args.wishes:,} wishes …", file=sys.stderr)
            load_reference_data(session)
            session.flush()
            began = time.perf_counter()
            fill(session, args.wishes)
            session.commit()
            print(f"filled in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        else:
            print(f"reusing {existing:,} wishes in {url}", file=sys.stderr)
        municipality = session.scalar(
            select(Municipality.cbs_code)
            .join(PilotMunicipality, PilotMunicipality.municipality_id == Municipality.id)
            .limit(1)
        )
        total = session.scalar(select(func.count()).select_from(Wish))
        reference = session.scalar(
            select(Wish.reference).where(Wish.state == S.SUBMITTED).order_by(Wish.id).limit(1)
        )
    engine.dispose()

    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "MFA_REQUIRED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
            "STORAGE_FOLDER": str(workdir / "storage"),
            "HUEY_URL": f"sqlite:///{workdir / 'jobs.sqlite'}",
        }
    )
    client = app.test_client()
    login = client.get("/aanmelden").get_data(as_text=True)
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/aanmelden", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, "could not sign in as the bench office user"

    statements: list[str] = []
    event.listen(
        app.extensions["bundler.engine"],
        "before_cursor_execute",
        lambda *a: statements.append(a[2]),
    )
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{total:,} wishes on {dialect}; median of {args.runs} runs after one warm-up\n")
    print(f"{'page':<34} {'status':>6} {'ms':>8} {'KB':>7} {'SQL':>4}")
    pages = PAGES + (EXPORTS if args.exports else [])
    for name, path in pages:
        path = path.format(municipality=municipality, reference=reference)
        client.get(path)
        times = []
        for _ in range(args.runs):
            statements.clear()
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            body = response.get_data()
        print(
            f"{name:<34} {response.status_code:>6} {statistics.median(times):>8.0f} "
            f"{len(body) / 1024:>7.0f} {len(statements):>4}"
        )


if __name__ == "__main__":
    main()
