"""The audit log for the office: everything, filtered, or the events of one wish."""

from __future__ import annotations

from collections.abc import Sequence

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, select

from bundler import audit, bounded
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Wish
from bundler.office.forms import audit_filter_form
from bundler.office.inbox import local_timezone
from bundler.office.triage import load_wish
from bundler.pagination import paginate
from forms.office import AuditFilterForm

AUDIT_PER_PAGE = 50


def _render_audit(
    where: Sequence[ColumnElement[bool]],
    *,
    form: AuditFilterForm | None,
    wish: Wish | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db = get_session()
    page = paginate(
        bounded.parse_page(request.args.get("pagina")), AUDIT_PER_PAGE, audit.count(db, where)
    )
    events = audit.newest(db, where, limit=page.per_page, offset=(page.page - 1) * page.per_page)
    wish_ids = {bounded.parse_id(e.object_id) for e in events if e.object_type == "wish"}
    references = dict(
        db.execute(select(Wish.id, Wish.reference).where(Wish.id.in_(wish_ids))).all()
    )
    args = {k: v for k, v in request.args.items() if k != "pagina"}
    return render_template(
        "office/audit.html",
        events=events,
        form=form,
        wish=wish,
        pagination=page,
        references=references,
        args=args,
        page_url=lambda n: url_for(
            request.endpoint or "", **{**(request.view_args or {}), **args, "pagina": n}
        ),
    ), status


@role_required(Role.OFFICE)
def audit_log() -> ResponseReturnValue:
    """Show the audit log, filtered by actor, action, object and date."""
    db = get_session()
    form = audit_filter_form(db, request.args)
    status = 400 if request.args and not form.validate() else 200
    query = audit.AuditQuery(
        actor=form.actor.data or "",
        action=form.action.data or "",
        object_type=form.object_type.data or "",
        object=form.object.data or "",
        since=form.van.data if not form.van.errors else None,
        until=form.tot.data if not form.tot.errors else None,
    )
    return _render_audit(audit.conditions(db, query, local_timezone()), form=form, status=status)


@role_required(Role.OFFICE)
def wish_audit_log(reference: str) -> ResponseReturnValue:
    """Show every audit event of one wish."""
    wish = load_wish(reference)
    return _render_audit(audit.of_object("wish", wish.id), form=None, wish=wish)
