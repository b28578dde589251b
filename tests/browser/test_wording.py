"""What pages say about a wish's history: labels, never the words of the code, in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role
from bundler.models import Ministry, User, Wish
from bundler.office import merging
from bundler.office import ops as office_ops
from bundler.packages.answers import record_answer
from tests.browser.test_forms import demo_login, load_demo
from tests.browser.test_intake import PDF, fill_wish

DEATH = "Uitvaartondernemer kan overlijden niet digitaal aangeven"
UNKNOWN = "Trouwambtenaar moet fysiek aanwezig zijn"
# Words of the code that a page must never show.
DEVELOPER_WORDS = re.compile(
    r"merge target|unmerge|wish\.[a-z_]+|\banswer:|[a-z]+_[a-z_]+|\[\"|→|↚|\bFalse\b|\bTrue\b"
)


def _story(app: Flask) -> dict[str, int]:
    """The demo, then a merge that is undone, a legal basis set and one more answer."""
    wishes = load_demo(app)
    with session_scope(app) as session:
        office = session.scalar(select(User).where(User.role == Role.OFFICE))
        death, unknown = session.get(Wish, wishes[DEATH]), session.get(Wish, wishes[UNKNOWN])
        office_ops.set_legal_basis(
            session, unknown, statute=death.statute, article="19h", paragraph="2"
        )
        merging.merge(session, unknown, death, actor=office)
        merging.unmerge(session, unknown, actor=office)
        jenv = session.scalar(select(Ministry).where(Ministry.code == "JenV"))
        minister = session.scalar(select(User).where(User.role == Role.MINISTRY))
        record_answer(
            session, death, jenv, status=AnswerStatus.REALISED, reasons="Bevestigd.", actor=minister
        )
    return wishes


def test_pilot_timeline_speaks_dutch(app: Flask, page: Any, axe: Callable[[Any], None]) -> None:
    wishes = _story(app)
    demo_login(page, Role.PILOT)
    page.goto(f"/knelpunten/{wishes[DEATH]}")
    timeline = page.locator(".bundler-timeline")
    text = timeline.inner_text()
    assert not DEVELOPER_WORDS.search(text), DEVELOPER_WORDS.search(text)
    assert "Ander knelpunt hierin samengevoegd" in text
    assert "Samenvoegen van een ander knelpunt ongedaan gemaakt" in text
    # The answer recorded just now shows once, as the answer itself.
    assert text.count("Bevestigd.") == 1
    axe(page)


def test_office_changes_table_has_labels_and_room(
    app: Flask, page: Any, axe: Callable[[Any], None]
) -> None:
    wishes = _story(app)
    with session_scope(app) as session:
        reference = session.get(Wish, wishes[UNKNOWN]).reference
    demo_login(page, Role.OFFICE)
    page.goto(f"/bureau/knelpunten/{reference}")
    table = page.locator(".bundler-office-audit")
    text = table.inner_text()
    assert not DEVELOPER_WORDS.search(text), DEVELOPER_WORDS.search(text)
    assert "Samengevoegd met een ander knelpunt" in text
    assert "Wettelijke grondslag vastgesteld" in text
    # A short value such as "Ingediend" stays on one line in the "Voor" column.
    value = table.locator("td:nth-child(5) dd", has_text="Ingediend").first
    line = float(value.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
    assert value.bounding_box()["height"] < 1.5 * line
    axe(page)


def test_timeline_starts_with_creation(
    app: Flask, page: Any, browser_login: Callable[..., None], make_pilot, make_user
) -> None:
    pilot = make_pilot("Digitale aangifte overlijden")
    member = make_user(Role.PILOT, pilots=[pilot])
    browser_login(member.email)
    page.goto("/knelpunten/nieuw")
    fill_wish(page)
    page.locator("#attachments").set_input_files(
        files=[{"name": "onderbouwing.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_url(re.compile(r".*/knelpunten/\d+$"))
    steps = page.locator(".bundler-timeline__item strong").all_inner_texts()
    assert steps[:2] == ["Aangemaakt", "Bijlage toegevoegd"], steps
