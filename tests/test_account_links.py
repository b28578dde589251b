"""Invitations and password resets: single-use, expiring, unguessable links; the same answer
for unknown addresses; throttled; every session ended once the password is set."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from bundler import queue
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import AccountLink, OutboxMail, User
from bundler.notifications import links
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.mail_helpers import mail_config, running_smtp, text_of

NEW_PASSWORD = "a brand new passphrase for bundler"
LINK = re.compile(r"https?://[^\s\"<>]+/account-instellen/([A-Za-z0-9_-]+)")


@pytest.fixture
def smtp():
    with running_smtp() as inbox:
        yield inbox


def _invite_new_user(client, login, make_user, role="office", **extra):
    login(make_user(Role.ADMIN))
    data = {"email": "nieuw@example.org", "name": "Nieuwe Collega", "role": role, **extra}
    response = post_form(client, "/beheer/gebruikers/nieuw", data)
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def stored_user(db):
    return db.scalar(select(User).where(User.email == "nieuw@example.org"))


def _set_password(client, token, password=NEW_PASSWORD):
    page = f"/account-instellen/{token}"
    return post_form(client, page, {"password": password, "confirm": password})


def test_an_invitation_without_mail_is_shown_once_and_works_once(app, client, db, login, make_user):
    response = _invite_new_user(client, login, make_user, role="pilot")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Er is geen mailserver ingesteld" in html
    token = LINK.search(html).group(1)
    # Shown once: the page again no longer holds it.
    again = client.get(f"/beheer/gebruikers/{stored_user(db).id}/uitnodiging")
    assert token not in again.get_data(as_text=True)
    # Unguessable: 256 random bits; only its hash is stored.
    assert len(token) >= 43
    stored = db.scalar(select(AccountLink))
    assert stored.token_hash == links.token_hash(token) and token not in stored.token_hash
    assert stored.expires_at - stored.created_at == dt.timedelta(days=7)

    client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/account-instellen/{token}").status_code == 200
    response = _set_password(client, token)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Nieuwe Collega" in client.get("/").get_data(as_text=True)  # signed in

    client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/account-instellen/{token}").status_code == 404
    assert _set_password(client, token, "yet another passphrase!!").status_code == 404


def test_after_the_invitation_the_role_enrols_mfa(app, client, login, make_user):
    response = _invite_new_user(client, login, make_user)  # an office account
    token = LINK.search(response.get_data(as_text=True)).group(1)
    client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})
    app.config["MFA_REQUIRED"] = True
    _set_password(client, token)
    assert client.get("/").headers["Location"].startswith("/account/tweestapsverificatie")


def test_expired_unknown_and_replaced_links_do_not_work(app, client, db, make_user):
    user = make_user(Role.PILOT)
    with session_scope(app) as session:
        first = links.issue(
            session, session.get(User, user.id), links.RESET, valid=dt.timedelta(hours=2)
        )
        second = links.issue(
            session, session.get(User, user.id), links.RESET, valid=dt.timedelta(hours=2)
        )
    assert client.get(f"/account-instellen/{first}").status_code == 404  # replaced
    guessed = second[:-1] + ("B" if second.endswith("A") else "A")
    assert client.get(f"/account-instellen/{guessed}").status_code == 404
    assert client.get(f"/account-instellen/{second}").status_code == 200
    with session_scope(app) as session:
        session.execute(
            update(AccountLink).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
    assert client.get(f"/account-instellen/{second}").status_code == 404  # expired


def _without_tokens(html):
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def test_reset_answers_the_same_for_unknown_addresses_and_mails_only_the_known(
    app, client, db, smtp, make_user
):
    app.config.update(mail_config(smtp))
    user = make_user(Role.PILOT, email="bekend@example.org")
    known = post_form(client, "/wachtwoord-vergeten", {"email": "bekend@example.org"})
    unknown = post_form(client, "/wachtwoord-vergeten", {"email": "onbekend@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(
        unknown.get_data(as_text=True)
    )
    queue.run_pending(app)
    assert [m["To"] for m in smtp.messages] == [user.email]
    (mail,) = smtp.messages
    assert mail["Subject"] == "Nieuw wachtwoord voor bundler"
    assert LINK.search(text_of(mail))
    # The mail's text (with the link) is not kept once the server has it.
    sent = db.scalar(select(OutboxMail).where(OutboxMail.kind == "reset"))
    assert sent.status == "sent" and sent.text_body == "" and sent.html_body == ""


def test_a_reset_ends_every_session_and_works_once(app, client, smtp, make_user, login):
    app.config.update(mail_config(smtp))
    user = make_user(Role.PILOT, email="reset@example.org")
    other_device = app.test_client()
    token = csrf_token(other_device, "/aanmelden")
    other_device.post(
        "/aanmelden", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert other_device.get("/").status_code == 200

    post_form(client, "/wachtwoord-vergeten", {"email": user.email})
    queue.run_pending(app)
    link = LINK.search(text_of(smtp.messages[-1])).group(1)
    response = _set_password(client, link)
    assert response.headers["Location"] == "/aanmelden"
    assert other_device.get("/").status_code == 302  # that session has ended
    login(user, NEW_PASSWORD)
    client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})
    assert _set_password(client, link, "another passphrase again").status_code == 404


def test_reset_requests_are_throttled_per_address(app, client, make_user):
    make_user(Role.PILOT, email="druk@example.org")
    codes = [
        post_form(client, "/wachtwoord-vergeten", {"email": "druk@example.org"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
