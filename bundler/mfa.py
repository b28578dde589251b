"""Two-step verification (TOTP plus one-time recovery codes): sign-in step, enrolment, management.

Office, ministry and administrator accounts must enrol before they can use anything else,
unless the instance sets MFA_REQUIRED = False (the local demo does, and says so at sign-in).
"""

from __future__ import annotations

import json

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import StringField

from bundler import auth, mfa_ops, otp
from bundler.auth import login_required
from bundler.db import get_session, session_scope
from bundler.enums import Role
from bundler.models import User
from bundler.security import limiter, throttle_secret_checks
from forms.mfa import DisableForm, EnrolForm, RenewCodesForm, VerifyForm

bp = Blueprint("mfa", __name__)

# Roles that must use a second factor when MFA_REQUIRED is on (BIO: internet-facing accounts
# with access to other parties' data).
MFA_ROLES = frozenset({Role.OFFICE, Role.MINISTRY, Role.ADMIN})
# What an account that still has to enrol may reach.
OPEN_DURING_ENROLMENT = frozenset(
    {
        "mfa.setup",
        "mfa.recovery_codes",
        "auth.logout",
        "static",
        "main.set_language",
        "main.accessibility",
    }
)
ENROL_SECRET_KEY = "mfa_enrol_secret"  # noqa: S105 - a session key name, not a secret
NEW_CODES_KEY = "mfa_new_codes"


def init_app(app: Flask) -> None:
    """Register this blueprint, the enrolment gate and the reset command."""
    app.register_blueprint(bp)
    app.before_request(require_enrolment)
    app.cli.add_command(reset_mfa_command)


def is_required(user: User) -> bool:
    """Tell whether this account must use a second factor on this instance."""
    return bool(current_app.config["MFA_REQUIRED"]) and user.role in MFA_ROLES


def require_enrolment() -> ResponseReturnValue | None:
    """Send a signed-in account that must enrol to the enrolment page, whatever it asks for."""
    if not current_user.is_authenticated or current_user.totp_secret is not None:
        return None
    if not is_required(current_user) or request.endpoint in OPEN_DURING_ENROLMENT:
        return None
    if request.path.startswith("/api/"):
        abort(403)
    return redirect(url_for("mfa.setup"))


def _secret_key() -> str:
    return str(current_app.config["SECRET_KEY"])


def _is_failure(response: Response) -> bool:
    return response.status_code != 302


def _limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _pending_key() -> str:
    pending = session.get(auth.PENDING_KEY)
    user = pending.get("user") if isinstance(pending, dict) else None
    return f"mfa:{user}"


@bp.route("/aanmelden/code", methods=["GET", "POST"])
@limiter.limit(_limit, methods=["POST"], deduct_when=_is_failure)
@limiter.limit(_limit, methods=["POST"], key_func=_pending_key, deduct_when=_is_failure)
def verify() -> ResponseReturnValue:
    """Ask for the second factor after a correct password."""
    pending = auth.pending_login()
    if pending is None:
        flash(_("Meld u opnieuw aan met uw e-mailadres en wachtwoord."), "info")
        return redirect(url_for("auth.login"))
    user, target = pending
    form = VerifyForm(request.form)
    if request.method == "POST" and form.validate():
        db = get_session()
        method = mfa_ops.check_code(db, user, form.code.data, secret_key=_secret_key())
        if method is not None:
            auth.complete_login(db, user, method=f"password+{method}")
            if method == mfa_ops.RECOVERY:
                left = mfa_ops.remaining_recovery_codes(db, user)
                flash(
                    _(
                        "U bent aangemeld met een herstelcode. U heeft nog %(n)s herstelcodes; "
                        "maak nieuwe aan als u er weinig over heeft.",
                        n=left,
                    ),
                    "warning",
                )
            return redirect(target)
        db.commit()  # keep the failed attempt in the audit log
        form.code.errors.append(_("Deze code klopt niet of is al gebruikt."))
    status = 400 if form.errors else 200
    return render_template("mfa/verify.html", form=form), status


def _current_user_row() -> User:
    user = get_session().get(User, current_user.id)
    assert user is not None
    return user


def _pending_secret() -> str:
    token = session.get(ENROL_SECRET_KEY)
    if isinstance(token, str):
        try:
            return otp.decrypt(_secret_key(), token)
        except otp.SecretUnreadable:
            pass
    secret = otp.new_secret()
    # The cookie is signed but readable by its owner: keep even this secret encrypted.
    session[ENROL_SECRET_KEY] = otp.encrypt(_secret_key(), secret)
    return secret


def _show_codes_once(codes: list[str]) -> Response:
    session[NEW_CODES_KEY] = otp.encrypt(_secret_key(), json.dumps(codes))
    return redirect(url_for("mfa.recovery_codes"))


