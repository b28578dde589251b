"""Aggregate queries (overview tree, package readiness) equal the per-wish rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import scale
from bundler.enums import Role, WishState
from bundler.grouping import MinistryGroup, group_wishes
from bundler.models import Answer, Wish, wish_ministry
from bundler.office import aggregates, overview
from bundler.office.rows import overview_items
from bundler.package_content import is_included
from bundler.packages import follow_up


def _shape(tree: list[MinistryGroup]) -> list[Any]:
    return [
        (
            m.code,
            m.counts,
            [
                (s.bwb_id, s.title, s.counts, [(a.article, a.counts) for a in s.articles])
                for s in m.statutes
            ],
        )
        for m in tree
    ]


def test_aggregate_tree_equals_grouped_tree(app: Flask, db: Session) -> None:
    scale.load_scale(db, 800, seed=5, today=dt.date(2026, 3, 1))
    db.flush()
    expected = group_wishes(overview_items(db))
    assert len(expected) > 3 and sum(m.counts.wishes for m in expected) > 200
    assert _shape(aggregates.aggregate_tree(db)) == _shape(expected)


def test_big_overview_page_shows_article_counts(
    app: Flask, db: Session, client: FlaskClient, make_user: Any, login: Any, monkeypatch: Any
) -> None:
    scale.load_scale(db, 300, seed=6, today=dt.date(2026, 3, 1))
    db.commit()
    monkeypatch.setattr(overview, "OVERVIEW_FULL_TREE_LIMIT", 10)
    login(make_user(role=Role.OFFICE))
    page = client.get("/bureau/overzicht").get_data(as_text=True)
    assert "Het overzicht gaat daarom tot de artikelen" in page
    assert "knelpunten bij dit artikel in de inbox" in page
    assert "KN-" not in page  # no wish listed, only counts


def test_overview_with_many_articles_stops_at_the_statutes(
    app: Flask, db: Session, client: FlaskClient, make_user: Any, login: Any, monkeypatch: Any
) -> None:
    scale.load_scale(db, 300, seed=6, today=dt.date(2026, 3, 1))
    db.commit()
    monkeypatch.setattr(overview, "OVERVIEW_FULL_TREE_LIMIT", 10)
    monkeypatch.setattr(overview, "OVERVIEW_ARTICLE_LIMIT", 3)
    login(make_user(role=Role.OFFICE))
    page = client.get("/bureau/overzicht").get_data(as_text=True)
    assert "Het overzicht gaat daarom tot de wetten" in page
    assert "knelpunten bij dit artikel in de inbox" not in page
    statutes = sum(len(m.statutes) for m in aggregates.aggregate_tree(db))
    # Each ministry links to its wishes, and so does each statute under it.
    links = page.count("Deze knelpunten in de inbox")
    assert links == statutes + len(aggregates.aggregate_tree(db))
    assert "&amp;wet=" in page and "KN-" not in page


def test_readiness_counts_follow_the_package_rule(app: Flask, db: Session) -> None:
    scale.load_scale(db, 800, seed=8, today=dt.date(2026, 3, 1))
    db.flush()
    latest: dict[tuple[int, int], str] = {}
    for wish_id, ministry_id, status in db.execute(
        select(Answer.wish_id, Answer.ministry_id, Answer.status).order_by(
            Answer.answered_at, Answer.id
        )
    ):
        latest[(wish_id, ministry_id)] = status.value
    expected: dict[int, list[int]] = {}
    for ministry_id, wish_id, state in db.execute(
        select(wish_ministry.c.ministry_id, Wish.id, Wish.state).join(
            Wish, Wish.id == wish_ministry.c.wish_id
        )
    ):
        if is_included(state.value, latest.get((wish_id, ministry_id))):
            row = expected.setdefault(ministry_id, [0, 0])
            row[0 if state is WishState.ACCEPTED else 1] += 1
    found = follow_up.readiness(db)
    assert {m: [r.accepted, r.open_offered] for m, r in found.items()} == expected
    assert any(r.open_offered for r in found.values())
    # Some offered wishes were answered for good and left out.
    offered = db.scalar(
        select(func.count())
        .select_from(wish_ministry)
        .join(Wish)
        .where(Wish.state == WishState.OFFERED)
    )
    assert sum(r.open_offered for r in found.values()) < (offered or 0)
