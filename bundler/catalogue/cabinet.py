"""The office's review of a cabinet change: what moves to a successor ministry, then move it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from bundler.auth import role_required
from bundler.catalogue import succession
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Ministry
from bundler.rules import RuleError
from bundler.web import commit_or_409, current_actor
from forms.catalogue import SuccessionForm

ROLES = (Role.OFFICE, Role.ADMIN)


@role_required(*ROLES)
def review() -> ResponseReturnValue:
    """List, per ended ministry, the open wishes, statutes and users that will move."""
    plans = succession.pending(get_session())
    return render_template(
        "catalogue/succession.html", plans=plans, form=SuccessionForm(formdata=None)
    )


@role_required(*ROLES)
def apply(code: str) -> ResponseReturnValue:
    """Move everything of one ended ministry to its successor, in one audited transaction."""
    form = SuccessionForm(request.form)
    if not form.validate():
        abort(400)
    db = get_session()
    ministry = db.scalar(select(Ministry).where(Ministry.code == code))
    plan = succession.plan_for(db, ministry) if ministry is not None else None
    if plan is None:
        abort(404)
    if not plan:
        flash(_("Er is niets meer te verplaatsen."), "info")
        return redirect(url_for("catalogue.succession"))
    # A split asks, per statute, which successor takes it over.
    by_code = {m.code: m for m in plan.successors}
    choice = {
        r.statute_id: by_code.get(request.form.get(f"statute-{r.statute_id}", ""))
        for r in plan.responsibilities
    }
    try:
        succession.apply(
            db,
            plan,
            actor=current_actor(),
            per_statute={k: m for k, m in choice.items() if m is not None},
            rest=by_code.get(request.form.get("rest", "")),
        )
    except RuleError as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(url_for("catalogue.succession")), 303
    commit_or_409(db)
    flash(
        _(
            "Verplaatst van %(old)s naar %(new)s per %(date)s: %(wishes)s knelpunten, "
            "%(statutes)s wetten, %(users)s gebruikers.",
            old=plan.ministry.code,
            new="/".join(m.code for m in plan.successors),
            date=plan.start.strftime("%d-%m-%Y"),
            wishes=len(plan.wishes),
            statutes=len(plan.responsibilities),
            users=len(plan.users),
        ),
        "success",
    )
    return redirect(url_for("catalogue.succession"))
