"""Session timeouts and termination (ASVS 5.0 7.3.1, 7.3.2, 7.4.2), enforced by the server.

The idle limit is PERMANENT_SESSION_LIFETIME, checked against the signed cookie's timestamp
(a replayed cookie past it is worth nothing, whatever its Expires said); every request renews
it. The absolute limit is SESSION_ABSOLUTE_LIFETIME since the sign-in, whatever the activity.
An account an administrator switches off loses every session at once.
"""

from __future__ import annotations

import time

import pytest
from itsdangerous.timed import TimestampSigner

from bundler.enums import Role
from tests.conftest import PASSWORD, post_form

MINUTE = 60


@pytest.fixture
def clock(monkeypatch):
    """Move the clock the session cookie is signed and checked with."""
    offset = {"seconds": 0}
    monkeypatch.setattr(
        TimestampSigner, "get_timestamp", lambda self: int(time.time()) + offset["seconds"]
    )
    return offset


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_an_idle_session_ends_after_the_idle_limit(app, client, make_user, login, clock):
    login(make_user(Role.OFFICE))
    idle = int(app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
    clock["seconds"] = idle - MINUTE
    assert _signed_in(client)  # within the limit; this request renews the cookie
    clock["seconds"] += idle - MINUTE
    assert _signed_in(client)  # activity keeps it alive past the first limit
    clock["seconds"] += idle + MINUTE
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/aanmelden")


def test_a_session_ends_after_the_absolute_limit_whatever_the_activity(
    app, client, make_user, login
):
    login(make_user(Role.OFFICE))
    absolute = app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds()
    with client.session_transaction() as session:
        session["login_at"] -= absolute - MINUTE
    assert _signed_in(client)
    with client.session_transaction() as session:
        session["login_at"] -= 2 * MINUTE
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/aanmelden")
    assert client.get("/").status_code == 302  # and it stays ended


def test_a_session_without_a_sign_in_time_is_not_trusted(client, make_user, login):
    login(make_user(Role.OFFICE))
    with client.session_transaction() as session:
        del session["login_at"]
    assert client.get("/").status_code == 302


def test_switching_an_account_off_ends_its_sessions(app, client, make_user, login):
    user = make_user(Role.PILOT)
    login(user)
    assert _signed_in(client)
    admin_client = app.test_client()
    admin = make_user(Role.ADMIN)
    post_form(
        admin_client,
        "/aanmelden",
        {"email": admin.email, "password": PASSWORD},
    )
    path = f"/beheer/gebruikers/{user.id}"
    # The form as a browser sends it with the 'active' box unticked.
    response = post_form(admin_client, path, {"email": user.email, "name": "Weg", "role": "pilot"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/aanmelden")
