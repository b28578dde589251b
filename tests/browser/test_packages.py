"""The package pages in the browser: the seed story end to end, progress, axe on every page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bundler import queue
from bundler.enums import Role
from bundler.models import Package, PackageVersion
from tests.package_helpers import build, make_story


@pytest.fixture
def app_config(app_config):
    # Builds run during the request here, so the browser sees them finished.
    app_config["HUEY_IMMEDIATE"] = True
    return app_config


def _sign_out(page):
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_url("**/aanmelden")


def test_the_seed_story_from_wish_to_answer(
    app, db, page, axe, browser_login, make_user, make_pilot, make_wish
):
    story = make_story(make_pilot, make_wish, app)
    office = make_user(Role.OFFICE)
    minister = make_user(Role.MINISTRY, ministry="JenV")
    raiser = make_user(Role.PILOT, pilots=[story.raising])

    # The office builds JenV's package.
    browser_login(office.email)
    page.get_by_role("link", name="Pakketten").first.click()
    page.wait_for_url("**/bureau/pakketten")
    axe(page)
    page.get_by_role("button", name="Bouwen JenV").click()
    page.wait_for_url(re.compile(r".*/bureau/pakketten/taken/\d+$"))
    assert "Nieuwe versie gepubliceerd" in page.content()
    axe(page)
    page.get_by_role("link", name="JenV").click()
    assert "Eerste versie" in page.content()
    axe(page)
    _sign_out(page)

    # The ministry downloads it: the death wish is there once, with all three pilots.
    browser_login(minister.email)
    page.get_by_role("navigation").get_by_role("link", name="Pakketten").click()
    axe(page)
    package = db.scalar(select(Package))
    page.get_by_role("link", name=package.number).click()
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF versie 1").click()
    data = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == f"{package.number}-v1.pdf"
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = " ".join(p.extract_text() for p in reader.pages)
    text = " ".join(text.split())
    # Once as a wish in the outline (the contents and a continued page's header name it too).
    assert sum(t.startswith(f"{story.death.reference} · ") for t in _titles(reader.outline)) == 1
    section = text[text.index(f"{story.death.reference} · ") :]
    for pilot in [story.raising, *story.supporters]:
        assert pilot.name in section
    assert story.bzk.reference not in text

    # ... and records "gerealiseerd per 1 juli".
    page.get_by_role("link", name=f"Antwoord vastleggen {story.death.reference}").click()
    axe(page)
    page.get_by_label("Gerealiseerd").check()
    page.get_by_role("button", name="Antwoord vastleggen").click()
    assert page.locator("#effective_date[aria-invalid=true]").count() == 1
    axe(page)  # the form with its errors
    page.get_by_label("Gerealiseerd").check()
    page.get_by_label("Datum van inwerkingtreding").fill("2026-07-01")
    page.get_by_label("Toelichting").fill("Per 1 juli kan de uitvaartondernemer digitaal aangeven.")
    page.get_by_role("button", name="Antwoord vastleggen").click()
    assert "is vastgelegd" in page.content()
    assert "1 juli 2026" in page.content()
    axe(page)
    _sign_out(page)

    # The raising pilot sees the answer on the wish.
    browser_login(raiser.email)
    page.goto(f"/knelpunten/{story.death.id}")
    content = page.content()
    assert "Gerealiseerd" in content
    assert "1 juli 2026" in content


def test_office_pages_are_accessible(
    app, page, axe, browser_login, make_user, make_pilot, make_wish, tmp_path
):
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    from bundler.enums import AnswerStatus
    from tests.package_helpers import answer

    answer(app, story.death.id, "JenV", AnswerStatus.RECEIVED)
    browser_login(make_user(Role.OFFICE).email)
    for path in [
        "/bureau/pakketten",
        "/bureau/pakketten/JenV",
        "/bureau/pakketten/BZK",
        "/bureau/pakketten/opvolging",
        "/bureau/pakketten/opvolging/JenV",
        "/bureau/pakketten/opvolging/OCW",
        "/bureau/pakketten/JenV/brief",
    ]:
        response = page.goto(path)
        assert response.status == 200, path
        axe(page)
    # The cover letter with an error, then saved with a preview.
    # The browser keeps to maxlength; lift it to see the server's own check and message.
    page.eval_on_selector("#cover_letter", "e => e.removeAttribute('maxlength')")
    page.get_by_label("Tekst van de brief").fill("x" * 20_001)
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_role("alert").first.is_visible()
    axe(page)
    page.get_by_label("Tekst van de brief").fill("# Geachte minister\n\nHierbij **het pakket**.")
    # The letter's fields: a government letter's heading and signature.
    page.get_by_label("Geadresseerde").fill("Aan de minister van Justitie en Veiligheid")
    page.get_by_label("Datum van de brief").fill("2026-03-02")
    page.get_by_label("Ons kenmerk").fill("PB-RVI/2026/0117")
    page.get_by_label("Naam van de ondertekenaar").fill("drs. A.B. de Vries")
    page.get_by_role("button", name="Opslaan").click()
    page.goto("/bureau/pakketten/JenV/brief")
    assert page.locator(".bundler-packages-letter strong").inner_text() == "het pakket"
    expect(page.get_by_label("Ons kenmerk")).to_have_value("PB-RVI/2026/0117")
    expect(page.get_by_label("Datum van de brief")).to_have_value("2026-03-02")
    expect(page.get_by_label("Naam van de ondertekenaar")).to_have_value("drs. A.B. de Vries")
    axe(page)
    page.screenshot(path=str(tmp_path / "cover-letter.png"), full_page=True)


def test_progress_updates_itself_with_javascript(
    app, db, page, axe, browser_login, make_user, make_pilot, make_wish
):
    app.config["HUEY_IMMEDIATE"] = False
    queue.reset(app)  # a real queue for this test
    make_story(make_pilot, make_wish, app)
    browser_login(make_user(Role.OFFICE).email)
    page.goto("/bureau/pakketten")
    page.get_by_role("button", name="Alle pakketten bouwen").click()
    page.wait_for_url(re.compile(r".*/taken/\d+$"))
    assert page.locator("progress").get_attribute("value") == "0"
    assert page.get_by_role("status").inner_text().startswith("0 van 2")
    assert not page.locator("#voortgang-herlaad").is_visible()  # the script took over
    axe(page)
    assert queue.run_pending(app) == 2
    # The script polls the status, fills in the steps and reloads once the job is done.
    expect(page.get_by_role("status")).to_contain_text("2 van 2", timeout=15_000)
    expect(page.locator("progress")).to_have_attribute("value", "2")
    expect(page.get_by_role("cell", name="Nieuwe versie gepubliceerd").first).to_be_visible()
    assert page.locator("#voortgang-herlaad").count() == 0
    assert db.scalar(select(PackageVersion)) is not None
    axe(page)


def test_ministry_home_links_to_the_packages(page, axe, browser_login, make_user):
    browser_login(make_user(Role.MINISTRY, ministry="JenV").email)
    page.get_by_role("link", name="Uw pakketten").click()
    page.wait_for_url("**/ministerie/pakketten")
    assert "nog geen pakket" in page.content()
    axe(page)


def _titles(entries: list) -> list[str]:
    """Return every title in a PDF outline, nested ones included."""
    found: list[str] = []
    for entry in entries:
        found.extend(_titles(entry) if isinstance(entry, list) else [entry.title])
    return found


def test_the_admin_puts_a_logo_in_the_packages(
    page, axe, browser_login, make_user, live_server, tmp_path
):
    from PIL import Image

    admin = make_user(Role.ADMIN)
    browser_login(admin.email)
    page.goto(f"{live_server}/beheer/gebruikers")
    page.get_by_role("link", name="Logo in de pakketten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logo in de pakketten")
    axe(page)
    path = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (21, 66, 115)).save(path)
    page.get_by_label("Logo").set_input_files(str(path))
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Het logo is opgeslagen.")).to_be_visible()
    expect(page.get_by_role("img", name="Het huidige logo")).to_be_visible()
    axe(page)
    page.screenshot(path=str(tmp_path / "logo-page.png"), full_page=True)
    page.get_by_role("button", name="Logo verwijderen").click()
    expect(page.get_by_text("Er is nog geen logo")).to_be_visible()
