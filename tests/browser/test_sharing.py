"""Issue 10 in the browser: sharing an attachment with joining pilots, undoing a support; axe."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from bundler import attachments
from bundler.db import session_scope
from bundler.enums import Role, WishState
from bundler.models import Attachment, Pilot, User, Wish, WishSupport

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SHOTS = os.environ.get("BUNDLER_SCREENSHOTS", "")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _world(app: Flask, make_pilot: Callable[..., Pilot], make_wish: Callable[..., Wish]) -> Any:
    owner, joiner = make_pilot("Pilot Noord"), make_pilot("Pilot Zuid")
    wish = make_wish(owner, state=WishState.SUBMITTED, title="Geboorteaangifte zonder loket")
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, "procesplaat.pdf")
    with session_scope(app) as session:
        session.add(
            Attachment(
                wish_id=wish.id,
                original_name=stored.original_name,
                stored_name=stored.stored_name,
                content_type=stored.content_type,
                size=stored.size,
                sha256=stored.sha256,
            )
        )
        session.add(WishSupport(wish_id=wish.id, pilot_id=joiner.id, note="Ook bij ons."))
    return owner, wish


def test_the_raising_pilot_shares_an_attachment(
    app: Flask,
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    owner, wish = _world(app, make_pilot, make_wish)
    browser_login(make_user(Role.PILOT, pilots=[owner]).email)
    page.goto(f"/knelpunten/{wish.id}")
    box = page.get_by_label("Delen met pilots die aansluiten")
    assert not box.is_checked()
    axe(page)
    box.check()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("is zichtbaar voor pilots die aansluiten").wait_for()
    assert page.get_by_label("Delen met pilots die aansluiten").is_checked()
    _shot(page, "i10-wish-share")
    axe(page)
    with session_scope(app) as session:
        assert session.scalars(select(Attachment.shared_with_supporters)).one() is True


def test_the_office_undoes_a_support(
    app: Flask,
    page: Any,
    axe: Callable[[Any], None],
    browser_login: Callable[..., None],
    make_pilot: Callable[..., Pilot],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
) -> None:
    _owner, wish = _world(app, make_pilot, make_wish)
    browser_login(make_user(Role.OFFICE).email)
    page.goto(f"/bureau/knelpunten/{wish.reference}")
    axe(page)
    _shot(page, "i10-triage-support")
    page.get_by_role("button", name="Steun van Pilot Zuid ongedaan maken").click()
    page.get_by_text("De steun van pilot Pilot Zuid is ongedaan gemaakt.").wait_for()
    axe(page)
    with session_scope(app) as session:
        assert session.scalars(select(WishSupport)).all() == []
