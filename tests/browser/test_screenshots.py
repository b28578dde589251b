"""Screenshots of the main pages, kept as PNGs in docs/screenshots/ for review in a diff.

Pixels depend on the fonts and the Chromium build of the machine, so a plain test run never
compares them (that would fail on a machine with other fonts, not on a broken page). It renders
every page and checks that its reference PNG exists. Two switches:

    BUNDLER_SCREENSHOTS=update   write the PNGs anew (then look at `git diff --stat docs/`)
    BUNDLER_SCREENSHOTS=compare  fail when a page differs from its PNG: another size, or more
                                 than 0.5 % of the pixels clearly changed (tolerates
                                 anti-aliasing)
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bundler import demo
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import Wish
from tests.browser.test_forms import demo_login

FOLDER = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MODE = os.environ.get("BUNDLER_SCREENSHOTS", "")
TODAY = dt.date(2026, 11, 2)  # the demo's dates follow from this day: the same pictures
VIEWPORT = {"width": 1280, "height": 900}
MAX_CHANGED = 0.005
DEATH = "Uitvaartondernemer kan overlijden niet digitaal aangeven"

# name, role, page (with {death} for the answered wish's id)
PAGES = [
    ("wish-form", Role.PILOT, "/knelpunten/nieuw"),
    ("answered-wish", Role.PILOT, "/knelpunten/{death}"),
    ("pilot-wishes", Role.PILOT, "/knelpunten"),
    ("ministry-answer-form", Role.MINISTRY, "/ministerie/knelpunten/{death}/antwoord"),
    ("ministry-home", Role.MINISTRY, "/"),
    ("office-inbox", Role.OFFICE, "/bureau/knelpunten"),
]


def changed_share(old: bytes, new: bytes) -> float:
    """Return the share of pixels that clearly differ (1.0 when the sizes differ)."""
    from PIL import Image, ImageChops

    before = Image.open(io.BytesIO(old)).convert("RGB")
    after = Image.open(io.BytesIO(new)).convert("RGB")
    if before.size != after.size:
        return 1.0
    difference = ImageChops.difference(before, after).convert("L").point(lambda v: v > 48)
    histogram = difference.histogram()
    return sum(histogram[1:]) / (before.size[0] * before.size[1])


def test_changed_share_tolerates_little_and_sees_much() -> None:
    from PIL import Image, ImageDraw

    def png(box: tuple[int, int, int, int] | None) -> bytes:
        image = Image.new("RGB", (100, 100), "white")
        if box:
            ImageDraw.Draw(image).rectangle(box, fill="black")
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    assert changed_share(png(None), png(None)) == 0
    assert changed_share(png(None), png((0, 0, 1, 1))) < MAX_CHANGED
    assert changed_share(png(None), png((0, 0, 30, 30))) > MAX_CHANGED


@pytest.mark.parametrize(("name", "role", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_screenshot(
    app: Flask,
    browser: Any,
    live_server: str,
    axe: Callable[[Any], None],
    name: str,
    role: Role,
    path: str,
) -> None:
    with session_scope(app) as session:
        demo.load(session, today=TODAY)
        death = session.scalar(select(Wish.id).where(Wish.title == DEATH))
    context = browser.new_context(
        base_url=live_server, locale="nl-NL", viewport=VIEWPORT, timezone_id="Europe/Amsterdam"
    )
    try:
        page = context.new_page()
        demo_login(page, role)
        page.goto(path.format(death=death))
        page.wait_for_load_state("networkidle")
        shot = page.screenshot(full_page=True, animations="disabled", caret="hide")
        axe(page)
    finally:
        context.close()
    assert shot.startswith(b"\x89PNG")
    target = FOLDER / f"{name}.png"
    if MODE == "update":
        FOLDER.mkdir(parents=True, exist_ok=True)
        target.write_bytes(shot)
        return
    assert target.exists(), f"{target} is missing: run with BUNDLER_SCREENSHOTS=update"
    if MODE == "compare":
        share = changed_share(target.read_bytes(), shot)
        assert share <= MAX_CHANGED, f"{name}: {share:.1%} of the pixels changed"
