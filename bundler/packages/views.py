"""The office's package pages: build per ministry or all, progress, cover letter, follow-up."""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from bundler import labels
from bundler.auth import role_required
from bundler.charts import bar_chart
from bundler.db import get_session
from bundler.enums import AnswerStatus, Role
from bundler.follow_up import follow_up as follow_up_figures
from bundler.labels import job_label, step_label
from bundler.models import (
    BuildJob,
    BuildStep,
    DownloadReceipt,
    Ministry,
    Package,
    PackageVersion,
    utcnow,
)
from bundler.package_content import Changes, letter_html
from bundler.package_parts import LetterInfo
from bundler.packages import build, follow_up, jobs
from bundler.packages.content import letter_info
from bundler.packages.downloads import send_version
from bundler.web import current_actor
from forms.base import CsrfForm
from forms.package import CoverLetterForm


def _ministry(code: str) -> Ministry:
    ministry = get_session().scalar(select(Ministry).where(Ministry.code == code))
    if ministry is None:
        abort(404)
    return ministry


def packages_of(session: Session, ministry_id: int) -> list[Package]:
    """Return a ministry's packages, newest first, with versions, receipts and their users."""
    return list(
        session.scalars(
            select(Package)
            .where(Package.ministry_id == ministry_id)
            .order_by(Package.id.desc())
            .options(
                selectinload(Package.versions)
                .selectinload(PackageVersion.receipts)
                .selectinload(DownloadReceipt.user),
                selectinload(Package.versions).selectinload(PackageVersion.created_by),
            )
        )
    )


@role_required(Role.OFFICE)
def index() -> ResponseReturnValue:
    """List every ministry with wishes ready for a package, and its latest package."""
    db = get_session()
    ready = follow_up.readiness(db)
    ministries = list(db.scalars(select(Ministry).order_by(Ministry.code)))
    latest: dict[int, PackageVersion] = {}
    for version in db.scalars(
        select(PackageVersion)
        .join(Package)
        .options(selectinload(PackageVersion.package))
        .order_by(PackageVersion.created_at)
    ):
        latest[version.package.ministry_id] = version
    rows = [
        (m, ready.get(m.id, follow_up.Readiness()), latest.get(m.id))
        for m in ministries
        if m.id in ready or m.id in latest
    ]
    recent = list(
        db.scalars(
            select(BuildJob)
            .options(selectinload(BuildJob.steps), selectinload(BuildJob.created_by))
            .order_by(BuildJob.id.desc())
            .limit(5)
        )
    )
    return render_template(
        "packages/index.html", rows=rows, jobs=recent, form=CsrfForm(), buildable=bool(ready)
    )


@role_required(Role.OFFICE)
def ministry_packages(code: str) -> ResponseReturnValue:
    """Show one ministry's packages, all versions with what changed, and its build jobs."""
    db = get_session()
    ministry = _ministry(code)
    ready = follow_up.readiness(db).get(ministry.id, follow_up.Readiness())
    steps = list(
        db.scalars(
            select(BuildStep)
            .where(BuildStep.ministry_code == ministry.code)
            .options(selectinload(BuildStep.job))
            .order_by(BuildStep.id.desc())
            .limit(5)
        )
    )
    return render_template(
        "packages/ministry.html",
        ministry=ministry,
        ready=ready,
        packages=packages_of(db, ministry.id),
        open_package=build.open_package(db, ministry),
        steps=steps,
        changes_of=Changes.from_json,
        ministry_role=Role.MINISTRY,
        form=CsrfForm(),
    )


@role_required(Role.OFFICE)
def queue_build(code: str) -> ResponseReturnValue:
    """Queue a build of one ministry's package and show its progress."""
    db = get_session()
    ministry = _ministry(code)
    job = jobs.create_job(db, [ministry], kind="one", actor=current_actor())
    db.commit()
    jobs.start_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    return redirect(url_for("packages.progress", job_id=job.id))


@role_required(Role.OFFICE)
def queue_build_all() -> ResponseReturnValue:
    """Queue one build per ministry with wishes and show the overall progress."""
    db = get_session()
    ministries = build.ministries_with_wishes(db)
    if not ministries:
        flash(_("Er zijn geen knelpunten om aan te bieden."), "info")
        return redirect(url_for("packages.index"))
    job = jobs.create_job(db, ministries, kind="all", actor=current_actor())
    db.commit()
    jobs.start_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    return redirect(url_for("packages.progress", job_id=job.id))


def _job(job_id: int) -> BuildJob:
    # Workers change jobs from other sessions; never trust a copy already in this session.
    job = get_session().scalar(
        select(BuildJob)
        .where(BuildJob.id == job_id)
        .execution_options(populate_existing=True)
        .options(
            selectinload(BuildJob.steps)
            .selectinload(BuildStep.version)
            .selectinload(PackageVersion.package),
            selectinload(BuildJob.created_by),
        )
    )
    if job is None:
        abort(404)
    return job


@role_required(Role.OFFICE)
def progress(job_id: int) -> ResponseReturnValue:
    """Show the progress of a build job (the page refreshes itself while it runs)."""
    job = _job(job_id)
    return render_template(
        "packages/progress.html", job=job, step_label=step_label, job_label=job_label
    )


