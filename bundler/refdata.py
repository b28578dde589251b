"""Load reference data from the CSV files in bundler/data, idempotently."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler.models import ExecutingOrganisation, Ministry, Municipality, Statute

DATA = Path(__file__).parent / "data"
# Package numbers write these abbreviations in capitals (DEF-2026-01, FIN-2026-02).
CODE_OVERRIDES = {"Def": "DEF", "Fin": "FIN"}
_SUCCESSOR = re.compile(r"(?:merged|absorbed)[^;]*?into (mnre\d{4})")
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
    return report


def load_statutes(session: Session, text: str) -> LoadReport:
    """Insert or update statutes and their responsible ministries."""
    report = LoadReport()
    ministries = {m.code: m for m in session.scalars(select(Ministry))}
    for row in read_csv(text):
        outcome = _upsert(
            session,
            Statute,
            "bwb_id",
            {"bwb_id": row["bwb_id"], "title": row["title"], "short_title": row["short_title"]},
        )
        session.flush()
        statute = session.scalar(select(Statute).where(Statute.bwb_id == row["bwb_id"]))
        assert statute is not None
        wanted = [ministries[code] for code in row["ministries"].split(";") if code]
        if {m.id for m in statute.ministries} != {m.id for m in wanted}:
            statute.ministries = wanted
            outcome = "updated" if outcome == "unchanged" else outcome
        report.count(outcome)
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
    reports["statuten"] = load_statutes(session, read("statuten.csv"))
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


def statutes(session: Session) -> list[Statute]:
    """Return the statute catalogue, by title."""
    return list(session.scalars(select(Statute).order_by(Statute.title)))