@bp.route("/account/tweestapsverificatie/instellen", methods=["GET", "POST"])
@login_required
@throttle_secret_checks
def setup() -> ResponseReturnValue:
    """Enrol an authenticator app: show the secret as text and QR code, check a first code."""
    user = _current_user_row()
    if user.totp_secret is not None:
        flash(_("Tweestapsverificatie is al ingesteld."), "info")
        return redirect(url_for("mfa.manage"))
    secret = _pending_secret()
    form = EnrolForm(request.form)
    if request.method == "POST" and form.validate():
        db = get_session()
        codes = mfa_ops.enrol(db, user, secret, form.code.data, secret_key=_secret_key())
        db.commit()
        if codes is not None:
            login_user(user)  # this session carries the new session version
            session.pop(ENROL_SECRET_KEY, None)
            flash(_("Tweestapsverificatie is ingesteld."), "success")
            return _show_codes_once(codes)
        form.code.errors.append(_("Deze code klopt niet. Kijk of de tijd op uw telefoon klopt."))
    status = 400 if form.errors else 200
    uri = otp.provisioning_uri(secret, user.email)
    return render_template(
        "mfa/setup.html",
        form=form,
        secret=otp.grouped(secret),
        qr=otp.qr_data_url(uri),
        required=is_required(user),
    ), status


@bp.get("/account/tweestapsverificatie/herstelcodes")
@login_required
def recovery_codes() -> ResponseReturnValue:
    """Show new recovery codes, once."""
    token = session.pop(NEW_CODES_KEY, None)
    codes: list[str] = []
    if isinstance(token, str):
        try:
            codes = json.loads(otp.decrypt(_secret_key(), token))
        except (otp.SecretUnreadable, ValueError):
            codes = []
    return render_template("mfa/recovery_codes.html", codes=codes)


def _render_manage(
    user: User, codes_form: RenewCodesForm, disable_form: DisableForm, status: int = 200
) -> ResponseReturnValue:
    db = get_session()
    return render_template(
        "mfa/manage.html",
        enrolled=user.totp_secret is not None,
        remaining=mfa_ops.remaining_recovery_codes(db, user),
        required=is_required(user),
        codes_form=codes_form,
        disable_form=disable_form,
    ), status


@bp.get("/account/tweestapsverificatie")
@login_required
def manage() -> ResponseReturnValue:
    """Show whether two-step verification is on, with its recovery codes and reset."""
    return _render_manage(_current_user_row(), RenewCodesForm(), DisableForm())


def _confirmed(form: RenewCodesForm | DisableForm, field: StringField, user: User) -> bool:
    if not form.validate():
        return False
    db = get_session()
    if mfa_ops.check_code(db, user, field.data, secret_key=_secret_key()) is None:
        db.commit()  # keep the failed attempt in the audit log
        field.errors.append(_("Deze code klopt niet of is al gebruikt."))
        return False
    return True


@bp.post("/account/tweestapsverificatie/herstelcodes")
@login_required
@throttle_secret_checks
def renew_codes() -> ResponseReturnValue:
    """Replace the recovery codes after a code from the app."""
    user = _current_user_row()
    if user.totp_secret is None:
        return redirect(url_for("mfa.setup"))
    form = RenewCodesForm(request.form)
    if _confirmed(form, form.renew_code, user):
        db = get_session()
        codes = mfa_ops.renew_recovery_codes(db, user, secret_key=_secret_key())
        db.commit()
        login_user(user)
        flash(_("Nieuwe herstelcodes gemaakt; de oude werken niet meer."), "success")
        return _show_codes_once(codes)
    return _render_manage(user, form, DisableForm(), 400)


@bp.post("/account/tweestapsverificatie/uitzetten")
@login_required
@throttle_secret_checks
def disable() -> ResponseReturnValue:
    """Turn two-step verification off (or start over on a new phone when it is required)."""
    user = _current_user_row()
    if user.totp_secret is None:
        return redirect(url_for("mfa.manage"))
    form = DisableForm(request.form)
    if _confirmed(form, form.disable_code, user):
        db = get_session()
        mfa_ops.disable(db, user)
        db.commit()
        login_user(user)
        if is_required(user):
            flash(_("Stel tweestapsverificatie opnieuw in met uw nieuwe telefoon."), "info")
            return redirect(url_for("mfa.setup"))
        flash(_("Tweestapsverificatie staat uit."), "success")
        return redirect(url_for("mfa.manage"))
    return _render_manage(user, RenewCodesForm(), form, 400)


@click.command("reset-mfa")
@click.argument("email")
@with_appcontext
def reset_mfa_command(email: str) -> None:
    """Remove an account's second factor (lost phone and codes); it signs in and enrols anew."""
    with session_scope(current_app) as db:
        user = db.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"Onbekend account: {email}")
        mfa_ops.disable(db, user, action="mfa.reset", actor_label="cli")
    click.echo(
        f"Tweestapsverificatie van {user.email} is verwijderd; het account stelt die opnieuw in."
    )
