"""The office's package pages: overview, ministry page, cover letter, closing, follow-up."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bundler.enums import AnswerStatus, Role
from bundler.models import Package, PackageVersion
from tests.conftest import csrf_token, post_form
from tests.package_helpers import answer, build, make_story


@pytest.fixture
def office(make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    return user


@pytest.mark.parametrize(
    "path",
    [
        "/bureau/pakketten",
        "/bureau/pakketten/JenV",
        "/bureau/pakketten/JenV/brief",
        "/bureau/pakketten/opvolging",
        "/bureau/pakketten/opvolging/JenV",
    ],
)
@pytest.mark.parametrize("role", [Role.PILOT, Role.MINISTRY, Role.ADMIN])
def test_only_the_office_may_use_the_package_pages(client, login, make_user, path, role):
    login(make_user(role))
    assert client.get(path).status_code == 403


def test_the_overview_lists_ministries_ready_and_published(
    app, client, office, make_pilot, make_wish
):
    story = make_story(make_pilot, make_wish, app)
    page = client.get("/bureau/pakketten").get_data(as_text=True)
    assert "Justitie en Veiligheid (JenV)" in page
    assert "Binnenlandse Zaken" in page
    assert "Alle pakketten bouwen" in page
    assert "Onderwijs" not in page  # no wishes, no packages
    version = build(app, "JenV")
    page = client.get("/bureau/pakketten").get_data(as_text=True)
    assert f"{version.package.number} versie 1" in page
    ministry = client.get("/bureau/pakketten/JenV").get_data(as_text=True)
    assert f"Pakket {version.package.number}" in ministry
    assert "Eerste versie" in ministry
    pdf = client.get(f"/bureau/pakketten/versies/{version.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Cache-Control"] == "no-store"
    assert client.get("/bureau/pakketten/versies/987654.pdf").status_code == 404
    assert client.get("/bureau/pakketten/XYZ").status_code == 404
    del story


def test_a_second_version_shows_what_changed(app, client, office, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    answer(app, story.death.id, "JenV", AnswerStatus.DECLINED, reasons="Past niet.")
    build(app, "JenV")
    page = client.get("/bureau/pakketten/JenV").get_data(as_text=True)
    assert "0 nieuw, 0 gewijzigd, 1 niet meer opgenomen" in page
    assert story.death.reference in page


def test_the_cover_letter_is_sanitised_markdown(app, client, db, office, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    text = (
        "# Geachte minister\n\nHierbij **het pakket**.\n\n"
        '<script>alert(1)</script> <img src="file:///etc/hostname">\n\n'
        "[klik](javascript:alert(1)) [bron](https://wetten.overheid.nl)"
    )
    response = post_form(
        client, "/bureau/pakketten/JenV/brief", {"cover_letter": text, "lock_version": "0"}
    )
    assert response.status_code == 302
    package = db.scalar(select(Package))
    assert package.cover_letter == text.replace("\n", "\r\n") or package.cover_letter == text
    page = client.get("/bureau/pakketten/JenV/brief").get_data(as_text=True)
    assert "<h2>Geachte minister</h2>" in page
    assert "<strong>het pakket</strong>" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page  # shown as text
    assert '<img src="file:' not in page
    assert 'href="javascript' not in page
    assert 'href="https://wetten.overheid.nl"' in page

    version = build(app, "JenV")
    html = db.get(PackageVersion, version.id).snapshot["coverLetter"]
    assert "Geachte minister" in html


def test_the_cover_letter_fields_are_saved_and_shown_again(app, client, db, office):
    fields = {
        "addressee": "Aan de minister van Justitie en Veiligheid\nPostbus 20301\n2500 EH Den Haag",
        "letter_date": "2026-03-02",
        "reference": "PB-RVI/2026/0117",
        "subject": "Aanbieding knelpunten",
        "signatory_name": "drs. A.B. de Vries",
        "signatory_role": "Programmadirecteur",
        "cover_letter": "Geachte minister,",
        "lock_version": "0",
    }
    assert post_form(client, "/bureau/pakketten/JenV/brief", fields).status_code == 302
    package = db.scalar(select(Package))
    assert package.letter_addressee.splitlines()[1] == "Postbus 20301"
    assert package.letter_date == dt.date(2026, 3, 2)
    assert (package.letter_reference, package.letter_subject) == (
        "PB-RVI/2026/0117",
        "Aanbieding knelpunten",
    )
    assert (package.letter_signatory_name, package.letter_signatory_role) == (
        "drs. A.B. de Vries",
        "Programmadirecteur",
    )
    page = client.get("/bureau/pakketten/JenV/brief").get_data(as_text=True)
    for value in ("PB-RVI/2026/0117", "2026-03-02", "drs. A.B. de Vries", "Postbus 20301"):
        assert value in page
    too_long = {**fields, "reference": "x" * 81, "lock_version": str(package.lock_version)}
    response = post_form(client, "/bureau/pakketten/JenV/brief", too_long)
    assert response.status_code == 400
    assert "Hoogstens 80 tekens." in response.get_data(as_text=True)


def test_a_stale_cover_letter_edit_is_refused_keeping_the_text(
    app, client, db, office, make_pilot, make_wish
):
    make_story(make_pilot, make_wish, app)
    path = "/bureau/pakketten/JenV/brief"
    post_form(client, path, {"cover_letter": "Eerste.", "lock_version": "0"})
    db.expire_all()
    seen = str(db.scalar(select(Package)).lock_version)
    assert f'name="lock_version" type="hidden" value="{seen}"' in client.get(path).get_data(
        as_text=True
    )
    token = csrf_token(client, path)
    assert (
        post_form(client, path, {"cover_letter": "Collega.", "lock_version": seen}).status_code
        == 302
    )
    response = client.post(
        path, data={"cover_letter": "Mijn versie.", "lock_version": seen, "csrf_token": token}
    )
    assert response.status_code == 409
    assert "Mijn versie." in response.get_data(as_text=True)
    db.expire_all()
    assert db.scalar(select(Package)).cover_letter == "Collega."


def test_a_too_long_cover_letter_is_refused(client, office):
    response = post_form(
        client, "/bureau/pakketten/JenV/brief", {"cover_letter": "x" * 20_001, "lock_version": "0"}
    )
    assert response.status_code == 400
    assert "hoogstens" in response.get_data(as_text=True)


def test_closing_a_package_starts_a_new_number(app, client, db, office, make_pilot, make_wish):
    make_story(make_pilot, make_wish, app)
    version = build(app, "JenV")
    response = post_form(
        client, "/bureau/pakketten/JenV/afsluiten", {}, page="/bureau/pakketten/JenV"
    )
    assert response.status_code == 302
    assert db.get(Package, version.package_id).closed_at is not None
    assert (
        post_form(
            client, "/bureau/pakketten/JenV/afsluiten", {}, page="/bureau/pakketten/JenV"
        ).status_code
        == 404
    )


def test_follow_up_shows_answered_time_and_waiting(app, client, office, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV", at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    answer(app, story.death.id, "JenV", AnswerStatus.REALISED, effective_date=dt.date(2026, 7, 1))

    page = client.get("/bureau/pakketten/opvolging").get_data(as_text=True)
    assert "Justitie en Veiligheid (JenV)" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="bundler-chart" role="img"' in page
    assert "<table" in page  # the data table next to the chart

    detail = client.get("/bureau/pakketten/opvolging/JenV").get_data(as_text=True)
    assert story.birth.reference in detail  # waiting longest, no answer
    assert "Wacht het langst op een antwoord" in detail
    assert "30" in detail
    assert "Gerealiseerd" in detail
    empty = client.get("/bureau/pakketten/opvolging/OCW").get_data(as_text=True)
    assert "nog geen pakket aangeboden" in empty
