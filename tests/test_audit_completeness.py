"""The audit log records who did what, when, to what and with what result; never a secret.

One scenario goes through logins, failures, password changes, MFA enrolment, recovery codes,
account changes and a denial; then no password, TOTP secret or code, recovery code, session
cookie or CSRF token may appear in any audit column or in anything that was logged.
"""

from __future__ import annotations

import json
import logging
import re

import pyotp
from sqlalchemy import select

from bundler import otp
from bundler.enums import Role
from bundler.models import AuditEvent, User
from tests.conftest import PASSWORD, csrf_token, post_form

NEW_PASSWORD = "een heel ander wachtwoord 42"
WRONG_PASSWORD = "fout-wachtwoord-9876"
ADMIN_SET_PASSWORD = "door beheer gezet 2026"
FRESH_USER_PASSWORD = "nieuwe collega wachtwoord"


def _sign_in(client, email, password):
    token = csrf_token(client)
    return client.post(
        "/aanmelden", data={"email": email, "password": password, "csrf_token": token}
    )


def _code(client, code):
    return post_form(client, "/aanmelden/code", {"code": code}, page="/aanmelden")


def test_no_secret_reaches_the_audit_log_or_the_logs(app, client, make_user, db, caplog):
    caplog.set_level(logging.DEBUG)
    secrets: set[str] = {PASSWORD, NEW_PASSWORD, WRONG_PASSWORD, ADMIN_SET_PASSWORD}
    secrets.add(FRESH_USER_PASSWORD)
    admin = make_user(Role.ADMIN)
    pilot = make_user(Role.PILOT)

    # Failed logins: unknown account and wrong password.
    assert _sign_in(client, "niemand@example.org", WRONG_PASSWORD).status_code == 400
    assert _sign_in(client, admin.email, WRONG_PASSWORD).status_code == 400

    # The admin signs in, creates an account and changes another one's role and password.
    assert _sign_in(client, admin.email, PASSWORD).status_code == 302
    secrets.add(client.get_cookie("__Host-bundler").value)
    secrets.add(csrf_token(client, "/"))
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "email": "collega@example.org",
            "name": "Collega",
            "role": "office",
            "password": FRESH_USER_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    response = post_form(
        client,
        f"/beheer/gebruikers/{pilot.id}",
        {
            "email": pilot.email,
            "name": "Andere naam",
            "role": "office",
            "active": "y",
            "password": ADMIN_SET_PASSWORD,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]

    # MFA enrolment: the secret from the page, one wrong code, then the right one.
    page = client.get("/account/tweestapsverificatie/instellen").get_data(as_text=True)
    secret = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    secrets |= {secret, otp.grouped(secret)}
    post_form(client, "/account/tweestapsverificatie/instellen", {"code": "000001"})
    first = pyotp.TOTP(secret).now()
    secrets.add(first)
    response = post_form(client, "/account/tweestapsverificatie/instellen", {"code": first})
    shown = client.get(response.location).get_data(as_text=True)
    codes = re.findall(r"<code>([2-9A-Z-]{14})</code>", shown)
    assert len(codes) == 10
    secrets |= set(codes) | {c.replace("-", "") for c in codes}

    # Password change, logout; sign in again with a recovery code, then a replayed code.
    response = post_form(
        client,
        "/account/wachtwoord",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    post_form(client, "/afmelden", {}, page="/")
    _sign_in(client, admin.email, NEW_PASSWORD)
    assert _code(client, codes[0]).status_code == 302
    secrets.add(client.get_cookie("__Host-bundler").value)
    post_form(client, "/afmelden", {}, page="/")
    _sign_in(client, admin.email, NEW_PASSWORD)
    assert _code(client, first).status_code == 400  # replay
    assert _code(client, codes[0]).status_code == 400  # used recovery code

    # A denial.
    other = app.test_client()
    assert _sign_in(other, "collega@example.org", FRESH_USER_PASSWORD).status_code == 302
    assert other.get("/beheer/gebruikers").status_code == 403

    db.expire_all()
    events = db.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    stored = "\n".join(
        json.dumps({c.name: getattr(e, c.key) for c in AuditEvent.__table__.columns}, default=str)
        for e in events
    )
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    for secret_value in sorted(secrets):
        assert secret_value.lower() not in stored.lower(), "a secret is in the audit log"
        assert secret_value.lower() not in logged.lower(), "a secret is in the log output"

    # Every security event is there with actor, time, object and result.
    actions = [e.action for e in events]
    for expected in (
        "auth.login_failed",
        "auth.login",
        "user.created",
        "user.updated",
        "auth.mfa_failed",
        "mfa.enrolled",
        "auth.password_changed",
        "auth.logout",
        "access.denied",
    ):
        assert expected in actions, expected
    for event in events:
        assert event.at is not None
        assert event.result in ("ok", "denied"), event.action
        if event.ip:  # made by a request (the test's own set-up makes actorless events)
            assert event.actor_label or event.actor_id, event.action
        if event.action not in ("auth.login_failed", "access.denied"):
            assert event.object_type and event.object_id, event.action
    updated = next(e for e in events if e.action == "user.updated")
    assert updated.before["role"] == "pilot" and updated.after["role"] == "office"
    assert updated.after.get("password_changed") is True
    failed = [e for e in events if e.action == "auth.login_failed"]
    assert {e.result for e in failed} == {"denied"}
    assert db.get(User, admin.id).totp_secret not in stored
