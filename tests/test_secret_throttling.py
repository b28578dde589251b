"""Throttling per account wherever a secret is checked (issue 10, finding 5; ASVS 2.2.1).

Turning MFA off, renewing recovery codes, enrolling and changing the password check a TOTP
code, a recovery code or a password. Each is throttled per account (one budget shared
across these forms), counting failures only, with the sign-in's LOGIN_RATE_LIMIT: a guesser
with many addresses gets 429 after five wrong guesses on the account.
"""

from __future__ import annotations

import pytest

from bundler.enums import Role
from tests.conftest import csrf_token
from tests.test_mfa import _signed_in_with_mfa

MANAGE = "/account/tweestapsverificatie"


def _from(client, address: str, path: str, data: dict[str, str], page: str):
    token = csrf_token(client, page)
    return client.post(
        path, data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": address}
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [(f"{MANAGE}/uitzetten", "disable_code"), (f"{MANAGE}/herstelcodes", "renew_code")],
)
def test_wrong_codes_from_many_addresses_are_throttled_per_account(
    app, client, make_user, path, field
):
    user = make_user(Role.PILOT)
    _signed_in_with_mfa(app, client, user)
    statuses = [
        _from(client, f"198.51.100.{i}", path, {field: "000000"}, MANAGE).status_code
        for i in range(1, 13)
    ]
    assert statuses[:5] == [400] * 5
    assert statuses[-1] == 429


def test_the_account_budget_is_shared_between_the_forms(app, client, make_user):
    user = make_user(Role.PILOT)
    _signed_in_with_mfa(app, client, user)
    for i in range(5):
        path, field = (
            (f"{MANAGE}/uitzetten", "disable_code")
            if i % 2
            else (f"{MANAGE}/herstelcodes", "renew_code")
        )
        assert _from(client, f"203.0.113.{i}", path, {field: "000000"}, MANAGE).status_code == 400
    response = _from(
        client, "203.0.113.99", f"{MANAGE}/uitzetten", {"disable_code": "000000"}, MANAGE
    )
    assert response.status_code == 429


def test_wrong_current_passwords_are_throttled_per_account(client, make_user, login):
    user = make_user(Role.PILOT)
    login(user)
    page = "/account/wachtwoord"
    data = {
        "current_password": "fout wachtwoord",
        "new_password": "een nieuw lang wachtwoord",
        "confirm": "een nieuw lang wachtwoord",
    }
    statuses = [_from(client, f"192.0.2.{i}", page, data, page).status_code for i in range(1, 9)]
    assert statuses[:5] == [400] * 5
    assert statuses[-1] == 429
