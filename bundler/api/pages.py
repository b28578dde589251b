"""API tokens and event subscriptions in the UI: administrators for everyone, ministry users
for their own ministry. A new token's secret is shown once, on the answer to its form."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from bundler import labels
from bundler.api import ops, queries
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import ApiToken, Ministry, Pilot, Subscription, utcnow
from bundler.rules import RuleError
from bundler.web import current_actor
from forms.api import TokenForm

bp = Blueprint("integrations", __name__, url_prefix="/koppelingen")
MANAGERS = (Role.ADMIN, Role.MINISTRY)


def init_app(app: Flask) -> None:
    """Register this blueprint."""
    app.register_blueprint(bp)


def _form(fresh: bool = False) -> tuple[TokenForm, dict[str, Ministry], dict[str, Pilot]]:
    db, user = get_session(), current_actor()
    form = TokenForm(None if fresh else request.form)
    ministries = {m.code: m for m in db.scalars(select(Ministry).order_by(Ministry.name))}
    pilots = {str(p.id): p for p in db.scalars(select(Pilot).order_by(Pilot.name))}
    if user.role is Role.MINISTRY:
        assert user.ministry is not None
        ministries = {user.ministry.code: user.ministry}
        pilots = {}
    roles = ops.TOKEN_ROLES if user.role is Role.ADMIN else (Role.MINISTRY,)
    form.role.choices = [SelectChoice(r.value, labels.label(r)) for r in roles]
    form.ministry.choices = [SelectChoice("", _("Geen"))] * (user.role is Role.ADMIN) + [
        SelectChoice(code, f"{m.name} ({code})") for code, m in ministries.items() if m.is_current()
    ]
    form.pilot.choices = [SelectChoice("", _("Geen"))] + [
        SelectChoice(pk, p.name) for pk, p in pilots.items()
    ]
    if request.method == "GET" or fresh:
        form.expires_on.data = utcnow().date() + dt.timedelta(days=90)
    return form, ministries, pilots


@bp.route("", methods=["GET", "POST"])
@role_required(*MANAGERS)
def tokens() -> ResponseReturnValue:
    """List the tokens one manages and make a new one."""
    db, user = get_session(), current_actor()
    form, ministries, pilots = _form()
    created, status = None, 200
    if request.method == "POST":
        if form.validate():
            try:
                created = ops.create_token(
                    db,
                    name=form.name.data or "",
                    role=Role(form.role.data),
                    expires_on=form.expires_on.data,
                    actor=user,
                    ministry=ministries.get(form.ministry.data or ""),
                    pilot=pilots.get(form.pilot.data or ""),
                    max_days=int(current_app.config["API_TOKEN_MAX_DAYS"]),
                )
            except RuleError as error:
                form.add_rule_error(error)
            else:
                db.commit()
                form, _ministries, _pilots = _form(fresh=True)  # ready for the next one
        status = 201 if created else 400
    return render_template(
        "api/tokens.html",
        form=form,
        created=created,
        tokens=ops.tokens_for(db, user),
        now=utcnow(),
    ), status


def _managed(token_id: int) -> ApiToken:
    token = get_session().get(ApiToken, token_id)
    if token is None or not ops.may_manage(current_actor(), token):
        abort(404)
    return token


@bp.get("/tokens/<int:token_id>")
@role_required(*MANAGERS)
def token(token_id: int) -> ResponseReturnValue:
    """Show a token with its subscriptions and their latest delivery attempts."""
    db = get_session()
    found = _managed(token_id)
    history = {
        s.id: queries.deliveries(db, s, page=1, size=20)[0] for s in ops.subscriptions_of(db, found)
    }
    return render_template(
        "api/token.html",
        token=found,
        subscriptions=ops.subscriptions_of(db, found),
        history=history,
        now=utcnow(),
    )


@bp.post("/tokens/<int:token_id>/intrekken")
@role_required(*MANAGERS)
def revoke(token_id: int) -> ResponseReturnValue:
    """Revoke a token at once."""
    db = get_session()
    found = _managed(token_id)
    ops.revoke_token(db, found, actor=current_actor())
    db.commit()
    flash(_("Token %(name)s is ingetrokken.", name=found.name), "success")
    return redirect(url_for("integrations.tokens"))


@bp.post("/abonnementen/<int:subscription_id>/stoppen")
@role_required(*MANAGERS)
def stop_subscription(subscription_id: int) -> ResponseReturnValue:
    """Stop a subscription of a token one manages."""
    db = get_session()
    subscription = db.get(Subscription, subscription_id)
    if subscription is None or subscription.deleted_at is not None:
        abort(404)
    found = _managed(subscription.token_id)
    ops.delete_subscription(db, subscription, label=current_actor().email)
    db.commit()
    flash(_("Het abonnement is gestopt."), "success")
    return redirect(url_for("integrations.token", token_id=found.id))
