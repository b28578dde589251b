"""Package operations shared by views, jobs, the CLI and the demo: they add and flush, never commit.

A build has two halves so that the slow render holds no database transaction open:
`prepare_build` reads the ministry's wishes and shapes the HTML and JSON twin;
the caller renders (in a child process in jobs); `publish` checks nothing changed meanwhile,
stores the files and adds the immutable version, moving included accepted wishes to
`aangeboden`. Whatever fails before the caller commits leaves nothing published.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bundler import audit, labels, pdf, storage, workflow
from bundler.enums import AnswerStatus, RelationKind, Role, WishState
from bundler.follow_up import OfferedWish
from bundler.juriconnect import is_bwb_id, link
from bundler.models import (
    Answer,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    User,
    Wish,
    WishRelation,
    utcnow,
    wish_ministry,
)
from bundler.numbering import package_number
from bundler.package_content import (
    PACKAGE_STATES,
    AnswerInfo,
    Changes,
    MinistryInfo,
    PackageContent,
    RelatedInfo,
    WishDetail,
    build_content,
    canonical_json,
    diff_wishes,
    document_context,
    is_included,
    twin,
)
from bundler.wish_items import to_item, with_item_loads

DEFAULT_OFFICE = "Programmabureau Ruimte voor Innovatie"
Renderer = Callable[[str, Sequence[pdf.PdfAttachment], dt.datetime], pdf.RenderResult]


class BuildConflict(Exception):
    """The ministry's wishes or packages changed while the package was being rendered."""


class AlreadyPublished(BuildConflict):
    """Another build published exactly this content meanwhile (e.g. a double click)."""


def ministry_info(ministry: Ministry) -> MinistryInfo:
    """Describe a ministry as it is now, for the package to keep."""
    return MinistryInfo(code=ministry.code, name=ministry.name, tooi=ministry.tooi_uri)


def latest_answer(wish: Wish, ministry_id: int) -> Answer | None:
    """Return this ministry's newest answer on a wish (the newest one counts)."""
    own = [a for a in wish.answers if a.ministry_id == ministry_id]
    return max(own, key=lambda a: (a.answered_at, a.id)) if own else None


