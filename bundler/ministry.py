"""The ministry portal: own packages only, every version with what changed, downloads, answers.

Anything of another ministry answers 404, the same as something that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from bundler import labels
from bundler.auth import role_required
from bundler.catalogue.succession import predecessor_ids
from bundler.db import get_session
from bundler.enums import AnswerStatus, Role
from bundler.models import (
    Answer,
    DownloadReceipt,
    Ministry,
    Package,
    PackageEntry,
    PackageVersion,
    Wish,
    WishSupport,
)
from bundler.package_content import Changes
from bundler.packages.answers import latest_answer, offered_to, record_answer
from bundler.packages.downloads import send_version
from bundler.packages.published import published_packages
from bundler.web import current_actor
from forms.answer import AnswerForm

bp = Blueprint("ministry", __name__, url_prefix="/ministerie")


def init_app(app: Flask) -> None:
    """Register this blueprint."""
    app.register_blueprint(bp)


def _ministry() -> Ministry:
    ministry = current_actor().ministry
    if ministry is None:
        abort(403)
    return ministry


def _readable_ids() -> list[int]:
    """The user's ministry and the ministries it succeeded (their packages are history)."""
    ministry = _ministry()
    return [ministry.id, *predecessor_ids(get_session(), ministry)]


def _own_package(package_id: int) -> Package:
    for ministry_id in _readable_ids():
        found = published_packages(get_session(), ministry_id, package_id=package_id)
        if found:
            return found[0]
    abort(404)


@bp.get("/pakketten")
@role_required(Role.MINISTRY)
def packages() -> ResponseReturnValue:
    """List the ministry's published packages."""
    ministry = _ministry()
    db = get_session()
    rows = published_packages(db, ministry.id)
    history = [p for mid in _readable_ids()[1:] for p in published_packages(db, mid)]
    return render_template(
        "ministry/packages.html", ministry=ministry, packages=rows, history=history
    )


@bp.get("/pakketten/<int:package_id>")
@role_required(Role.MINISTRY)
def package(package_id: int) -> ResponseReturnValue:
    """Show a package: every version with what changed, and the wishes with their answers."""
    db = get_session()
    ministry = _ministry()
    found = _own_package(package_id)
    latest = found.versions[-1]
    entries = list(
        db.scalars(
            select(PackageEntry)
            .where(PackageEntry.version_id == latest.id)
            .options(
                selectinload(PackageEntry.wish).selectinload(Wish.answers),
                selectinload(PackageEntry.wish).selectinload(Wish.statute),
            )
            .order_by(PackageEntry.position)
        )
    )
    # A predecessor's package shows that ministry's answers, as history.
    answers = {e.wish_id: latest_answer(e.wish, found.ministry_id) for e in entries}
    receipts = _my_receipts([v.id for v in found.versions])
    return render_template(
        "ministry/package.html",
        ministry=ministry,
        package=found,
        history=found.ministry_id != ministry.id,
        versions=list(reversed(found.versions)),
        latest=latest,
        entries=entries,
        answers=answers,
        receipts=receipts,
        changes_of=Changes.from_json,
    )


def _my_receipts(version_ids: list[int]) -> dict[tuple[int, str], object]:
    rows = (
        get_session()
        .execute(
            select(DownloadReceipt.version_id, DownloadReceipt.kind, func.max(DownloadReceipt.at))
            .where(
                DownloadReceipt.version_id.in_(version_ids),
                DownloadReceipt.user_id == current_actor().id,
            )
            .group_by(DownloadReceipt.version_id, DownloadReceipt.kind)
        )
        .all()
    )
    return {(v, k): at for v, k, at in rows}


@bp.get("/versies/<int:package_version_id>.<any(pdf, json):kind>")
@role_required(Role.MINISTRY)
def download(package_version_id: int, kind: str) -> ResponseReturnValue:
    """Download a version's PDF or its JSON twin; the download is logged as a receipt."""
    version = get_session().scalar(
        select(PackageVersion)
        .join(Package, Package.id == PackageVersion.package_id)
        .where(PackageVersion.id == package_version_id, Package.ministry_id.in_(_readable_ids()))
        .options(selectinload(PackageVersion.package))
    )
    if version is None:
        abort(404)
    return send_version(version, kind, current_actor())


