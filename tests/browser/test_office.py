"""The programme office in the browser: triage, merge, overview; axe on every office page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bundler.db import session_scope
from bundler.enums import Role, WishState
from bundler.models import Wish


@pytest.fixture
def office(browser_login, make_user):
    user = make_user(Role.OFFICE)
    browser_login(user.email)
    return user


def triage(page, wish, *, statute, article, paragraph=""):
    """Set the legal basis (the statute's ministries by default) and accept the wish."""
    page.goto("/bureau/knelpunten")
    page.get_by_role("link", name=wish.reference, exact=True).click()
    page.get_by_label("Wet", exact=True).select_option(statute)
    page.get_by_label("Artikel", exact=True).fill(article)
    page.get_by_label("Lid", exact=True).fill(paragraph)
    page.get_by_role("button", name="Grondslag en ministeries opslaan").click()
    expect(page.get_by_text("Wettelijke grondslag en ministeries opgeslagen.")).to_be_visible()
    page.get_by_label("Nieuwe status").select_option("geaccepteerd")
    page.get_by_role("button", name="Status wijzigen").click()
    expect(page.get_by_text("Status gewijzigd in Geaccepteerd.")).to_be_visible()


def test_office_triages_two_wishes_merges_them_and_sees_one_in_the_overview(
    page, axe, office, make_pilot, make_wish
):
    death = make_pilot("Digitale aangifte overlijden", municipalities=["GM0796", "GM0855"])
    funeral = make_pilot("Uitvaart zonder papier", municipalities=["GM0363"])
    a = make_wish(funeral, title="Uitvaartondernemer doet aangifte digitaal", statute=None)
    b = make_wish(death, title="Aangifte van overlijden volledig digitaal", statute=None)

    page.goto("/bureau/knelpunten")
    expect(page.get_by_role("link", name=a.reference)).to_be_visible()
    axe(page)
    triage(page, a, statute="BWBR0002656", article="19h", paragraph="2")
    axe(page)
    triage(page, b, statute="BWBR0002656", article="19h", paragraph="2")

    page.goto(f"/bureau/knelpunten/{a.reference}")
    page.get_by_label("Samenvoegen met knelpunt").fill(b.reference)
    page.get_by_role("button", name="Bekijken").click()
    expect(page.get_by_role("heading", name="Wat er gebeurt")).to_be_visible()
    axe(page)  # the merge confirmation
    page.get_by_role("button", name=f"{a.reference} samenvoegen met {b.reference}").click()
    page.wait_for_url(f"**/bureau/knelpunten/{b.reference}")
    expect(page.get_by_text("Uitvaart zonder papier").first).to_be_visible()

    page.get_by_role("link", name="Overzicht", exact=True).click()
    jenv = page.locator("section[aria-labelledby='ministerie-JenV']")
    expect(jenv.get_by_role("heading", name="Justitie en Veiligheid (JenV)")).to_be_visible()
    assert "1 knelpunt · 2 pilots · 3 gemeenten" in jenv.inner_text()
    jenv.get_by_text("Burgerlijk Wetboek Boek 1 (BWBR0002656)").click()  # open the statute
    text = jenv.inner_text()
    assert "Artikel 19h" in text
    assert b.reference in text and a.reference not in text
    wish_line = jenv.locator("li", has_text=b.reference).last.inner_text()
    assert "Digitale aangifte overlijden" in wish_line and "Uitvaart zonder papier" in wish_line
    assert page.locator("section[aria-labelledby^='ministerie-']").count() == 1
    axe(page)


def test_triage_errors_are_accessible(page, axe, office, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    page.goto(f"/bureau/knelpunten/{wish.reference}")
    page.get_by_label("Nieuwe status").select_option("afgewezen")
    page.get_by_role("button", name="Status wijzigen").click()
    summary = page.get_by_role("alert").filter(has_text="Er is een probleem")
    expect(summary).to_be_visible()
    assert page.locator("#reason[aria-invalid=true]").count() == 1
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "reason"
    axe(page)


def test_stale_edit_shows_both_versions_and_keeps_my_text(
    app, page, axe, office, make_pilot, make_wish
):
    wish = make_wish(make_pilot(), title="Origineel")
    page.goto(f"/bureau/knelpunten/{wish.reference}")
    page.get_by_text("Titel, probleem, voorstel, baat en urgentie wijzigen").click()
    page.get_by_label("Titel", exact=True).fill("Mijn titel")
    page.get_by_label("Probleem").fill("Mijn lange, zorgvuldig getypte uitleg.")
    with session_scope(app) as session:  # a colleague saves first
        session.get(Wish, wish.id).title = "Titel van een collega"
    page.get_by_role("button", name="Tekst opslaan").click()
    expect(
        page.get_by_role("heading", name=f"{wish.reference} is intussen gewijzigd")
    ).to_be_visible()
    table = page.get_by_role("table", name="Opgeslagen versie en uw versie")
    assert "Titel van een collega" in table.inner_text() and "Mijn titel" in table.inner_text()
    assert page.get_by_label("Titel", exact=True).input_value() == "Mijn titel"
    assert "zorgvuldig getypte" in page.get_by_label("Probleem").input_value()
    axe(page)
    page.get_by_role("button", name="Mijn versie opslaan").click()
    expect(page.get_by_text("Tekst opgeslagen.")).to_be_visible()
    with session_scope(app) as session:
        assert session.get(Wish, wish.id).title == "Mijn titel"


def test_inbox_with_filter_and_bulk_errors_is_accessible(page, axe, office, make_pilot, make_wish):
    pilot = make_pilot()
    wishes = [make_wish(pilot) for _ in range(3)]
    page.goto("/bureau/knelpunten?van=2026-13-01")
    assert page.locator("#van[aria-invalid=true]").count() == 1
    axe(page)
    page.goto("/bureau/knelpunten")
    page.get_by_label(f"Selecteer {wishes[0].reference}").check()
    page.get_by_label("Actie", exact=True).select_option("aanvulling")
    page.get_by_role("button", name="Uitvoeren").click()
    expect(page.get_by_text("Geef op welke aanvulling nodig is.").first).to_be_visible()
    assert page.get_by_label(f"Selecteer {wishes[0].reference}").is_checked()
    axe(page)
    page.get_by_label("Toelichting").fill("Welk artikel?")
    page.get_by_role("button", name="Uitvoeren").click()
    expect(page.get_by_text("1 knelpunt bijgewerkt.")).to_be_visible()


def test_select_all_on_this_page(page, office, make_pilot, make_wish):
    pilot = make_pilot()
    for _ in range(3):
        make_wish(pilot)
    page.goto("/bureau/knelpunten")
    page.get_by_label(re.compile("alles op deze pagina")).check()
    assert page.locator("input[name=knelpunt]:checked").count() == 3


def test_audit_log_pages_are_accessible(page, axe, office, make_pilot, make_wish):
    wish = make_wish(make_pilot())
    page.goto(f"/bureau/knelpunten/{wish.reference}")
    page.get_by_label("Nieuwe status").select_option("in_behandeling")
    page.get_by_role("button", name="Status wijzigen").click()
    page.get_by_role("link", name="Logboek", exact=True).click()
    expect(page.get_by_role("cell", name=re.compile("Status gewijzigd")).first).to_be_visible()
    axe(page)
    page.goto("/bureau/logboek?van=gisteren")
    assert page.locator("#van[aria-invalid=true]").count() == 1
    axe(page)
    page.goto(f"/bureau/knelpunten/{wish.reference}/logboek")
    expect(page.get_by_role("heading", name=f"Logboek van {wish.reference}")).to_be_visible()
    axe(page)


def test_merged_wish_page_and_merge_errors_are_accessible(page, axe, office, make_pilot, make_wish):
    a, b = make_wish(make_pilot()), make_wish(make_pilot(), state=WishState.WITHDRAWN)
    page.goto(f"/bureau/knelpunten/{a.reference}/samenvoegen?doel={b.reference}")
    expect(page.get_by_text("kies een knelpunt dat nog loopt").first).to_be_visible()
    axe(page)
    c = make_wish(make_pilot())
    page.goto(f"/bureau/knelpunten/{a.reference}/samenvoegen?doel={c.reference}")
    page.get_by_role("button", name=f"{a.reference} samenvoegen met {c.reference}").click()
    page.wait_for_url(f"**/bureau/knelpunten/{c.reference}")
    page.goto(f"/bureau/knelpunten/{a.reference}")
    expect(page.get_by_role("link", name=re.compile(c.reference)).first).to_be_visible()
    axe(page)
    page.get_by_role("button", name="Samenvoegen ongedaan maken").click()
    expect(page.locator(".utrecht-alert").get_by_text("ongedaan gemaakt")).to_be_visible()
