"""Load reference data from the CSV files in bundler/data, idempotently."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import statute_rules
from bundler.models import (
    ExecutingOrganisation,
    Ministry,
    Municipality,
    Statute,
    StatuteResponsibility,
)

DATA = Path(__file__).parent / "data"
# Package numbers write these abbreviations in capitals (DEF-2026-01, FIN-2026-02).
CODE_OVERRIDES = {"Def": "DEF", "Fin": "FIN"}
_SUCCESSOR = re.compile(r"(?:merged|absorbed)[^;]*?into (mnre\d{4})")
_SPLIT = re.compile(r"split[^;]*? into ((?:mnre\d{4}(?:,\s*|\s+and\s+|\s+en\s+)?)+)")
_CBS_CODE = re.compile(r"^GM\d{4}$")


@dataclass
class LoadReport:
    """How many rows a load inserted, updated or left unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def read_csv(text: str) -> list[dict[str, str]]:
    """Parse CSV text with a header row into dictionaries of stripped strings."""
    return [
        {k.strip(): (v or "").strip() for k, v in row.items()}
        for row in csv.DictReader(io.StringIO(text))
    ]


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def ministry_rows(rows: Iterable[Mapping[str, str]]) -> list[dict[str, Any]]:
    """Turn TOOI ministry rows into model values; the successor stays a TOOI code."""
    result = []
    for row in rows:
        successor = _SUCCESSOR.search(row.get("notes", ""))
        result.append(
            {
                "code": CODE_OVERRIDES.get(row["afkorting"], row["afkorting"]),
                "name": row["naam"],
                "official_name": row["officiele_naam_incl_soort"],
                "tooi_code": row["organisatiecode"],
                "valid_from": _date(row.get("begindatum", "")),
                "valid_until": _date(row.get("einddatum", "")),
                "notes": row.get("notes", ""),
                "successor": successor.group(1) if successor else None,
            }
        )
    return result


def municipality_rows(rows: Iterable[Mapping[str, str]]) -> tuple[list[dict[str, Any]], list[str]]:
    """Validate municipality rows; return model values and the errors found, per line."""
    values, errors = [], []
    for number, row in enumerate(rows, start=2):
        code = row.get("code", "").upper()
        if not _CBS_CODE.match(code) or not row.get("name"):
            errors.append(f"regel {number}: ongeldige CBS-code of naam ({code!r})")
            continue
        values.append(
            {
                "cbs_code": code,
                "name": row["name"],
                "province": row.get("province", ""),
                "tooi_id": row.get("tooi_id") or code.lower(),
                "tooi_name": row.get("tooi_official_name", ""),
                "active": True,
            }
        )
    return values, errors


def _upsert(session: Session, model: Any, key: str, values: dict[str, Any]) -> str:
    obj = session.scalar(select(model).where(getattr(model, key) == values[key]))
    if obj is None:
        session.add(model(**values))
        return "inserted"
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return "updated" if changed else "unchanged"


def load_ministries(session: Session, text: str) -> LoadReport:
    """Insert or update ministries, then link successors."""
    report = LoadReport()
    rows = ministry_rows(read_csv(text))
    for values in rows:
        plain = {k: v for k, v in values.items() if k != "successor"}
        report.count(_upsert(session, Ministry, "tooi_code", plain))
    session.flush()
    by_tooi = {m.tooi_code: m for m in session.scalars(select(Ministry))}
    for values in rows:
        ministry = by_tooi[values["tooi_code"]]
        successor = by_tooi.get(values["successor"]) if values["successor"] else None
        if ministry.successor is not successor:
            ministry.successor = successor
        split = _SPLIT.search(values["notes"])
        codes = re.findall(r"mnre\d{4}", split.group(1)) if split else []
        parts = [by_tooi[c] for c in codes if c in by_tooi]
        if {m.id for m in ministry.split_into} != {m.id for m in parts}:
            ministry.split_into = parts
    return report


