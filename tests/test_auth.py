"""Signing in and out, throttling, session revocation, cookie flags, CSRF."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import select

from bundler.enums import Role
from bundler.models import AuditEvent
from tests.conftest import PASSWORD, csrf_token, post_form


def test_login_page_has_named_fields(client):
    html = client.get("/aanmelden").get_data(as_text=True)
    assert 'name="email"' in html
    assert 'name="password"' in html


def test_login_then_home(client, make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert user.name in response.get_data(as_text=True)


def test_wrong_password_is_refused_and_audited_without_secret(client, make_user, db):
    user = make_user(Role.OFFICE)
    response = post_form(client, "/aanmelden", {"email": user.email, "password": "wrong-guess-123"})
    assert response.status_code == 400
    assert "klopt niet" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "auth.login_failed")).all()
    assert len(events) == 1
    assert events[0].actor_label == user.email
    assert "wrong-guess-123" not in repr((events[0].before, events[0].after, events[0].summary))


def test_form_errors_keep_what_was_typed(client):
    response = post_form(client, "/aanmelden", {"email": "iemand@example.org", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="iemand@example.org"' in html
    assert "Vul uw wachtwoord in." in html
    assert 'href="#password"' in html  # error summary links to the field


def test_login_is_throttled_after_repeated_failures(client, make_user):
    user = make_user(Role.PILOT)
    statuses = [
        post_form(client, "/aanmelden", {"email": user.email, "password": f"wrong-{i}"}).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [400] * 5
    assert statuses[-1] == 429
    # The correct password is refused as well while throttled.
    response = post_form(client, "/aanmelden", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_throttling(client, make_user, login):
    user = make_user(Role.PILOT)
    for _ in range(7):
        login(user)
        post_form(client, "/afmelden", {}, page="/")


def test_session_cookie_flags(client, make_user, login):
    user = make_user(Role.OFFICE)
    response = login(user)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-"))
    cookie = SimpleCookie(header)
    morsel = next(iter(cookie.values()))
    assert morsel["secure"]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert not morsel["domain"]
    expires = parsedate_to_datetime(morsel["expires"])
    assert expires - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=1)


def test_old_cookie_is_rejected_after_logout(app, client, make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    stolen = client.get_cookie("__Host-bundler").value
    assert post_form(client, "/afmelden", {}, page="/").status_code == 302
    replay = app.test_client()
    replay.set_cookie("__Host-bundler", stolen)
    response = replay.get("/")
    assert response.status_code == 302
    assert "/aanmelden" in response.location


def test_password_change_revokes_other_sessions(app, client, make_user, login):
    user = make_user(Role.PILOT)
    other = app.test_client()
    login(user)
    token = csrf_token(other)
    other.post("/aanmelden", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert other.get("/").status_code == 200
    response = post_form(
        client,
        "/account/wachtwoord",
        {
            "current_password": PASSWORD,
            "new_password": "een nieuw lang wachtwoord",
            "confirm": "een nieuw lang wachtwoord",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other one is revoked


def test_password_change_with_wrong_current_password(client, make_user, login):
    user = make_user(Role.PILOT)
    login(user)
    response = post_form(
        client,
        "/account/wachtwoord",
        {"current_password": "not it at all", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert response.status_code == 400
    assert "Het huidige wachtwoord klopt niet." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/aanmelden", "/afmelden", "/taal", "/beheer/gebruikers/nieuw"])
def test_post_without_csrf_token_is_refused(client, path):
    assert client.post(path, data={"email": "a@b.nl", "password": "x"}).status_code == 400


def test_next_parameter_cannot_leave_the_site(client, make_user):
    user = make_user(Role.OFFICE)
    token = csrf_token(client)
    response = client.post(
        "/aanmelden?next=//evil.example/",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.location == "/"


def test_login_and_logout_are_audited(client, make_user, login, db):
    user = make_user(Role.ADMIN)
    login(user)
    post_form(client, "/afmelden", {}, page="/")
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "auth.login" in actions
    assert "auth.logout" in actions