def _offered_wish(wish_id: int) -> Wish:
    db = get_session()
    ministry = _ministry()
    if not offered_to(db, wish_id, ministry.id):
        abort(404)
    wish = db.scalar(
        select(Wish)
        .where(Wish.id == wish_id)
        .options(
            selectinload(Wish.answers).selectinload(Answer.answered_by),
            selectinload(Wish.answers).selectinload(Answer.ministry),
            selectinload(Wish.statute),
            selectinload(Wish.pilot),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
        )
    )
    if wish is None:
        abort(404)
    return wish


def _packages_with(wish_id: int, ministry_id: int) -> list[PackageVersion]:
    return list(
        get_session().scalars(
            select(PackageVersion)
            .join(PackageEntry, PackageEntry.version_id == PackageVersion.id)
            .join(Package, Package.id == PackageVersion.package_id)
            .where(PackageEntry.wish_id == wish_id, Package.ministry_id == ministry_id)
            .options(selectinload(PackageVersion.package))
            .order_by(PackageVersion.created_at)
        )
    )


@bp.route("/knelpunten/<int:wish_id>/antwoord", methods=["GET", "POST"])
@role_required(Role.MINISTRY)
def answer(wish_id: int) -> ResponseReturnValue:
    """Record the ministry's answer on an offered wish."""
    ministry = _ministry()
    wish = _offered_wish(wish_id)
    newest = latest_answer(wish, ministry.id)
    form = AnswerForm(request.form)
    form.status.choices = [SelectChoice(s.value, labels.label(s)) for s in AnswerStatus]
    status = 200
    if request.method == "GET":
        form.seen_answer.data = newest.id if newest else 0
        if newest is not None:
            form.status.data = newest.status.value
            form.link.data = newest.link
            form.effective_date.data = newest.effective_date
            form.reasons.data = newest.reasons
    else:
        refused = _save_answer(wish, ministry, newest, form)
        if refused is None:
            flash(_("Het antwoord op %(ref)s is vastgelegd.", ref=wish.reference), "success")
            return redirect(url_for("ministry.answer", wish_id=wish.id))
        status = refused
    history = sorted(
        (a for a in wish.answers if a.ministry_id == ministry.id),
        key=lambda a: (a.answered_at, a.id),
        reverse=True,
    )
    return render_template(
        "ministry/answer.html",
        ministry=ministry,
        wish=wish,
        form=form,
        history=history,
        versions=_packages_with(wish.id, ministry.id),
    ), status


def _save_answer(
    wish: Wish, ministry: Ministry, newest: Answer | None, form: AnswerForm
) -> int | None:
    """Record a posted answer; return the status to show the form again with, or None."""
    if not form.validate():
        return 400
    if (form.seen_answer.data or 0) != (newest.id if newest else 0):
        return _answer_conflict(form, newest)
    db = get_session()
    try:
        record_answer(
            db,
            wish,
            ministry,
            status=AnswerStatus(form.status.data),
            link=form.link.data or "",
            effective_date=form.effective_date.data,
            reasons=form.reasons.data or "",
            actor=current_actor(),
        )
        db.commit()
    except IntegrityError:
        # A colleague answered on the same newest answer at the same moment (its number is
        # taken): show theirs below and keep this one in the form.
        db.rollback()
        return _answer_conflict(form, latest_answer(wish, ministry.id))
    return None


def _answer_conflict(form: AnswerForm, newest: Answer | None) -> int:
    form.form_errors.append(
        _(
            "Een collega heeft intussen een ander antwoord vastgelegd (zie hieronder). "
            "Uw antwoord is nog niet opgeslagen; controleer het en verstuur opnieuw."
        )
    )
    form.seen_answer.data = newest.id if newest else 0
    return 409
