"""English is English and Dutch is Dutch: no Dutch left in the English pages, no "Build"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from bundler.enums import Role
from tests.package_helpers import make_story


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    app_config["HUEY_IMMEDIATE"] = True  # the build finishes during the request
    return app_config


def _english(page: Any) -> None:
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def test_build_progress_in_dutch_and_english(
    app: Flask,
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_user: Callable[..., Any],
    make_pilot: Callable[..., Any],
    make_wish: Callable[..., Any],
) -> None:
    make_story(make_pilot, make_wish, app)
    office = make_user(Role.OFFICE)
    browser_login(office.email)
    page.goto("/bureau/pakketten")
    page.get_by_role("button", name="Bouwen JenV").click()
    page.wait_for_url(re.compile(r".*/bureau/pakketten/taken/\d+$"))
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Bouwopdracht ") and "Build" not in page.locator("main").inner_text()
    result = page.locator("[data-field='result']").first.inner_text()
    assert re.fullmatch(r"JenV-\d{4}-\d\d versie 1", result), result

    _english(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Build ")
    result = page.locator("[data-field='result']").first.inner_text()
    assert re.fullmatch(r"JenV-\d{4}-\d\d version 1", result), result
    axe(page)


def test_error_summary_in_english(
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_user: Callable[..., Any],
    make_pilot: Callable[..., Any],
) -> None:
    member = make_user(Role.PILOT, pilots=[make_pilot()])
    browser_login(member.email)
    page.goto("/knelpunten/nieuw")
    _english(page)
    page.get_by_role("button", name="Submit", exact=True).click()
    summary = page.locator("#fouten")
    assert summary.get_by_role("heading").inner_text() == "There is a problem"
    assert "Titel" not in summary.inner_text()
    axe(page)
