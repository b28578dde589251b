"""Group wishes by ministry, statute and article: pure functions over plain data.

The office's bundle overview and every ministry package are built from this one function,
so a wish sits in exactly the same place on screen and on paper.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bundler.enums import WishState

# Closed wishes are never grouped, whatever a caller asks for.
NEVER_GROUPED = frozenset({WishState.MERGED, WishState.REJECTED, WishState.WITHDRAWN})
NO_STATUTE = ""


@dataclass(frozen=True)
class PilotInfo:
    """A pilot behind a wish: the one that raised it or one that supports it."""

    name: str
    municipalities: tuple[tuple[str, str], ...] = ()  # (CBS code, name)
    executing_organisation: str | None = None
    raising: bool = False
    note: str = ""  # a supporting pilot's own context


@dataclass(frozen=True)
class WishItem:
    """What grouping and the package need to know of one wish."""

    id: int
    reference: str
    title: str
    state: str
    ministries: tuple[str, ...]  # codes of the responsible ministries
    statute_bwb_id: str | None
    statute_title: str
    article: str
    paragraph: str = ""
    pilots: tuple[PilotInfo, ...] = ()  # the raising pilot first

    @property
    def shared(self) -> bool:
        """Tell whether more than one ministry is responsible."""
        return len(self.ministries) > 1

    @property
    def municipality_codes(self) -> frozenset[str]:
        return frozenset(code for p in self.pilots for code, _ in p.municipalities)

    @property
    def executing_organisations(self) -> frozenset[str]:
        return frozenset(p.executing_organisation for p in self.pilots if p.executing_organisation)


@dataclass
class Counts:
    """Distinct numbers behind a node of the tree."""

    wishes: int = 0
    pilots: int = 0
    municipalities: int = 0
    executing_organisations: int = 0


def count(items: Iterable[WishItem]) -> Counts:
    """Count wishes and the distinct pilots, municipalities and organisations behind them."""
    items = list(items)
    # Many wishes share the same few PilotInfo objects: look at each pilot once.
    pilots = {id(p): p for i in items for p in i.pilots}.values()
    return Counts(
        wishes=len({i.id for i in items}),
        pilots=len({p.name for p in pilots}),
        municipalities=len({code for p in pilots for code, _ in p.municipalities}),
        executing_organisations=len(
            {p.executing_organisation for p in pilots if p.executing_organisation}
        ),
    )


@dataclass
class ArticleGroup:
    article: str
    wishes: list[WishItem]
    counts: Counts = field(default_factory=Counts)


@dataclass
class StatuteGroup:
    bwb_id: str  # NO_STATUTE when the office has not set one yet
    title: str
    articles: list[ArticleGroup]
    counts: Counts = field(default_factory=Counts)

    @property
    def wishes(self) -> list[WishItem]:
        return [w for a in self.articles for w in a.wishes]


@dataclass
class MinistryGroup:
    code: str
    statutes: list[StatuteGroup]
    counts: Counts = field(default_factory=Counts)

    @property
    def wishes(self) -> list[WishItem]:
        return [w for s in self.statutes for w in s.wishes]


def article_key(article: str) -> tuple[tuple[int, int | str], ...]:
    """Sort articles as a reader expects: 2 before 10, 19 before 19a, 1:3 before 1:10."""
    parts = re.findall(r"\d+|[^\d.:]+", article.lower())
    return tuple((0, int(p)) if p.isascii() and p.isdigit() else (1, p) for p in parts)


def group_wishes(
    items: Iterable[WishItem],
    *,
    states: Collection[str] = (WishState.ACCEPTED,),
    ministry: str | None = None,
) -> list[MinistryGroup]:
    """Group wishes in the given states by ministry, statute and article.

    A wish appears once under each of its responsible ministries (a shared wish under
    several), never under another; with `ministry`, only that ministry's tree is built.
    Ministries sort by code, statutes by title, articles naturally, wishes by reference.
    """
    wanted = {str(s) for s in states} - {str(s) for s in NEVER_GROUPED}
    tree: dict[str, dict[str, dict[str, dict[int, WishItem]]]] = {}
    titles: dict[str, str] = {}
    for item in items:
        if item.state not in wanted:
            continue
        statute = item.statute_bwb_id or NO_STATUTE
        titles.setdefault(statute, item.statute_title)
        for code in item.ministries:
            if ministry is not None and code != ministry:
                continue
            articles = tree.setdefault(code, {}).setdefault(statute, {})
            articles.setdefault(item.article, {})[item.id] = item

    result = []
    for code in sorted(tree):
        statute_groups = []
        for bwb_id in sorted(tree[code], key=lambda b: (b == NO_STATUTE, titles[b].lower(), b)):
            article_groups = []
            for article in sorted(tree[code][bwb_id], key=article_key):
                wishes = sorted(tree[code][bwb_id][article].values(), key=lambda w: w.reference)
                article_groups.append(ArticleGroup(article, wishes, count(wishes)))
            statute_group = StatuteGroup(bwb_id, titles[bwb_id], article_groups)
            statute_group.counts = count(statute_group.wishes)
            statute_groups.append(statute_group)
        node = MinistryGroup(code, statute_groups)
        node.counts = count(node.wishes)
        result.append(node)
    return result
