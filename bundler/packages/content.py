"""What a ministry's next package says: its wishes as plain data, loaded from the database.

The package is always in Dutch, whatever the language of the user who builds it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from bundler import attachments, labels
from bundler.enums import RelationKind
from bundler.juriconnect import best_link
from bundler.logo import current_logo
from bundler.models import (
    Answer,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    Wish,
    WishRelation,
    statute_ministry,
    wish_ministry,
)
from bundler.models import Attachment as AttachmentRow
from bundler.package_content import (
    ATTACHMENT_LIMIT,
    PACKAGE_STATES,
    AnswerInfo,
    MinistryInfo,
    PackageContent,
    RelatedInfo,
    WishDetail,
    build_content,
    is_included,
)
from bundler.package_parts import AttachmentInfo, LetterInfo, Placement, related_status
from bundler.packages.answers import latest_answer
from bundler.responsibility import current_code
from bundler.rules import RuleError
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


def upload_folder() -> Path | None:
    """Return the folder attachments are stored in, or None outside an app."""
    return Path(current_app.config["UPLOAD_FOLDER"]) if has_app_context() else None


def attachment_limit() -> int:
    """Return how many bytes of attachments one package PDF may embed."""
    if not has_app_context():
        return ATTACHMENT_LIMIT
    return int(float(current_app.config["PACKAGE_ATTACHMENTS_MAX_MB"]) * 1024 * 1024)


def attachment_info(row: AttachmentRow, folder: Path | None) -> AttachmentInfo:
    """Describe an attachment, and whether its file is in storage to be embedded."""
    available = False
    if folder is not None:
        try:
            available = attachments.path_of(folder, row.stored_name).is_file()
        except RuleError:
            available = False
    return AttachmentInfo(
        name=row.original_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        stored_name=row.stored_name,
        available=available,
    )


def wish_detail(
    wish: Wish,
    ministry_id: int,
    included: Collection[int] = (),
    packages: Mapping[tuple[int, int], str] | None = None,
    folder: Path | None = None,
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
        # The ministry a wish is offered to may see all of its attachments.
        attachments=tuple(
            attachment_info(a, folder) for a in sorted(wish.attachments, key=lambda a: a.id)
        ),
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
        selectinload(Wish.attachments),
        selectinload(Wish.relations)
        .selectinload(WishRelation.related)
        .options(
            selectinload(Wish.ministries),
            selectinload(Wish.answers),
            selectinload(Wish.merged_into),
        ),
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


def letter_info(package: Package | None) -> LetterInfo:
    """Return the cover letter's fields of a package (empty without one)."""
    if package is None:
        return LetterInfo()
    return LetterInfo(
        addressee=package.letter_addressee,
        date=package.letter_date,
        reference=package.letter_reference,
        subject=package.letter_subject,
        signatory_name=package.letter_signatory_name,
        signatory_role=package.letter_signatory_role,
    )


def load_content(
    session: Session,
    ministry: Ministry,
    package: Package | None = None,
    on: dt.date | None = None,
) -> PackageContent:
    """Collect what the ministry's package built on a date (today) says, grouped by ministry.

    Wishes are grouped under the ministries responsible on that date, as the overview does.
    """
    on = on or dt.date.today()
    spans = ministry_spans(session)
    with _dutch():
        wishes = included_wishes(session, ministry, on, spans)
        included = {w.id for w in wishes}
        packages = latest_packages(session, {r.related_id for w in wishes for r in w.relations})
        folder = upload_folder()
        logo = current_logo(session)
        content = build_content(
            [to_item(w, on=on, spans=spans) for w in wishes],
            {w.id: wish_detail(w, ministry.id, included, packages, folder) for w in wishes},
            ministry_info(ministry),
            package.cover_letter if package else "",
            attachment_limit(),
            letter_info(package),
        )
        content.logo = (logo.content_type, logo.data) if logo else None
        return content
