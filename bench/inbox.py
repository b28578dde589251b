"""Time the office's inbox and overview on a large database (100,000 wishes by default).

    .venv/bin/python bench/inbox.py                      # SQLite file in a temporary folder
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python bench/inbox.py

The database is filled with realistic pilots (five municipalities and an executing
organisation each), the reference statutes and a spread of states, urgencies, dates, shared
statutes and supporting pilots; then each page is fetched through the Flask test client as a
signed-in office user. A database that already holds wishes is reused as it is (use --reset to
start again). Prints the median time of a few runs, the size of the page and the number of SQL
statements it took.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bundler import create_app
from bundler.accounts import create_user
from bundler.db import make_engine
from bundler.enums import Role, Urgency, WishState
from bundler.models import (
    Base,
    ExecutingOrganisation,
    Municipality,
    Pilot,
    PilotMunicipality,
    Statute,
    Wish,
    WishSupport,
    wish_ministry,
)
from bundler.numbering import wish_reference
from bundler.refdata import load_reference_data

EMAIL = "bench-office@example.org"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway account in a throwaway database
PILOTS = 40
CHUNK = 5_000

S = WishState
# Roughly how a year of intake looks: most wishes accepted or being worked on.
STATES = [
    (S.CONCEPT, 3),
    (S.SUBMITTED, 20),
    (S.NEEDS_INFO, 5),
    (S.IN_TRIAGE, 10),
    (S.ACCEPTED, 40),
    (S.REJECTED, 7),
    (S.MERGED, 5),
    (S.WITHDRAWN, 4),
    (S.OFFERED, 6),
]
URGENCIES = [(Urgency.LOW, 2), (Urgency.NORMAL, 6), (Urgency.HIGH, 2)]
SUBJECTS = [
    "aangifte van overlijden",
    "geboorteaangifte",
    "melding voorgenomen huwelijk",
    "parkeervergunning",
    "bijstandsaanvraag",
    "verhuizing",
    "paspoortaanvraag",
    "omgevingsvergunning",
    "kwijtschelding",
    "jeugdhulp",
    "schuldhulp",
    "stemmen per brief",
    "digitale handtekening",
    "inkomensgegevens",
    "uitvaartondernemer",
]
PROBLEMS = [
    "moet nu op papier",
    "vraagt een bezoek aan het gemeentehuis",
    "kan niet digitaal worden ondertekend",
    "vereist een kopie van een document dat de overheid al heeft",
    "mag niet uit de basisregistratie worden gehaald",
    "kost inwoners weken wachttijd",
]
WORDS = [
    "inwoners",
    "ondernemers",
    "professionals",
    "gemeente",
    "formulier",
    "loket",
    "termijn",
    "gegevens",
    "registratie",
    "wet",
    "artikel",
    "lid",
    "digitaal",
    "handtekening",
    "aanvraag",
    "besluit",
    "bezwaar",
    "melding",
]
# "papier" is left out on purpose: it is in a sixth of the problems, as a searched word would be.
ARTICLES = [str(n) for n in range(1, 80)] + ["19h", "19a", "2.1", "1:3", "7.2", "10a", "125"]


def weighted(rng: random.Random, table: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def fill(session: Session, wishes: int, seed: int = 2026) -> None:
    """Create pilots, an office account and `wishes` wishes with supporters and ministries."""
    rng = random.Random(seed)
    municipalities = list(session.scalars(select(Municipality).order_by(Municipality.cbs_code)))
    organisations = list(session.scalars(select(ExecutingOrganisation)))
    statutes = list(session.scalars(select(Statute)))
    statute_ministries = {s.id: [m.id for m in s.ministries] for s in statutes}
    pilots = []
    for number in range(PILOTS):
        pilot = Pilot(
            name=f"Pilot {number + 1:02d} {SUBJECTS[number % len(SUBJECTS)]}",
            description="Benchmarkpilot.",
            executing_organisation=rng.choice(organisations),
        )
        for municipality in rng.sample(municipalities, 5):
            pilot.participations.append(PilotMunicipality(municipality=municipality))
        session.add(pilot)
        pilots.append(pilot)
    create_user(session, email=EMAIL, name="Bench", role=Role.OFFICE, password=PASSWORD)
    session.flush()
    pilot_ids = [p.id for p in pilots]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    span = int((dt.datetime(2026, 6, 1, tzinfo=dt.UTC) - start).total_seconds())
    wish_table, support_table = Wish.__table__, WishSupport.__table__
    next_id = (session.scalar(select(func.max(Wish.id))) or 0) + 1
    began = time.perf_counter()
    for offset in range(0, wishes, CHUNK):
        rows, links, supports = [], [], []
        for i in range(offset, min(offset + CHUNK, wishes)):
            wish_id = next_id + i
            state = weighted(rng, STATES)
            statute = rng.choice(statutes) if rng.random() > 0.05 else None
            subject, problem = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
            created = start + dt.timedelta(seconds=rng.randrange(span))
            pilot_id = rng.choice(pilot_ids)
            rows.append(
                {
                    "id": wish_id,
                    "reference": wish_reference(2024 + i % 3, i + 1),
                    "title": f"De {subject} {problem}"[:200],
                    "problem": f"De {subject} {problem}. " + sentence(rng, 40),
                    "statute_id": statute.id if statute else None,
                    "statute_unknown": statute is None,
                    "article": rng.choice(ARTICLES) if statute else "",
                    "paragraph": str(rng.randint(1, 4)) if rng.random() < 0.3 else "",
                    "proposed_change": sentence(rng, 25),
                    "benefit_who": "Inwoners en gemeenten",
                    "benefit_cases_per_year": rng.randrange(10, 100_000),
                    "benefit_savings": sentence(rng, 12),
                    "urgency": weighted(rng, URGENCIES),
                    "urgency_reason": "",
                    "state": state,
                    "state_reason": "Benchmark" if state in (S.REJECTED, S.NEEDS_INFO) else "",
                    "pilot_id": pilot_id,
                    "created_at": created,
                    "updated_at": created + dt.timedelta(days=rng.randrange(30)),
                    "submitted_at": None
                    if state is S.CONCEPT
                    else created + dt.timedelta(hours=rng.randrange(72)),
                    "version": 1,
                }
            )
            if statute is not None and state not in (S.CONCEPT, S.SUBMITTED):
                links += [
                    {"wish_id": wish_id, "ministry_id": m} for m in statute_ministries[statute.id]
                ]
            if state is not S.CONCEPT and rng.random() < 0.3:
                for supporter in rng.sample(pilot_ids, rng.randint(1, 2)):
                    if supporter != pilot_id:
                        supports.append(
                            {
                                "wish_id": wish_id,
                                "pilot_id": supporter,
                                "note": "Wij lopen hier ook tegenaan.",
                                "created_at": created,
                            }
                        )
        session.execute(insert(wish_table), rows)
        if links:
            session.execute(insert(wish_ministry), links)
        if supports:
            session.execute(insert(support_table), supports)
        done = min(offset + CHUNK, wishes)
        print(f"  {done:>7,} wishes ({time.perf_counter() - began:.0f} s)", file=sys.stderr)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE"))


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
