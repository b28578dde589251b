"""The overview's aggregate tree equals the tree grouped from every wish, count for count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bundler import scale
from bundler.enums import Role
from bundler.grouping import MinistryGroup, group_wishes
from bundler.office import aggregates, overview
from bundler.office.rows import overview_items


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
