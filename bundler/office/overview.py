"""The bundle overview: accepted wishes as ministry → statute → article → wish, with counts."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import cache
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role, WishState
from bundler.grouping import MinistryGroup, group_wishes
from bundler.models import Ministry, Wish, wish_ministry
from bundler.office import aggregates, filters
from bundler.office.rows import overview_items
from bundler.wish_items import items_on

# Wishes listed per article in the overview; the rest is one click away in the inbox.
OVERVIEW_WISHES_PER_ARTICLE = 5
# Above this many accepted wishes the tree stops at the articles (with counts and a link to
# their wishes in the inbox), so the page stays small and fast however large the programme.
OVERVIEW_FULL_TREE_LIMIT = 2_000
# Above this many articles (over all ministries and statutes) the tree stops at the statutes,
# each with a link to its wishes in the inbox: a line per article of a programme with
# 100,000 wishes made a page of megabytes.
OVERVIEW_ARTICLE_LIMIT = 1_000
PACKAGES_ENDPOINT = "packages.ministry_packages"


@role_required(Role.OFFICE)
def overview() -> ResponseReturnValue:
    """Show accepted wishes as the tree ministry → statute → article → wish, with counts."""
    db = get_session()
    today = dt.date.today()
    tree, full, without_ministry = cache.cached(db, ("office.overview", today), lambda: _tree(db))
    locale = str(get_locale() or "")
    articles = full or _article_count(tree) <= OVERVIEW_ARTICLE_LIMIT
    tree_html = cache.cached(
        db,
        ("office.overview.html", locale, today),
        lambda: _tree_html(db, tree, full, articles),
    )
    return render_template(
        "office/overview.html",
        tree_html=Markup(tree_html),  # noqa: S704 - our own template's output, escaped there
        tree=bool(tree),
        per_article=OVERVIEW_WISHES_PER_ARTICLE if full else 0,
        without_ministry=without_ministry,
        full_tree_limit=OVERVIEW_FULL_TREE_LIMIT,
        articles=articles,
        article_limit=OVERVIEW_ARTICLE_LIMIT,
        accepted=WishState.ACCEPTED.value,
        no_value=filters.NONE,
    )


def _article_count(tree: list[MinistryGroup]) -> int:
    return sum(len(s.articles) for m in tree for s in m.statutes)


def _tree_html(db: Session, tree: list[MinistryGroup], full: bool, articles: bool) -> str:
    return render_template(
        "office/_overview_tree.html",
        tree=tree,
        articles=articles,
        names=dict(db.execute(select(Ministry.code, Ministry.name)).all()),
        per_article=OVERVIEW_WISHES_PER_ARTICLE if full else 0,
        # References are URL-safe (KN-2026-0042): one url_for instead of one per wish.
        triage_prefix=url_for("office.triage", reference="KN").removesuffix("KN"),
        inbox_prefix=url_for(
            "office.inbox", status=WishState.ACCEPTED.value, sorteer="kenmerk", richting="op"
        ),
        has_packages=PACKAGES_ENDPOINT in current_app.view_functions,
        packages_endpoint=PACKAGES_ENDPOINT,
        accepted=WishState.ACCEPTED.value,
        no_value=filters.NONE,
    )


def _tree(db: Session) -> tuple[list[MinistryGroup], bool, int]:
    """Build the tree: with the wishes up to the limit, from aggregate queries above it."""
    full = aggregates.count_in_state(db, WishState.ACCEPTED) <= OVERVIEW_FULL_TREE_LIMIT
    # Grouped under the ministries responsible today, as a package built today would be
    # (above the limit the aggregate counts follow the wishes' stored ministries).
    tree = (
        group_wishes(items_on(db, overview_items(db), dt.date.today()))
        if full
        else aggregates.aggregate_tree(db)
    )
    without_ministry = db.scalar(
        select(func.count())
        .select_from(Wish)
        .where(
            Wish.state == WishState.ACCEPTED,
            ~Wish.id.in_(select(wish_ministry.c.wish_id)),
        )
    )
    return tree, full, without_ministry or 0
