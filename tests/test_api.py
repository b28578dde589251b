"""The JSON API: NL API Design Rules, tokens, the same access rules as the pages, answers."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from bundler.api import queries
from bundler.db import in_set, session_scope
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import Answer, AuditEvent, DownloadReceipt, Wish, WishSupport
from bundler.wishes.visibility import per_wish
from tests.api_helpers import Tokens, auth, call, make_token
from tests.conftest import csrf_token
from tests.package_helpers import build, make_story


@pytest.fixture
def world(app, make_pilot, make_wish) -> dict[str, Any]:
    """A story offered to JenV (package JenV-…), a BZK wish not yet offered, and tokens."""
    story = make_story(make_pilot, make_wish, app)
    version = build(app, "JenV")
    assert version is not None
    concept = make_wish(story.raising, state=WishState.CONCEPT, title="Nog een concept")
    tokens = Tokens(
        jenv=make_token(app, Role.MINISTRY, ministry="JenV", name="JenV-volgsysteem"),
        bzk=make_token(app, Role.MINISTRY, ministry="BZK"),
        office=make_token(app, Role.OFFICE),
        pilot=make_token(app, Role.PILOT, pilot_id=story.raising.id),
        other_pilot=make_token(app, Role.PILOT, pilot_id=story.supporters[1].id),
    )
    return {"story": story, "version": version, "concept": concept, "tokens": tokens}


def test_the_openapi_document_is_valid_openapi_3_and_describes_every_operation(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    validate(doc)  # raises on any deviation from the OpenAPI 3.1 schema
    assert doc["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in documented, (path, method)
    answer = doc["paths"]["/api/v1/wishes/{reference}/answer"]["put"]["responses"]
    assert "application/problem+json" in answer["400"]["content"]
    assert "API-Version" in answer["200"]["headers"]


def test_errors_are_problem_json_with_the_api_version(app, client, world):
    tokens = world["tokens"]

    @app.get("/api/v1/_kapot")
    def broken() -> str:
        raise RuntimeError("geheime details")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    cases = [
        ("GET", "/api/v1/wishes?pageSize=1000", tokens.office, 400),
        ("GET", "/api/v1/wishes", None, 401),
        ("GET", "/api/v1/packages", tokens.pilot, 403),
        ("GET", "/api/v1/wishes/KN-2026-9999", tokens.office, 404),
        ("GET", "/api/v1/bestaat-niet", tokens.office, 404),
        ("GET", "/api/v1/wishes/", tokens.office, 404),  # a trailing slash: 404, no redirect
        ("DELETE", "/api/v1/wishes", tokens.office, 405),
        ("POST", "/api/v1/subscriptions", tokens.office, 415),
        ("GET", "/api/v1/_kapot", None, 500),
    ]
    for method, path, token, status in cases:
        response = call(client, method, path, token)
        body = response.get_json()
        where = f"{method} {path}"
        assert response.status_code == status, (where, body)
        assert response.mimetype == "application/problem+json", where
        assert body["status"] == status and body["title"] and body["detail"], where
        assert response.headers["API-Version"] == "1.0.0", where
        assert "geheime details" not in response.get_data(as_text=True)
    assert call(client, "DELETE", "/api/v1/wishes", tokens.office).headers["Allow"]
    assert "Bearer" in call(client, "GET", "/api/v1/wishes").headers["WWW-Authenticate"]


def test_invalid_input_names_each_field(client, world):
    office = world["tokens"].office
    response = call(client, "GET", "/api/v1/wishes?pageSize=0&state=kapot&bogus=1", office)
    assert response.status_code == 400
    names = {p["name"]: p for p in response.get_json()["invalidParams"]}
    assert set(names) == {"pageSize", "state", "bogus"}
    assert names["bogus"]["reason"] == "Dit veld bestaat niet."
    response = call(client, "GET", "/api/v1/wishes?changedSince=2026-01-01T00:00:00", office)
    assert response.get_json()["invalidParams"][0]["name"] == "changedSince"  # no zone


def test_a_ministry_token_cannot_read_another_ministrys_package(client, world):
    tokens, version = world["tokens"], world["version"]
    number = version.package.number
    base = f"/api/v1/packages/{number}"
    for path in (base, f"{base}/versions/1", f"{base}/versions/1/pdf", f"{base}/versions/1/json"):
        assert call(client, "GET", path, tokens.jenv).status_code == 200, path
        assert call(client, "GET", path, tokens.office).status_code == 200, path
        hidden = call(client, "GET", path, tokens.bzk)
        assert hidden.status_code == 404, path
        assert number not in hidden.get_data(as_text=True)
    listing = call(client, "GET", "/api/v1/packages", tokens.bzk).get_json()
    assert listing["packages"] == []
    own = call(client, "GET", "/api/v1/packages", tokens.jenv).get_json()
    assert [p["number"] for p in own["packages"]] == [number]


@pytest.mark.parametrize("kind", ["revoked", "expired", "unknown", "garbled"])
def test_a_revoked_expired_or_unknown_token_gets_401(app, client, world, kind):
    token = {
        "revoked": lambda: make_token(app, Role.OFFICE, revoked=True),
        "expired": lambda: make_token(app, Role.OFFICE, days=-1),
        "unknown": lambda: "bndl_" + "x" * 43,
        "garbled": lambda: "nonsense \x7f",
    }[kind]()
    response = call(client, "GET", "/api/v1/wishes", token)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_the_same_visibility_as_the_pages(client, world):
    tokens, story, concept = world["tokens"], world["story"], world["concept"]

    def references(token: str, query: str = "") -> set[str]:
        body = call(client, "GET", f"/api/v1/wishes{query}", token).get_json()
        return {w["reference"] for w in body["wishes"]}

    offered = {story.death.reference, story.birth.reference}
    assert references(tokens.jenv) == offered  # offered to JenV only
    assert references(tokens.bzk) == set()  # BZK's wish is accepted, not yet offered
    assert concept.reference in references(tokens.pilot)  # its own concept
    assert concept.reference not in references(tokens.office)
    assert references(tokens.other_pilot) == {story.death.reference}  # it supports this one
    assert references(tokens.office, "?ministry=BZK") == {story.bzk.reference}
    assert references(tokens.office, "?state=aangeboden&statute=BWBR0002656") == offered
    assert references(tokens.office, f"?pilot={story.supporters[0].id}") == offered
    for token, status in ((tokens.jenv, 200), (tokens.bzk, 404), (tokens.other_pilot, 404)):
        path = f"/api/v1/wishes/{story.birth.reference}"
        assert call(client, "GET", path, token).status_code == status


@pytest.mark.parametrize("share", [0, 10**9], ids=["collect-the-set", "walk-newest-first"])
def test_a_pilot_filter_finds_raised_and_supported_wishes_in_either_query_form(
    client, world, monkeypatch, share
):
    monkeypatch.setattr(queries, "DENSE_SHARE", share)
    tokens, story = world["tokens"], world["story"]

    def references(query: str) -> set[str]:
        body = call(client, "GET", f"/api/v1/wishes{query}", tokens.office).get_json()
        return {w["reference"] for w in body["wishes"]}

    assert references(f"?pilot={story.raising.id}") == {story.death.reference, story.bzk.reference}
    # Raised one, supports the other.
    both = {story.death.reference, story.birth.reference}
    assert references(f"?pilot={story.supporters[0].id}") == both
    assert references(f"?pilot={story.supporters[1].id}") == {story.death.reference}


def test_the_two_query_forms_keep_their_shape_on_each_database():
    # The forms the planner needs (bench/api.py): a small set read as = ANY(ARRAY(...)) on
    # PostgreSQL, and a per-wish EXISTS that PostgreSQL cannot turn into a hashed set (OFFSET).
    pilots = [1, 2]
    small = in_set(Wish.id, select(WishSupport.wish_id).where(WishSupport.pilot_id.in_(pilots)))
    probe = per_wish(WishSupport.wish_id == Wish.id, WishSupport.pilot_id.in_(pilots))
    for dialect, expected in (
        (postgresql.dialect(), "= ANY(ARRAY(SELECT"),
        (sqlite.dialect(), "IN (SELECT"),
    ):
        sql = str(select(Wish.id).where(small, probe).compile(dialect=dialect))
        assert expected in sql and " = 1" not in sql
        assert "EXISTS (SELECT" in sql and "OFFSET" in sql


def test_a_wish_in_a_list_reads_the_same_as_the_wish_itself(client, world):
    office = world["tokens"].office
    for listed in call(client, "GET", "/api/v1/wishes", office).get_json()["wishes"]:
        alone = call(client, "GET", f"/api/v1/wishes/{listed['reference']}", office)
        assert alone.get_json() == listed


def test_pages_link_to_the_next_and_previous_page_over_https(client, world):
    office = world["tokens"].office
    headers = {"Host": "bundler.example.nl"}
    first = call(client, "GET", "/api/v1/wishes?pageSize=2", office, headers=headers).get_json()
    assert len(first["wishes"]) == 2 and "prev" not in first["_links"]
    following = first["_links"]["next"]["href"]
    assert following.startswith("https://bundler.example.nl/api/v1/wishes?")
    assert "pageSize=2" in following and "page=2" in following
    second = call(client, "GET", following.split("example.nl")[1], office, headers=headers)
    body = second.get_json()
    assert body["_links"]["prev"]["href"].endswith("page=1")
    assert {w["reference"] for w in body["wishes"]}.isdisjoint(
        {w["reference"] for w in first["wishes"]}
    )
    wish = body["wishes"][0]
    assert wish["updatedAt"].endswith(("+00:00", "Z"))  # ISO 8601 with zone
    assert wish["_links"]["self"]["href"].startswith("https://")


def test_downloads_carry_an_etag_and_answer_304_and_leave_a_receipt(app, client, world):
    tokens, version = world["tokens"], world["version"]
    path = f"/api/v1/packages/{version.package.number}/versions/1/pdf"
    response = call(client, "GET", path, tokens.jenv)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    etag = response.headers["ETag"]
    assert etag == f'"{version.sha256}"'
    again = call(client, "GET", path, tokens.jenv, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    twin = call(client, "GET", path.replace("/pdf", "/json"), tokens.jenv)
    assert twin.mimetype == "application/json" and twin.get_json()
    with session_scope(app) as session:
        labels = session.scalars(select(DownloadReceipt.user_label)).all()
    assert labels == ["API-token JenV-volgsysteem (" + tokens.jenv[:11] + "…)"] * 2


def test_a_ministry_answers_through_the_api_with_the_forms_rules(app, client, world):
    tokens, story = world["tokens"], world["story"]
    path = f"/api/v1/wishes/{story.death.reference}/answer"
    refused = call(client, "PUT", path, tokens.jenv, json={"status": "in_wetgevingstraject"})
    assert refused.status_code == 400
    assert refused.get_json()["invalidParams"][0]["name"] == "link"
    insecure = {"status": "in_wetgevingstraject", "link": "http://example.org/kst"}
    assert call(client, "PUT", path, tokens.jenv, json=insecure).get_json()["invalidParams"][0][
        "code"
    ] == ("link_https")
    no_date = call(client, "PUT", path, tokens.jenv, json={"status": "gerealiseerd"})
    assert no_date.get_json()["invalidParams"][0]["name"] == "effectiveDate"

    realised = {"status": "gerealiseerd", "effectiveDate": "2027-07-01", "reasons": "Per 1 juli."}
    created = call(client, "PUT", path, tokens.jenv, json=realised)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["effectiveDate"] == "2027-07-01"
    etag = created.headers["ETag"]
    assert call(client, "PUT", path, tokens.jenv, json=realised).status_code == 200  # unchanged
    stale = call(
        client, "PUT", path, tokens.jenv, json={"status": "ontvangen"}, headers={"If-Match": '"x"'}
    )
    assert stale.status_code == 412
    replaced = call(
        client, "PUT", path, tokens.jenv, json={"status": "ontvangen"}, headers={"If-Match": etag}
    )
    assert replaced.status_code == 200
    assert call(client, "PUT", path, tokens.bzk, json=realised).status_code == 404
    assert call(client, "PUT", path, tokens.office, json=realised).status_code == 403
    history = call(client, "GET", path + "s", tokens.jenv).get_json()["answers"]
    assert [a["status"] for a in history] == ["ontvangen", "gerealiseerd"]
    with session_scope(app) as session:
        answers = session.scalars(select(Answer).order_by(Answer.id)).all()
        assert [a.status for a in answers] == [AnswerStatus.REALISED, AnswerStatus.RECEIVED]
        audit = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "wish.answer").order_by(AuditEvent.id)
        ).all()
    # Every API write is in the audit log with the token's name.
    assert len(audit) == 2
    assert all(e.actor_label.startswith("API-token JenV-volgsysteem") for e in audit)


def test_cookies_authenticate_nothing_in_the_api_and_csrf_still_guards_the_pages(
    client, make_user, login, world
):
    login(make_user(Role.OFFICE))
    assert client.get("/bureau/knelpunten").status_code == 200  # signed in
    # A forged cross-site request carries the cookie, never a token: refused without CSRF check.
    assert client.get("/api/v1/wishes").status_code == 401
    response = client.post(
        "/api/v1/subscriptions", json={"callbackUrl": "https://example.org", "eventTypes": []}
    )
    assert response.status_code == 401
    # The pages still refuse an unsafe request without the CSRF token.
    assert client.post("/koppelingen", data={"name": "x"}).status_code in (400, 403)
    token = csrf_token(client, "/account/wachtwoord")
    assert client.post("/afmelden", data={}).status_code == 400
    assert client.post("/afmelden", data={"csrf_token": token}).status_code == 302


def test_rate_limit_per_token_answers_429_with_retry_after(app, client, world):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    tokens = world["tokens"]
    for _ in range(3):
        assert call(client, "GET", "/api/v1/statutes", tokens.office).status_code == 200
    limited = call(client, "GET", "/api/v1/statutes", tokens.office)
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    # Another token has its own budget.
    assert call(client, "GET", "/api/v1/statutes", tokens.jenv).status_code == 200


def test_reference_data_is_public(client):
    ministries = client.get("/api/v1/ministries").get_json()["ministries"]
    jenv = next(m for m in ministries if m["code"] == "JenV")
    assert jenv["tooi"] == "https://identifier.overheid.nl/tooi/id/ministerie/mnre1058"
    assert any(m["validUntil"] for m in ministries)  # historic ministries with their dates
    statutes = client.get("/api/v1/statutes").get_json()["statutes"]
    assert {"bwbId": "BWBR0002656"}.items() <= next(
        s for s in statutes if s["bwbId"] == "BWBR0002656"
    ).items()
    municipalities = client.get("/api/v1/municipalities").get_json()["municipalities"]
    assert any(m["cbsCode"] == "GM0796" for m in municipalities)


def test_the_api_state_filter_matches_the_database(app, client, world):
    office = world["tokens"].office
    body = call(client, "GET", "/api/v1/wishes?state=geaccepteerd", office).get_json()
    with session_scope(app) as session:
        accepted = set(
            session.scalars(select(Wish.reference).where(Wish.state == WishState.ACCEPTED))
        )
    assert {w["reference"] for w in body["wishes"]} == accepted
    assert auth("x") == {"Authorization": "Bearer x"}
