"""Merging a duplicate wish into the one that stays, and undoing it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bundler import workflow
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Wish, WishSupport
from bundler.numbering import parse_wish_reference
from bundler.office import merging
from bundler.office.triage import load_wish
from bundler.rules import RuleError
from bundler.web import current_actor, stale_is_409
from forms.office import MergeForm


def _merge_target(form: MergeForm, source: Wish) -> Wish | None:
    """Find the wish named in the merge form, or put an error on the form."""
    if not form.validate():
        return None
    reference = (form.doel.data or "").strip().upper()
    target = None
    if parse_wish_reference(reference):
        target = get_session().scalar(
            select(Wish)
            .where(Wish.reference == reference)
            .options(
                selectinload(Wish.pilot),
                selectinload(Wish.supports).selectinload(WishSupport.pilot),
                selectinload(Wish.statute),
                selectinload(Wish.ministries),
            )
        )
    if target is None or target.state not in workflow.VISIBLE_TO_OFFICE:
        form.doel.errors = [_("Er is geen knelpunt met kenmerk %(ref)s.", ref=reference)]
        return None
    problems = merging.merge_problems(source, target)
    if problems:
        form.doel.errors = [str(p) for p in problems]
        return None
    return target


@role_required(Role.OFFICE)
def merge(reference: str) -> ResponseReturnValue:
    """Ask which wish this one duplicates, show what merging does, and merge on confirmation."""
    db = get_session()
    source = load_wish(reference, full=True)
    if source.state not in merging.MERGEABLE:
        flash(_("Dit knelpunt kan niet (meer) worden samengevoegd."), "error")
        return redirect(url_for("office.triage", reference=source.reference))
    form = MergeForm(request.form if request.method == "POST" else request.args or None)
    asked = request.method == "POST" or "doel" in request.args
    target = _merge_target(form, source) if asked else None
    if request.method == "POST" and target is not None:
        with stale_is_409(db):
            merging.merge(db, source, target, actor=current_actor())
            db.commit()
        flash(
            _(
                "%(a)s is samengevoegd met %(b)s. De pilot van %(a)s steunt nu %(b)s.",
                a=source.reference,
                b=target.reference,
            ),
            "success",
        )
        return redirect(url_for("office.triage", reference=target.reference))
    plan = merging.merge_plan(source, target) if target is not None else None
    return render_template(
        "office/merge.html", source=source, target=target, form=form, plan=plan
    ), 400 if form.errors else 200


@role_required(Role.OFFICE)
def unmerge(reference: str) -> ResponseReturnValue:
    """Undo the merge of this wish, restoring it exactly."""
    db = get_session()
    wish = load_wish(reference, full=True)
    try:
        with stale_is_409(db):
            record = merging.unmerge(db, wish, actor=current_actor())
            target_reference = record.target.reference
            db.commit()
    except RuleError as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(url_for("office.triage", reference=reference))
    flash(
        _(
            "Samenvoegen van %(a)s met %(b)s is ongedaan gemaakt.",
            a=wish.reference,
            b=target_reference,
        ),
        "success",
    )
    return redirect(url_for("office.triage", reference=wish.reference))
