"""Operations on the statute catalogue: save, retire, delete, import and export (no commits).

Every change is audited. A regulation a wish refers to is never deleted, only retired;
saving a regulation adopts the wishes whose pasted link proposed its BWB id.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import audit, refdata, statute_rules
from bundler.models import Ministry, Statute, User, Wish
from bundler.rules import RuleError


def snapshot(statute: Statute) -> dict[str, Any]:
    """Describe a statute for the audit log."""
    return {
        "bwb_id": statute.bwb_id,
        "title": statute.title,
        "short_title": statute.short_title,
        "citation_title": statute.citation_title,
        "kind": statute.kind,
        "retired_on": statute.retired_on.isoformat() if statute.retired_on else None,
        "ministries": statute_rules.format_periods(refdata.statute_periods(statute)),
    }


def wish_count(session: Session, statute: Statute) -> int:
    """Count the wishes that refer to a statute."""
    return session.scalar(select(func.count(Wish.id)).where(Wish.statute_id == statute.id)) or 0


def _check(session: Session, statute: Statute | None, values: Mapping[str, Any]) -> None:
    if statute_rules.normalise_bwb_id(values["bwb_id"]) != values["bwb_id"]:
        raise RuleError(_l("Vul een BWB-nummer in zoals BWBR0002656 of BWBV0001234."), "bwb_id")
    other = session.scalar(select(Statute).where(Statute.bwb_id == values["bwb_id"]))
    if other is not None and other is not statute:
        raise RuleError(_l("Deze regeling staat al in de lijst."), "bwb_id")
    code = statute_rules.duplicate(values["periods"])
    if code:
        raise RuleError(
            _l("Ministerie %(code)s staat er twee keer in; geef het één periode.", code=code),
            "responsibilities",
        )
    known = set(session.scalars(select(Ministry.code)))
    if any(p.code not in known for p in values["periods"]):
        raise RuleError(_l("Kies een bestaand ministerie."), "responsibilities")


def adopt_proposals(session: Session, statute: Statute, actor: User | None) -> list[Wish]:
    """Give the wishes that proposed this statute's BWB id (by a pasted link) the statute."""
    wishes = list(session.scalars(select(Wish).where(Wish.proposed_bwb_id == statute.bwb_id)))
    for wish in wishes:
        wish.statute = statute
        wish.proposed_bwb_id = ""
        wish.statute_unknown = False
        audit.record(
            session,
            "wish.statute_confirmed",
            actor=actor,
            obj=wish,
            before={"proposed_bwb_id": statute.bwb_id},
            after={"statute": statute.bwb_id},
            summary=f"{wish.reference}: {statute.bwb_id} toegevoegd aan de wettenlijst",
        )
    return wishes


def save_statute(
    session: Session, statute: Statute | None, values: Mapping[str, Any], *, actor: User | None
) -> Statute:
    """Add a regulation (statute None) or change one; audit it and adopt waiting proposals."""
    _check(session, statute, values)
    before = snapshot(statute) if statute is not None else None
    saved, changed = refdata.apply_statute(session, statute, values)
    if changed:
        audit.record(
            session,
            "statute.created" if before is None else "statute.updated",
            actor=actor,
            obj=saved,
            before=before,
            after=snapshot(saved),
            summary=f"{saved.bwb_id} {saved.title}",
        )
    adopt_proposals(session, saved, actor)
    session.flush()
    return saved


def set_retired(
    session: Session, statute: Statute, *, retired: bool, actor: User | None, on: dt.date
) -> None:
    """Retire a regulation (offered no more; kept for the wishes that refer to it) or restore it."""
    before = snapshot(statute)
    statute.retired_on = on if retired else None
    audit.record(
        session,
        "statute.retired" if retired else "statute.restored",
        actor=actor,
        obj=statute,
        before=before,
        after=snapshot(statute),
        summary=f"{statute.bwb_id} {statute.title}",
    )
    session.flush()


def delete_statute(session: Session, statute: Statute, *, actor: User | None) -> None:
    """Delete a regulation no wish refers to; refuse otherwise."""
    count = wish_count(session, statute)
    if count:
        raise RuleError(
            _l(
                "%(n)s knelpunten verwijzen naar deze regeling; verwijderen kan niet. Trek de "
                "regeling in als zij niet meer gekozen mag worden.",
                n=count,
            ),
            "confirm",
        )
    audit.record(
        session,
        "statute.deleted",
        actor=actor,
        obj=statute,
        before=snapshot(statute),
        summary=f"{statute.bwb_id} {statute.title}",
    )
    session.delete(statute)
    session.flush()


def import_csv(session: Session, text: str, *, actor: User | None) -> refdata.LoadReport:
    """Add and update regulations from CSV in the statuten.csv format; all or nothing."""
    codes = set(session.scalars(select(Ministry.code)))
    try:
        rows, errors = refdata.statute_rows(refdata.read_csv(text), codes)
    except (csv.Error, KeyError) as error:
        rows, errors = [], [f"geen geldig CSV-bestand ({error})"]
    report = refdata.LoadReport(errors=errors)
    if errors:
        return report
    existing = {s.bwb_id: s for s in session.scalars(select(Statute))}
    for values in rows:
        statute = existing.get(values["bwb_id"])
        before = snapshot(statute) if statute is not None else None
        saved = save_statute(session, statute, values, actor=actor)
        if before is None:
            report.count("inserted")
        else:
            report.count("unchanged" if before == snapshot(saved) else "updated")
    return report


def export_csv(session: Session) -> str:
    """Write the whole catalogue, retired regulations included, in the statuten.csv format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(statute_rules.CSV_COLUMNS)
    for statute in sorted(refdata.statutes(session, retired=True), key=lambda s: s.bwb_id):
        values = snapshot(statute)
        writer.writerow([values[c] or "" for c in statute_rules.CSV_COLUMNS])
    return out.getvalue()
