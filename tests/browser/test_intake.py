"""Pilot teams in the browser: submit a wish with a file, another pilot joins; axe on each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler.enums import Role, WishState
from bundler.models import Pilot, User, Wish, WishSupport

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TITLE = "Digitale aangifte van overlijden door de uitvaartondernemer"


def logout(page: Any) -> None:
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url("**/aanmelden")


def fill_wish(page: Any, *, complete: bool = True) -> None:
    page.get_by_label("Titel").fill(TITLE)
    page.locator("#statute").select_option("BWBR0002656")
    page.get_by_label("Artikel", exact=True).fill("19h")
    if not complete:
        return
    page.get_by_label("Het probleem").fill(
        "Nabestaanden moeten voor de aangifte van overlijden naar het gemeentehuis."
    )
    page.get_by_label("Lid", exact=True).fill("2")
    page.get_by_label("Gewenste wijziging").fill("De uitvaartondernemer doet de aangifte digitaal.")
    page.get_by_label("Wie heeft er baat bij?").fill("Nabestaanden en uitvaartondernemers")
    page.get_by_label("Geschat aantal gevallen per jaar").fill("170000")
    page.get_by_label("Wat levert het op?").fill("Een loketbezoek per overlijden.")
    page.get_by_label("Hoog").check()
    page.get_by_label("Waarom deze urgentie?").fill("De wet wordt per 1 juli aangepast.")


def test_submit_then_second_pilot_joins_and_office_sees_one_wish(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    db: Session,
) -> None:
    death, birth = make_pilot("Digitale aangifte overlijden"), make_pilot("Geboorte zonder loket")
    first = make_user(Role.PILOT, pilots=[death])
    second = make_user(Role.PILOT, pilots=[birth])
    office = make_user(Role.OFFICE)

    # Pilot A records a complete wish with an attachment and submits it.
    browser_login(first.email)
    page.get_by_role("link", name="Nieuw knelpunt").first.click()
    page.wait_for_url("**/knelpunten/nieuw")
    axe(page)
    fill_wish(page)
    page.locator("#attachments").set_input_files(
        files=[{"name": "onderbouwing.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Indienen", exact=True).click()
    page.wait_for_url(re.compile(r".*/knelpunten/\d+$"))
    assert "is ingediend" in page.content()
    assert page.get_by_role("link", name="onderbouwing.pdf").is_visible()
    axe(page)
    page.get_by_role("navigation").get_by_role("link", name="Knelpunten").click()
    assert page.get_by_role("link", name=TITLE).is_visible()
    assert page.get_by_role("link", name="Knelpunten").first.get_attribute("aria-current") == "page"
    axe(page)
    logout(page)

    # Pilot B starts the same wish: while typing, the existing one shows up.
    browser_login(second.email)
    page.goto("/knelpunten/nieuw")
    fill_wish(page, complete=False)
    live = page.locator("[data-similar-results]")
    live.get_by_text(TITLE).wait_for()
    assert live.get_by_role("link", name=re.compile("sluit u aan")).is_visible()
    axe(page)
    # Without relying on the script: the check step offers it too, with the join button.
    page.get_by_role("button", name="Controleer op dubbele knelpunten").click()
    section = page.locator("#vergelijkbaar")
    section.get_by_role("heading", name=re.compile(TITLE)).wait_for()
    assert page.get_by_label("Titel").input_value() == TITLE
    axe(page)
    section.get_by_label("Uw situatie").fill("Bij geboorteaangifte lopen wij er ook tegenaan.")
    section.get_by_role("button", name="Wij lopen hier ook tegenaan").click()
    page.wait_for_url(re.compile(r".*/knelpunten/\d+$"))
    assert "steunt nu knelpunt" in page.content()
    assert "Bij geboorteaangifte lopen wij er ook tegenaan." in page.content()
    axe(page)
    logout(page)

    # The office sees one wish with two pilots.
    db.expire_all()
    wishes = db.scalars(select(Wish)).all()
    assert len(wishes) == 1
    assert wishes[0].state is WishState.SUBMITTED
    assert [s.pilot_id for s in db.scalars(select(WishSupport))] == [birth.id]
    browser_login(office.email)
    page.goto(f"/knelpunten/{wishes[0].id}")
    assert page.get_by_role(
        "heading", name="Ingebracht door Digitale aangifte overlijden"
    ).is_visible()
    assert page.get_by_text("Geboorte zonder loket", exact=True).is_visible()


def test_wish_form_with_errors_is_accessible(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
) -> None:
    pilot = make_pilot()
    browser_login(make_user(Role.PILOT, pilots=[pilot]).email)
    page.goto("/knelpunten/nieuw")
    page.get_by_label("Titel").fill("Alleen een titel")
    page.get_by_label("Artikel", exact=True).fill("artikel negen")
    page.locator("#attachments").set_input_files(
        files=[{"name": "foto.png", "mimeType": "image/png", "buffer": b"GIF89a not a png"}]
    )
    page.get_by_role("button", name="Indienen", exact=True).click()
    summary = page.get_by_role("alert").first
    summary.wait_for()
    assert "Er is een probleem" in summary.inner_text()
    assert page.locator("#article[aria-invalid=true]").count() == 1
    assert page.get_by_label("Titel").input_value() == "Alleen een titel"
    assert "Dit soort bestand kunt u niet toevoegen" in page.content()
    axe(page)


def test_overview_wish_page_and_join_page_are_accessible(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    own, other = make_pilot("Eigen pilot"), make_pilot("Andere pilot")
    concept = make_wish(own, state=WishState.CONCEPT, title="Ons concept")
    foreign = make_wish(other, title="Knelpunt van een ander")
    browser_login(make_user(Role.PILOT, pilots=[own]).email)
    page.goto("/knelpunten?status=concept")
    assert page.get_by_role("link", name="Ons concept").is_visible()
    axe(page)
    page.goto(f"/knelpunten/{concept.id}")
    axe(page)
    page.get_by_role("button", name="Knelpunt intrekken").click()
    page.locator("#reason-error").wait_for()
    axe(page)
    page.goto(f"/knelpunten/{concept.id}/bewerken")
    axe(page)
    page.goto(f"/knelpunten/{foreign.id}/steunen")
    axe(page)


def test_pilot_pages_are_accessible_and_the_picker_filters(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    pilot = make_pilot("Parkeervergunning op kenteken")
    make_wish(pilot, title="Kentekencheck")
    browser_login(make_user(Role.OFFICE).email)
    page.get_by_role("navigation").get_by_role("link", name="Pilots").click()
    page.wait_for_url("**/pilots")
    axe(page)
    page.get_by_role("link", name="Parkeervergunning op kenteken").click()
    assert page.get_by_role("link", name="Kentekencheck").is_visible()
    axe(page)
    # A phase form with an error.
    page.get_by_label("Datum").fill("")
    page.get_by_role("button", name="Fase wijzigen").click()
    page.get_by_role("alert").first.wait_for()
    axe(page)
    # A new pilot: errors first, then the municipality filter.
    page.goto("/pilots/nieuw")
    axe(page)
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_role("alert").first.wait_for()
    axe(page)
    page.get_by_label("Zoek een gemeente").fill("bosch")
    visible = page.locator("li[data-name]:visible")
    assert visible.count() >= 1
    assert all("bosch" in name.lower() for name in visible.all_inner_texts())
    page.get_by_label("'s-Hertogenbosch").check()
    assert "Gekozen: 1" in page.locator("[data-picker-count]").inner_text()
    page.get_by_label("Naam").fill("Nieuwe pilot in Brabant")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r".*/pilots/\d+$"))
    assert page.get_by_text("'s-Hertogenbosch").is_visible()
    axe(page)
