"""What a ministry's next package says: its wishes as plain data, loaded from the database.

The package is always in Dutch, whatever the language of the user who builds it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager, nullcontext

from flask import has_app_context
from flask_babel import force_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bundler import labels
from bundler.enums import RelationKind
from bundler.juriconnect import best_link
from bundler.models import Answer, Ministry, Wish, WishRelation, statute_ministry, wish_ministry
from bundler.package_content import (
    PACKAGE_STATES,
    AnswerInfo,
    MinistryInfo,
    PackageContent,
    RelatedInfo,
    WishDetail,
    build_content,
    is_included,
)
from bundler.packages.answers import latest_answer
from bundler.responsibility import current_code
from bundler.wish_items import (
    Spans,
    ministry_spans,
    responsible_codes,
    to_item,
    with_item_loads,
    with_responsibility_loads,
)

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


def wish_detail(wish: Wish, ministry_id: int) -> WishDetail:
    """Describe the text of a wish the way the package shows it."""
    law_link = best_link(
        wish.statute.bwb_id if wish.statute else None, wish.article, wish.paragraph
    )
    related = tuple(
        RelatedInfo(
            kind=r.kind.value,
            label=RELATION_LABELS[r.kind],
            reference=r.related.reference,
            title=r.related.title,
        )
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


def candidate_wishes(
    session: Session, ministry: Ministry, on: dt.date | None = None, spans: Spans | None = None
) -> list[Wish]:
    """Load the accepted and offered wishes the ministry is responsible for on a date.

    Those are the wishes offered to it or to a ministry it succeeded, and those on a statute
    it holds on that date (see `bundler.responsibility`).
    """
    on = on or dt.date.today()
    spans = spans if spans is not None else ministry_spans(session)
    codes = [code for code in spans if current_code(code, spans, on) == ministry.code]
    ids = select(Ministry.id).where(Ministry.code.in_(codes or [ministry.code]))
    offered = select(wish_ministry.c.wish_id).where(wish_ministry.c.ministry_id.in_(ids))
    held = select(statute_ministry.c.statute_id).where(
        statute_ministry.c.ministry_id == ministry.id
    )
    statement = with_responsibility_loads(
        with_item_loads(
            select(Wish).where(
                Wish.state.in_(PACKAGE_STATES),
                or_(Wish.id.in_(offered), Wish.statute_id.in_(held)),
            )
        )
    ).options(
        selectinload(Wish.answers),
        selectinload(Wish.relations).selectinload(WishRelation.related),
    )
    return [
        w
        for w in session.scalars(statement).unique()
        if ministry.code in responsible_codes(w, spans, on)
    ]


def included_wishes(
    session: Session, ministry: Ministry, on: dt.date | None = None, spans: Spans | None = None
) -> list[Wish]:
    """Return the wishes that belong in the ministry's package built on a date."""
    return [
        w
        for w in candidate_wishes(session, ministry, on, spans)
        if is_included(w.state.value, _status(latest_answer(w, ministry.id)))
    ]


def _status(answer: Answer | None) -> str | None:
    return answer.status.value if answer else None


def _dutch() -> AbstractContextManager[object]:
    # Packages are Dutch whatever the user's language; outside an app (demo loading in a bare
    # session) Flask-Babel returns the Dutch source strings anyway.
    return force_locale("nl") if has_app_context() else nullcontext()


def load_content(
    session: Session, ministry: Ministry, cover_letter: str = "", on: dt.date | None = None
) -> PackageContent:
    """Collect what the ministry's package built on a date (today) says, grouped by ministry.

    Wishes are grouped under the ministries responsible on that date, as the overview does.
    """
    on = on or dt.date.today()
    spans = ministry_spans(session)
    with _dutch():
        wishes = included_wishes(session, ministry, on, spans)
        return build_content(
            [to_item(w, on=on, spans=spans) for w in wishes],
            {w.id: wish_detail(w, ministry.id) for w in wishes},
            ministry_info(ministry),
            cover_letter,
        )
