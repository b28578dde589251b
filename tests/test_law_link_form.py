"""Pasting a law link in the wish form fills statute, article and lid; unknown ids are proposed."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bundler.enums import Role, WishState
from bundler.models import Pilot, User, Wish
from tests.conftest import post_form
from tests.reference_helpers import restore_reference
from tests.test_wishes import only_wish, post_wish, team, wish_id_of

__all__ = ["restore_reference", "team"]

EMPTY_BASIS = {"statute": "", "article": "", "paragraph": ""}


def test_pasted_juriconnect_reference_fills_the_legal_basis(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    link = "jci1.3:c:BWBR0002656&boek=1&artikel=19h&lid=2"
    wish_id_of(post_wish(client, team[0], "indienen", law_link=link, **EMPTY_BASIS))
    wish = only_wish(db)
    assert wish.state is WishState.SUBMITTED
    assert wish.statute is not None and wish.statute.bwb_id == "BWBR0002656"
    assert (wish.article, wish.paragraph, wish.proposed_bwb_id) == ("19h", "2", "")


def test_pasted_site_address_wins_over_the_chosen_statute(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    link = "https://wetten.overheid.nl/BWBR0005009/2024-01-01#Hoofdstuk2_Artikel12"
    wish_id_of(post_wish(client, team[0], "concept", law_link=link, statute_unknown="y"))
    wish = only_wish(db)
    assert wish.statute is not None and wish.statute.bwb_id == "BWBR0005009"
    assert (wish.article, wish.paragraph, wish.statute_unknown) == ("12", "", False)


def test_unknown_regulation_is_kept_as_a_proposal(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    link = "https://wetten.overheid.nl/BWBR0026168/2024-01-01#Hoofdstuk5_Artikel48"
    wish_id = wish_id_of(post_wish(client, team[0], "indienen", law_link=link, **EMPTY_BASIS))
    wish = only_wish(db)
    assert wish.state is WishState.SUBMITTED
    assert (wish.statute, wish.proposed_bwb_id, wish.article) == (None, "BWBR0026168", "48")
    page = client.get(f"/knelpunten/{wish_id}").get_data(as_text=True)
    assert "BWBR0026168" in page


def test_unreadable_link_is_refused_next_to_the_field(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    response = post_wish(client, team[0], "concept", law_link="https://example.org/wet")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="law_link-error"' in page
    assert "Deze link herkennen we niet" in page


def test_without_a_link_i_dont_know_which_law_still_works(
    client: FlaskClient, db: Session, team: tuple[Pilot, User]
) -> None:
    wish_id_of(post_wish(client, team[0], "indienen", statute_unknown="y", **EMPTY_BASIS))
    wish = only_wish(db)
    assert wish.statute_unknown and wish.statute is None and wish.proposed_bwb_id == ""


def test_form_offers_the_paste_field_with_its_script(
    client: FlaskClient, team: tuple[Pilot, User]
) -> None:
    page = client.get("/knelpunten/nieuw").get_data(as_text=True)
    assert 'name="law_link"' in page
    assert "js/law-link.js" in page


# -- triage: the office pastes a link, or confirms a pilot's proposal into the catalogue ------


def test_office_pastes_a_link_in_triage(
    client: FlaskClient,
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    make_user: Callable[..., User],
    login: Callable[..., Any],
) -> None:
    wish = make_wish(make_pilot(), statute=None, article="")
    login(make_user(Role.OFFICE))
    path = f"/bureau/knelpunten/{wish.reference}"
    assert 'name="law_link"' in client.get(path).get_data(as_text=True)
    link = "https://wetten.overheid.nl/jci1.3:c:BWBR0002656&boek=1&artikel=19h&lid=2"
    response = post_form(
        client, path + "/grondslag", {"version": "1", "law_link": link, "statute": ""}, page=path
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.expire_all()
    saved = db.get(Wish, wish.id)
    assert saved is not None and saved.statute is not None
    assert (saved.statute.bwb_id, saved.article, saved.paragraph) == ("BWBR0002656", "19h", "2")
    assert [m.code for m in saved.ministries] == ["JenV"]


def test_office_confirms_a_proposed_regulation_from_triage(
    client: FlaskClient,
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    make_user: Callable[..., User],
    login: Callable[..., Any],
    restore_reference: None,
) -> None:
    wish = make_wish(make_pilot(), statute=None, article="48", proposed_bwb_id="BWBR0026168")
    login(make_user(Role.OFFICE))
    path = f"/bureau/knelpunten/{wish.reference}"
    page = client.get(path).get_data(as_text=True)
    assert "nog niet in de wettenlijst" in page
    confirm = re.search(r'href="(/wetten/nieuw\?[^"]+)"', page)
    assert confirm is not None
    target = html.unescape(confirm.group(1))
    assert 'value="BWBR0026168"' in client.get(target).get_data(as_text=True)
    response = post_form(
        client,
        target,
        {
            "bwb_id": "BWBR0026168",
            "title": "Wet gemeentelijke antidiscriminatievoorzieningen",
            "kind": "wet",
            "responsibilities-0-ministry": "SZW",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == path
    db.expire_all()
    saved = db.get(Wish, wish.id)
    assert saved is not None and saved.statute is not None
    assert (saved.statute.bwb_id, saved.proposed_bwb_id, saved.article) == ("BWBR0026168", "", "48")
    assert "nog niet in de wettenlijst" not in client.get(path).get_data(as_text=True)
