"""Signing in and out, password changes, session revocation and role checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask_login
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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from bundler import audit
from bundler.db import get_session
from bundler.models import Role, User, utcnow
from bundler.passwords import check_password, hash_password
from bundler.security import limiter, safe_next, throttle_secret_checks
from forms.auth import LoginForm, PasswordChangeForm

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = _l("Meld u aan om deze pagina te zien.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

F = TypeVar("F", bound=Callable[..., Any])

# The session key of a sign-in whose password was right and whose second step is pending.
PENDING_KEY = "mfa_pending"


def init_app(app: Flask) -> None:
    """Register the login manager and this blueprint."""
    login_manager.init_app(app)
    app.register_blueprint(bp)


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page (Flask-Login's decorator, typed)."""
    return cast(F, flask_login.login_required(view))


def load_user(user_id: str) -> User | None:
    """Load the user whose cookie carries the current session version, else nobody."""
    try:
        raw_id, raw_version = user_id.split(":")
        pk, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = get_session().get(User, pk)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


login_manager.user_loader(load_user)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Allow only signed-in users with one of the roles; others get 403."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, login_required(wrapped))

    return decorator


def _is_failure(response: Response) -> bool:
    return response.status_code != 302


def _email_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_is_failure)
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key, deduct_when=_is_failure)
def login() -> Response | str:
    """Sign in with e-mail address and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(request.form)
    error = None
    if request.method == "POST" and form.validate():
        db = get_session()
        # NUL cannot be stored or queried in PostgreSQL text; no address contains it anyway.
        email = form.email.data.strip().lower()
        user = db.scalar(select(User).where(func.lower(User.email) == email))
        valid = check_password(user.password_hash if user else None, form.password.data)
        if user is not None and valid and user.active:
            target = safe_next(request.args.get("next"))
            if user.totp_secret is not None:
                # Password right; not signed in until the second step (bundler.mfa) passes.
                begin_second_step(user, target)
                return redirect(url_for("mfa.verify"))
            complete_login(db, user, method="password")
            return redirect(target)
        audit.record(
            db,
            "auth.login_failed",
            actor_label=email[:254],
            result="denied",
            summary="unknown account" if user is None else "wrong password or inactive",
        )
        db.commit()
        error = _("Het e-mailadres of het wachtwoord klopt niet.")
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status  # type: ignore[return-value]


def begin_second_step(user: User, target: str) -> None:
    """Remember, in a fresh session, whose password was right; nobody is signed in yet."""
    session.clear()
    session.permanent = True
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "at": utcnow().timestamp(),
        "next": target,
    }


def pending_login() -> tuple[User, str] | None:
    """Return the user waiting for the second step and where to go after it, or None."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    age = utcnow().timestamp() - float(pending.get("at", 0))
    if not 0 <= age <= current_app.config["MFA_PENDING_SECONDS"]:
        session.pop(PENDING_KEY, None)
        return None
    user = get_session().get(User, pending.get("user"))
    if user is None or not user.active or user.session_version != pending.get("version"):
        session.pop(PENDING_KEY, None)
        return None
    return user, safe_next(pending.get("next"))


def complete_login(db: Session, user: User, *, method: str) -> None:
    """Sign a user in with a fresh session (no earlier cookie can be fixed); commit."""
    session.clear()
    session.permanent = True
    login_user(user)
    session["login_at"] = utcnow().timestamp()
    user.last_login_at = utcnow()
    audit.record(db, "auth.login", actor=user, obj=user, summary=method)
    db.commit()


@bp.post("/afmelden")
@login_required
def logout() -> Response:
    """Sign out and revoke every session of this account."""
    db = get_session()
    user = db.get(User, current_user.id)
    assert user is not None
    user.session_version += 1
    audit.record(db, "auth.logout", actor=user, obj=user)
    db.commit()
    logout_user()
    session.clear()
    flash(_("U bent afgemeld."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/wachtwoord", methods=["GET", "POST"])
@login_required
@throttle_secret_checks
def change_password() -> Response | str:
    """Change one's own password; other sessions of the account stop working."""
    form = PasswordChangeForm(request.form)
    if request.method == "POST" and form.validate():
        db = get_session()
        user = db.get(User, current_user.id)
        assert user is not None
        if not check_password(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Het huidige wachtwoord klopt niet."))
        else:
            user.password_hash = hash_password(form.new_password.data)
            user.session_version += 1
            audit.record(db, "auth.password_changed", actor=user, obj=user)
            db.commit()
            login_user(user)  # this session carries the new version; the others are revoked
            flash(_("Uw wachtwoord is gewijzigd. Andere sessies zijn afgemeld."), "success")
            return redirect(url_for("main.index"))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status  # type: ignore[return-value]
