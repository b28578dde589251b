"""Notifications in the browser: a ministry answers, the raising pilot's member sees the count
rise, opens the notification and lands on the wish; axe on every page of the area."""

from __future__ import annotations

import os
import re
from typing import Any

from sqlalchemy import select

from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import AccountLink
from bundler.notifications import links
from tests.conftest import PASSWORD
from tests.package_helpers import build, make_story

SHOTS = os.environ.get("SCREENSHOTS", "")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def _sign_in(page: Any, email: str) -> None:
    page.goto("/aanmelden")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(lambda url: "/aanmelden" not in url)


def _count(page: Any) -> str:
    return str(
        page.locator(".bundler-notifications-link .bundler-badge").get_attribute("data-unread")
    )


def test_a_ministry_answers_and_the_pilot_member_lands_on_the_wish(
    app, browser, live_server, page, axe, make_user, make_pilot, make_wish
):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    member = make_user(Role.PILOT, pilots=[story.raising], email="lid@example.org")
    minister = make_user(Role.MINISTRY, ministry="JenV", email="jenv@example.org")

    _sign_in(page, member.email)
    before = int(_count(page))

    ministry_context = browser.new_context(base_url=live_server, locale="nl-NL")
    ministry = ministry_context.new_page()
    _sign_in(ministry, minister.email)
    ministry.goto(f"/ministerie/knelpunten/{story.death.id}/antwoord")
    ministry.get_by_label("Ontvangen").check()
    ministry.get_by_role("button", name="Antwoord vastleggen").click()
    ministry.get_by_text("Het antwoord op").first.wait_for()
    ministry_context.close()

    page.reload()
    assert int(_count(page)) == before + 1
    page.get_by_role("link", name=re.compile("Meldingen")).click()
    axe(page)
    _shot(page, "notifications.png")
    page.get_by_role(
        "link", name=f"JenV heeft op {story.death.reference} geantwoord: Ontvangen."
    ).click()
    page.wait_for_url(f"**/knelpunten/{story.death.id}")
    assert story.death.title in page.content()
    assert int(_count(page)) == before


def test_preferences_form_and_reminders_pass_axe(
    app, browser, live_server, page, axe, make_user, make_pilot, make_wish
):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    member = make_user(Role.PILOT, pilots=[story.raising], email="voorkeur@example.org")
    _sign_in(page, member.email)
    page.goto("/meldingen/voorkeuren")
    axe(page)
    page.get_by_label("Andere pilot sluit zich aan bij een knelpunt van uw pilot").select_option(
        "weekly"
    )
    page.get_by_role("button", name="Voorkeuren opslaan").click()
    assert "Uw voorkeuren zijn opgeslagen." in page.content()
    _shot(page, "preferences.png")

    office = make_user(Role.OFFICE, email="bureau@example.org")
    office_page = browser.new_context(base_url=live_server, locale="nl-NL").new_page()
    _sign_in(office_page, office.email)
    office_page.get_by_role("link", name="Herinneringen").click()
    axe(office_page)
    _shot(office_page, "reminders.png")


def test_admin_pages_and_the_invitation_pass_axe(app, browser, live_server, page, axe, make_user):
    admin = make_user(Role.ADMIN, email="beheer@example.org")
    _sign_in(page, admin.email)
    page.goto("/beheer/gebruikers/nieuw")
    page.get_by_label("E-mailadres").fill("uitgenodigd@example.org")
    page.get_by_label("Naam").fill("Uitgenodigde Collega")
    page.get_by_role("button", name="Opslaan").click()
    link = page.get_by_label("Uitnodigingslink").input_value()
    axe(page)
    _shot(page, "invitation-sent.png")
    page.goto("/beheer/uitgaande-mail")
    axe(page)
    _shot(page, "outbox.png")
    page.get_by_role("link", name="Uitnodiging voor bundler").click()
    axe(page)

    visitor = browser.new_context(base_url=live_server, locale="nl-NL").new_page()
    visitor.goto(link)
    axe(visitor)
    _shot(visitor, "set-password.png")
    visitor.get_by_label("Nieuw wachtwoord").fill("een zin van vijf woorden")
    visitor.get_by_label("Herhaal het nieuwe wachtwoord").fill("een zin van vijf woorden")
    visitor.get_by_role("button", name="Wachtwoord opslaan").click()
    visitor.wait_for_url(lambda url: "/account-instellen" not in url)
    assert "Uitgenodigde Collega" in visitor.content()
    visitor.goto(link)  # single-use
    assert "Deze link werkt niet (meer)" in visitor.content()
    axe(visitor)
    with session_scope(app) as session:
        used = session.scalar(select(AccountLink).where(AccountLink.purpose == links.INVITATION))
        assert used is not None and used.used_at is not None


def test_forgot_password_pages_pass_axe(page, axe, make_user):
    make_user(Role.PILOT, email="vergeten@example.org")
    page.goto("/aanmelden")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    axe(page)
    page.get_by_label("E-mailadres").fill("vergeten@example.org")
    page.get_by_role("button", name="Link aanvragen").click()
    assert "Kijk in uw e-mail" in page.content()
    axe(page)
    _shot(page, "reset-requested.png")