def statute_rows(
    rows: Iterable[Mapping[str, str]], ministry_codes: Collection[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Validate statuten.csv rows; return model values (with `periods`) and errors per line."""
    values, errors = [], []
    seen: set[str] = set()
    for number, row in enumerate(rows, start=2):
        bwb_id = statute_rules.normalise_bwb_id(row.get("bwb_id", ""))
        kind = row.get("kind") or statute_rules.StatuteKind.LAW.value
        problem = ""
        try:
            periods = statute_rules.parse_periods(row.get("ministries", ""))
            retired_on = _date(row.get("retired_on", ""))
        except ValueError as error:
            periods, retired_on, problem = [], None, f"ongeldige waarde {error}"
        unknown = sorted({p.code for p in periods} - set(ministry_codes))
        if bwb_id is None:
            problem = f"ongeldig BWB-nummer {row.get('bwb_id', '')!r}"
        elif bwb_id in seen:
            problem = f"{bwb_id} staat twee keer in het bestand"
        elif not row.get("title"):
            problem = "titel ontbreekt"
        elif kind not in set(statute_rules.StatuteKind):
            problem = f"onbekende soort {kind!r}"
        elif unknown:
            problem = f"onbekend ministerie {', '.join(unknown)}"
        elif statute_rules.duplicate(periods):
            problem = f"ministerie {statute_rules.duplicate(periods)} staat er twee keer"
        if problem:
            errors.append(f"regel {number}: {problem}")
            continue
        assert bwb_id is not None
        seen.add(bwb_id)
        values.append(
            {
                "bwb_id": bwb_id,
                "title": row["title"],
                "short_title": row.get("short_title", ""),
                "citation_title": row.get("citation_title", ""),
                "kind": kind,
                "retired_on": retired_on,
                "periods": periods,
            }
        )
    return values, errors


def statute_periods(statute: Statute) -> list[statute_rules.Period]:
    """Return a statute's responsibilities as plain periods, by ministry code."""
    return sorted(
        (
            statute_rules.Period(r.ministry.code, r.valid_from, r.valid_until)
            for r in statute.responsibilities
        ),
        key=lambda p: (p.code, p.valid_from or dt.date.min),
    )


def apply_statute(
    session: Session, statute: Statute | None, values: Mapping[str, Any]
) -> tuple[Statute, bool]:
    """Create or change a statute and its responsibilities; return it and whether it changed."""
    plain = {k: v for k, v in values.items() if k != "periods"}
    changed = statute is None
    if statute is None:
        statute = Statute(**plain)
        session.add(statute)
    for name, value in plain.items():
        if getattr(statute, name) != value:
            setattr(statute, name, value)
            changed = True
    wanted = sorted(values["periods"], key=lambda p: (p.code, p.valid_from or dt.date.min))
    if statute_periods(statute) != wanted:
        ministries = {m.code: m for m in session.scalars(select(Ministry))}
        statute.responsibilities = [
            StatuteResponsibility(
                ministry=ministries[p.code], valid_from=p.valid_from, valid_until=p.valid_until
            )
            for p in wanted
        ]
        changed = True
    session.flush()
    return statute, changed


def load_statutes(session: Session, text: str, *, update_existing: bool = True) -> LoadReport:
    """Insert statutes (and, when asked, update existing ones) with their responsibilities.

    Nothing is loaded when a row is invalid: the report lists the errors per line.
    """
    codes = set(session.scalars(select(Ministry.code)))
    values, errors = statute_rows(read_csv(text), codes)
    report = LoadReport(errors=errors)
    if errors:
        return report
    existing = {s.bwb_id: s for s in session.scalars(select(Statute))}
    for row in values:
        statute = existing.get(row["bwb_id"])
        if statute is not None and not update_existing:
            report.count("unchanged")
            continue
        _, changed = apply_statute(session, statute, row)
        report.count("inserted" if statute is None else "updated" if changed else "unchanged")
    return report


def load_municipalities(session: Session, text: str, *, deactivate_missing: bool) -> LoadReport:
    """Insert or update municipalities; optionally mark those not in the file inactive."""
    values, errors = municipality_rows(read_csv(text))
    report = LoadReport(errors=errors)
    if errors:
        return report
    for row in values:
        report.count(_upsert(session, Municipality, "cbs_code", row))
    if deactivate_missing:
        present = {row["cbs_code"] for row in values}
        for municipality in session.scalars(select(Municipality).where(Municipality.active)):
            if municipality.cbs_code not in present:
                # Kept, not deleted: pilots and packages still refer to merged municipalities.
                municipality.active = False
                report.deactivated += 1
    return report


def load_executing_organisations(session: Session, text: str) -> LoadReport:
    """Insert or update the executing organisations."""
    report = LoadReport()
    for row in read_csv(text):
        report.count(
            _upsert(
                session,
                ExecutingOrganisation,
                "code",
                {
                    "code": row["afkorting"],
                    "name": row["naam"],
                    "legal_name": row["wettelijke_naam"],
                    "kind": row["soort_volgens_bron"],
                },
            )
        )
    return report


def load_reference_data(session: Session) -> dict[str, LoadReport]:
    """Load every reference file shipped in bundler/data (the caller commits)."""

    def read(name: str) -> str:
        return (DATA / name).read_text(encoding="utf-8")

    reports = {"ministeries": load_ministries(session, read("ministeries_tooi.csv"))}
    session.flush()
    # The office maintains the catalogue in the app: the shipped file only adds what is missing.
    reports["statuten"] = load_statutes(session, read("statuten.csv"), update_existing=False)
    reports["gemeenten"] = load_municipalities(
        session, read("gemeenten.csv"), deactivate_missing=False
    )
    reports["uitvoeringsorganisaties"] = load_executing_organisations(
        session, read("uitvoeringsorganisaties.csv")
    )
    session.flush()
    return reports


def current_ministries(session: Session) -> list[Ministry]:
    """Return the ministries in office today, by code."""
    return [m for m in session.scalars(select(Ministry).order_by(Ministry.code)) if m.is_current()]


def statutes(session: Session, *, retired: bool = False) -> list[Statute]:
    """Return the statute catalogue by title; retired regulations only when asked."""
    query = select(Statute).order_by(Statute.title)
    if not retired:
        query = query.where(Statute.retired_on.is_(None))
    return list(session.scalars(query))
