"""The bundle overview's tree from aggregate queries, for when there are too many wishes to list.

Two set-based queries instead of one row per wish: wishes counted per ministry, statute and
article (a wish has one statute and article, so these counts add up), and the distinct pilots
behind each article (raising or supporting); pilots, municipalities and executing
organisations of a statute or ministry are the unions of its articles' pilots. The result has
the shape `grouping.group_wishes` gives, with counts and without the wishes themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from bundler.enums import WishState
from bundler.grouping import (
    NO_STATUTE,
    ArticleGroup,
    Counts,
    MinistryGroup,
    StatuteGroup,
    article_key,
)
from bundler.models import (
    ExecutingOrganisation,
    Ministry,
    Municipality,
    Pilot,
    PilotMunicipality,
    Statute,
    Wish,
    WishSupport,
    wish_ministry,
)

Node = tuple[str, str, str]  # ministry code, statute BWB id (or NO_STATUTE), article


def count_in_state(session: Session, state: WishState) -> int:
    """Count the wishes in one state (the state index answers it)."""
    return session.scalar(select(func.count()).select_from(Wish).where(Wish.state == state)) or 0


def aggregate_tree(session: Session, state: WishState = WishState.ACCEPTED) -> list[MinistryGroup]:
    """Group the wishes in `state` by ministry, statute and article, with counts only."""
    in_state = select(Wish.id).where(Wish.state == state)
    node = (Ministry.code, Statute.bwb_id, Statute.title, Wish.article)
    wishes: dict[Node, int] = {}
    titles: dict[str, str] = {NO_STATUTE: ""}
    for code, bwb_id, title, article, number in session.execute(
        select(*node, func.count())
        .select_from(Wish)
        .join(wish_ministry, wish_ministry.c.wish_id == Wish.id)
        .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
        .outerjoin(Statute, Statute.id == Wish.statute_id)
        .where(Wish.state == state)
        .group_by(*node)
    ):
        titles[bwb_id or NO_STATUTE] = title or ""
        wishes[(code, bwb_id or NO_STATUTE, article)] = number
    # Every (wish, pilot) behind a wish: the raising pilot and the supporting ones.
    backing = union(
        select(Wish.id.label("wish_id"), Wish.pilot_id.label("pilot_id")).where(
            Wish.state == state
        ),
        select(WishSupport.wish_id, WishSupport.pilot_id).where(WishSupport.wish_id.in_(in_state)),
    ).subquery("backing")
    pilots: dict[Node, set[int]] = {}
    for code, bwb_id, article, pilot_id in session.execute(
        select(Ministry.code, Statute.bwb_id, Wish.article, backing.c.pilot_id)
        .distinct()
        .select_from(backing)
        .join(Wish, Wish.id == backing.c.wish_id)
        .join(wish_ministry, wish_ministry.c.wish_id == Wish.id)
        .join(Ministry, Ministry.id == wish_ministry.c.ministry_id)
        .outerjoin(Statute, Statute.id == Wish.statute_id)
    ):
        pilots.setdefault((code, bwb_id or NO_STATUTE, article), set()).add(pilot_id)
    return _tree(session, wishes, pilots, titles)


def _tree(
    session: Session,
    wishes: dict[Node, int],
    pilots: dict[Node, set[int]],
    titles: dict[str, str],
) -> list[MinistryGroup]:
    names, municipalities, organisations = _pilot_facts(session)

    def counts(number: int, ids: Iterable[int]) -> Counts:
        ids = set(ids)
        return Counts(
            wishes=number,
            pilots=len({names[p] for p in ids}),
            municipalities=len(set().union(*(municipalities.get(p, ()) for p in ids))),
            executing_organisations=len({organisations[p] for p in ids if organisations[p]}),
        )

    tree: dict[str, dict[str, list[str]]] = {}
    for code, bwb_id, article in wishes:
        tree.setdefault(code, {}).setdefault(bwb_id, []).append(article)
    result = []
    for code in sorted(tree):
        statutes, ministry_pilots, ministry_wishes = [], set(), 0
        for bwb_id in sorted(tree[code], key=lambda b: (b == NO_STATUTE, titles[b].lower(), b)):
            articles, statute_pilots, statute_wishes = [], set(), 0
            for article in sorted(tree[code][bwb_id], key=article_key):
                key = (code, bwb_id, article)
                found = pilots.get(key, set())
                articles.append(ArticleGroup(article, [], counts(wishes[key], found)))
                statute_pilots |= found
                statute_wishes += wishes[key]
            statutes.append(
                StatuteGroup(
                    bwb_id, titles[bwb_id], articles, counts(statute_wishes, statute_pilots)
                )
            )
            ministry_pilots |= statute_pilots
            ministry_wishes += statute_wishes
        result.append(MinistryGroup(code, statutes, counts(ministry_wishes, ministry_pilots)))
    return result


def _pilot_facts(
    session: Session,
) -> tuple[dict[int, str], dict[int, frozenset[str]], dict[int, str | None]]:
    """Every pilot's name, current municipalities (CBS codes) and executing organisation."""
    names: dict[int, str] = {}
    organisations: dict[int, str | None] = {}
    for pilot_id, name, organisation in session.execute(
        select(Pilot.id, Pilot.name, ExecutingOrganisation.name).outerjoin(
            ExecutingOrganisation, ExecutingOrganisation.id == Pilot.executing_organisation_id
        )
    ):
        names[pilot_id], organisations[pilot_id] = name, organisation
    found: dict[int, set[str]] = {}
    for pilot_id, code in session.execute(
        select(PilotMunicipality.pilot_id, Municipality.cbs_code)
        .join(Municipality, Municipality.id == PilotMunicipality.municipality_id)
        .where(PilotMunicipality.left_on.is_(None))
    ):
        found.setdefault(pilot_id, set()).add(code)
    return names, {p: frozenset(c) for p, c in found.items()}, organisations
