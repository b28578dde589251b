"""The start page of each role, the language switch and the public pages."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import func, select

from bundler import juriconnect, labels, navigation
from bundler.auth import login_required
from bundler.db import get_session
from bundler.enums import Role, WishState
from bundler.i18n import LANG_COOKIE
from bundler.models import Pilot, User, Wish
from bundler.packages import follow_up
from bundler.security import safe_next
from forms.base import CsrfForm

bp = Blueprint("main", __name__)


def init_app(app: Flask) -> None:
    """Register this blueprint and the template helpers every page uses."""
    app.register_blueprint(bp)
    app.add_template_filter(labels.label, "label")
    app.add_template_global(juriconnect.best_link, "law_link")
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.context_processor
    def layout_helpers() -> dict[str, object]:
        role = current_user.role if current_user.is_authenticated else None
        return {
            "nav_items": navigation.items_for(role),
            "role_label": labels.label(role) if role else "",
            "mfa_required": current_app.config["MFA_REQUIRED"],
        }


def csrf_token() -> str:
    """Return the session's CSRF token for hand-written forms."""
    return str(CsrfForm().csrf_token.current_token)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Show the start page of the signed-in user's role."""
    db = get_session()
    role = current_user.role
    context: dict[str, object] = {}
    if role is Role.PILOT:
        pilot_ids = [p.id for p in current_user.pilots]
        context["counts"] = dict(
            db.execute(
                select(Wish.state, func.count())
                .where(Wish.pilot_id.in_(pilot_ids))
                .group_by(Wish.state)
            ).all()
        )
    elif role is Role.OFFICE:
        context["counts"] = dict(
            db.execute(
                select(Wish.state, func.count())
                .where(Wish.state != WishState.CONCEPT)
                .group_by(Wish.state)
            ).all()
        )
        context["pilot_count"] = db.scalar(select(func.count()).select_from(Pilot))
    elif role is Role.MINISTRY:
        # What waits for this ministry's answer, and what it answered (also when a wish is
        # no longer in the newest version): every wish ever offered to it.
        rows = sorted(
            follow_up.offered_rows(db, current_user.ministry_id),
            key=lambda r: (r.offered_at, r.reference),
        )
        context["waiting"] = [r for r in rows if not r.answered]
        context["answered"] = sorted(
            (r for r in rows if r.answered),
            key=lambda r: (r.latest_answer_at or r.offered_at, r.reference),
            reverse=True,
        )
        context["offered_in"] = follow_up.offered_in(db, current_user.ministry_id)
    elif role is Role.ADMIN:
        context["user_count"] = db.scalar(select(func.count()).select_from(User))
    return render_template(f"main/home_{role.value}.html", **context)


@bp.post("/taal")
def set_language() -> ResponseReturnValue:
    """Switch the interface language (Dutch or English) and return to the page."""
    lang = request.form.get("lang", "nl")
    if lang not in current_app.config["LANGUAGES"]:
        lang = "nl"
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 24 * 3600, secure=True, httponly=True, samesite="Lax"
    )
    return response


@bp.get("/toegankelijkheid")
def accessibility() -> ResponseReturnValue:
    """Show the accessibility statement."""
    return render_template("main/accessibility.html")
