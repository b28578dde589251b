"""Pasting a law link in the wish form fills statute, article and lid; unknown ids are proposed."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bundler.enums import WishState
from bundler.models import Pilot, User
from tests.test_wishes import only_wish, post_wish, team, wish_id_of

__all__ = ["team"]

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
    link = "https://wetten.overheid.nl/BWBR0011256/2024-01-01#Hoofdstuk5_Artikel48"
    wish_id = wish_id_of(post_wish(client, team[0], "indienen", law_link=link, **EMPTY_BASIS))
    wish = only_wish(db)
    assert wish.state is WishState.SUBMITTED
    assert (wish.statute, wish.proposed_bwb_id, wish.article) == (None, "BWBR0011256", "48")
    page = client.get(f"/knelpunten/{wish_id}").get_data(as_text=True)
    assert "BWBR0011256" in page


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
