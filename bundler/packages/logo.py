"""The administrator's page for the office's logo on the package cover and letter."""

from __future__ import annotations

import base64

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bundler import logo as logos
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.rules import RuleError
from bundler.web import current_actor
from forms.package import LogoForm

bp = Blueprint("logo", __name__, url_prefix="/beheer")


@bp.route("/logo", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit() -> ResponseReturnValue:
    """Show the logo in use and take a new one."""
    db = get_session()
    form = LogoForm(request.form)
    status = 200
    if request.method == "POST" and form.validate():
        upload = request.files.get(form.logo.name)
        try:
            logos.set_logo(
                db, upload.read(logos.MAX_BYTES + 1) if upload else b"", actor=current_actor()
            )
            db.commit()
        except RuleError as error:
            db.rollback()
            form.add_rule_error(error)
        else:
            flash(
                _("Het logo is opgeslagen. Het staat in de pakketten die u hierna bouwt."),
                "success",
            )
            return redirect(url_for("logo.edit"))
    if form.errors or form.form_errors:
        status = 400
    current = logos.current_logo(db)
    preview = (
        f"data:{current.content_type};base64,{base64.b64encode(current.data).decode()}"
        if current
        else ""
    )
    return render_template("admin/logo.html", form=form, logo=current, preview=preview), status


@bp.post("/logo/verwijderen")
@role_required(Role.ADMIN)
def remove() -> ResponseReturnValue:
    """Stop using the logo."""
    db = get_session()
    logos.remove_logo(db, actor=current_actor())
    db.commit()
    flash(_("Het logo is verwijderd."), "success")
    return redirect(url_for("logo.edit"))
