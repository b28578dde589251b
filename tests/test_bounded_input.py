"""Hostile ids, numbers and dates in URLs, query strings and forms: 400 or 404, never a 500.

Issue 10, finding 7 (ASVS 5.1.3, 5.1.4): every integer and date the app reads from a request
goes through `bundler.bounded` (query strings, forms) or the bounded `<int:...>` converter
(paths), so an overflow, a superscript digit or Python's 4,300-digit limit never reaches the
database driver or `int()`.
"""

from __future__ import annotations

import pytest

from bundler import bounded
from bundler.enums import Role
from bundler.enums import WishState as S
from tests.conftest import csrf_token, post_form

HUGE = "9" * 30
ENORMOUS = "7" * 5000
NOT_ASCII = ["²", "٣", "１", "⁹"]


# ---- the pure parsing helpers -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", " ", "-1", "0", "1.5", "1e3", HUGE, ENORMOUS, *NOT_ASCII])
def test_parse_id_refuses_what_is_not_a_row_id(raw):
    assert bounded.parse_id(raw) is None


@pytest.mark.parametrize(
    ("raw", "value"), [("1", 1), (" 42 ", 42), (str(bounded.MAX_ID), 2**31 - 1)]
)
def test_parse_id_reads_row_ids(raw, value):
    assert bounded.parse_id(raw) == value


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01", "2026-02-30", "²026-01-01", HUGE])
def test_parse_date_refuses_dates_outside_the_apps_range(raw):
    assert bounded.parse_date(raw) is None


def test_parse_date_reads_iso_dates():
    import datetime as dt

    assert bounded.parse_date("2026-07-01") == dt.date(2026, 7, 1)


# ---- through HTTP ------------------------------------------------------------------------------


@pytest.fixture
def office(make_user, login):
    user = make_user(Role.OFFICE)
    login(user)
    return user


@pytest.fixture
def pilot_member(make_user, make_pilot, login):
    pilot = make_pilot()
    user = make_user(Role.PILOT, pilots=[pilot])
    login(user)
    return user, pilot


def _never_500(client, path):
    response = client.get(path)
    assert response.status_code in (200, 400, 404), f"{path[:80]} -> {response.status_code}"
    return response


@pytest.mark.parametrize(
    "path",
    [
        f"/knelpunten/{HUGE}",
        f"/pilots/{HUGE}",
        f"/bureau/pakketten/taken/{HUGE}",
        f"/bureau/pakketten/versies/{HUGE}.pdf",
        "/bureau/logboek?tot=9999-12-31",
        "/bureau/logboek?van=9999-12-31",
        "/bureau/logboek?pagina=²",
        f"/bureau/logboek?pagina={ENORMOUS}",
        "/bureau/knelpunten?tot=9999-12-31",
        "/bureau/knelpunten?van=9999-12-31&tot=9999-12-31",
        "/bureau/knelpunten?pagina=²&per=²&pilot=²",
        f"/bureau/knelpunten?pagina={ENORMOUS}&pilot={ENORMOUS}",
        "/bureau/export.csv?tot=9999-12-31",
        "/knelpunten/vergelijkbaar?behalve=²&titel=x",
        f"/knelpunten/vergelijkbaar?behalve={ENORMOUS}&titel=x",
        f"/knelpunten/vergelijkbaar?behalve={HUGE}&titel=x",
        f"/bureau/knelpunten?pilot={HUGE}",
    ],
)
def test_office_urls_with_hostile_numbers(client, office, path):
    _never_500(client, path)


def test_ministry_urls_with_hostile_numbers(client, make_user, login):
    login(make_user(Role.MINISTRY))
    for path in [
        f"/ministerie/pakketten/{HUGE}",
        f"/ministerie/versies/{HUGE}.pdf",
        f"/ministerie/knelpunten/{HUGE}/antwoord",
    ]:
        assert _never_500(client, path).status_code == 404


def test_bulk_action_with_hostile_ids(client, office, make_pilot, make_wish, db):
    pilot = make_pilot()
    wish = make_wish(pilot)
    for ids in (["²"], [HUGE], [ENORMOUS], [str(wish.id), "²", ENORMOUS]):
        response = post_form(
            client,
            "/bureau/bulkactie",
            {"knelpunt": ids, "actie": "accepteren"},
            page="/bureau/knelpunten",
        )
        assert response.status_code in (302, 400), (ids[:1], response.status_code)


@pytest.mark.parametrize("version", ["²", ENORMOUS, HUGE, "-1"])
def test_wish_edit_with_a_hostile_version(client, pilot_member, make_wish, version):
    _user, pilot = pilot_member
    wish = make_wish(pilot, state=S.CONCEPT)
    page = f"/knelpunten/{wish.id}/bewerken"
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "title": "Een titel",
            "problem": "Een probleem.",
            "version": version,
            "action": "concept",
        },
    )
    assert response.status_code in (400, 409), response.status_code


@pytest.mark.parametrize("version", ["²", ENORMOUS])
def test_office_edit_with_a_hostile_version(client, office, make_pilot, make_wish, version):
    wish = make_wish(make_pilot())
    page = f"/bureau/knelpunten/{wish.reference}"
    response = client.post(
        page + "/tekst",
        data={
            "csrf_token": csrf_token(client, page),
            "title": "Een titel",
            "problem": "Een probleem.",
            "version": version,
        },
    )
    assert response.status_code in (400, 409), response.status_code
