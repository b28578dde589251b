"""Pages of the statute catalogue: thin views over `catalogue.ops`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from bundler import labels, refdata, statute_rules
from bundler.auth import role_required
from bundler.catalogue import ops, succession
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Ministry, Statute, Wish
from bundler.rules import RuleError
from bundler.web import commit_or_409, current_actor
from forms.catalogue import (
    MAX_RESPONSIBILITIES,
    DeleteForm,
    RetireForm,
    StatuteForm,
    StatuteImportForm,
)

CATALOGUE_ROLES = (Role.OFFICE, Role.ADMIN)
IMPORT_MAX_BYTES = 2_000_000


def _load(bwb_id: str) -> Statute:
    statute = get_session().scalar(select(Statute).where(Statute.bwb_id == bwb_id))
    if statute is None:
        abort(404)
    return statute


@role_required(*CATALOGUE_ROLES)
def index() -> ResponseReturnValue:
    """List the regulations with their responsible ministries today and their wishes."""
    db = get_session()
    show_retired = request.args.get("ingetrokken") == "1"
    counts = dict(
        db.execute(
            select(Wish.statute_id, func.count(Wish.id))
            .where(Wish.statute_id.is_not(None))
            .group_by(Wish.statute_id)
        ).all()
    )
    proposals = list(
        db.execute(
            select(Wish.proposed_bwb_id, func.count(Wish.id))
            .where(Wish.proposed_bwb_id != "")
            .group_by(Wish.proposed_bwb_id)
            .order_by(Wish.proposed_bwb_id)
        ).all()
    )
    return render_template(
        "catalogue/index.html",
        statutes=refdata.statutes(db, retired=show_retired),
        counts=counts,
        proposals=proposals,
        successions=len(succession.pending(db)),
        today=dt.date.today(),
        show_retired=show_retired,
        import_form=StatuteImportForm(formdata=None),
    )


def _fill_choices(form: StatuteForm) -> None:
    form.kind.choices = [
        SelectChoice(k.value, str(labels.STATUTE_KIND_LABELS[k])) for k in statute_rules.StatuteKind
    ]
    ministries = get_session().scalars(select(Ministry).order_by(Ministry.name))
    choices = [SelectChoice("", _("Geen"))] + [
        SelectChoice(
            m.code,
            f"{m.name} ({m.code})" + ("" if m.is_current() else " – " + _("opgeheven")),
        )
        for m in ministries
    ]
    for entry in form.responsibilities:
        entry.form.ministry.choices = choices


def _form_data(statute: Statute) -> dict[str, Any]:
    return {
        "bwb_id": statute.bwb_id,
        "title": statute.title,
        "short_title": statute.short_title,
        "citation_title": statute.citation_title,
        "kind": statute.kind,
        "responsibilities": [
            {"ministry": p.code, "valid_from": p.valid_from, "valid_until": p.valid_until}
            for p in refdata.statute_periods(statute)
        ],
    }


def _values(form: StatuteForm, statute: Statute | None) -> dict[str, Any]:
    periods = [
        statute_rules.Period(e.form.ministry.data, e.form.valid_from.data, e.form.valid_until.data)
        for e in form.responsibilities
        if e.form.ministry.data
    ]
    return {
        "bwb_id": form.bwb_id.data or "",
        "title": (form.title.data or "").strip(),
        "short_title": (form.short_title.data or "").strip(),
        "citation_title": (form.citation_title.data or "").strip(),
        "kind": form.kind.data,
        "retired_on": statute.retired_on if statute is not None else None,
        "periods": periods,
    }


def _statute_form(statute: Statute | None) -> StatuteForm:
    if request.method == "POST":
        form = StatuteForm(request.form)
    elif statute is not None:
        form = StatuteForm(data=_form_data(statute))
    else:
        # "Voeg toe" from triage carries the proposed BWB id.
        form = StatuteForm(data={"bwb_id": request.args.get("bwb_id", "")[:11].upper()})
    # Room for a few more ministries below the ones there are.
    filled = sum(1 for entry in form.responsibilities if entry.form.ministry.data)
    while len(form.responsibilities) < min(filled + 2, MAX_RESPONSIBILITIES):
        form.responsibilities.append_entry()
    _fill_choices(form)
    return form


def _handle(statute: Statute | None) -> ResponseReturnValue:
    form = _statute_form(statute)
    valid = request.method == "POST" and form.validate()
    # One message per row problem, shown above the rows and in the summary.
    rows = form.responsibilities
    rows.errors = [m for e in rows.entries for ms in e.form.errors.values() for m in ms]
    if valid:
        db = get_session()
        try:
            saved = ops.save_statute(db, statute, _values(form, statute), actor=current_actor())
        except RuleError as error:
            db.rollback()
            form.add_rule_error(error)
        else:
            commit_or_409(db)
            flash(_("Regeling %(bwb)s opgeslagen.", bwb=saved.bwb_id), "success")
            back = request.args.get("terug", "")
            if back.startswith("/bureau/knelpunten/") and "//" not in back:
                return redirect(back)
            return redirect(url_for("catalogue.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("catalogue/form.html", form=form, statute=statute), status


@role_required(*CATALOGUE_ROLES)
def new() -> ResponseReturnValue:
    """Add a regulation to the catalogue."""
    return _handle(None)


@role_required(*CATALOGUE_ROLES)
def edit(bwb_id: str) -> ResponseReturnValue:
    """Change a regulation: titles, kind and responsible ministries with their periods."""
    statute = _load(bwb_id)
    return _handle(statute)


@role_required(*CATALOGUE_ROLES)
def retire(bwb_id: str) -> ResponseReturnValue:
    """Retire a regulation (offered no more) or restore it."""
    statute = _load(bwb_id)
    form = RetireForm(request.form)
    if not form.validate():
        abort(400)
    db = get_session()
    retiring = form.action.data == "intrekken"
    ops.set_retired(db, statute, retired=retiring, actor=current_actor(), on=dt.date.today())
    commit_or_409(db)
    if retiring:
        flash(_("Regeling %(bwb)s is ingetrokken.", bwb=statute.bwb_id), "success")
    else:
        flash(_("Regeling %(bwb)s is weer te kiezen.", bwb=statute.bwb_id), "success")
    return redirect(url_for("catalogue.edit", bwb_id=statute.bwb_id))


@role_required(*CATALOGUE_ROLES)
def delete(bwb_id: str) -> ResponseReturnValue:
    """Delete a regulation no wish refers to."""
    statute = _load(bwb_id)
    form = DeleteForm(request.form)
    # The button posts the BWB id it deletes: a replayed or generic form deletes nothing.
    if not form.validate() or form.confirm.data != statute.bwb_id:
        abort(400)
    db = get_session()
    try:
        ops.delete_statute(db, statute, actor=current_actor())
    except RuleError as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(url_for("catalogue.edit", bwb_id=bwb_id)), 303
    commit_or_409(db)
    flash(_("Regeling %(bwb)s is verwijderd.", bwb=bwb_id), "success")
    return redirect(url_for("catalogue.index"))


@role_required(*CATALOGUE_ROLES)
def export() -> ResponseReturnValue:
    """Download the catalogue as CSV, in the format of bundler/data/statuten.csv."""
    text = ops.export_csv(get_session())
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=statuten.csv"},
    )


@role_required(*CATALOGUE_ROLES)
def import_csv() -> ResponseReturnValue:
    """Add and update regulations from a CSV file; nothing changes when a line is wrong."""
    form = StatuteImportForm(request.form)
    upload = request.files.get("file")
    if not form.csrf_token.validate(form) or upload is None or not upload.filename:
        abort(400)
    data = upload.stream.read(IMPORT_MAX_BYTES + 1)
    db = get_session()
    try:
        text = data.decode("utf-8-sig") if len(data) <= IMPORT_MAX_BYTES else None
    except UnicodeDecodeError:
        text = None
    if text is None:
        flash(_("Het bestand is geen UTF-8-tekst van hoogstens 2 MB."), "error")
        return redirect(url_for("catalogue.index")), 303
    report = ops.import_csv(db, text, actor=current_actor())
    if report.errors:
        db.rollback()
        for error in report.errors[:10]:
            flash(error, "error")
        return redirect(url_for("catalogue.index")), 303
    commit_or_409(db)
    flash(
        _(
            "Import: %(new)s toegevoegd, %(changed)s bijgewerkt, %(same)s ongewijzigd.",
            new=report.inserted,
            changed=report.updated,
            same=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("catalogue.index"))
