"""Exports of the inbox filter: same columns in CSV, XLSX and JSON; no formulas smuggled in."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook

from bundler.enums import Role, WishState
from bundler.grouping import PilotInfo, WishItem
from bundler.models import WishSupport
from bundler.office import exports
from bundler.office.rows import RowAnswer, WishRow

HEADERS = [
    "Kenmerk",
    "Titel",
    "Probleem",
    "Gewenste wijziging",
    "Status",
    "Ministerie",
    "Gedeeld",
    "Wet",
    "BWB-id",
    "Artikel",
    "Lid",
    "Indienende pilot",
    "Steunende pilots",
    "Gemeenten",
    "Uitvoeringsorganisaties",
    "Urgentie",
    "Ingediend op",
    "Laatst gewijzigd",
    "Antwoord van het ministerie",
    "Datum van inwerkingtreding",
]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6", "'+31 6"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Gewoon", "Gewoon"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


def row(title="Knelpunt", **changes) -> WishRow:
    item = WishItem(
        id=1,
        reference="KN-2026-0001",
        title=title,
        state="geaccepteerd",
        ministries=("JenV", "VWS"),
        statute_bwb_id="BWBR0034925",
        statute_title="Jeugdwet",
        article="2.1",
        paragraph="3",
        pilots=(
            PilotInfo("Jeugd", (("GM0796", "'s-Hertogenbosch"),), "RvIG", raising=True),
            PilotInfo("Zorg", (("GM0363", "Amsterdam"), ("GM0796", "'s-Hertogenbosch")), "UWV"),
        ),
        **changes,
    )
    return WishRow(
        item=item,
        urgency="hoog",
        submitted_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
        updated_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
        problem="Gezinnen vertellen hun verhaal twee keer.",
        proposed_change="Sta gegevensdeling toe.",
        answers=(
            RowAnswer("JenV", "gerealiseerd", dt.date(2026, 7, 1)),
            RowAnswer("VWS", "in_behandeling"),
        ),
    )


def test_row_values_are_what_a_spreadsheet_user_expects(app):
    with app.test_request_context():
        values = exports.row_values(row())
        headers = exports.headers()
    assert headers == HEADERS
    assert values == {
        "reference": "KN-2026-0001",
        "title": "Knelpunt",
        "problem": "Gezinnen vertellen hun verhaal twee keer.",
        "proposed_change": "Sta gegevensdeling toe.",
        "state": "Geaccepteerd",
        "ministries": "JenV; VWS",
        "shared": "ja",
        "statute": "Jeugdwet",
        "bwb_id": "BWBR0034925",
        "article": "2.1",
        "paragraph": "3",
        "raising_pilot": "Jeugd",
        "supporting_pilots": "Zorg",
        "municipalities": "'s-Hertogenbosch; Amsterdam",
        "executing_organisations": "RvIG; UWV",
        "urgency": "Hoog",
        "submitted_on": dt.date(2026, 3, 1),
        "updated_on": dt.date(2026, 3, 2),
        "answer": "JenV: Gerealiseerd; VWS: In behandeling",
        "effective_on": dt.date(2026, 7, 1),
    }


def test_csv_quotes_formulas_and_opens_in_dutch_spreadsheets(app):
    with app.test_request_context():
        data = exports.to_csv([row('=HYPERLINK("http://evil","klik")')])
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0] == HEADERS
    assert lines[1][1] == '\'=HYPERLINK("http://evil","klik")'
    assert lines[1][13] == "'s-Hertogenbosch; Amsterdam"
    assert lines[1][2:4] == ["Gezinnen vertellen hun verhaal twee keer.", "Sta gegevensdeling toe."]
    assert lines[1][-4:] == [
        "2026-03-01",
        "2026-03-02",
        "JenV: Gerealiseerd; VWS: In behandeling",
        "2026-07-01",
    ]


def test_xlsx_has_the_same_columns_and_no_formulas(app):
    with app.test_request_context():
        data = exports.to_xlsx([row("=1+1"), row("@cmd")])
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == HEADERS
    assert [c.value for c in rows[1]][:2] == ["KN-2026-0001", "=1+1"]
    assert rows[1][4].value == "Geaccepteerd"
    # Dates are real dates (a spreadsheet sorts and filters them), shown as 01-03-2026.
    dates = [HEADERS.index(h) for h in ("Ingediend op", "Laatst gewijzigd")]
    dates.append(HEADERS.index("Datum van inwerkingtreding"))
    for cell in (rows[1][i] for i in dates):
        assert cell.is_date and cell.number_format == "DD-MM-YYYY"
    assert rows[1][dates[0]].value.date() == dt.date(2026, 3, 1)
    assert rows[1][dates[2]].value.date() == dt.date(2026, 7, 1)
    texts = [c for r in rows for i, c in enumerate(r) if c.value is not None and i not in dates]
    assert all(c.data_type == "s" for c in texts)
    assert sheet.freeze_panes == "A2"


def test_json_carries_the_same_information(app):
    with app.test_request_context():
        document = json.loads(exports.to_json([row()], query={"zoek": "jeugd"}))
    assert document["filter"] == {"zoek": "jeugd"}
    assert document["count"] == 1
    [wish] = document["wishes"]
    assert wish["statute"] == {"bwbId": "BWBR0034925", "title": "Jeugdwet"}
    assert wish["ministries"] == ["JenV", "VWS"] and wish["shared"] is True
    assert wish["pilots"][0] == {
        "name": "Jeugd",
        "raising": True,
        "municipalities": [{"cbsCode": "GM0796", "name": "'s-Hertogenbosch"}],
        "executingOrganisation": "RvIG",
    }
    assert wish["submittedAt"] == "2026-03-01T09:00:00+00:00"
    assert wish["stateLabel"] == "Geaccepteerd"
    assert wish["problem"] == "Gezinnen vertellen hun verhaal twee keer."
    assert wish["proposedChange"] == "Sta gegevensdeling toe."
    assert wish["answers"][0] == {
        "ministry": "JenV",
        "status": "gerealiseerd",
        "statusLabel": "Gerealiseerd",
        "effectiveDate": "2026-07-01",
    }


# -- through the page ----------------------------------------------------------------------------


@pytest.fixture
def office(make_user, login):
    login(make_user(Role.OFFICE))


def test_exports_use_the_inbox_filter_over_all_pages(client, office, db, make_pilot, make_wish):
    p1 = make_pilot("Overlijden", municipalities=["GM0796", "GM0855"])
    p2 = make_pilot("Geboorte", municipalities=["GM0363"])
    accepted = [
        make_wish(p1, state=WishState.ACCEPTED, title=f"Wens {i:02d}", statute="BWBR0002656")
        for i in range(30)
    ]
    make_wish(p2, state=WishState.SUBMITTED, title="=niet mee")
    db.add(WishSupport(wish_id=accepted[0].id, pilot_id=p2.id, note="ook"))
    db.commit()
    query = "?status=geaccepteerd&sorteer=kenmerk&richting=op&pagina=2"

    response = client.get("/bureau/export.csv" + query)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="knelpunten-')
    assert response.headers["Cache-Control"] == "no-store"
    lines = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 31  # header + all 30, not just the page
    first = dict(zip(lines[0], lines[1], strict=True))
    assert first["Kenmerk"] == accepted[0].reference
    assert first["Ministerie"] == "JenV"
    assert first["Wet"] == "Burgerlijk Wetboek Boek 1" and first["BWB-id"] == "BWBR0002656"
    assert first["Indienende pilot"] == "Overlijden"
    assert first["Steunende pilots"] == "Geboorte"
    assert first["Gemeenten"] == "'s-Hertogenbosch; Amsterdam; Tilburg"
    assert "=niet mee" not in response.get_data(as_text=True)

    xlsx = client.get("/bureau/export.xlsx" + query)
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert load_workbook(io.BytesIO(xlsx.get_data())).active.max_row == 31

    document = client.get("/bureau/export.json" + query).get_json()
    assert document["count"] == 30
    assert document["filter"] == {
        "status": ["geaccepteerd"],
        "sorteer": "kenmerk",
        "richting": "op",
    }
    assert [w["reference"] for w in document["wishes"]] == [w.reference for w in accepted]


def test_export_of_an_unknown_format_is_not_found(client, office):
    assert client.get("/bureau/export.pdf").status_code == 404


def test_exports_carry_the_texts_and_the_newest_answer(client, office, db, make_pilot, make_wish):
    from sqlalchemy import select

    from bundler.enums import AnswerStatus
    from bundler.models import Answer, Ministry

    wish = make_wish(
        make_pilot(),
        state=WishState.OFFERED,
        statute="BWBR0002656",
        proposed_change="Sta het digitaal toe.",
    )
    jenv = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
    first = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    db.add_all(
        [
            Answer(wish_id=wish.id, ministry=jenv, status=AnswerStatus.RECEIVED, answered_at=first),
            Answer(
                wish_id=wish.id,
                ministry=jenv,
                status=AnswerStatus.REALISED,
                effective_date=dt.date(2026, 7, 1),
                answered_at=first + dt.timedelta(days=30),
            ),
        ]
    )
    db.commit()
    data = client.get("/bureau/export.xlsx?status=aangeboden").get_data()
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Probleem"] == "Het probleem zoals inwoners het ervaren."
    assert record["Gewenste wijziging"] == "Sta het digitaal toe."
    assert record["Antwoord van het ministerie"] == "Gerealiseerd"
    assert record["Datum van inwerkingtreding"] == dt.datetime(2026, 7, 1)