def _answer_info(answer: Answer | None) -> AnswerInfo | None:
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
    statute = wish.statute
    law_link = ""
    if statute is not None and is_bwb_id(statute.bwb_id):
        try:
            law_link = link(statute.bwb_id, wish.article, wish.paragraph)
        except ValueError:
            law_link = link(statute.bwb_id)
    related = tuple(
        RelatedInfo(
            kind=r.kind.value,
            label=_relation_label(r),
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
        previous_answer=_answer_info(latest_answer(wish, ministry_id)),
    )


def _relation_label(relation: WishRelation) -> str:
    return "Hangt af van" if relation.kind is RelationKind.DEPENDS_ON else "Volgt uit"


def candidate_wishes(session: Session, ministry: Ministry) -> list[Wish]:
    """Load the ministry's accepted and offered wishes with everything the package shows."""
    statement = with_item_loads(
        select(Wish)
        .join(wish_ministry, wish_ministry.c.wish_id == Wish.id)
        .where(wish_ministry.c.ministry_id == ministry.id, Wish.state.in_(PACKAGE_STATES))
    ).options(
        selectinload(Wish.answers),
        selectinload(Wish.relations).selectinload(WishRelation.related),
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
        return build_content(
            [to_item(w) for w in wishes],
            {w.id: wish_detail(w, ministry.id) for w in wishes},
            ministry_info(ministry),
            cover_letter,
        )


def open_package(session: Session, ministry: Ministry) -> Package | None:
    """Return the ministry's package that new versions go into, if there is one."""
    return session.scalar(
        select(Package)
        .where(Package.ministry_id == ministry.id, Package.closed_at.is_(None))
        .order_by(Package.id.desc())
        .options(selectinload(Package.versions))
        .limit(1)
    )


def next_package_number(session: Session, ministry: Ministry, year: int) -> tuple[str, int]:
    """Return the number and sequence a new package of this ministry would get."""
    sequence = (
        session.scalar(
            select(func.max(Package.sequence)).where(
                Package.ministry_id == ministry.id, Package.year == year
            )
        )
        or 0
    ) + 1
    return package_number(ministry.code, year, sequence), sequence


def start_package(
    session: Session, ministry: Ministry, *, actor: User | None, at: dt.datetime | None = None
) -> Package:
    """Open a new (still empty) package for a ministry, e.g. to write its cover letter."""
    at = at or utcnow()
    number, sequence = next_package_number(session, ministry, at.year)
    package = Package(
        ministry=ministry,
        number=number,
        year=at.year,
        sequence=sequence,
        created_by=actor,
        created_at=at,
        versions=[],
    )
    session.add(package)
    session.flush()
    return package


def close_package(session: Session, package: Package, *, actor: User | None) -> None:
    """Close a package: the next build starts a new package number."""
    package.closed_at = utcnow()
    audit.record(session, "package.closed", actor=actor, obj=package, summary=package.number)
    session.flush()


@dataclass
class PreparedBuild:
    """Everything a render needs, and what publish will check against."""

    ministry_id: int
    package_id: int | None
    number: str
    version: int
    previous_version: int | None
    content: PackageContent
    content_hash: str
    changes: Changes
    created: dt.datetime
    html: str = ""
    twin_bytes: bytes = b""

    @property
    def unchanged(self) -> bool:
        return not self.html

    @property
    def file_stem(self) -> str:
        return f"{self.number}-v{self.version}"

    @property
    def attachments(self) -> list[pdf.PdfAttachment]:
        return [
            pdf.PdfAttachment(
                name=f"{self.file_stem}.json",
                data=self.twin_bytes,
                description=f"Knelpunten van pakket {self.number} versie {self.version} (JSON)",
            )
        ]


def prepare_build(
    session: Session, ministry: Ministry, *, at: dt.datetime | None = None
) -> PreparedBuild:
    """Read the ministry's wishes and shape the next version, or find nothing changed."""
    created = at or utcnow()
    package = open_package(session, ministry)
    content = load_content(session, ministry, package.cover_letter if package else "")
    digest = content.content_hash()
    previous = package.latest if package else None
    if package is not None:
        number, version = package.number, len(package.versions) + 1
    else:
        number, version = next_package_number(session, ministry, created.year)[0], 1
    prepared = PreparedBuild(
        ministry_id=ministry.id,
        package_id=package.id if package else None,
        number=number,
        version=version,
        previous_version=previous.number if previous else None,
        content=content,
        content_hash=digest,
        changes=Changes(),
        created=created,
    )
    if previous is not None and previous.content_hash == digest:
        return prepared  # unchanged: no html, no new version
    prepared.changes = diff_wishes(
        previous.snapshot.get("wishes", []) if previous else [], content.wish_records()
    )
    office = (
        str(current_app.config["PROGRAMME_OFFICE_NAME"]) if has_app_context() else DEFAULT_OFFICE
    )
    prepared.twin_bytes = canonical_json(
        twin(
            content,
            number=number,
            version=version,
            created=created,
            changes=prepared.changes,
            office=office,
        )
    )
    prepared.html = pdf.render_html(
        "package.html",
        **document_context(
            content,
            number=number,
            version=version,
            created=created,
            changes=prepared.changes,
            previous_version=prepared.previous_version,
            office=office,
            twin_name=f"{prepared.file_stem}.json",
        ),
    )
    return prepared


def publish(
    session: Session,
    prepared: PreparedBuild,
    result: pdf.RenderResult,
    *,
    actor: User | None,
) -> PackageVersion:
    """Store the rendered files and add the immutable version; the caller commits."""
    ministry = session.get(Ministry, prepared.ministry_id)
    assert ministry is not None
    package = open_package(session, ministry)
    latest = package.latest if package else None
    if package is not None and latest is not None and latest.content_hash == prepared.content_hash:
        raise AlreadyPublished(f"{package.number} versie {latest.number} bevat dit al.")
    if (package.id if package else None) != prepared.package_id:
        raise BuildConflict("Er is intussen een ander pakket geopend of gesloten.")
    current = load_content(session, ministry, package.cover_letter if package else "")
    if current.content_hash() != prepared.content_hash:
        raise BuildConflict("De knelpunten zijn tijdens het bouwen gewijzigd; bouw opnieuw.")
    if package is None:
        package = start_package(session, ministry, actor=actor, at=prepared.created)
        if package.number != prepared.number:
            raise BuildConflict("Het pakketnummer is intussen door een andere build gebruikt.")
    if len(package.versions) + 1 != prepared.version:
        raise BuildConflict("Er is intussen een andere versie van dit pakket gepubliceerd.")

    pdf_key = storage.put(session, result.pdf, "application/pdf")
    json_key = storage.put(session, prepared.twin_bytes, "application/json")
    records = prepared.content.wish_records()
    new = {r for r, _ in prepared.changes.new}
    changed = {r for r, _ in prepared.changes.changed}
    version = PackageVersion(
        package=package,
        number=prepared.version,
        sha256=hashlib.sha256(result.pdf).hexdigest(),
        storage_key=pdf_key,
        json_sha256=hashlib.sha256(prepared.twin_bytes).hexdigest(),
        json_storage_key=json_key,
        size=len(result.pdf),
        page_count=result.pages,
        wish_count=len(records),
        content_hash=prepared.content_hash,
        snapshot={"wishes": records, "coverLetter": prepared.content.cover_letter},
        changes=prepared.changes.as_json(),
        ministry_code=prepared.content.ministry.code,
        ministry_name=prepared.content.ministry.name,
        ministry_tooi=prepared.content.ministry.tooi,
        created_by=actor,
        created_at=prepared.created,
        entries=[
            PackageEntry(
                wish_id=item.id,
                position=position,
                change=_change_of(item.reference, new, changed),
            )
            for position, item in enumerate(prepared.content.items)
        ],
    )
    session.add(version)
    session.flush()

    ids = [item.id for item in prepared.content.items]
    offered = session.scalars(
        select(Wish).where(Wish.id.in_(ids), Wish.state == WishState.ACCEPTED)
    ).all()
    for wish in offered:
        assert workflow.can_move(wish.state, WishState.OFFERED, Role.OFFICE)
        wish.state = WishState.OFFERED
        audit.record(
            session,
            "wish.state",
            actor=actor,
            obj=wish,
            before={"state": WishState.ACCEPTED.value},
            after={"state": WishState.OFFERED.value},
            summary=f"Aangeboden in {package.number} versie {version.number}",
        )
    audit.record(
        session,
        "package.published",
        actor=actor,
        obj=version,
        after={
            "package": package.number,
            "version": version.number,
            "sha256": version.sha256,
            "wishes": len(records),
        },
        summary=f"{package.number} versie {version.number}",
    )
    session.flush()
    return version


def _change_of(reference: str, new: set[str], changed: set[str]) -> str:
    if reference in new:
        return "new"
    return "changed" if reference in changed else ""


def render_in_process(
    html: str, attachments: Sequence[pdf.PdfAttachment], created: dt.datetime
) -> pdf.RenderResult:
    """Render in this process (demo data, benchmarks); jobs use render_isolated."""
    return pdf.write_pdf(html, attachments, created=created)


def render_isolated(
    html: str, attachments: Sequence[pdf.PdfAttachment], created: dt.datetime
) -> pdf.RenderResult:
    """Render in a child process with the app's time and memory bounds."""
    return pdf.render_isolated(
        html,
        attachments,
        created=created,
        timeout=float(current_app.config.get("PDF_TIMEOUT_SECONDS", 300)),
        memory_mb=int(current_app.config.get("PDF_MEMORY_MB", 3072)),
    )


def build_package(
    session: Session,
    ministry: Ministry,
    *,
    actor: User | None,
    renderer: Renderer = render_isolated,
    at: dt.datetime | None = None,
) -> PackageVersion | None:
    """Prepare, render and publish in one session; None when nothing changed."""
    prepared = prepare_build(session, ministry, at=at)
    if prepared.unchanged:
        return None
    result = renderer(prepared.html, prepared.attachments, prepared.created)
    return publish(session, prepared, result, actor=actor)


def ministries_with_wishes(session: Session) -> list[Ministry]:
    """Return the ministries that have accepted or offered wishes, by code."""
    ids = select(wish_ministry.c.ministry_id).join(Wish, Wish.id == wish_ministry.c.wish_id)
    ids = ids.where(Wish.state.in_(PACKAGE_STATES))
    return list(
        session.scalars(select(Ministry).where(Ministry.id.in_(ids)).order_by(Ministry.code))
    )


def record_answer(
    session: Session,
    wish: Wish,
    ministry: Ministry,
    *,
    status: AnswerStatus,
    link: str = "",
    effective_date: dt.date | None = None,
    reasons: str = "",
    actor: User | None,
) -> Answer:
    """Add a ministry's answer on a wish (the history is kept; the newest counts)."""
    before = latest_answer(wish, ministry.id)
    answer = Answer(
        wish=wish,
        ministry=ministry,
        status=status,
        link=link.strip(),
        effective_date=effective_date,
        reasons=reasons.strip(),
        answered_by=actor,
        answered_at=utcnow(),
    )
    session.add(answer)
    audit.record(
        session,
        "wish.answer",
        actor=actor,
        obj=wish,
        before={"status": before.status.value} if before else None,
        after={
            "status": status.value,
            "ministry": ministry.code,
            "effective_date": effective_date.isoformat() if effective_date else None,
            "link": answer.link,
        },
        summary=f"{ministry.code}: {status.value}",
    )
    session.flush()
    return answer


def offered_to(session: Session, wish_id: int, ministry_id: int) -> bool:
    """Tell whether a wish is in any published version of this ministry's packages."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(PackageEntry)
            .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
            .join(Package, Package.id == PackageVersion.package_id)
            .where(PackageEntry.wish_id == wish_id, Package.ministry_id == ministry_id)
        )
    )


@dataclass(frozen=True)
class Readiness:
    """How many wishes a ministry's next package would hold."""

    accepted: int = 0
    open_offered: int = 0

    @property
    def total(self) -> int:
        return self.accepted + self.open_offered


def readiness(session: Session) -> dict[int, Readiness]:
    """Count, per ministry id, the accepted wishes and the offered ones still open."""
    pairs = session.execute(
        select(wish_ministry.c.ministry_id, Wish.id, Wish.state)
        .join(Wish, Wish.id == wish_ministry.c.wish_id)
        .where(Wish.state.in_(PACKAGE_STATES))
    ).all()
    offered = {w for _, w, state in pairs if state is WishState.OFFERED}
    latest: dict[tuple[int, int], AnswerStatus] = {}
    if offered:
        answers = session.execute(
            select(Answer.wish_id, Answer.ministry_id, Answer.status)
            .where(Answer.wish_id.in_(offered))
            .order_by(Answer.answered_at, Answer.id)
        ).all()
        latest = {(w, m): status for w, m, status in answers}
    counts: dict[int, Readiness] = {}
    for ministry_id, wish_id, state in pairs:
        now = counts.get(ministry_id, Readiness())
        status = latest.get((wish_id, ministry_id))
        if not is_included(state.value, status.value if status else None):
            continue
        if state is WishState.ACCEPTED:
            counts[ministry_id] = Readiness(now.accepted + 1, now.open_offered)
        else:
            counts[ministry_id] = Readiness(now.accepted, now.open_offered + 1)
    return counts


def offered_rows(session: Session, ministry_id: int | None = None) -> list[OfferedWish]:
    """Load every wish offered in a package, per ministry, with that ministry's answers."""
    statement = (
        select(
            Ministry.code,
            Package.ministry_id,
            Wish.id,
            Wish.reference,
            Wish.title,
            func.min(PackageVersion.created_at),
        )
        .select_from(PackageEntry)
        .join(PackageVersion, PackageVersion.id == PackageEntry.version_id)
        .join(Package, Package.id == PackageVersion.package_id)
        .join(Ministry, Ministry.id == Package.ministry_id)
        .join(Wish, Wish.id == PackageEntry.wish_id)
        .group_by(Ministry.code, Package.ministry_id, Wish.id, Wish.reference, Wish.title)
    )
    if ministry_id is not None:
        statement = statement.where(Package.ministry_id == ministry_id)
    offered = session.execute(statement).all()
    wish_ids = {row[2] for row in offered}
    answers: dict[tuple[int, int], list[tuple[dt.datetime, AnswerStatus]]] = {}
    if wish_ids:
        for wish_id, m_id, status, at in session.execute(
            select(Answer.wish_id, Answer.ministry_id, Answer.status, Answer.answered_at)
            .where(Answer.wish_id.in_(wish_ids))
            .order_by(Answer.answered_at, Answer.id)
        ):
            answers.setdefault((wish_id, m_id), []).append((at, status))
    rows = []
    for code, m_id, wish_id, reference, title, offered_at in offered:
        own = answers.get((wish_id, m_id), [])
        rows.append(
            OfferedWish(
                ministry=code,
                wish_id=wish_id,
                reference=reference,
                title=title,
                offered_at=_aware(offered_at),
                first_answer_at=own[0][0] if own else None,
                latest_status=own[-1][1].value if own else None,
                latest_answer_at=own[-1][0] if own else None,
            )
        )
    return rows


def _aware(value: dt.datetime) -> dt.datetime:
    # Aggregates bypass the column type, so SQLite hands back naive UTC (or even text).
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@functools.lru_cache(maxsize=4)
def _render_demo(
    html: str, attachment: pdf.PdfAttachment, created: dt.datetime
) -> pdf.RenderResult:
    return pdf.write_pdf(html, [attachment], created=created)


def build_demo_package(
    session: Session, ministry: Ministry, *, actor: User | None, at: dt.datetime
) -> PackageVersion | None:
    """Publish the demo's package in this process, at a date in the past (render ~1 s).

    Equal demo content renders once per process: test suites load the demo many times.
    """
    prepared = prepare_build(session, ministry, at=at)
    if prepared.unchanged:
        return None
    result = _render_demo(prepared.html, prepared.attachments[0], prepared.created)
    return publish(session, prepared, result, actor=actor)
