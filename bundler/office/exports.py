"""Exports of the inbox's current filter as CSV, XLSX and JSON: plain rows in, bytes out.

Every format has the same columns, the ones a spreadsheet user expects. Text that a
spreadsheet would run as a formula (starting with = + - @, or a tab or carriage return) is
prefixed with a quote in CSV and stored as plain text in XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from bundler import labels
from bundler.enums import AnswerStatus, Urgency, WishState
from bundler.office.rows import WishRow

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# (key, column header); the order of the spreadsheet.
COLUMNS = (
    ("reference", _l("Kenmerk")),
    ("title", _l("Titel")),
    ("problem", _l("Probleem")),
    ("proposed_change", _l("Gewenste wijziging")),
    ("state", _l("Status")),
    ("ministries", _l("Ministerie")),
    ("shared", _l("Gedeeld")),
    ("statute", _l("Wet")),
    ("bwb_id", _l("BWB-id")),
    ("article", _l("Artikel")),
    ("paragraph", _l("Lid")),
    ("raising_pilot", _l("Indienende pilot")),
    ("supporting_pilots", _l("Steunende pilots")),
    ("municipalities", _l("Gemeenten")),
    ("executing_organisations", _l("Uitvoeringsorganisaties")),
    ("urgency", _l("Urgentie")),
    ("submitted_on", _l("Ingediend op")),
    ("updated_on", _l("Laatst gewijzigd")),
    ("answer", _l("Antwoord van het ministerie")),
    ("effective_on", _l("Datum van inwerkingtreding")),
)
DATE_FORMAT = "DD-MM-YYYY"  # how a Dutch spreadsheet shows the date cells
SEPARATOR = "; "


def _date(value: dt.datetime | None) -> dt.date | str:
    return value.date() if value is not None else ""


class _Words:
    """The translated labels an export needs, looked up once per export, not once per cell."""

    def __init__(self) -> None:
        self.states = {s.value: labels.label(s) for s in WishState}
        self.urgencies = {u.value: labels.label(u) for u in Urgency}
        self.yes = str(_l("ja"))
        self.answers = {s.value: labels.label(s) for s in AnswerStatus}


def row_values(row: WishRow, words: _Words | None = None) -> dict[str, Any]:
    """Return one wish as the values of the spreadsheet columns: text, and dates as dates."""
    words = words or _Words()
    item = row.item
    raising = [p for p in item.pilots if p.raising]
    supporting = [p for p in item.pilots if not p.raising]
    municipalities = sorted({name for p in item.pilots for _, name in p.municipalities})
    return {
        "reference": item.reference,
        "title": item.title,
        "problem": row.problem,
        "proposed_change": row.proposed_change,
        "state": words.states[item.state],
        "ministries": SEPARATOR.join(item.ministries),
        "shared": words.yes if item.shared else "",
        "statute": item.statute_title,
        "bwb_id": item.statute_bwb_id or "",
        "article": item.article,
        "paragraph": item.paragraph,
        "raising_pilot": SEPARATOR.join(p.name for p in raising),
        "supporting_pilots": SEPARATOR.join(p.name for p in supporting),
        "municipalities": SEPARATOR.join(municipalities),
        "executing_organisations": SEPARATOR.join(sorted(item.executing_organisations)),
        "urgency": words.urgencies[row.urgency],
        "submitted_on": _date(row.submitted_at),
        "updated_on": _date(row.updated_at),
        "answer": SEPARATOR.join(
            (f"{a.ministry}: " if item.shared else "") + words.answers[a.status]
            for a in row.answers
        ),
        # With several ministries, the latest date the change takes effect.
        "effective_on": max(
            (a.effective_date for a in row.answers if a.effective_date), default=""
        ),
    }


def headers() -> list[str]:
    """Return the column headers in the current language."""
    return [str(title) for _, title in COLUMNS]


def neutralise(value: str) -> str:
    """Prefix text a spreadsheet would read as a formula with a quote."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(rows: Iterable[WishRow]) -> bytes:
    """Write CSV as Dutch spreadsheets open it: semicolons, UTF-8 with a byte order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(headers())
    words = _Words()
    for row in rows:
        values = row_values(row, words)
        # Dates as YYYY-MM-DD: unambiguous, and every spreadsheet reads them as dates.
        writer.writerow([neutralise(str(values[key])) for key, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows: Iterable[WishRow]) -> bytes:
    """Write an XLSX workbook with one sheet, a bold header row, text cells and date cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_l("Knelpunten")))
    sheet.freeze_panes = "A2"  # write-only sheets take this only before the first row
    bold = Font(bold=True)
    header_cells = []
    for title in headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    words = _Words()
    for row in rows:
        values = row_values(row, words)
        cells: list[Any] = []
        for key, _ in COLUMNS:
            if isinstance(values[key], dt.date):
                cell = WriteOnlyCell(sheet, value=values[key])
                cell.number_format = DATE_FORMAT
                cells.append(cell)
                continue
            value = str(values[key])
            if value.startswith("="):
                # openpyxl reads a leading "=" as a formula; a typed cell keeps it plain text.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def json_record(row: WishRow, words: _Words | None = None) -> dict[str, Any]:
    """Return one wish as a JSON object with the same information as the spreadsheet."""
    words = words or _Words()
    item = row.item
    return {
        "reference": item.reference,
        "title": item.title,
        "problem": row.problem,
        "proposedChange": row.proposed_change,
        "state": item.state,
        "stateLabel": words.states[item.state],
        "ministries": list(item.ministries),
        "shared": item.shared,
        "statute": (
            {"bwbId": item.statute_bwb_id, "title": item.statute_title}
            if item.statute_bwb_id
            else None
        ),
        "article": item.article,
        "paragraph": item.paragraph,
        "pilots": [
            {
                "name": p.name,
                "raising": p.raising,
                "municipalities": [{"cbsCode": c, "name": n} for c, n in p.municipalities],
                "executingOrganisation": p.executing_organisation,
            }
            for p in item.pilots
        ],
        "urgency": row.urgency,
        "submittedAt": row.submitted_at.isoformat() if row.submitted_at else None,
        "updatedAt": row.updated_at.isoformat(),
        "answers": [
            {
                "ministry": a.ministry,
                "status": a.status,
                "statusLabel": words.answers[a.status],
                "effectiveDate": a.effective_date.isoformat() if a.effective_date else None,
            }
            for a in row.answers
        ],
    }


def to_json(rows: Iterable[WishRow], *, query: dict[str, Any] | None = None) -> bytes:
    """Write the wishes as a JSON document, with the filter that selected them."""
    words = _Words()
    records = [json_record(row, words) for row in rows]
    document = {"filter": query or {}, "count": len(records), "wishes": records}
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


FORMATS = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": (to_json, "application/json"),
}
