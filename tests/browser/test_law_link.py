"""Pasting a law link in the browser fills the wish form; the catalogue pages pass axe."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bundler.enums import Role
from bundler.models import Pilot, User
from tests.reference_helpers import restore_reference

__all__ = ["restore_reference"]

LINK = "https://wetten.overheid.nl/BWBR0002656/2024-01-01#Boek1_Titel4_Afdeling1_Artikel19h"


def test_pasting_a_law_link_fills_regulation_and_article(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
) -> None:
    from playwright.sync_api import expect

    pilot = make_pilot("Digitale aangifte overlijden")
    browser_login(make_user(Role.PILOT, pilots=[pilot]).email)
    page.goto("/knelpunten/nieuw")
    page.get_by_label("Ik weet niet om welke wet het gaat").check()
    field = page.get_by_label("Plak een link naar de wet", exact=False)
    field.fill(LINK)
    field.dispatch_event("paste")
    expect(page.locator("#statute")).to_have_value("BWBR0002656")
    expect(page.get_by_label("Artikel", exact=True)).to_have_value("19h")
    expect(page.get_by_label("Ik weet niet om welke wet het gaat")).not_to_be_checked()
    expect(page.locator("[data-law-link-status]")).to_contain_text("Burgerlijk Wetboek Boek 1")
    axe(page)
    if os.environ.get("I12_SHOTS"):
        page.screenshot(path=os.environ["I12_SHOTS"] + "/law-link.png")

    # A regulation not in the list: the fields are emptied and the pilot is told.
    field.fill("jci1.3:c:BWBR0026168&artikel=48&lid=1")
    field.dispatch_event("paste")
    expect(page.locator("#statute")).to_have_value("")
    expect(page.get_by_label("Lid", exact=True)).to_have_value("1")
    expect(page.locator("[data-law-link-status]")).to_contain_text("BWBR0026168 staat nog niet")


def test_catalogue_pages_are_accessible(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_user: Callable[..., User],
) -> None:
    browser_login(make_user(Role.OFFICE).email)
    page.get_by_role("link", name="Wetten", exact=True).click()
    page.wait_for_url("**/wetten")
    axe(page)
    if os.environ.get("I12_SHOTS"):
        page.screenshot(path=os.environ["I12_SHOTS"] + "/catalogue.png", full_page=True)
    page.get_by_role("link", name="Jeugdwet").click()
    page.wait_for_url("**/wetten/BWBR0034925/bewerken")
    axe(page)
    # A refused save shows the error summary; that page passes axe too.
    page.get_by_label("Titel", exact=True).fill("")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_selector("#fouten")
    axe(page)


def test_cabinet_change_review_is_accessible(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_user: Callable[..., User],
    restore_reference: None,
) -> None:
    make_user(Role.MINISTRY, ministry="VRO")
    browser_login(make_user(Role.OFFICE).email)
    page.goto("/wetten")
    page.get_by_role("link", name="Bekijk de kabinetswissel").click()
    page.wait_for_url("**/wetten/kabinetswissel")
    axe(page)
    if os.environ.get("I12_SHOTS"):
        page.screenshot(path=os.environ["I12_SHOTS"] + "/succession.png", full_page=True)
    page.get_by_role("button", name="Bevestig: verplaats alles naar BZK").click()
    page.wait_for_selector("text=Verplaatst van VRO naar BZK")
    axe(page)
