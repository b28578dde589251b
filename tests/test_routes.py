"""The route sweep machinery (tests/routes.py) itself: every rule becomes a URL, ids fit."""

from __future__ import annotations

from bundler import demo
from bundler.db import session_scope
from tests.conftest import PASSWORD, csrf_token
from tests.routes import IDENTITIES, make_identities, roles_for, rules, targets, undeclared


def test_every_rule_gets_a_url_and_real_ids_where_rows_exist(app):
    with session_scope(app) as session:
        demo.load(session)
        for rule in rules(app):
            found = list(targets(app, session, rule))
            assert found, rule.rule
            assert all(t.path.startswith("/") for t in found)
            if rule.arguments and rule.endpoint != "static":
                assert any(not t.real for t in found) or all(t.real for t in found)


def test_nested_ids_come_from_one_row(app, make_pilot, make_wish):
    from werkzeug.routing import Rule

    from bundler.models import WishSupport

    raising, supporter = make_pilot(), make_pilot()
    make_wish(raising)
    second = make_wish(raising)
    with session_scope(app) as session:
        session.add(WishSupport(wish_id=second.id, pilot_id=supporter.id, note="ook"))
    rule = Rule("/knelpunten/<int:wish_id>/steun/<int:wishsupport_id>", endpoint="x")
    app.url_map.add(rule)
    with session_scope(app) as session:
        (real,) = [t for t in targets(app, session, rule) if t.real]
    # The support row is picked first; the wish id is the one it belongs to, not the first wish.
    assert real.path.startswith(f"/knelpunten/{second.id}/steun/")


def test_roles_by_area():
    assert [r.value for r in roles_for("/bureau/knelpunten")] == ["office"]
    assert [r.value for r in roles_for("/knelpunten/1")] == ["pilot", "office"]
    assert [r.value for r in roles_for("/account/wachtwoord")] == ["pilot"]


def test_identities_sign_in_and_undeclared_routes_are_found(app, make_pilot):
    people = make_identities(app, make_pilot("P"), make_pilot("Q"), password=PASSWORD)
    assert set(people) == set(IDENTITIES)
    for name, user in people.items():
        if user is None:
            continue
        client = app.test_client()
        token = csrf_token(client)
        response = client.post(
            "/aanmelden", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, name
    declared = {r.endpoint: {} for r in app.url_map.iter_rules() if r.endpoint != "main.index"}
    assert undeclared(app, declared) == ["main.index"]
