"""Navigation per role, login required everywhere but public pages, errors, language, CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter

from bundler import demo
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import Answer, Pilot, User, Wish
from bundler.navigation import NAV
from tests.conftest import csrf_token, post_form

PUBLIC_ENDPOINTS = {
    "static",
    "auth.login",
    "main.set_language",
    "main.accessibility",
    # Reached from a mail without signing in: the link's token is the credential.
    "notifications.forgot_password",
    "notifications.set_password",
    "notifications.unsubscribe",
}


def _concrete(rule) -> str:
    """Build a URL for a rule: 1 for integers, the first choice of any(), a code otherwise."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "BZK"
    return rule.build(values, append_unknown=False)[1]


def _private_rules(app):
    # The token API answers 401 instead (tests/test_api.py, the access matrix).
    return [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint not in PUBLIC_ENDPOINTS and not r.rule.startswith("/api/v1/")
    ]


def test_every_non_public_get_route_redirects_anonymous_to_login(app, client):
    rules = [r for r in _private_rules(app) if "GET" in r.methods]
    assert rules
    for rule in rules:
        response = client.get(_concrete(rule))
        assert response.status_code == 302, rule.rule
        assert response.location.startswith("/aanmelden"), rule.rule


def test_every_non_public_post_route_redirects_anonymous_to_login(app, client):
    token = csrf_token(client)
    for rule in [r for r in _private_rules(app) if "POST" in r.methods]:
        response = client.post(_concrete(rule), data={"csrf_token": token})
        assert response.status_code == 302, rule.rule
        assert response.location.startswith("/aanmelden"), rule.rule


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_only_its_own_navigation(client, make_user, make_pilot, login, role):
    user = make_user(role, pilots=[make_pilot()] if role is Role.PILOT else None)
    login(user)
    html = client.get("/").get_data(as_text=True)
    nav = html.split('<nav class="bundler-nav"', 1)[1].split("</nav>", 1)[0]
    from flask import url_for

    with client.application.test_request_context():
        own = {url_for(endpoint) for endpoint, _ in NAV[role]}
        others = {
            url_for(endpoint)
            for other, items in NAV.items()
            if other is not role
            for endpoint, _ in items
        } - own
    for href in own:
        assert f'href="{href}"' in nav
    for href in others:
        assert f'href="{href}"' not in nav
    assert str(role.value) and user.name in html


def test_admin_pages_are_forbidden_to_other_roles(client, make_user, login):
    login(make_user(Role.OFFICE))
    assert client.get("/beheer/gebruikers").status_code == 403


def test_404_is_friendly_and_dutch(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Deze pagina bestaat niet" in html
    assert 'lang="nl"' in html


def test_500_shows_no_stack_trace(app, client):
    @app.get("/kapot")
    def broken():
        raise RuntimeError("geheime interne details")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/kapot")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Er ging iets mis" in html
    assert "geheime interne details" not in html
    assert "Traceback" not in html


def test_api_errors_are_problem_json(client):
    response = client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_language_switch_to_english(client):
    token = csrf_token(client)
    response = client.post("/taal", data={"lang": "en", "next": "/aanmelden", "csrf_token": token})
    assert response.status_code == 302
    html = client.get("/aanmelden").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Sign in" in html


def test_security_headers_on_pages(client):
    response = client.get("/aanmelden")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_admin_creates_and_changes_a_user(client, make_user, make_pilot, login, db):
    login(make_user(Role.ADMIN))
    pilot = make_pilot("Pilot X")
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "email": "Nieuw@Gemeente.nl",
            "name": "Nieuw lid",
            "role": "pilot",
            "ministry": "",
            "pilots": [str(pilot.id)],
            "password": "lang genoeg wachtwoord",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.scalar(select(User).where(User.email == "nieuw@gemeente.nl"))
    assert [p.name for p in user.pilots] == ["Pilot X"]
    response = post_form(
        client,
        f"/beheer/gebruikers/{user.id}",
        {"name": "Nieuw lid", "role": "ministry", "ministry": "VWS", "active": "y"},
    )
    assert response.status_code == 302
    db.expire_all()
    assert user.role is Role.MINISTRY and user.ministry.code == "VWS" and user.pilots == []
    assert user.session_version == 2  # a new role ends the old sessions


def test_admin_form_errors_keep_input(client, make_user, login):
    login(make_user(Role.ADMIN))
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "email": "geen-adres",
            "name": "Iemand",
            "role": "ministry",
            "ministry": "",
            "password": "",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="geen-adres"' in html and 'value="Iemand"' in html
    assert "Vul een geldig e-mailadres in" in html


def test_ministry_user_needs_a_ministry(client, make_user, login):
    login(make_user(Role.ADMIN))
    response = post_form(
        client,
        "/beheer/gebruikers/nieuw",
        {
            "email": "m@minbzk.nl",
            "name": "M",
            "role": "ministry",
            "ministry": "",
            "password": "lang genoeg wachtwoord",
        },
    )
    assert response.status_code == 400
    assert "Kies het ministerie van deze gebruiker." in response.get_data(as_text=True)


def test_create_user_command(runner, db, make_pilot):
    make_pilot("Digitale aangifte overlijden")
    result = runner.invoke(
        args=[
            "create-user",
            "lid@gemeente.nl",
            "--role",
            "pilot",
            "--pilot",
            "Digitale aangifte overlijden",
            "--password-stdin",
        ],
        input="een heel lang wachtwoord\n",
    )
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "lid@gemeente.nl"))
    assert user.role is Role.PILOT and user.pilots[0].name == "Digitale aangifte overlijden"
    assert "een heel lang wachtwoord" not in user.password_hash
    bad = runner.invoke(
        args=[
            "create-user",
            "m@min.nl",
            "--role",
            "ministry",
            "--ministry",
            "XYZ",
            "--password-stdin",
        ],
        input="een heel lang wachtwoord\n",
    )
    assert bad.exit_code != 0 and "Onbekend" in bad.output


