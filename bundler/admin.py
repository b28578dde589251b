"""Account management for administrators."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from bundler import labels
from bundler.accounts import create_user, update_user
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Ministry, Pilot, User
from bundler.notifications.accounts import invitation_for_new_user, unusable_password
from bundler.rules import RuleError
from bundler.web import current_actor
from forms.admin import UserForm
from forms.auth import PASSWORD_MIN

bp = Blueprint("admin", __name__, url_prefix="/beheer")


def init_app(app: Flask) -> None:
    """Register this blueprint."""
    app.register_blueprint(bp)


@bp.get("/gebruikers")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """List all accounts."""
    rows = get_session().scalars(
        select(User)
        .options(selectinload(User.pilots), selectinload(User.ministry))
        .order_by(User.role, User.name)
    )
    return render_template("admin/users.html", users=list(rows))


def _fill_choices(form: UserForm) -> tuple[dict[str, Ministry], dict[str, Pilot]]:
    db = get_session()
    ministries = {
        m.code: m for m in db.scalars(select(Ministry).order_by(Ministry.name)) if m.is_current()
    }
    pilots = {str(p.id): p for p in db.scalars(select(Pilot).order_by(Pilot.name))}
    form.role.choices = [SelectChoice(r.value, labels.label(r)) for r in Role]
    form.ministry.choices = [SelectChoice("", _("Geen"))] + [
        SelectChoice(code, f"{m.name} ({code})") for code, m in ministries.items()
    ]
    form.pilots.choices = [SelectChoice(pk, p.name) for pk, p in pilots.items()]
    return ministries, pilots


def _save(form: UserForm, user: User | None) -> User | None:
    ministries, pilots = _fill_choices(form)
    if request.method != "POST" or not form.validate():
        return None
    db = get_session()
    values = {
        "name": form.name.data,
        "role": Role(form.role.data),
        "ministry": ministries.get(form.ministry.data or ""),
        "pilots": [pilots[pk] for pk in dict.fromkeys(form.pilots.data or []) if pk in pilots],
        "actor": current_actor(),
    }
    try:
        if user is None:
            # No password: the account waits for its invitation (bundler.notifications).
            password = form.password.data or unusable_password()
            user = create_user(db, email=form.email.data, password=password, **values)
        else:
            update_user(db, user, active=form.active.data, password=form.password.data, **values)
    except RuleError as error:
        form.add_rule_error(error)
        return None
    db.commit()
    return user


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user() -> ResponseReturnValue:
    """Create an account."""
    form = UserForm(request.form)
    user = _save(form, None)
    if user is not None and not form.password.data:
        return invitation_for_new_user(user)
    if user is not None:
        flash(_("Account voor %(email)s aangemaakt.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=None, password_min=PASSWORD_MIN
    ), 400 if form.errors else 200


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change an account's name, role, ministry, pilots, status or password."""
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    current = {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "ministry": user.ministry.code if user.ministry else "",
        "pilots": [str(p.id) for p in user.pilots],
        "active": user.active,
    }
    # An empty form body would count as "nothing selected": only a POST carries form data.
    form = UserForm(request.form if request.method == "POST" else None, data=current)
    form.email.render_kw = {"readonly": True}
    if request.method == "POST":
        form.email.data = user.email  # the address is the login name: not changed here
    if _save(form, user) is not None:
        flash(_("Account van %(email)s bijgewerkt.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html", form=form, user=user, password_min=PASSWORD_MIN
    ), 400 if form.errors else 200
