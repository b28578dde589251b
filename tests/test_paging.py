"""Long lists of wishes on the pilot pages come a page at a time."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from bundler import paged
from bundler.enums import Role


def _references(page: str) -> list[str]:
    return sorted(set(re.findall(r"KN-2026-\d{4}", page)))


def test_pilot_page_lists_wishes_a_page_at_a_time(
    client: FlaskClient, make_pilot: Any, make_wish: Any, make_user: Any, login: Any
) -> None:
    pilot = make_pilot()
    for _ in range(paged.PER_PAGE + 3):
        make_wish(pilot)
    login(make_user(Role.OFFICE))
    first = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert f"Knelpunt 1 tot en met {paged.PER_PAGE} van {paged.PER_PAGE + 3}." in first
    assert len(_references(first)) == paged.PER_PAGE
    second = client.get(f"/pilots/{pilot.id}?pagina=2").get_data(as_text=True)
    assert len(_references(second)) == 3
    assert not set(_references(first)) & set(_references(second))
    assert client.get(f"/pilots/{pilot.id}?pagina=x").status_code == 200


def test_member_overview_counts_all_and_shows_one_page(
    client: FlaskClient, make_pilot: Any, make_wish: Any, make_user: Any, login: Any
) -> None:
    pilot = make_pilot()
    for _ in range(paged.PER_PAGE + 2):
        make_wish(pilot)
    login(make_user(Role.PILOT, pilots=[pilot]))
    first = client.get("/knelpunten").get_data(as_text=True)
    assert f"{paged.PER_PAGE + 2} knelpunten" in first
    assert len(_references(first)) == paged.PER_PAGE
    assert 'rel="next"' in first
    last = client.get("/knelpunten?pagina=99").get_data(as_text=True)  # clamped to the last
    assert len(_references(last)) == 2


def test_page_number_reading() -> None:
    assert paged.page_number({}) == 1
    assert paged.page_number({"pagina": "3"}) == 3
    assert paged.page_number({"pagina": "-1"}) == 1
    assert paged.page_number({"pagina": "9" * 20}) == 1


def test_pilot_page_lists_raised_and_supported_wishes_only(
    client: FlaskClient, db: Any, make_pilot: Any, make_wish: Any, make_user: Any, login: Any
) -> None:
    from bundler.models import WishSupport

    own, other, unrelated = make_pilot(), make_pilot(), make_pilot()
    raised = make_wish(own)
    supported = make_wish(other)
    elsewhere = make_wish(unrelated)
    db.add(WishSupport(wish_id=supported.id, pilot_id=own.id, note="ook"))
    db.commit()
    login(make_user(Role.OFFICE))
    page = client.get(f"/pilots/{own.id}").get_data(as_text=True)
    assert raised.reference in page and supported.reference in page
    assert elsewhere.reference not in page
