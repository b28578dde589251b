"""The statute catalogue through the test client: add, edit, retire, refuse delete, CSV."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import refdata, statute_rules
from bundler.catalogue import ops
from bundler.enums import Role, WishState
from bundler.models import AuditEvent, Pilot, Statute, User, Wish
from tests.conftest import csrf_token, post_form
from tests.reference_helpers import restore_reference

__all__ = ["restore_reference"]

BRP_DECREE = {
    "bwb_id": "bwbr0028607",
    "title": "Besluit burgerlijke stand BES",
    "short_title": "Besluit BBS BES",
    "citation_title": "Besluit burgerlijke stand BES",
    "kind": "amvb",
    "responsibilities-0-ministry": "BZK",
    "responsibilities-0-valid_from": "2014-01-06",
}


@pytest.fixture
def office(make_user: Callable[..., User], login: Callable[..., Any]) -> User:
    user = make_user(Role.OFFICE)
    login(user)
    return user


def statute(db: Session, bwb_id: str) -> Statute | None:
    db.expire_all()
    return db.scalar(select(Statute).where(Statute.bwb_id == bwb_id))


def actions(db: Session) -> list[str]:
    found = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id))
    return [a for a in found if a.startswith(("statute.", "wish."))]


def test_add_a_regulation_with_dated_responsibility(
    client: FlaskClient, db: Session, office: User, restore_reference: None
) -> None:
    response = post_form(client, "/wetten/nieuw", BRP_DECREE)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    added = statute(db, "BWBR0028607")
    assert added is not None
    assert (added.title, added.short_title, added.kind) == (
        "Besluit burgerlijke stand BES",
        "Besluit BBS BES",
        "amvb",
    )
    assert refdata.statute_periods(added) == [statute_rules.Period("BZK", dt.date(2014, 1, 6))]
    assert [m.code for m in added.ministries_on(dt.date(2026, 3, 1))] == ["BZK"]
    assert added.ministries_on(dt.date(2013, 1, 1)) == []
    assert actions(db) == ["statute.created"]
    page = client.get("/wetten").get_data(as_text=True)
    assert "Besluit burgerlijke stand BES" in page and "AMvB" in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"bwb_id": "BWBX0033725"}, "bwb_id", "BWB-nummer"),
        ({"bwb_id": "BWBR0002656"}, "bwb_id", "staat al in de lijst"),
        ({"title": ""}, "title", "Vul de titel in"),
        ({"kind": "wetje"}, "kind", ""),
        (
            {"responsibilities-0-valid_until": "2010-01-01"},
            "responsibilities",
            "einddatum",
        ),
        ({"responsibilities-1-ministry": "BZK"}, "responsibilities", "twee keer"),
    ],
)
def test_add_refuses_invalid_input(
    client: FlaskClient,
    db: Session,
    office: User,
    change: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = post_form(client, "/wetten/nieuw", {**BRP_DECREE, **change})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'href="#{field}"' in page
    assert message in page
    assert statute(db, "BWBR0028607") is None


def test_edit_changes_titles_and_responsibility(
    client: FlaskClient, db: Session, office: User, restore_reference: None
) -> None:
    page = client.get("/wetten/BWBR0005009/bewerken").get_data(as_text=True)
    assert 'value="Wet op de lijkbezorging"' in page
    response = post_form(
        client,
        "/wetten/BWBR0005009/bewerken",
        {
            "bwb_id": "BWBR0005009",
            "title": "Wet op de lijkbezorging",
            "short_title": "Wlb",
            "citation_title": "Wet op de lijkbezorging",
            "kind": "wet",
            "responsibilities-0-ministry": "BZK",
            "responsibilities-0-valid_until": "2026-12-31",
            "responsibilities-1-ministry": "JenV",
            "responsibilities-1-valid_from": "2027-01-01",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    changed = statute(db, "BWBR0005009")
    assert changed is not None and changed.citation_title == "Wet op de lijkbezorging"
    assert [m.code for m in changed.ministries_on(dt.date(2026, 12, 31))] == ["BZK"]
    assert [m.code for m in changed.ministries_on(dt.date(2027, 1, 1))] == ["JenV"]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "statute.updated")).one()
    assert event.before["ministries"] == "BZK"
    assert event.after["ministries"] == "BZK@..2026-12-31;JenV@2027-01-01.."


def test_retire_then_restore(
    client: FlaskClient,
    db: Session,
    office: User,
    restore_reference: None,
) -> None:
    page = "/wetten/BWBR0004627/bewerken"
    response = post_form(
        client, "/wetten/BWBR0004627/intrekken", {"action": "intrekken"}, page=page
    )
    assert response.status_code == 302
    retired = statute(db, "BWBR0004627")
    assert retired is not None and retired.retired_on == dt.date.today()
    cell = '<td class="utrecht-table__cell">BWBR0004627</td>'
    assert cell not in client.get("/wetten").get_data(as_text=True)
    assert cell in client.get("/wetten?ingetrokken=1").get_data(as_text=True)
    # A retired regulation is no longer offered in the wish and triage forms.
    assert "BWBR0004627" not in {s.bwb_id for s in refdata.statutes(db)}
    post_form(client, "/wetten/BWBR0004627/intrekken", {"action": "herstellen"}, page=page)
    restored = statute(db, "BWBR0004627")
    assert restored is not None and restored.retired_on is None
    assert actions(db)[-2:] == ["statute.retired", "statute.restored"]


def test_delete_is_refused_while_a_wish_refers_to_it(
    client: FlaskClient,
    db: Session,
    office: User,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    restore_reference: None,
) -> None:
    make_wish(make_pilot(), statute="BWBR0005416")
    page = "/wetten/BWBR0005416/bewerken"
    response = post_form(
        client, "/wetten/BWBR0005416/verwijderen", {"confirm": "BWBR0005416"}, page=page
    )
    assert response.status_code == 303
    assert statute(db, "BWBR0005416") is not None
    shown = client.get(page).get_data(as_text=True)
    assert "1 knelpunten verwijzen naar deze regeling" in shown
    # One no wish refers to goes.
    wrong = post_form(client, "/wetten/BWBR0004627/verwijderen", {"confirm": "ja"}, page=page)
    assert wrong.status_code == 400
    response = post_form(
        client, "/wetten/BWBR0004627/verwijderen", {"confirm": "BWBR0004627"}, page=page
    )
    assert response.status_code == 302
    assert statute(db, "BWBR0004627") is None
    assert "statute.deleted" in actions(db)


def test_csv_round_trip_through_the_pages(
    client: FlaskClient, db: Session, office: User, restore_reference: None
) -> None:
    exported = client.get("/wetten/export.csv")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert text.splitlines()[0] == ",".join(statute_rules.CSV_COLUMNS)
    assert "BWBR0034925,Jeugdwet,Jw,JenV;VWS,,wet," in text
    # Change one row, add one, import: the export then shows exactly that.
    lines = text.splitlines()
    lines = [line.replace("Kieswet,Kw,", "Kieswet,Kieswet,") for line in lines]
    lines.append(
        "BWBR0028607,Besluit burgerlijke stand BES,Besluit BBS BES,BZK@2014-01-06..,,amvb,"
    )
    upload = "\n".join(lines) + "\n"
    response = client.post(
        "/wetten/import",
        data={
            "csrf_token": csrf_token(client, "/wetten"),
            "file": (io.BytesIO(upload.encode()), "statuten.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    follow = client.get("/wetten").get_data(as_text=True)
    assert "1 toegevoegd, 1 bijgewerkt" in follow
    again = client.get("/wetten/export.csv").get_data(as_text=True)
    assert again == "\n".join([lines[0], *sorted(lines[1:])]) + "\n"


def test_import_with_an_error_changes_nothing(
    client: FlaskClient, db: Session, office: User
) -> None:
    before = client.get("/wetten/export.csv").get_data(as_text=True)
    upload = before + "BWBR12,Geen nummer,,BZK,,wet,\nBWBR0028607,Besluit BRP,,XYZ,,wet,\n"
    response = client.post(
        "/wetten/import",
        data={
            "csrf_token": csrf_token(client, "/wetten"),
            "file": (io.BytesIO(upload.encode()), "statuten.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = client.get("/wetten").get_data(as_text=True)
    assert "ongeldig BWB-nummer" in page and "onbekend ministerie XYZ" in page
    assert client.get("/wetten/export.csv").get_data(as_text=True) == before


def test_cli_export_and_import(
    runner: Any, db: Session, tmp_path: Any, restore_reference: None
) -> None:
    path = tmp_path / "statuten.csv"
    result = runner.invoke(args=["export-statutes", str(path)])
    assert result.exit_code == 0, result.output
    text = path.read_text()
    path.write_text(text.replace("Paspoortwet,Paspw,", "Paspoortwet,Pw 1991,"))
    result = runner.invoke(args=["import-statutes", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 bijgewerkt" in result.output
    changed = statute(db, "BWBR0005212")
    assert changed is not None and changed.short_title == "Pw 1991"


def test_catalogue_is_for_office_and_admin(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[..., Any]
) -> None:
    # The access matrix covers every role; here: the admin sees the page and its menu item.
    login(make_user(Role.ADMIN))
    page = client.get("/wetten").get_data(as_text=True)
    assert "Regeling toevoegen" in page and 'href="/wetten"' in page


def test_adding_a_proposed_regulation_adopts_the_wishes(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    restore_reference: None,
) -> None:
    wish = make_wish(make_pilot(), statute=None, proposed_bwb_id="BWBR0028607", article="2")
    values = refdata.statute_rows(
        [
            {
                "bwb_id": "BWBR0028607",
                "title": "Besluit burgerlijke stand BES",
                "ministries": "BZK",
            }
        ],
        {"BZK"},
    )[0][0]
    ops.save_statute(db, None, values, actor=None)
    db.commit()
    db.expire_all()
    adopted = db.get(Wish, wish.id)
    assert adopted is not None and adopted.statute is not None
    assert (adopted.statute.bwb_id, adopted.proposed_bwb_id, adopted.statute_unknown) == (
        "BWBR0028607",
        "",
        False,
    )
    assert adopted.state is WishState.SUBMITTED
