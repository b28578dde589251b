"""API tokens in the UI: who may make them, shown once, stored hashed, revoked at once."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import ApiToken, AuditEvent, Pilot
from tests.api_helpers import call
from tests.conftest import post_form

SECRET = re.compile(r'id="new-token" type="text" readonly value="(bndl_[^"]+)"')


def _expiry(days: int = 30) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def test_a_ministry_user_makes_a_token_for_its_own_ministry_shown_once(
    app, client, make_user, login
):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    page = client.get("/koppelingen").get_data(as_text=True)
    assert "BZK" not in page.split("Nieuw token")[1]  # only its own ministry to choose
    response = post_form(
        client,
        "/koppelingen",
        {"name": "Volgsysteem", "role": "ministry", "ministry": "JenV", "expires_on": _expiry()},
    )
    assert response.status_code == 201
    secret = SECRET.search(response.get_data(as_text=True)).group(1)
    assert secret not in client.get("/koppelingen").get_data(as_text=True)  # shown once
    with session_scope(app) as session:
        token = session.scalar(select(ApiToken))
        assert token is not None and secret not in (token.token_hash, token.prefix)
        assert token.ministry.code == "JenV" and token.role is Role.MINISTRY
        logged = session.scalar(select(AuditEvent).where(AuditEvent.action == "api.token_created"))
        assert logged is not None and secret not in str(logged.after)
    assert call(client, "GET", "/api/v1/packages", secret).status_code == 200
    # Another ministry cannot be chosen, even by a crafted form.
    crafted = post_form(
        client,
        "/koppelingen",
        {"name": "Ander", "role": "ministry", "ministry": "BZK", "expires_on": _expiry()},
    )
    assert crafted.status_code == 400


def test_an_administrator_makes_a_pilot_token_and_errors_stay_next_to_the_field(
    app, client, make_user, make_pilot, login
):
    pilot = make_pilot("Pilot Token")
    login(make_user(Role.ADMIN))
    refused = post_form(
        client, "/koppelingen", {"name": "Dashboard", "role": "pilot", "expires_on": _expiry()}
    )
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Kies de pilot van dit token." in html
    assert 'value="Dashboard"' in html  # nothing typed is lost
    too_late = post_form(
        client,
        "/koppelingen",
        {"name": "Dashboard", "role": "pilot", "pilot": str(pilot.id), "expires_on": _expiry(900)},
    )
    assert "Kies een vervaldatum na vandaag en binnen 366 dagen." in too_late.get_data(as_text=True)
    made = post_form(
        client,
        "/koppelingen",
        {"name": "Dashboard", "role": "pilot", "pilot": str(pilot.id), "expires_on": _expiry()},
    )
    assert made.status_code == 201
    with session_scope(app) as session:
        token = session.scalar(select(ApiToken))
        assert token is not None and session.get(Pilot, token.pilot_id).name == "Pilot Token"


def test_revoking_a_token_in_the_ui_stops_it_at_once(app, client, make_user, login):
    login(make_user(Role.MINISTRY, ministry="JenV"))
    made = post_form(
        client,
        "/koppelingen",
        {"name": "Kort", "role": "ministry", "ministry": "JenV", "expires_on": _expiry()},
    )
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    assert call(client, "GET", "/api/v1/wishes", secret).status_code == 200
    with session_scope(app) as session:
        token_id = session.scalar(select(ApiToken.id))
    page = f"/koppelingen/tokens/{token_id}"
    assert "Laatst gebruikt" in client.get(page).get_data(as_text=True)
    response = post_form(client, f"{page}/intrekken", {}, page=page)
    assert response.status_code == 302
    assert call(client, "GET", "/api/v1/wishes", secret).status_code == 401
    assert "ingetrokken" in client.get("/koppelingen").get_data(as_text=True)
