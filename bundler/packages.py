"""The office's package pages: build per ministry or all, progress, cover letter, follow-up."""

from __future__ import annotations

from pathlib import Path

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from bundler import jobs, labels, package_ops, storage
from bundler.auth import role_required
from bundler.charts import bar_chart
from bundler.db import get_session, session_scope
from bundler.enums import AnswerStatus, Role
from bundler.follow_up import follow_up
from bundler.models import (
    BuildJob,
    BuildStep,
    DownloadReceipt,
    Ministry,
    Package,
    PackageVersion,
    User,
    utcnow,
)
from bundler.package_content import Changes, letter_html
from forms.base import CsrfForm
from forms.package import CoverLetterForm

bp = Blueprint("packages", __name__, url_prefix="/bureau/pakketten")


def init_app(app: Flask) -> None:
    """Register this blueprint, the build-packages command and the job queue settings."""
    app.config.setdefault("PDF_TIMEOUT_SECONDS", 300)
    app.config.setdefault("PDF_MEMORY_MB", 3072)
    app.register_blueprint(bp)
    app.cli.add_command(build_packages_command)
    app.jinja_env.globals.update(
        step_label=step_label, job_label=job_label, answer_label=answer_label
    )


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


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


@bp.get("")
@role_required(Role.OFFICE)
def index() -> ResponseReturnValue:
    """List every ministry with wishes ready for a package, and its latest package."""
    db = get_session()
    ready = package_ops.readiness(db)
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
        (m, ready.get(m.id, package_ops.Readiness()), latest.get(m.id))
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


@bp.get("/<code>")
@role_required(Role.OFFICE)
def ministry_packages(code: str) -> ResponseReturnValue:
    """Show one ministry's packages, all versions with what changed, and its build jobs."""
    db = get_session()
    ministry = _ministry(code)
    ready = package_ops.readiness(db).get(ministry.id, package_ops.Readiness())
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
        open_package=package_ops.open_package(db, ministry),
        steps=steps,
        changes_of=Changes.from_json,
        ministry_role=Role.MINISTRY,
        form=CsrfForm(),
    )


@bp.post("/<code>/bouwen")
@role_required(Role.OFFICE)
def build(code: str) -> ResponseReturnValue:
    """Queue a build of one ministry's package and show its progress."""
    db = get_session()
    ministry = _ministry(code)
    job = jobs.create_job(db, [ministry], kind="one", actor=_user())
    db.commit()
    jobs.start_job(current_app._get_current_object(), job)  # type: ignore[attr-defined]
    return redirect(url_for("packages.progress", job_id=job.id))


@bp.post("/bouwen")
@role_required(Role.OFFICE)
def build_all() -> ResponseReturnValue:
    """Queue one build per ministry with wishes and show the overall progress."""
    db = get_session()
    ministries = package_ops.ministries_with_wishes(db)
    if not ministries:
        flash(_("Er zijn geen knelpunten om aan te bieden."), "info")
        return redirect(url_for("packages.index"))
    job = jobs.create_job(db, ministries, kind="all", actor=_user())
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


STEP_LABELS = {
    "queued": _l("In de wachtrij"),
    "rendering": _l("Wordt gemaakt"),
    "published": _l("Nieuwe versie gepubliceerd"),
    "unchanged": _l("Ongewijzigd: geen nieuwe versie"),
    "failed": _l("Mislukt"),
}
JOB_LABELS = {
    "queued": _l("In de wachtrij"),
    "running": _l("Bezig"),
    "done": _l("Klaar"),
    "failed": _l("Klaar, met fouten"),
}


def step_label(status: str) -> str:
    """Return the Dutch label of a build step's status."""
    return str(STEP_LABELS.get(status, status))


def answer_label(status: str | None) -> str:
    """Return the Dutch label of an answer status value (or 'no answer')."""
    return labels.label(AnswerStatus(status)) if status else _("nog geen antwoord")


def job_label(status: str) -> str:
    """Return the Dutch label of a build job's status."""
    return str(JOB_LABELS.get(status, status))


@bp.get("/taken/<int:job_id>")
@role_required(Role.OFFICE)
def progress(job_id: int) -> ResponseReturnValue:
    """Show the progress of a build job (the page refreshes itself while it runs)."""
    job = _job(job_id)
    return render_template(
        "packages/progress.html", job=job, step_label=step_label, job_label=job_label
    )


@bp.get("/taken/<int:job_id>/status")
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
                "version": s.version.label if s.version else None,
            }
            for s in job.steps
        ],
    )


@bp.route("/<code>/brief", methods=["GET", "POST"])
@role_required(Role.OFFICE)
def cover_letter(code: str) -> ResponseReturnValue:
    """Edit the cover letter of the ministry's open package (Markdown, sanitised)."""
    db = get_session()
    ministry = _ministry(code)
    package = package_ops.open_package(db, ministry)
    form = CoverLetterForm(request.form)
    if request.method == "GET":
        form.cover_letter.data = package.cover_letter if package else ""
        form.lock_version.data = package.lock_version if package else 0
    status = 200
    if request.method == "POST" and form.validate():
        current = package.lock_version if package else 0
        if (form.lock_version.data or 0) != current:
            form.form_errors.append(
                _("Iemand anders heeft de brief intussen gewijzigd. Uw tekst staat hieronder.")
            )
            status = 409
        else:
            try:
                _save_letter(db, ministry, package, form.cover_letter.data or "")
                db.commit()
            except StaleDataError:
                db.rollback()
                form.form_errors.append(_("Iemand anders heeft de brief intussen gewijzigd."))
                status = 409
            else:
                flash(_("De aanbiedingsbrief is opgeslagen."), "success")
                return redirect(url_for("packages.ministry_packages", code=ministry.code))
    elif request.method == "POST":
        status = 400
    return (
        render_template(
            "packages/cover_letter.html",
            ministry=ministry,
            package=package,
            form=form,
            preview=letter_html(form.cover_letter.data or ""),
        ),
        status,
    )