@role_required(Role.OFFICE)
def progress_status(job_id: int) -> ResponseReturnValue:
    """Return the progress of a build job as JSON, for the progress page's script."""
    job = _job(job_id)
    return jsonify(
        id=job.id,
        status=job.status,
        statusLabel=job_label(job.status),
        total=job.total,
        done=job.done,
        finished=job.finished_at is not None,
        steps=[
            {
                "ministry": s.ministry_code,
                "status": s.status,
                "statusLabel": step_label(s.status),
                "error": s.error,
                "version": _(
                    "%(number)s versie %(n)s", number=s.version.package.number, n=s.version.number
                )
                if s.version
                else None,
            }
            for s in job.steps
        ],
    )


@role_required(Role.OFFICE)
def cover_letter(code: str) -> ResponseReturnValue:
    """Edit the cover letter of the ministry's open package (Markdown, sanitised)."""
    db = get_session()
    ministry = _ministry(code)
    package = build.open_package(db, ministry)
    form = CoverLetterForm(request.form)
    status = 200
    if request.method == "GET":
        form.cover_letter.data = package.cover_letter if package else ""
        form.lock_version.data = package.lock_version if package else 0
        fields = letter_info(package)
        form.addressee.data = fields.addressee
        form.letter_date.data = fields.date
        form.reference.data = fields.reference
        form.subject.data = fields.subject
        form.signatory_name.data = fields.signatory_name
        form.signatory_role.data = fields.signatory_role
    else:
        refused = _save_letter(db, ministry, package, form)
        if refused is None:
            flash(_("De aanbiedingsbrief is opgeslagen."), "success")
            return redirect(url_for("packages.ministry_packages", code=ministry.code))
        status = refused
    return render_template(
        "packages/cover_letter.html",
        ministry=ministry,
        package=package,
        form=form,
        preview=letter_html(form.cover_letter.data or ""),
    ), status


def _save_letter(
    db: Session, ministry: Ministry, package: Package | None, form: CoverLetterForm
) -> int | None:
    """Save a posted cover letter; return the status to show the form again with, or None."""
    if not form.validate():
        return 400
    if (form.lock_version.data or 0) != (package.lock_version if package else 0):
        form.form_errors.append(
            _("Iemand anders heeft de brief intussen gewijzigd. Uw tekst staat hieronder.")
        )
        return 409
    try:
        build.save_cover_letter(
            db,
            ministry,
            package,
            form.cover_letter.data or "",
            actor=current_actor(),
            fields=LetterInfo(
                addressee=form.addressee.data or "",
                date=form.letter_date.data,
                reference=form.reference.data or "",
                subject=form.subject.data or "",
                signatory_name=form.signatory_name.data or "",
                signatory_role=form.signatory_role.data or "",
            ),
        )
        db.commit()
    except StaleDataError:
        db.rollback()
        form.form_errors.append(_("Iemand anders heeft de brief intussen gewijzigd."))
        return 409
    return None


@role_required(Role.OFFICE)
def close(code: str) -> ResponseReturnValue:
    """Close the ministry's open package; the next build starts a new package number."""
    db = get_session()
    ministry = _ministry(code)
    package = build.open_package(db, ministry)
    if package is None:
        abort(404)
    build.close_package(db, package, actor=current_actor())
    db.commit()
    flash(_("Pakket %(number)s is afgesloten.", number=package.number), "success")
    return redirect(url_for("packages.ministry_packages", code=ministry.code))


@role_required(Role.OFFICE)
def download(package_version_id: int, kind: str) -> ResponseReturnValue:
    """Download a version's PDF or JSON twin (logged like a ministry download)."""
    found = get_session().scalar(
        select(PackageVersion)
        .where(PackageVersion.id == package_version_id)
        .options(selectinload(PackageVersion.package))
    )
    if found is None:
        abort(404)
    return send_version(found, kind, current_actor())


@role_required(Role.OFFICE)
def follow_up_overview() -> ResponseReturnValue:
    """Show per ministry how many offered wishes were answered, how fast, and who waits."""
    db = get_session()
    figures = follow_up_figures(follow_up.offered_rows(db), utcnow())
    names = {m.code: m.name for m in db.scalars(select(Ministry))}
    series = (_("Afgerond"), _("Beantwoord, loopt nog"), _("Wacht op antwoord"))
    chart = bar_chart(
        _("Aangeboden knelpunten per ministerie, naar stand van het antwoord"),
        [(f.ministry, (f.closed, f.open_answered, f.unanswered)) for f in figures],
        series,
        chart_id="opvolging-grafiek",
    )
    return render_template(
        "packages/follow_up.html",
        figures=figures,
        names=names,
        chart=chart,
        series=series,
        now=utcnow(),
    )


@role_required(Role.OFFICE)
def follow_up_ministry(code: str) -> ResponseReturnValue:
    """Show one ministry's answers: figures, the wishes waiting longest, and a chart."""
    db = get_session()
    ministry = _ministry(code)
    now = utcnow()
    rows = follow_up.offered_rows(db, ministry.id)
    figures = follow_up_figures(rows, now)
    figure = figures[0] if figures else None
    status_rows = []
    if figure is not None:
        for status in AnswerStatus:
            status_rows.append((labels.label(status), (figure.statuses.get(status.value, 0),)))
        status_rows.append((_("Nog geen antwoord"), (figure.statuses.get("", 0),)))
    chart = bar_chart(
        _("Knelpunten van %(code)s naar laatste antwoord", code=ministry.code),
        status_rows,
        (_("Knelpunten"),),
        chart_id="ministerie-grafiek",
    )
    answered = sorted((r for r in rows if r.answered), key=lambda r: -(r.days_to_answer() or 0))
    return render_template(
        "packages/follow_up_ministry.html",
        ministry=ministry,
        figure=figure,
        chart=chart,
        status_rows=status_rows,
        answered=answered,
        now=now,
    )
