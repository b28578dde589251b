"""What a ministry's next package says: its wishes as plain data, loaded from the database.

The package is always in Dutch, whatever the language of the user who builds it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager, nullcontext

from flask import has_app_context
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bundler import labels
from bundler.enums import RelationKind
from bundler.juriconnect import best_link
from bundler.models import (
    Answer,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    Wish,
    WishRelation,
    wish_ministry,
)
from bundler.package_content import (
    PACKAGE_STATES,
    AnswerInfo,
    MinistryInfo,
    PackageContent,
    Placement,
    RelatedInfo,
    WishDetail,
    build_content,
    is_included,
    related_status,
)
from bundler.packages.answers import latest_answer
from bundler.wish_items import to_item, with_item_loads

# Stored in the package, so in Dutch whatever the interface language.
RELATION_LABELS = {RelationKind.DEPENDS_ON: "Hangt af van", RelationKind.FOLLOWS_FROM: "Volgt uit"}


def ministry_info(ministry: Ministry) -> MinistryInfo:
    """Describe a ministry as it is now, for the package to keep."""
    return MinistryInfo(code=ministry.code, name=ministry.name, tooi=ministry.tooi_uri)


def answer_info(answer: Answer | None) -> AnswerInfo | None:
    if answer is None:
        return None
    return AnswerInfo(
        status=answer.status.value,
        label=labels.label(answer.status),
        answered_at=answer.answered_at,
        link=answer.link,
        effective_date=answer.effective_date,
        reasons=answer.reasons,
    )


def latest_packages(session: Session, wish_ids: set[int]) -> dict[tuple[int, int], str]:
    """Map (wish id, ministry id) to the number of the latest package that offered the wish."""
    if not wish_ids:
        return {}
    rows = session.execute(
        select(PackageEntry.wish_id, Package.ministry_id, Package.number)
        .join(PackageVersion, PackageEntry.version_id == PackageVersion.id)
        .join(Package, PackageVersion.package_id == Package.id)
        .where(PackageEntry.wish_id.in_(wish_ids))
        .order_by(PackageVersion.created_at, PackageVersion.id)
    )
    return {(wish_id, ministry_id): number for wish_id, ministry_id, number in rows}


def related_info(
    relation: WishRelation, included: Collection[int], packages: Mapping[tuple[int, int], str]
) -> RelatedInfo:
    """Describe a related wish and where it stands: in this package or elsewhere."""
    other = relation.related
    placements = []
    for ministry in sorted(other.ministries, key=lambda m: m.code):
        answer = latest_answer(other, ministry.id)
        placements.append(
            Placement(
                ministry=ministry.name,
                package=packages.get((other.id, ministry.id), ""),
                answer=answer.status.value if answer else None,
                effective_date=answer.effective_date if answer else None,
            )
        )
    in_package = other.id in included
    return RelatedInfo(
        kind=relation.kind.value,
        label=RELATION_LABELS[relation.kind],
        reference=other.reference,
        title=other.title,
        status=related_status(
            other.state.value,
            in_package=in_package,
            placements=placements,
            merged_into=other.merged_into.reference if other.merged_into else "",
        ),
        anchor=f"w{other.id}" if in_package else "",
    )


def wish_detail(
    wish: Wish,
    ministry_id: int,
    included: Collection[int] = (),
    packages: Mapping[tuple[int, int], str] | None = None,
) -> WishDetail:
    """Describe the text of a wish the way the package shows it."""
    law_link = best_link(
        wish.statute.bwb_id if wish.statute else None, wish.article, wish.paragraph
    )
    related = tuple(
        related_info(r, included, packages or {})
        for r in sorted(wish.relations, key=lambda r: r.related.reference)
    )
    return WishDetail(
        problem=wish.problem,
        proposed_change=wish.proposed_change,
        benefit_who=wish.benefit_who,
        benefit_cases_per_year=wish.benefit_cases_per_year,
        benefit_savings=wish.benefit_savings,
        urgency=wish.urgency.value,
        urgency_label=labels.label(wish.urgency),
        urgency_reason=wish.urgency_reason,
        law_link=law_link,
        related=related,
        previous_answer=answer_info(latest_answer(wish, ministry_id)),
    )


def candidate_wishes(session: Session, ministry: Ministry) -> list[Wish]:
    """Load the ministry's accepted and offered wishes with everything the package shows."""
    statement = with_item_loads(
        select(Wish)
        .join(wish_ministry, wish_ministry.c.wish_id == Wish.id)
        .where(wish_ministry.c.ministry_id == ministry.id, Wish.state.in_(PACKAGE_STATES))
    ).options(
        selectinload(Wish.answers),
        selectinload(Wish.relations)
        .selectinload(WishRelation.related)
        .options(
            selectinload(Wish.ministries),
            selectinload(Wish.answers),
            selectinload(Wish.merged_into),
        ),
    )
    return list(session.scalars(statement).unique())


def included_wishes(session: Session, ministry: Ministry) -> list[Wish]:
    """Return the wishes that belong in the ministry's next package."""
    return [
        w
        for w in candidate_wishes(session, ministry)
        if is_included(w.state.value, _status(latest_answer(w, ministry.id)))
    ]


def _status(answer: Answer | None) -> str | None:
    return answer.status.value if answer else None


def _dutch() -> AbstractContextManager[object]:
    # Packages are Dutch whatever the user's language; outside an app (demo loading in a bare
    # session) Flask-Babel returns the Dutch source strings anyway.
    return force_locale("nl") if has_app_context() else nullcontext()


def load_content(session: Session, ministry: Ministry, cover_letter: str = "") -> PackageContent:
    """Collect what the ministry's next package says, grouped as the office overview does."""
    with _dutch():
        wishes = included_wishes(session, ministry)
        included = {w.id for w in wishes}
        packages = latest_packages(session, {r.related_id for w in wishes for r in w.relations})
        return build_content(
            [to_item(w) for w in wishes],
            {w.id: wish_detail(w, ministry.id, included, packages) for w in wishes},
            ministry_info(ministry),
            cover_letter,
        )
