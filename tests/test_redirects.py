"""Redirects to user-supplied targets: one safe-redirect function, same-site paths only.

Issue 10, finding 1 (ASVS 5.1.5): a tab, CR/LF or other control character or whitespace in
`next` must never turn into `//evil.example` after Werkzeug and the browser normalise it,
and never into a 500.
"""

from __future__ import annotations

from urllib.parse import quote

import pyotp
import pytest

from bundler.enums import Role
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.test_mfa import code_step, enrol_directly

HOSTILE = [
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\r\n/evil.example/x",
    "\t//evil.example/x",
    " //evil.example/x",
    "/\x0b/evil.example",
    "/\x1f/evil.example",
    "/\x7f/evil.example",
    "/ /evil.example",
    "/\u00a0/evil.example",
    "/\u3000/evil.example",
    "//evil.example",
    "/\\evil.example",
    "https://evil.example/",
    "/x\r\nSet-Cookie: a=b",
    "javascript:alert(1)",
    "\x00/x",  # NUL is refused with 400 before any view reads it
]


def _local(location: str) -> bool:
    """Tell whether a Location stays on this site, the way a browser reads it."""
    # Browsers drop tab, CR and LF anywhere and C0/space at both ends, and read \ as /.
    cleaned = "".join(c for c in location if c not in "\t\r\n").strip("\x00 \x1f")
    cleaned = cleaned.replace("\\", "/")
    return cleaned.startswith("/") and not cleaned.startswith("//")


def _assert_stays(response):
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert _local(response.location), response.location
        assert "evil" not in response.location


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user(Role.PILOT)
    token = csrf_token(client)
    response = client.post(
        "/aanmelden?next=" + quote(target, safe=""),
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    _assert_stays(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_never_redirects_off_site(client, target):
    response = post_form(client, "/taal", {"lang": "en", "next": target}, page="/aanmelden")
    _assert_stays(response)


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "/\r\n/evil.example", "/\\evil"])
def test_second_step_never_redirects_off_site(app, client, make_user, target):
    user = make_user(Role.OFFICE)
    secret = enrol_directly(app, user)
    token = csrf_token(client)
    client.post(
        "/aanmelden?next=" + quote(target, safe=""),
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    response = code_step(client, pyotp.TOTP(secret).now())
    assert response.status_code == 302
    assert _local(response.location), response.location
    assert "evil" not in response.location


@pytest.mark.parametrize("target", ["/knelpunten", "/knelpunten?pagina=2", "/bureau/x#y"])
def test_a_same_site_path_is_kept(client, make_user, target):
    user = make_user(Role.PILOT)
    token = csrf_token(client)
    response = client.post(
        "/aanmelden?next=" + quote(target, safe=""),
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.location == target