def _save_letter(db: Session, ministry: Ministry, package: Package | None, text: str) -> None:
    if package is None:
        package = package_ops.start_package(db, ministry, actor=_user())
    before = package.cover_letter
    package.cover_letter = text
    from bundler import audit

    audit.record(
        db,
        "package.cover_letter",
        obj=package,
        before={"length": len(before)},
        after={"length": len(text)},
        summary=package.number,
    )
    db.flush()


@bp.post("/<code>/afsluiten")
@role_required(Role.OFFICE)
def close(code: str) -> ResponseReturnValue:
    """Close the ministry's open package; the next build starts a new package number."""
    db = get_session()
    ministry = _ministry(code)
    package = package_ops.open_package(db, ministry)
    if package is None:
        abort(404)
    package_ops.close_package(db, package, actor=_user())
    db.commit()
    flash(_("Pakket %(number)s is afgesloten.", number=package.number), "success")
    return redirect(url_for("packages.ministry_packages", code=ministry.code))


def send_version(version: PackageVersion, kind: str, user: User) -> ResponseReturnValue:
    """Send a version's PDF or JSON as an attachment and log the receipt (access is checked)."""
    db = get_session()
    key = version.storage_key if kind == "pdf" else version.json_storage_key
    data = storage.get(db, key)
    db.add(DownloadReceipt(version=version, user=user, user_label=user.email, kind=kind))
    db.commit()
    name = f"{version.package.number}-v{version.number}.{kind}"
    response = current_app.response_class(
        data, mimetype="application/pdf" if kind == "pdf" else "application/json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/versies/<int:package_version_id>.<any(pdf, json):kind>")
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
    return send_version(found, kind, _user())


@bp.get("/opvolging")
@role_required(Role.OFFICE)
def follow_up_overview() -> ResponseReturnValue:
    """Show per ministry how many offered wishes were answered, how fast, and who waits."""
    db = get_session()
    figures = follow_up(package_ops.offered_rows(db), utcnow())
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


@bp.get("/opvolging/<code>")
@role_required(Role.OFFICE)
def follow_up_ministry(code: str) -> ResponseReturnValue:
    """Show one ministry's answers: figures, the wishes waiting longest, and a chart."""
    db = get_session()
    ministry = _ministry(code)
    now = utcnow()
    rows = package_ops.offered_rows(db, ministry.id)
    figures = follow_up(rows, now)
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


@click.command("build-packages")
@click.option("--ministry", "code", default=None, help="Code of one ministry, e.g. BZK.")
@click.option("--all", "all_", is_flag=True, help="Every ministry with wishes.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder to write each new PDF and its JSON twin to.",
)
@with_appcontext
def build_packages_command(code: str | None, all_: bool, out: Path | None) -> None:
    """Build (and publish) packages now, with a progress bar; optionally write them to a folder."""
    if bool(code) == all_:
        raise click.UsageError("Geef --ministry CODE of --all.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope(app) as session:
        if code:
            ministry = session.scalar(select(Ministry).where(Ministry.code == code))
            if ministry is None:
                raise click.ClickException(f"Onbekend ministerie: {code}")
            codes = [ministry.code]
        else:
            codes = [m.code for m in package_ops.ministries_with_wishes(session)]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    with click.progressbar(codes, label="Pakketten bouwen", item_show_func=lambda c: c) as bar:
        for ministry_code in bar:
            try:
                version_id = jobs.build_one(app, ministry_code, None)
            except Exception as error:
                outcomes.append(f"{ministry_code}: mislukt: {error}")
                continue
            if version_id is None:
                outcomes.append(f"{ministry_code}: ongewijzigd, geen nieuwe versie")
                continue
            with session_scope(app) as session:
                version = session.get(PackageVersion, version_id)
                assert version is not None
                line = (
                    f"{ministry_code}: {version.package.number} versie {version.number}, "
                    f"{version.wish_count} knelpunten, {version.page_count} pagina's"
                )
                if out is not None:
                    stem = out / f"{version.package.number}-v{version.number}"
                    _write(stem.with_suffix(".pdf"), storage.get(session, version.storage_key))
                    _write(
                        stem.with_suffix(".json"), storage.get(session, version.json_storage_key)
                    )
                    line += f" -> {stem}.pdf"
                outcomes.append(line)
    for line in outcomes:
        click.echo(line)
    if any(": mislukt:" in line for line in outcomes):
        raise SystemExit(1)


def _write(path: Path, data: bytes) -> None:
    # Write next to the target and rename, so a reader never sees half a file.
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
