"""Building a ministry's package: prepare, render, publish (operations: add and flush, no commit).

A build has two halves so that the slow render holds no database transaction open:
`prepare_build` reads the ministry's wishes and shapes the HTML and JSON twin;
the caller renders (in a child process in jobs); `publish` checks nothing changed meanwhile,
stores the files and adds the immutable version, moving included accepted wishes to
`aangeboden`. Whatever fails before the caller commits leaves nothing published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from bundler import audit, pdf, storage, workflow
from bundler.attachments import path_of
from bundler.config import PROGRAMME_OFFICE_NAME
from bundler.enums import Role, WishState
from bundler.models import (
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    User,
    Wish,
    statute_ministry,
    utcnow,
    wish_ministry,
)
from bundler.numbering import package_number
from bundler.package_content import (
    PACKAGE_STATES,
    Changes,
    PackageContent,
    canonical_json,
    diff_wishes,
    document_context,
    twin,
)
from bundler.package_parts import LetterInfo
from bundler.packages.content import letter_info, load_content
from bundler.responsibility import current_code
from bundler.wish_items import ministry_spans, responsible_codes, with_responsibility_loads

Renderer = Callable[[str, Sequence[pdf.PdfAttachment], dt.datetime], pdf.RenderResult]


class BuildConflict(Exception):
    """The ministry's wishes or packages changed while the package was being rendered."""


class AlreadyPublished(BuildConflict):
    """Another build published exactly this content meanwhile (e.g. a double click)."""


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
    files: list[pdf.PdfAttachment] = field(default_factory=list)

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
            ),
            *self.files,
        ]


def prepare_build(
    session: Session, ministry: Ministry, *, at: dt.datetime | None = None
) -> PreparedBuild:
    """Read the ministry's wishes and shape the next version, or find nothing changed."""
    created = at or utcnow()
    package = open_package(session, ministry)
    # Grouped under the ministries responsible on the build date.
    content = load_content(session, ministry, package, on=created.date())
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
        str(current_app.config["PROGRAMME_OFFICE_NAME"])
        if has_app_context()
        else PROGRAMME_OFFICE_NAME
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
    prepared.files = embedded_files(content)
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


def embedded_files(content: PackageContent) -> list[pdf.PdfAttachment]:
    """Read the attachments the package embeds, each tied to its wish's page."""
    folder = Path(current_app.config["UPLOAD_FOLDER"]) if has_app_context() else None
    files = []
    for item, info in content.attachments:
        if not info.embedded or folder is None:
            continue
        data = path_of(folder, info.stored_name).read_bytes()
        if hashlib.sha256(data).hexdigest() != info.sha256:
            raise BuildConflict(
                f"Bijlage {info.name} van {item.reference} wijkt af van wat is geüpload; "
                "het pakket is niet gebouwd."
            )
        files.append(
            pdf.PdfAttachment(
                name=info.file_name,
                data=data,
                description=f"Bijlage bij {item.reference}: {info.name}",
                relationship="Supplement",
                anchor=f"w{item.id}",
                content_type=info.content_type,
            )
        )
    return files


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
    current = load_content(session, ministry, package, on=prepared.created.date())
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
        snapshot={
            "wishes": records,
            "coverLetter": prepared.content.cover_letter,
            "letterFields": prepared.content.letter.record(),
        },
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
    """Render in a child process with the app's time and memory bounds.

    With PDF_RENDER_PARTS on, the package renders in parts, in a pool of long-lived child
    processes (PDF_PART_WORKERS), each part under the same bounds, and unchanged parts come
    from the part cache.
    """
    timeout = float(current_app.config["PDF_TIMEOUT_SECONDS"])
    memory_mb = int(current_app.config["PDF_MEMORY_MB"])

    def render_one(
        html: str, attachments: Sequence[pdf.PdfAttachment], created: dt.datetime
    ) -> pdf.RenderResult:
        # Runs in the parts' worker threads too: no app context needed here.
        return pdf.render_isolated(
            html, attachments, created=created, timeout=timeout, memory_mb=memory_mb
        )

    if current_app.config.get("PDF_RENDER_PARTS"):
        from bundler.packages import parts

        return parts.render_in_parts(
            html,
            attachments,
            created,
            workers=int(current_app.config["PDF_PART_WORKERS"]),
            cache=parts.PartCache(current_app.config["PDF_PART_CACHE_FOLDER"]),
            timeout=timeout,
            memory_mb=memory_mb,
        ).result
    return render_one(html, attachments, created)


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


def ministries_with_wishes(session: Session, on: dt.date | None = None) -> list[Ministry]:
    """Return the ministries responsible for accepted or offered wishes on a date, by code."""
    on = on or dt.date.today()
    # Wishes on a statute whose responsibility is dated are resolved one by one below.
    dated = select(statute_ministry.c.statute_id).where(
        or_(statute_ministry.c.valid_from.is_not(None), statute_ministry.c.valid_until.is_not(None))
    )
    ids = select(wish_ministry.c.ministry_id).join(Wish, Wish.id == wish_ministry.c.wish_id)
    ids = ids.where(
        Wish.state.in_(PACKAGE_STATES),
        or_(Wish.statute_id.is_(None), Wish.statute_id.not_in(dated)),
    )
    spans = ministry_spans(session)
    stored = session.scalars(select(Ministry.code).where(Ministry.id.in_(ids)))
    codes = {current_code(code, spans, on) for code in stored}
    for wish in session.scalars(
        with_responsibility_loads(
            select(Wish)
            .where(Wish.state.in_(PACKAGE_STATES), Wish.statute_id.in_(dated))
            .options(selectinload(Wish.ministries))
        )
    ):
        codes.update(responsible_codes(wish, spans, on))
    return list(
        session.scalars(select(Ministry).where(Ministry.code.in_(codes)).order_by(Ministry.code))
    )


def build_demo_package(
    session: Session, ministry: Ministry, *, actor: User | None, at: dt.datetime
) -> PackageVersion | None:
    """Publish the demo's package in this process, at a date in the past (render ~1 s)."""
    return build_package(session, ministry, actor=actor, renderer=render_in_process, at=at)


def save_cover_letter(
    session: Session,
    ministry: Ministry,
    package: Package | None,
    text: str,
    *,
    actor: User,
    fields: LetterInfo | None = None,
) -> Package:
    """Store the cover letter (body and fields) of the ministry's open package.

    Opens a package when there is none.
    """
    if package is None:
        package = start_package(session, ministry, actor=actor)
    before = {"length": len(package.cover_letter), **letter_info(package).record()}
    package.cover_letter = text
    if fields is not None:
        package.letter_addressee = fields.addressee.strip()
        package.letter_date = fields.date
        package.letter_reference = fields.reference.strip()
        package.letter_subject = fields.subject.strip()
        package.letter_signatory_name = fields.signatory_name.strip()
        package.letter_signatory_role = fields.signatory_role.strip()
    audit.record(
        session,
        "package.cover_letter",
        actor=actor,
        obj=package,
        before=before,
        after={"length": len(text), **letter_info(package).record()},
        summary=package.number,
    )
    session.flush()
    return package
