"""The ministry portal: own packages only, downloads with receipts, answers per wish."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from bundler import storage
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import Answer, AuditEvent, DownloadReceipt, Package, PackageVersion
from tests.conftest import csrf_token, post_form
from tests.package_helpers import answer, build, make_story


@pytest.fixture
def story(app, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    build(app, "BZK")
    return story


def _without_tokens(html):
    # CSRF tokens carry a timestamp, so two pages a second apart differ only there.
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _package(db, code):
    return db.scalar(select(Package).join(Package.ministry).where(Package.ministry.has(code=code)))


def test_a_ministry_user_sees_only_their_own_packages(client, db, login, make_user, story):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    jenv, bzk = _package(db, "JenV"), _package(db, "BZK")
    page = client.get("/ministerie/pakketten").get_data(as_text=True)
    assert jenv.number in page
    assert bzk.number not in page
    detail = client.get(f"/ministerie/pakketten/{jenv.id}").get_data(as_text=True)
    assert story.death.reference in detail
    assert story.bzk.reference not in detail
    assert "Eerste versie" in detail
    assert db.scalar(select(PackageVersion).where(PackageVersion.package_id == jenv.id)).sha256 in (
        detail
    )


@pytest.mark.parametrize(
    "path",
    [
        "/ministerie/pakketten/{id}",
        "/ministerie/versies/{version}.pdf",
        "/ministerie/versies/{version}.json",
    ],
)
def test_another_ministrys_package_is_not_found_and_leaks_nothing(
    client, db, login, make_user, story, path
):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    bzk = _package(db, "BZK")
    version = db.scalar(select(PackageVersion).where(PackageVersion.package_id == bzk.id))
    response = client.get(path.format(id=bzk.id, version=version.id))
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Content-Disposition" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")
    assert bzk.number not in body
    assert f"{bzk.number}-v1" not in body
    assert str(version.size) not in body
    assert version.sha256 not in body
    assert story.bzk.reference not in body
    # The same answer as for a package that does not exist at all (but for the URL itself).
    missing = client.get(path.format(id=987654, version=987654))
    assert missing.status_code == 404
    real = str(version.id) if "versies" in path else str(bzk.id)
    assert _without_tokens(missing.get_data(as_text=True).replace("987654", real)) == (
        _without_tokens(body)
    )
    assert db.scalar(select(DownloadReceipt)) is None


def test_downloads_are_attachments_not_cached_and_logged(client, db, login, make_user, story):
    user = make_user(Role.MINISTRY, ministry="JenV")
    login(user)
    jenv = _package(db, "JenV")
    version = db.scalar(select(PackageVersion).where(PackageVersion.package_id == jenv.id))

    pdf = client.get(f"/ministerie/versies/{version.id}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{jenv.number}-v1.pdf"'
    assert pdf.headers["Cache-Control"] == "no-store"
    assert pdf.data == storage.get(db, version.storage_key)

    twin = client.get(f"/ministerie/versies/{version.id}.json")
    assert twin.mimetype == "application/json"
    assert twin.headers["Cache-Control"] == "no-store"
    assert "attachment" in twin.headers["Content-Disposition"]
    assert {w["reference"] for w in twin.get_json()["wishes"]} == {
        story.death.reference,
        story.birth.reference,
    }

    receipts = db.scalars(select(DownloadReceipt).order_by(DownloadReceipt.id)).all()
    assert [(r.kind, r.user_id, r.version_id) for r in receipts] == [
        ("pdf", user.id, version.id),
        ("json", user.id, version.id),
    ]
    page = client.get(f"/ministerie/pakketten/{jenv.id}").get_data(as_text=True)
    assert "U downloadde de PDF op" in page


def test_the_office_sees_who_downloaded(client, db, login, make_user, story):
    ministry_user = make_user(Role.MINISTRY, ministry="JenV")
    login(ministry_user)
    jenv = _package(db, "JenV")
    version = db.scalar(select(PackageVersion).where(PackageVersion.package_id == jenv.id))
    assert client.get(f"/ministerie/versies/{version.id}.pdf").status_code == 200
    client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})
    login(make_user(Role.OFFICE))
    page = client.get("/bureau/pakketten/JenV").get_data(as_text=True)
    assert ministry_user.name in page


def test_other_roles_cannot_use_the_portal(client, db, login, make_user, story):
    login(make_user(Role.OFFICE))
    assert client.get("/ministerie/pakketten").status_code == 403


def _answer_page(wish_id):
    return f"/ministerie/knelpunten/{wish_id}/antwoord"


def test_recording_realised_per_1_july_reaches_the_wish(client, db, login, make_user, story):
    user = make_user(Role.MINISTRY, ministry="JenV")
    login(user)
    page = _answer_page(story.death.id)
    assert "Nog geen antwoord" not in client.get(page).get_data(as_text=True)
    response = post_form(
        client,
        page,
        {
            "status": "gerealiseerd",
            "effective_date": "2026-07-01",
            "reasons": "De wet is per 1 juli gewijzigd.",
            "seen_answer": "0",
        },
    )
    assert response.status_code == 302
    answer = db.scalar(select(Answer))
    assert answer.status is AnswerStatus.REALISED
    assert answer.effective_date == dt.date(2026, 7, 1)
    assert answer.ministry.code == "JenV"
    assert answer.answered_by_id == user.id
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "wish.answer"))
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Het antwoord op" in shown
    assert "1 juli 2026" in shown
    package = client.get(f"/ministerie/pakketten/{_package(db, 'JenV').id}").get_data(as_text=True)
    assert "Gerealiseerd" in package


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"status": ""}, "status", "Kies het antwoord"),
        ({"status": "in_wetgevingstraject"}, "link", "link naar het wetsvoorstel"),
        (
            {"status": "in_wetgevingstraject", "link": "http://example.org/kst"},
            "link",
            "begint met https://",
        ),
        (
            {"status": "in_behandeling", "link": "file:///etc/hostname"},
            "link",
            "begint met https://",
        ),
        ({"status": "gerealiseerd"}, "effective_date", "datum waarop de wijziging"),
        ({"status": "niet_overgenomen", "reasons": "  "}, "reasons", "redenen"),
    ],
)
def test_an_incomplete_answer_is_refused_keeping_the_input(
    client, db, login, make_user, story, data, field, message
):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    response = post_form(client, _answer_page(story.death.id), {"seen_answer": "0", **data})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert f'id="{field}-error"' in body or 'id="fouten"' in body
    if data.get("link"):
        assert f'value="{data["link"]}"' in body
    assert db.scalar(select(Answer)) is None


def test_a_complete_legislation_answer_is_accepted(client, db, login, make_user, story):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    response = post_form(
        client,
        _answer_page(story.birth.id),
        {
            "status": "in_wetgevingstraject",
            "link": "https://zoek.officielebekendmakingen.nl/kst-36123-2",
            "seen_answer": "0",
        },
    )
    assert response.status_code == 302
    assert db.scalar(select(Answer)).link.startswith("https://zoek.")


def test_an_answer_given_meanwhile_makes_the_form_stale(client, db, login, make_user, story, app):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    page = _answer_page(story.death.id)
    token = csrf_token(client, page)
    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)  # a colleague, meanwhile
    response = client.post(
        page,
        data={
            "status": "niet_overgenomen",
            "reasons": "Mijn eigen tekst.",
            "seen_answer": "0",
            "csrf_token": token,
        },
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Mijn eigen tekst." in body
    assert "Een collega heeft intussen" in body
    assert len(db.scalars(select(Answer)).all()) == 1


def test_a_wish_not_offered_to_the_ministry_cannot_be_answered(
    client, db, login, make_user, story, make_wish
):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    assert client.get(_answer_page(story.bzk.id)).status_code == 404
    not_offered = make_wish(story.raising, state=WishState.ACCEPTED, statute="BWBR0002656")
    assert client.get(_answer_page(not_offered.id)).status_code == 404
    response = post_form(
        client,
        _answer_page(story.bzk.id),
        {"status": "ontvangen", "seen_answer": "0"},
        page="/ministerie/pakketten",
    )
    assert response.status_code == 404
    assert db.scalar(select(Answer)) is None


def test_the_answer_appears_for_the_raising_and_supporting_pilots(
    app, client, db, login, make_user, story
):
    answer(
        app,
        story.death.id,
        "JenV",
        AnswerStatus.REALISED,
        effective_date=dt.date(2026, 7, 1),
    )
    for pilot in [story.raising, *story.supporters]:
        member = make_user(Role.PILOT, pilots=[pilot])
        login(member)
        response = client.get(f"/knelpunten/{story.death.id}")
        assert response.status_code == 200, pilot.name
        body = response.get_data(as_text=True)
        assert "Gerealiseerd" in body
        assert "1 juli 2026" in body
        client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})


def test_the_next_version_shows_the_previous_answer(app, db, story):
    answer(app, story.birth.id, "JenV", AnswerStatus.IN_PROGRESS)
    second = build(app, "JenV")
    assert second is not None
    snapshot = db.get(PackageVersion, second.id).snapshot
    birth = next(w for w in snapshot["wishes"] if w["reference"] == story.birth.reference)
    assert birth["previousAnswer"]["label"] == "In behandeling"
