"""The pilot team's wish pages: form, validation, tampering, visibility, joining, overview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler.enums import AnswerStatus, RelationKind, Role, WishState
from bundler.models import (
    Answer,
    Ministry,
    Pilot,
    User,
    Wish,
    WishRelation,
    WishSupport,
)
from forms import wish as wish_form
from tests.conftest import post_form

COMPLETE = {
    "title": "Digitale aangifte van overlijden",
    "problem": "Nabestaanden moeten voor de aangifte naar het gemeentehuis.",
    "statute": "BWBR0002656",
    "article": "19h",
    "paragraph": "2",
    "proposed_change": "De uitvaartondernemer doet de aangifte digitaal.",
    "benefit_who": "Nabestaanden, uitvaartondernemers en gemeenten",
    "benefit_cases_per_year": "170000",
    "benefit_savings": "Een loketbezoek per overlijden.",
    "urgency": "hoog",
    "urgency_reason": "De wetswijziging gaat per 1 juli in.",
}


@pytest.fixture
def team(
    make_pilot: Callable[..., Pilot], make_user: Callable[..., User], login: Callable[..., Any]
) -> tuple[Pilot, User]:
    pilot = make_pilot("Digitale aangifte overlijden")
    user = make_user(Role.PILOT, pilots=[pilot])
    login(user)
    return pilot, user


def post_wish(client: FlaskClient, owner: Pilot, action: str, **fields: Any) -> Any:
    data = {"pilot": str(owner.id), **COMPLETE, "action": action, **fields}
    return post_form(client, "/knelpunten/nieuw", data)


def wish_id_of(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def only_wish(db: Session) -> Wish:
    db.expire_all()
    return db.scalars(select(Wish)).one()


# -- saving and submitting ---------------------------------------------------------------------


def test_pages_need_login(client: FlaskClient) -> None:
    for path in ("/knelpunten", "/knelpunten/nieuw", "/knelpunten/1", "/knelpunten/vergelijkbaar"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/aanmelden" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.OFFICE, Role.MINISTRY, Role.ADMIN])
def test_only_pilot_members_record_wishes(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[..., Any], role: Role
) -> None:
    login(make_user(role))
    assert client.get("/knelpunten/nieuw").status_code == 403
    assert client.get("/knelpunten").status_code == 403


def test_form_offers_only_the_users_pilots(
    client: FlaskClient, make_pilot: Callable[..., Pilot], team: tuple[Pilot, User]
) -> None:
    other = make_pilot("Een andere pilot")
    html = client.get("/knelpunten/nieuw").get_data(as_text=True)
    assert team[0].name in html
    assert other.name not in html
    # The statute catalogue: title, short title and BWB id in each option.
    assert "Burgerlijk Wetboek Boek 1" in html
    assert "BWBR0002656" in html


def test_concept_needs_only_a_title(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    response = post_form(
        client,
        "/knelpunten/nieuw",
        {
            "pilot": str(team[0].id),
            "title": "Eerste idee",
            "urgency": "normaal",
            "action": "concept",
        },
    )
    wish_id_of(response)
    wish = only_wish(db)
    assert wish.state is WishState.CONCEPT
    assert wish.reference.startswith("KN-")
    assert wish.submitted_at is None
    assert wish.created_by_id == team[1].id


def test_submit_complete_wish(client: FlaskClient, db: Session, team: tuple[Pilot, User]) -> None:
    wish_id = wish_id_of(post_wish(client, team[0], "indienen"))
    wish = only_wish(db)
    assert wish.id == wish_id
    assert wish.state is WishState.SUBMITTED
    assert wish.submitted_at is not None
    assert wish.statute is not None and wish.statute.bwb_id == "BWBR0002656"
    assert (wish.article, wish.paragraph) == ("19h", "2")
    assert wish.benefit_cases_per_year == 170000
    page = client.get(f"/knelpunten/{wish_id}").get_data(as_text=True)
    assert "is ingediend" in page
    assert "jci1.3:c:BWBR0002656&amp;artikel=19h&amp;lid=2" in page


def test_submit_incomplete_shows_every_missing_field_and_keeps_input(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    response = post_form(
        client,
        "/knelpunten/nieuw",
        {
            "pilot": str(team[0].id),
            "title": "Half af",
            "urgency": "hoog",
            "benefit_savings": "Veel tijd",
            "action": "indienen",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("problem", "statute", "proposed_change", "benefit_who", "urgency_reason"):
        assert f'href="#{field}"' in html, field
        assert f'id="{field}-error"' in html, field
    assert 'value="Half af"' in html
    assert "Veel tijd</textarea>" in html
    assert db.scalar(select(Wish.id)) is None


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", wish_form.TITLE_MAX),
        ("problem", wish_form.TEXT_MAX),
        ("article", wish_form.ARTICLE_MAX),
        ("paragraph", wish_form.PARAGRAPH_MAX),
        ("proposed_change", wish_form.TEXT_MAX),
        ("benefit_who", wish_form.WHO_MAX),
        ("benefit_savings", wish_form.SHORT_TEXT_MAX),
        ("urgency_reason", wish_form.SHORT_TEXT_MAX),
        ("depends_on", wish_form.REFERENCES_MAX),
        ("follows_from", wish_form.REFERENCES_MAX),
    ],
)
def test_every_text_field_has_a_limit(
    client: FlaskClient, db: Session, team: tuple[Pilot, User], field: str, limit: int
) -> None:
    response = post_wish(client, team[0], "concept", **{field: "1" * (limit + 1)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html
    assert f"Gebruik hoogstens {limit} tekens" in html
    assert db.scalar(select(Wish.id)) is None


def test_text_at_the_limit_is_accepted(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    response = post_wish(
        client,
        team[0],
        "concept",
        title="t" * wish_form.TITLE_MAX,
        problem="p" * wish_form.TEXT_MAX,
        benefit_who="w" * wish_form.WHO_MAX,
    )
    wish_id_of(response)
    assert len(only_wish(db).title) == wish_form.TITLE_MAX


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"article": "artikel 19h"}, "article", "artikelnummer"),
        ({"article": "19h!"}, "article", "artikelnummer"),
        ({"article": "<script>"}, "article", "artikelnummer"),
        ({"paragraph": "lid 2"}, "paragraph", "nummer van het lid"),
        ({"statute": "BWBR9999999"}, "statute", ""),
        ({"statute": "Gemeentewet"}, "statute", ""),
        ({"statute_unknown": "y"}, "statute_unknown", "niet allebei"),
        ({"article": ""}, "article", "Vul het artikel in"),
        ({"benefit_cases_per_year": "veel"}, "benefit_cases_per_year", ""),
        ({"benefit_cases_per_year": "-1"}, "benefit_cases_per_year", "tussen 0 en"),
        ({"urgency": "extreem"}, "urgency", ""),
        ({"depends_on": "overlijden"}, "depends_on", "KN-2026-0042"),
        ({"depends_on": "KN-2026-9999"}, "depends_on", "niet gevonden"),
    ],
)
def test_legal_basis_and_other_validation(
    client: FlaskClient,
    db: Session,
    team: tuple[Pilot, User],
    fields: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = post_wish(client, team[0], "indienen", **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in html
    assert message in html
    assert db.scalar(select(Wish.id)) is None


@pytest.mark.parametrize(("article", "paragraph"), [("19h", ""), ("1:3", "2a"), ("7.2", "1")])
def test_valid_articles_are_accepted(
    client: FlaskClient, db: Session, team: tuple[Pilot, User], article: str, paragraph: str
) -> None:
    wish_id_of(post_wish(client, team[0], "indienen", article=article, paragraph=paragraph))
    assert only_wish(db).article == article


def test_unknown_statute_can_be_submitted(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    wish_id_of(post_wish(client, team[0], "indienen", statute="", statute_unknown="y", article=""))
    wish = only_wish(db)
    assert wish.statute_unknown
    assert wish.statute_id is None
    assert wish.state is WishState.SUBMITTED


def test_tampered_fields_change_nothing(
    client: FlaskClient,
    db: Session,
    team: tuple[Pilot, User],
    make_pilot: Callable[..., Pilot],
) -> None:
    other = make_pilot("Andermans pilot")
    response = post_wish(client, team[0], "concept", pilot=str(other.id))
    assert response.status_code == 400
    assert db.scalar(select(Wish.id)) is None
    extra = {
        "state": "aangeboden",
        "ministry": "JenV",
        "ministries": "1",
        "pilot_id": str(other.id),
        "reference": "KN-2000-0001",
        "submitted_at": "2020-01-01",
        "created_by_id": "1",
        "merged_into_id": "1",
    }
    wish_id = wish_id_of(post_wish(client, team[0], "concept", **extra))
    wish = only_wish(db)
    assert wish.state is WishState.CONCEPT
    assert wish.pilot_id == team[0].id
    assert wish.ministries == []
    assert wish.reference != "KN-2000-0001"
    assert wish.submitted_at is None
    # Editing: the pilot cannot be changed and an unknown action only saves.
    page = f"/knelpunten/{wish_id}/bewerken"
    response = post_form(
        client,
        page,
        {**COMPLETE, "pilot": str(other.id), "action": "accepteren", "version": str(wish.version)},
    )
    wish_id_of(response)
    wish = only_wish(db)
    assert wish.pilot_id == team[0].id
    assert wish.state is WishState.CONCEPT


# -- editing, stale versions, withdrawing ------------------------------------------------------


def test_edit_concept_then_submit(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    wish_id = wish_id_of(post_wish(client, team[0], "concept", title="Eerste versie"))
    page = f"/knelpunten/{wish_id}/bewerken"
    html = client.get(page).get_data(as_text=True)
    assert 'value="Eerste versie"' in html
    version = only_wish(db).version
    wish_id_of(post_form(client, page, {**COMPLETE, "action": "indienen", "version": version}))
    wish = only_wish(db)
    assert wish.title == COMPLETE["title"]
    assert wish.state is WishState.SUBMITTED
    assert client.get(page).status_code == 403


def test_needs_info_can_be_completed_and_resubmitted(
    client: FlaskClient, db: Session, team: tuple[Pilot, User], make_wish: Callable[..., Wish]
) -> None:
    wish = make_wish(
        team[0],
        state=WishState.NEEDS_INFO,
        state_reason="Welk lid bedoelt u?",
        **{k: v for k, v in COMPLETE.items() if k in ("proposed_change", "benefit_who")},
    )
    page = f"/knelpunten/{wish.id}/bewerken"
    html = client.get(page).get_data(as_text=True)
    assert "Welk lid bedoelt u?" in html
    assert "Opnieuw indienen" in html
    version = only_wish(db).version
    wish_id_of(post_form(client, page, {**COMPLETE, "action": "indienen", "version": version}))
    assert only_wish(db).state is WishState.SUBMITTED


def test_stale_edit_answers_409_and_keeps_the_text(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    wish_id = wish_id_of(post_wish(client, team[0], "concept"))
    page = f"/knelpunten/{wish_id}/bewerken"
    stale = only_wish(db).version
    wish_id_of(
        post_form(
            client, page, {**COMPLETE, "title": "Eerst", "action": "concept", "version": stale}
        )
    )
    response = post_form(
        client,
        page,
        {**COMPLETE, "title": "Mijn late wijziging", "action": "concept", "version": stale},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'value="Mijn late wijziging"' in html
    assert "intussen gewijzigd" in html
    assert only_wish(db).title == "Eerst"


def test_withdraw_with_reason(client: FlaskClient, db: Session, team: tuple[Pilot, User]) -> None:
    wish_id = wish_id_of(post_wish(client, team[0], "indienen"))
    page = f"/knelpunten/{wish_id}"
    response = post_form(client, f"{page}/intrekken", {"reason": ""}, page=page)
    assert response.status_code == 400
    assert 'id="reason-error"' in response.get_data(as_text=True)
    response = post_form(client, f"{page}/intrekken", {"reason": "Al opgelost"}, page=page)
    assert response.status_code == 302
    wish = only_wish(db)
    assert wish.state is WishState.WITHDRAWN
    assert wish.state_reason == "Al opgelost"
    html = client.get(page).get_data(as_text=True)
    assert "Al opgelost" in html
    assert "Knelpunt intrekken" not in html


# -- visibility --------------------------------------------------------------------------------


def test_another_pilots_wish_is_not_visible_or_editable(
    client: FlaskClient,
    team: tuple[Pilot, User],
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
) -> None:
    other = make_pilot("Andermans pilot")
    for state in (WishState.CONCEPT, WishState.SUBMITTED, WishState.NEEDS_INFO):
        wish = make_wish(other, state=state, title="Geheim van een ander")
        base = f"/knelpunten/{wish.id}"
        assert client.get(base).status_code == 404
        assert client.get(f"{base}/bewerken").status_code == 404
        own_page = "/knelpunten/nieuw"
        response = post_form(client, f"{base}/bewerken", {**COMPLETE}, page=own_page)
        assert response.status_code == 404
        response = post_form(client, f"{base}/intrekken", {"reason": "x"}, page=own_page)
        assert response.status_code == 404
        assert "Geheim van een ander" not in client.get("/knelpunten").get_data(as_text=True)


def test_draft_is_not_visible_to_the_office(
    client: FlaskClient,
    db: Session,
    team: tuple[Pilot, User],
    make_user: Callable[..., User],
    login: Callable[..., Any],
) -> None:
    concept_id = wish_id_of(post_wish(client, team[0], "concept", title="Nog een concept"))
    submitted_id = wish_id_of(post_wish(client, team[0], "toch-indienen", title="Ingediend"))
    post_form(client, "/afmelden", {}, page="/knelpunten")
    login(make_user(Role.OFFICE))
    assert client.get(f"/knelpunten/{concept_id}").status_code == 404
    assert client.get(f"/knelpunten/{submitted_id}").status_code == 200
    found = client.get("/knelpunten/vergelijkbaar?titel=Nog+een+concept").get_json()
    assert found == {"wishes": []}


def test_overview_lists_own_and_supported_wishes_with_state_filter(
    client: FlaskClient,
    db: Session,
    team: tuple[Pilot, User],
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
) -> None:
    other = make_pilot("Andermans pilot")
    own_concept = make_wish(team[0], state=WishState.CONCEPT, title="Eigen concept")
    own_submitted = make_wish(team[0], title="Eigen ingediend")
    supported = make_wish(other, title="Gesteund knelpunt")
    hidden = make_wish(other, title="Niet van ons")
    db.add(WishSupport(wish_id=supported.id, pilot_id=team[0].id, note="Ook bij ons"))
    db.commit()
    html = client.get("/knelpunten").get_data(as_text=True)
    for wish in (own_concept, own_submitted, supported):
        assert wish.title in html
    assert hidden.title not in html
    assert "Steunt knelpunt van Andermans pilot" in html
    html = client.get("/knelpunten?status=concept").get_data(as_text=True)
    assert own_concept.title in html
    assert own_submitted.title not in html
    html = client.get("/knelpunten?status=bestaat-niet").get_data(as_text=True)
    assert own_concept.title in html  # an invalid filter shows everything


# -- similar wishes and joining ----------------------------------------------------------------


@pytest.fixture
def existing(make_pilot: Callable[..., Pilot], make_wish: Callable[..., Wish]) -> Wish:
    raiser = make_pilot("Geboorteaangifte zonder loket")
    return make_wish(
        raiser,
        statute="BWBR0002656",
        article="19h",
        title="Aangifte van overlijden door uitvaartondernemer",
    )


def test_check_step_offers_similar_wishes_without_saving(
    client: FlaskClient, db: Session, team: tuple[Pilot, User], existing: Wish
) -> None:
    response = post_wish(client, team[0], "controleren")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert existing.reference in html
    assert "Wij lopen hier ook tegenaan" in html
    assert f'action="/knelpunten/{existing.id}/steunen"' in html
    assert 'value="Digitale aangifte van overlijden"' in html  # the form keeps its input
    assert db.scalar(select(Wish.id).where(Wish.id != existing.id)) is None


def test_first_submission_with_similar_wishes_asks_first(
    client: FlaskClient, db: Session, team: tuple[Pilot, User], existing: Wish
) -> None:
    response = post_wish(client, team[0], "indienen")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Toch indienen als nieuw knelpunt" in html
    assert db.scalar(select(Wish.id).where(Wish.id != existing.id)) is None
    wish_id = wish_id_of(post_wish(client, team[0], "toch-indienen"))
    assert db.get(Wish, wish_id).state is WishState.SUBMITTED  # type: ignore[union-attr]


def test_check_without_matches_says_so(client: FlaskClient, team: tuple[Pilot, User]) -> None:
    response = post_wish(client, team[0], "controleren", statute="BWBR0005416", article="3")
    assert "Geen vergelijkbare knelpunten gevonden" in response.get_data(as_text=True)


def test_join_from_the_check_step(
    client: FlaskClient, db: Session, team: tuple[Pilot, User], existing: Wish
) -> None:
    page = f"/knelpunten/{existing.id}/steunen"
    assert client.get(page).status_code == 200
    response = post_form(
        client,
        page,
        {"pilot": str(team[0].id), "note": "In Den Bosch ook."},
        page="/knelpunten/nieuw",
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/knelpunten/{existing.id}")
    support = db.scalars(select(WishSupport)).one()
    assert (support.pilot_id, support.note, support.created_by_id) == (
        team[0].id,
        "In Den Bosch ook.",
        team[1].id,
    )
    html = client.get(f"/knelpunten/{existing.id}").get_data(as_text=True)
    assert "In Den Bosch ook." in html
    # A supporter sees the text and its own note, not the timeline of events (issue 10).
    assert "Andere pilot sloot zich aan" not in html
    assert existing.title in client.get("/knelpunten").get_data(as_text=True)
    # Joining twice just leads back to the wish.
    response = post_form(client, page, {"pilot": str(team[0].id)}, page="/knelpunten/nieuw")
    assert response.status_code == 302
    assert len(db.scalars(select(WishSupport)).all()) == 1


def test_join_refuses_other_pilots_and_unseen_wishes(
    client: FlaskClient,
    db: Session,
    team: tuple[Pilot, User],
    existing: Wish,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
) -> None:
    other = make_pilot("Niet mijn pilot")
    response = post_form(
        client,
        f"/knelpunten/{existing.id}/steunen",
        {"pilot": str(other.id), "note": "x"},
        page="/knelpunten/nieuw",
    )
    assert response.status_code == 400
    concept = make_wish(other, state=WishState.CONCEPT)
    withdrawn = make_wish(other, state=WishState.WITHDRAWN)
    for wish in (concept, withdrawn):
        response = post_form(
            client,
            f"/knelpunten/{wish.id}/steunen",
            {"pilot": str(team[0].id)},
            page="/knelpunten/nieuw",
        )
        assert response.status_code == 404
    assert db.scalar(select(WishSupport.id)) is None


def test_similar_json(
    client: FlaskClient, team: tuple[Pilot, User], existing: Wish, make_wish: Callable[..., Wish]
) -> None:
    make_wish(team[0], state=WishState.CONCEPT, title="Overlijden concept")
    response = client.get(
        "/knelpunten/vergelijkbaar?titel=aangifte+overlijden&statuut=BWBR0002656&artikel=19h"
    )
    assert response.status_code == 200
    wishes = response.get_json()["wishes"]
    assert [w["reference"] for w in wishes] == [existing.reference]
    assert set(wishes[0]) == {
        "id",
        "reference",
        "title",
        "statute",
        "article",
        "state",
        "pilotCount",
        "canJoin",
        "joinUrl",
    }
    assert wishes[0]["canJoin"] is True
    assert "problem" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MINISTRY, Role.ADMIN])
def test_similar_json_is_for_pilots_and_office_only(
    client: FlaskClient, make_user: Callable[..., User], login: Callable[..., Any], role: Role
) -> None:
    login(make_user(role))
    assert client.get("/knelpunten/vergelijkbaar?titel=x").status_code == 403


# -- the wish page -----------------------------------------------------------------------------


def test_wish_page_shows_relations_timeline_and_answers(
    client: FlaskClient,
    db: Session,
    team: tuple[Pilot, User],
    make_wish: Callable[..., Wish],
) -> None:
    death = make_wish(team[0], title="Overlijden digitaal", state=WishState.OFFERED)
    wish_id = wish_id_of(
        post_wish(client, team[0], "toch-indienen", title="Geboorte", follows_from=death.reference)
    )
    relation = db.scalars(select(WishRelation)).one()
    assert (relation.wish_id, relation.related_id, relation.kind) == (
        wish_id,
        death.id,
        RelationKind.FOLLOWS_FROM,
    )
    jenv = db.scalar(select(Ministry).where(Ministry.code == "JenV"))
    db.add(
        Answer(
            wish_id=death.id,
            ministry=jenv,
            status=AnswerStatus.REALISED,
            effective_date=dt.date(2026, 7, 1),
            reasons="Wet aangepast.",
        )
    )
    db.commit()
    html = client.get(f"/knelpunten/{wish_id}").get_data(as_text=True)
    assert "Volgt uit" in html
    assert death.reference in html
    assert "Aangemaakt" in html
    assert "Van Concept naar Ingediend" in html
    html = client.get(f"/knelpunten/{death.id}").get_data(as_text=True)
    assert "Hierop bouwt voort:" in html
    assert "Gerealiseerd" in html
    assert "1 juli 2026" in html
    assert "Wet aangepast." in html