def test_demo_tells_the_story(runner, db):
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    for account in demo.ACCOUNTS:
        assert account.email in result.output
    assert {u.role for u in db.scalars(select(User))} == set(Role)
    assert db.scalar(select(func.count()).select_from(Pilot)) == 5
    assert all(
        len(p.municipalities) == 5 and p.executing_organisation for p in db.scalars(select(Pilot))
    )
    death_pilot = db.scalar(select(Pilot).where(Pilot.name == "Digitale aangifte overlijden"))
    assert "GM0796" in {m.cbs_code for m in death_pilot.municipalities}
    death = db.scalar(select(Wish).where(Wish.article == "19h"))
    assert len(death.supports) == 2
    answer = db.scalars(
        select(Answer).where(Answer.wish_id == death.id).order_by(Answer.answered_at)
    ).all()[-1]
    assert answer.status is AnswerStatus.REALISED and (
        answer.effective_date.month,
        answer.effective_date.day,
    ) == (7, 1)
    followers = db.scalars(select(Wish).where(Wish.article.in_(["19e", "44"]))).all()
    assert len(followers) == 2
    assert all(r.related_id == death.id for w in followers for r in w.relations)
    ministries = {m.code for w in db.scalars(select(Wish)) for m in w.ministries}
    assert len(ministries) >= 4
    again = runner.invoke(args=["load-demo", "--if-empty"])
    assert again.exit_code == 0 and "al geladen" in again.output
    assert (
        db.scalar(select(func.count()).select_from(Wish).where(Wish.state == WishState.CONCEPT))
        >= 1
    )


def test_admin_edit_form_shows_the_current_account(client, make_user, make_pilot, login):
    login(make_user(Role.ADMIN))
    pilot = make_pilot("Pilot Q")
    user = make_user(Role.PILOT, pilots=[pilot])
    html = client.get(f"/beheer/gebruikers/{user.id}").get_data(as_text=True)
    assert f'<option selected value="{pilot.id}">Pilot Q</option>' in html
    assert '<option selected value="pilot">' in html


def test_nul_bytes_are_refused_everywhere(client):
    token = csrf_token(client)
    response = client.post(
        "/aanmelden", data={"email": "a\x00@b.nl", "password": "x", "csrf_token": token}
    )
    assert response.status_code == 400
    assert client.get("/aanmelden?q=%00").status_code == 400


def test_database_error_still_gets_the_dutch_error_page(app, client, make_user, login):
    from sqlalchemy import text

    from bundler.db import get_session

    @app.get("/kapotte-query")
    def broken_query():
        get_session().execute(text("SELECT * FROM tabel_die_niet_bestaat"))
        return "niet bereikt"

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(make_user(Role.OFFICE))
    response = client.get("/kapotte-query")
    assert response.status_code == 500
    assert "Er ging iets mis" in response.get_data(as_text=True)


def test_trusted_proxy_gives_the_client_address(app_config, make_user):
    from bundler import create_app

    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1})
    client = proxied.test_client()
    token = csrf_token(client)
    for n in range(6):
        response = client.post(
            "/aanmelden",
            data={"email": f"x{n}@example.org", "password": "verkeerd", "csrf_token": token},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        assert response.status_code == 400  # six addresses: nobody is throttled for the others
    proxied.extensions["bundler.engine"].dispose()


def test_probing_for_hidden_objects_is_logged(client, make_user, login, db):
    from bundler.models import AuditEvent

    user = make_user(Role.PILOT)
    login(user)
    assert client.get("/knelpunten/987654").status_code == 404
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [(e.actor_id, e.result) for e in events] == [(user.id, "not_found")]


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_language_switch_never_leaves_the_site(client, target):
    token = csrf_token(client)
    response = client.post("/taal", data={"lang": "en", "next": target, "csrf_token": token})
    assert response.location == "/"


@pytest.mark.parametrize(
    "path",
    [
        "/knelpunten/" + "9" * 30,
        "/knelpunten/" + "9" * 5000,
        "/knelpunten/2147483648",
        "/pilots/" + "9" * 30,
        "/ministerie/pakketten/" + "9" * 30,
        "/ministerie/versies/" + "9" * 30 + ".pdf",
        "/bureau/pakketten/taken/" + "9" * 30,
        "/knelpunten/1/bijlagen/" + "9" * 30,
    ],
)
def test_huge_ids_in_paths_are_not_found(client, make_user, login, path):
    """Every `<int:...>` rule is bounded at the root: a huge id is 404, never a 500."""
    for role in (Role.PILOT, Role.OFFICE, Role.MINISTRY):
        login(make_user(role, ministry="JenV" if role is Role.MINISTRY else None))
        assert client.get(path).status_code in (403, 404), (role, path[:60])
        client.post("/afmelden", data={"csrf_token": csrf_token(client, "/")})


def test_the_largest_id_still_routes(app):
    adapter = app.url_map.bind("localhost")
    endpoint, values = adapter.match("/knelpunten/2147483647")
    assert (endpoint, values) == ("wishes.show", {"wish_id": 2147483647})
