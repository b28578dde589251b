"""Security headers and caching on every route, for anonymous visitors and every role.

The routes come from app.url_map, so routes added later are covered without editing this file.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from bundler import demo
from bundler.db import session_scope
from bundler.enums import Role
from tests.conftest import csrf_token
from tests.routes import Target, rules, targets

MIN_HSTS = 31536000
REFERRER_POLICIES = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}


def assert_security_headers(response, where: str) -> None:
    """Fail unless a response carries the headers every response of this app must carry."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    assert directives.get("default-src") == "default-src 'self'", (where, csp)
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (where, csp)
    assert directives.get("object-src") == "object-src 'none'", (where, csp)
    assert directives.get("base-uri") == "base-uri 'none'", (where, csp)
    assert "script-src" not in directives or "'self'" in directives["script-src"], where
    hsts = headers.get("Strict-Transport-Security", "")
    match = re.search(r"max-age=(\d+)", hsts)
    assert match and int(match.group(1)) >= MIN_HSTS, (where, hsts)
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in REFERRER_POLICIES, where
    assert headers.get("X-Frame-Options") == "DENY", where


def assert_caching(response, target_is_static: bool, where: str) -> None:
    """No page, download or error may be kept in a cache; static assets may."""
    cache = response.headers.get("Cache-Control", "")
    if target_is_static and response.status_code == 200:
        assert "no-store" not in cache, where
    else:
        assert "no-store" in cache, (where, response.status_code, cache)


def _load_demo(app: Flask) -> None:
    with session_scope(app) as session:
        demo.load(session)


def _sign_in(client, role: Role) -> None:
    account = next(a for a in demo.ACCOUNTS if a.role is role)
    token = csrf_token(client)
    response = client.post(
        "/aanmelden",
        data={"email": account.email, "password": account.password, "csrf_token": token},
    )
    assert response.status_code == 302, response.status_code


def _all_targets(app: Flask) -> list[Target]:
    with session_scope(app) as session:
        assert isinstance(session, Session)
        return [t for rule in rules(app) for t in targets(app, session, rule)]


def _sweep(app: Flask, client, who: str) -> int:
    count = 0
    for target in _all_targets(app):
        static = target.endpoint == "static"
        if "GET" in (target.rule.methods or ()):
            response = client.get(target.path)
            where = f"{who} GET {target.path} -> {response.status_code}"
            assert response.status_code < 500, where
            assert_security_headers(response, where)
            assert_caching(response, static, where)
            response.close()
            count += 1
        if "POST" in (target.rule.methods or ()):
            # Without a CSRF token: refused (400) before anything happens, headers all the same;
            # the token API knows no cookies: without a bearer token, 401; nor does the
            # one-click unsubscribe link of a mail: without a valid signed token, 404.
            response = client.post(target.path, data={"x": "1"})
            where = f"{who} POST {target.path} -> {response.status_code}"
            expected = 401 if target.path.startswith("/api/v1/") else 400
            if target.path.startswith("/meldingen/afmelden/"):
                expected = 404
            assert response.status_code == expected, where
            assert_security_headers(response, where)
            assert_caching(response, static, where)
            count += 1
    return count


def test_every_route_carries_the_headers_for_anonymous_visitors(app, client):
    _load_demo(app)
    assert _sweep(app, client, "anonymous") > 10


@pytest.mark.parametrize("role", list(Role))
def test_every_route_carries_the_headers_for_each_role(app, client, role):
    _load_demo(app)
    _sign_in(client, role)
    assert _sweep(app, client, role.value) > 10
    assert client.get("/").status_code == 200  # still signed in: the sweep really ran as role


def test_error_responses_carry_the_headers(app, client):
    @app.get("/_test/boom")
    def boom():
        raise RuntimeError("an unexpected failure")

    cases = {
        "/bestaat-niet": ("GET", 404),
        "/_test/boom": ("GET", 500),
        "/aanmelden": ("DELETE", 400),  # unsafe method without a CSRF token
        "/afmelden": ("GET", 405),
        "/taal": ("POST", 400),
    }
    for path, (method, status) in cases.items():
        response = client.open(path, method=method)
        assert response.status_code == status, path
        assert_security_headers(response, path)
        assert_caching(response, False, path)
        assert "Traceback" not in response.get_data(as_text=True)


def test_static_files_may_be_cached_but_carry_the_headers(client):
    response = client.get("/static/css/theme.css")
    assert response.status_code == 200
    assert_security_headers(response, "static")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()
