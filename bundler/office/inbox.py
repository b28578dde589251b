"""The office's inbox: filtered, searched, sorted and paged; bulk actions and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bundler import audit, bounded, cache
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Statute, Wish
from bundler.office import exports, filters, listing, ops, rows
from bundler.office.forms import bulk_form, inbox_filter_form
from bundler.rules import RuleError
from bundler.security import as_download
from bundler.web import commit_or_409
from forms.office import BulkForm

MAX_SELECTED = 500


def local_timezone() -> ZoneInfo:
    """Return the time zone in which the office reads dates."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _render_inbox(
    f: filters.InboxFilter, posted: BulkForm | None = None, status: int = 200
) -> ResponseReturnValue:
    db = get_session()
    filter_errors, filter_html, valid = _filter_parts(db, f)
    if not valid:
        status = 400
    page_ids, pagination, counts = listing.inbox_page(db, f, local_timezone())
    if posted is None:
        # The selection only matters when a posted form comes back with an error.
        bulk, selected, rows_html = bulk_form(db, [])[0], set(), _rows_html(db, page_ids)
    else:
        bulk, selected = posted, {str(v) for v in posted.knelpunt.data or []}
        rows_html = _parts("rows")(listing.load_wishes(db, page_ids), selected)
    return render_template(
        "office/inbox.html",
        f=f,
        filter_errors=filter_errors,
        filter_html=filter_html,
        bulk_form=bulk,
        page_ids=page_ids,
        rows_html=rows_html,
        pagination=pagination,
        counts=counts,
        total=sum(counts.values()),
        counts_capped=listing.counts_capped(counts),
        count_cap=format_decimal(listing.COUNT_CAP),
        page_url=lambda n: _inbox_url(f, page=n),
    ), status


def _parts(name: str) -> Callable[..., str]:
    macro: Callable[..., str] = get_template_attribute("office/_inbox_parts.html", name)
    return macro


def _filter_parts(db: Session, f: filters.InboxFilter) -> tuple[str, str, bool]:
    """Return the filter form's error summary and the form as HTML, and whether it is valid.

    Both follow from the query string, the choice lists and the language alone: cached until
    the data changes, so a page of the inbox does not build and render the long choice lists.
    """

    def render() -> tuple[str, str, bool]:
        form = inbox_filter_form(db, f, request.args)
        valid = form.validate() if request.args else True
        return str(_parts("errors")(form)), str(_parts("filter_form")(form, f)), valid

    key = ("office.inbox.filter", str(get_locale() or ""), *request.args.items(multi=True))
    errors, html, valid = cache.cached(db, key, render)
    return Markup(errors), Markup(html), valid  # noqa: S704 - our own templates' output


def _rows_html(db: Session, page_ids: list[int]) -> str:
    """Return the table rows of these wishes as HTML, cached until the data changes."""
    key = ("office.inbox.rows", str(get_locale() or ""), *page_ids)
    html = cache.cached(db, key, lambda: str(_parts("rows")(listing.load_wishes(db, page_ids))))
    return Markup(html)  # noqa: S704 - our own template's output, escaped there


def _inbox_url(f: filters.InboxFilter, **changes: Any) -> str:
    args: dict[str, Any] = f.args(**changes)  # lists repeat a parameter (status=a&status=b)
    return url_for("office.inbox", **args)


@role_required(Role.OFFICE)
def inbox() -> ResponseReturnValue:
    """List the wishes the office works with: filtered, searched, sorted and paged."""
    return _render_inbox(filters.parse_filter(request.args))


def _selected_wishes() -> list[Wish]:
    ids = {bounded.parse_id(v) for v in request.form.getlist("knelpunt")} - {None}
    return list(
        get_session().scalars(
            select(Wish)
            .where(Wish.id.in_(list(ids)[:MAX_SELECTED]), Wish.state.in_(filters.INBOX_STATES))
            .order_by(Wish.reference)
            .options(
                selectinload(Wish.ministries),
                selectinload(Wish.statute).selectinload(Statute.ministries),
            )
        )
    )


@role_required(Role.OFFICE)
def bulk_action() -> ResponseReturnValue:
    """Accept, assign a ministry to, or ask more information on the selected wishes."""
    db = get_session()
    f = filters.parse_filter(request.args)
    wishes = _selected_wishes()
    form, ministries = bulk_form(db, wishes, request.form)
    if not form.validate():
        return _render_inbox(f, form, 400)  # the selection and the typed text are kept
    try:
        result = ops.bulk(
            db,
            wishes,
            ops.BulkAction(form.actie.data),
            ministry=ministries.get(form.ministerie.data or ""),
            reason=form.reden.data or "",
        )
    except RuleError as error:
        form.add_rule_error(error)
        return _render_inbox(f, form, 400)
    commit_or_409(db)  # another officer may have changed one of them at the same moment
    if result.done:
        count = len(result.done)
        message = ngettext("%(num)s knelpunt bijgewerkt.", "%(num)s knelpunten bijgewerkt.", count)
        flash(message, "success")
    for wish, why in result.skipped:
        flash(_("%(ref)s overgeslagen: %(why)s", ref=wish.reference, why=why), "warning")
    return redirect(_inbox_url(f))


@role_required(Role.OFFICE)
def export(fmt: str) -> Response:
    """Download every wish under the inbox's current filter (all pages) as CSV, XLSX or JSON."""
    if fmt not in exports.FORMATS:
        abort(404)
    db = get_session()
    f = filters.parse_filter(request.args)
    tz = local_timezone()
    found = rows.load_rows(db, listing.conditions(f, tz=tz), listing.order_by(f))
    write, mimetype = exports.FORMATS[fmt]
    body = exports.to_json(found, query=f.export_args()) if fmt == "json" else write(found)
    audit.record(
        db,
        "wish.export",
        after={"format": fmt, "filter": f.export_args(), "count": len(found)},
        summary=f"{len(found)} knelpunten als {fmt}",
    )
    db.commit()
    name = f"knelpunten-{dt.date.today().isoformat()}.{fmt}"
    # content_type, not mimetype: Werkzeug would add a second charset to text/csv.
    response = Response(
        body,
        content_type=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    return as_download(response)
