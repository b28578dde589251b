"""The bundle overview: accepted wishes as ministry → statute → article → wish, with counts."""

from __future__ import annotations

import datetime as dt

from flask import current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role, WishState
from bundler.grouping import group_wishes
from bundler.models import Ministry, Wish, wish_ministry
from bundler.office import filters
from bundler.office.rows import overview_items
from bundler.wish_items import items_on

# Wishes listed per article in the overview; the rest is one click away in the inbox.
OVERVIEW_WISHES_PER_ARTICLE = 5
# Above this many accepted wishes the tree stops at the articles (with counts and a link to
# their wishes in the inbox), so the page stays small and fast however large the programme.
OVERVIEW_FULL_TREE_LIMIT = 2_000
PACKAGES_ENDPOINT = "packages.ministry_packages"


@role_required(Role.OFFICE)
def overview() -> ResponseReturnValue:
    """Show accepted wishes as the tree ministry → statute → article → wish, with counts."""
    db = get_session()
    # Grouped under the ministries responsible today, as a package built today would be.
    items = items_on(db, overview_items(db), dt.date.today())
    full = len(items) <= OVERVIEW_FULL_TREE_LIMIT
    without_ministry = db.scalar(
        select(func.count())
        .select_from(Wish)
        .where(
            Wish.state == WishState.ACCEPTED,
            ~Wish.id.in_(select(wish_ministry.c.wish_id)),
        )
    )
    return render_template(
        "office/overview.html",
        tree=group_wishes(items),
        names=dict(db.execute(select(Ministry.code, Ministry.name)).all()),
        without_ministry=without_ministry,
        per_article=OVERVIEW_WISHES_PER_ARTICLE if full else 0,
        full_tree_limit=OVERVIEW_FULL_TREE_LIMIT,
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
