"""An answered wish looks answered: on its page, in the lists and on the follow-up pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import Wish
from tests.browser.test_forms import demo_login, load_demo

DEATH = "Uitvaartondernemer kan overlijden niet digitaal aangeven"


def _effective(app: Flask, wish_id: int) -> str:
    """The realised answer's date of effect as the pages write it ("1 juli 2026")."""
    with session_scope(app) as session:
        wish = session.get(Wish, wish_id)
        answer = max(wish.answers, key=lambda a: a.answered_at)
        return f"1 juli {answer.effective_date.year}"


def test_pilot_sees_the_outcome_at_the_top_and_in_the_list(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    wishes = load_demo(app)
    effective = _effective(app, wishes[DEATH])
    demo_login(page, Role.PILOT)
    page.goto(f"/knelpunten/{wishes[DEATH]}")
    panel = page.locator(".bundler-outcome-panel")
    assert "Justitie en Veiligheid: Gerealiseerd" in panel.inner_text()
    assert f"gaat in op {effective}" in panel.inner_text()
    # At the top: above the wish's own text, not at the bottom of the timeline.
    knelpunt = page.get_by_role("heading", name="Het knelpunt", exact=True)
    assert panel.bounding_box()["y"] < knelpunt.bounding_box()["y"]
    axe(page)

    page.goto("/knelpunten")
    row = page.get_by_role("row").filter(has_text=DEATH)
    day, _month, year = effective.split()
    assert f"Gerealiseerd per {day} jul {year}" in row.inner_text()
    axe(page)


def test_office_sees_the_outcome_and_the_date_of_effect(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    wishes = load_demo(app)
    effective = _effective(app, wishes[DEATH])
    with session_scope(app) as session:
        reference = session.scalar(select(Wish.reference).where(Wish.title == DEATH))
    demo_login(page, Role.OFFICE)
    page.goto("/bureau/knelpunten?status=aangeboden")
    row = page.get_by_role("row").filter(has_text=DEATH)
    assert "Gerealiseerd per" in row.inner_text()
    axe(page)
    page.goto(f"/bureau/knelpunten/{reference}")
    assert "Gerealiseerd per" in page.locator(".bundler-office-details").first.inner_text()

    page.goto("/bureau/pakketten/opvolging/JenV")
    answered = page.get_by_role("row").filter(has_text=DEATH)
    assert f"Gerealiseerd, gaat in op {effective}" in answered.inner_text()
    link = answered.get_by_role("link", name=f"{reference} {DEATH}")
    assert link.get_attribute("href") == f"/bureau/knelpunten/{reference}"
    axe(page)


def test_follow_up_chart_legend_fits(app: Flask, page: Any) -> None:
    load_demo(app)
    demo_login(page, Role.OFFICE)
    page.goto("/bureau/pakketten/opvolging")
    chart = page.locator("svg.bundler-chart")
    box = chart.bounding_box()
    texts = chart.locator("text").all()
    assert any(t.text_content() == "Wacht op antwoord" for t in texts)
    for text in texts:
        inner = text.bounding_box()
        assert inner["x"] + inner["width"] <= box["x"] + box["width"], text.text_content()


def test_ministry_home_counts_what_waits_and_keeps_what_was_answered(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    from bundler.models import Ministry
    from bundler.packages import build

    wishes = load_demo(app)
    youth = "Jeugdhulp en bijstand kunnen gegevens niet delen"
    with session_scope(app) as session:
        # A newer JenV version: the realised death wish is no longer in it.
        jenv = session.scalar(select(Ministry).where(Ministry.code == "JenV"))
        version = build.build_package(session, jenv, actor=None, renderer=build.render_in_process)
        assert version is not None and version.number == 2
        assert wishes[DEATH] not in {e.wish_id for e in version.entries}
        number = version.package.number
    demo_login(page, Role.MINISTRY)
    page.goto("/")
    assert page.get_by_role("heading", name="2 knelpunten wachten op uw antwoord").is_visible()
    waiting = page.get_by_role("link", name=youth, exact=False)
    assert waiting.get_attribute("href") == f"/ministerie/knelpunten/{wishes[youth]}/antwoord"
    answered = page.get_by_role("row").filter(has_text=DEATH)
    assert "Gerealiseerd, gaat in op" in answered.inner_text()
    assert f"{number} versie 1" in answered.inner_text()
    assert answered.get_by_role("link").get_attribute("href") == (
        f"/ministerie/knelpunten/{wishes[DEATH]}/antwoord"
    )
    axe(page)
