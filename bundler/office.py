"""The programme office: inbox, triage, merging, bundle overview, exports and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    Response,
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
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from bundler import audit, exports, labels, office_ops, workflow
from bundler import inbox as listing
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role, Urgency, WishState
from bundler.grouping import group_wishes
from bundler.juriconnect import link as law_link
from bundler.models import (
    AuditEvent,
    Ministry,
    Municipality,
    Pilot,
    PilotMunicipality,
    Statute,
    User,
    Wish,
    WishRelation,
    WishSupport,
    wish_ministry,
)
from bundler.numbering import parse_wish_reference
from forms.base import BaseForm
from forms.office import (
    AuditFilterForm,
    BulkForm,
    InboxFilterForm,
    LegalBasisForm,
    MergeForm,
    StateForm,
    TextForm,
)

bp = Blueprint("office", __name__, url_prefix="/bureau")

# Wishes listed per article in the overview; the rest is one click away in the inbox.
OVERVIEW_WISHES_PER_ARTICLE = 5
# Above this many accepted wishes the tree stops at the articles (with counts and a link to
# their wishes in the inbox), so the page stays small and fast however large the programme.
OVERVIEW_FULL_TREE_LIMIT = 2_000
AUDIT_PER_PAGE = 50
PACKAGES_ENDPOINT = "packages.ministry_packages"


def init_app(app: Flask) -> None:
    """Register this blueprint."""
    app.register_blueprint(bp)
    app.add_template_global(law_link, "law_link")


def _url(endpoint: str, values: dict[str, Any]) -> str:
    """Build a URL with query parameters that may repeat (lists)."""
    return url_for(endpoint, **values)


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _actor() -> User:
    user: User = current_user._get_current_object()
    return user


def _ministries(db: Session) -> list[Ministry]:
    """Return the current ministries, by code."""
    return [m for m in db.scalars(select(Ministry).order_by(Ministry.code)) if m.is_current()]


def _statutes(db: Session) -> list[Statute]:
    return list(db.scalars(select(Statute).order_by(Statute.title)))


# -- inbox ------------------------------------------------------------------------------------


def _filter_form(db: Session, f: listing.InboxFilter) -> InboxFilterForm:
    form = InboxFilterForm(
        request.args or None,
        data={
            "sorteer": f.sort,
            "richting": "af" if f.descending else "op",
            "per": str(f.per_page),
            "status": [s.value for s in f.states],
        },
    )
    form.status.choices = [SelectChoice(s.value, labels.label(s)) for s in listing.INBOX_STATES]
    form.ministerie.choices = [
        SelectChoice("", _("Alle ministeries")),
        SelectChoice(listing.NONE, _("Nog geen ministerie")),
        *(SelectChoice(m.code, f"{m.name} ({m.code})") for m in _ministries(db)),
    ]
    form.wet.choices = [
        SelectChoice("", _("Alle wetten")),
        SelectChoice(listing.NONE, _("Wet nog onbekend")),
        *(SelectChoice(s.bwb_id, f"{s.title} ({s.bwb_id})") for s in _statutes(db)),
    ]
    pilots = db.execute(select(Pilot.id, Pilot.name).order_by(Pilot.name)).all()
    form.pilot.choices = [
        SelectChoice("", _("Alle pilots")),
        *(SelectChoice(str(pk), name) for pk, name in pilots),
    ]
    # Only municipalities that take part in a pilot can be behind a wish.
    municipalities = db.execute(
        select(Municipality.cbs_code, Municipality.name)
        .distinct()
        .join(PilotMunicipality, PilotMunicipality.municipality_id == Municipality.id)
        .where(PilotMunicipality.left_on.is_(None))
        .order_by(Municipality.name)
    ).all()
    form.gemeente.choices = [
        SelectChoice("", _("Alle gemeenten")),
        *(SelectChoice(code, name) for code, name in municipalities),
    ]
    form.urgentie.choices = [
        SelectChoice("", _("Alle")),
        *(SelectChoice(u.value, labels.label(u)) for u in Urgency),
    ]
    form.sorteer.choices = [
        SelectChoice("ingediend", _("Datum van indienen")),
        SelectChoice("kenmerk", _("Kenmerk")),
        SelectChoice("titel", _("Titel")),
        SelectChoice("status", _("Status")),
        SelectChoice("urgentie", _("Urgentie")),
        SelectChoice("gewijzigd", _("Laatst gewijzigd")),
    ]
    form.richting.choices = [
        SelectChoice("af", _("Aflopend (nieuwste, hoogste eerst)")),
        SelectChoice("op", _("Oplopend")),
    ]
    form.per.choices = [SelectChoice(str(n), str(n)) for n in listing.PER_PAGE_CHOICES]
    return form


def _bulk_choices(form: BulkForm, db: Session, wishes: list[Wish]) -> dict[str, Ministry]:
    ministries = {m.code: m for m in _ministries(db)}
    form.knelpunt.choices = [SelectChoice(str(w.id), w.reference) for w in wishes]
    form.actie.choices = [
        SelectChoice("", _("Kies een actie")),
        SelectChoice(office_ops.BulkAction.ACCEPT.value, _("Accepteren")),
        SelectChoice(office_ops.BulkAction.ASSIGN_MINISTRY.value, _("Ministerie toewijzen")),
        SelectChoice(office_ops.BulkAction.REQUEST_INFO.value, _("Aanvulling vragen")),
    ]
    form.ministerie.choices = [
        SelectChoice("", _("Kies een ministerie")),
        *(SelectChoice(code, f"{m.name} ({code})") for code, m in ministries.items()),
    ]
    return ministries


def _render_inbox(
    f: listing.InboxFilter, bulk_form: BulkForm | None = None, status: int = 200
) -> ResponseReturnValue:
    db = get_session()
    form = _filter_form(db, f)
    if request.args and not form.validate():
        status = 400
    wishes, pagination, counts = listing.inbox_page(db, f, _timezone())
    if bulk_form is None:
        bulk_form = BulkForm()
    _bulk_choices(bulk_form, db, wishes)
    selected = {str(v) for v in bulk_form.knelpunt.data or []}
    return render_template(
        "office/inbox.html",
        f=f,
        form=form,
        bulk_form=bulk_form,
        selected=selected,
        wishes=wishes,
        pagination=pagination,
        counts=counts,
        total=sum(counts.values()),
        page_url=lambda n: _url("office.inbox", f.args(page=n)),
    ), status


@bp.get("/knelpunten")
@role_required(Role.OFFICE)
def inbox() -> ResponseReturnValue:
    """List the wishes the office works with: filtered, searched, sorted and paged."""
    return _render_inbox(listing.parse_filter(request.args))


@bp.post("/bulkactie")
@role_required(Role.OFFICE)
def bulk_action() -> ResponseReturnValue:
    """Accept, assign a ministry to, or ask more information on the selected wishes."""
    db = get_session()
    f = listing.parse_filter(request.args)
    form = BulkForm(request.form)
    ids = [int(v) for v in request.form.getlist("knelpunt") if v.isdigit() and len(v) <= 12]
    wishes = list(
        db.scalars(
            select(Wish)
            .where(Wish.id.in_(ids), Wish.state.in_(listing.INBOX_STATES))
            .order_by(Wish.reference)
            .options(
                selectinload(Wish.ministries),
                selectinload(Wish.statute).selectinload(Statute.ministries),
            )
        )
    )
    ministries = _bulk_choices(form, db, wishes)
    if form.validate():
        action = office_ops.BulkAction(form.actie.data)
        try:
            result = office_ops.bulk(
                db,
                wishes,
                action,
                ministry=ministries.get(form.ministerie.data or ""),
                reason=form.reden.data or "",
            )
        except office_ops.OfficeError as error:
            field = form.ministerie if error.field == "ministry" else form.reden
            field.errors = [str(error.message)]
        else:
            try:
                db.commit()
            except StaleDataError:  # another officer changed one of them at the same moment
                db.rollback()
                abort(409)
            if result.done:
                flash(
                    ngettext(
                        "%(num)s knelpunt bijgewerkt.",
                        "%(num)s knelpunten bijgewerkt.",
                        len(result.done),
                    ),
                    "success",
                )
            for wish, why in result.skipped:
                flash(_("%(ref)s overgeslagen: %(why)s", ref=wish.reference, why=why), "warning")
            return redirect(_url("office.inbox", f.args()))
    # Show the inbox again with the selection and the typed text kept.
    return _render_inbox(f, form, 400)


@bp.get("/export.<fmt>")
@role_required(Role.OFFICE)
def export(fmt: str) -> Response:
    """Download every wish under the inbox's current filter (all pages) as CSV, XLSX or JSON."""
    if fmt not in exports.FORMATS:
        abort(404)
    db = get_session()
    f = listing.parse_filter(request.args)
    rows = listing.load_rows(db, listing.conditions(f, tz=_timezone()), listing.order_by(f))
    write, mimetype = exports.FORMATS[fmt]
    body = exports.to_json(rows, query=f.export_args()) if fmt == "json" else write(rows)
    audit.record(
        db,
        "wish.export",
        after={"format": fmt, "filter": f.export_args(), "count": len(rows)},
        summary=f"{len(rows)} knelpunten als {fmt}",
    )
    db.commit()
    name = f"knelpunten-{dt.date.today().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- one wish ----------------------------------------------------------------------------------


def _wish(reference: str, *, full: bool = False) -> Wish:
    """Load a wish the office may see, or answer 404."""
    statement = select(Wish).where(Wish.reference == reference)
    if full:
        pilot = selectinload(Wish.pilot)
        statement = statement.options(
            selectinload(Wish.statute).selectinload(Statute.ministries),
            selectinload(Wish.ministries),
            pilot.selectinload(Pilot.participations).selectinload(PilotMunicipality.municipality),
            pilot.selectinload(Pilot.executing_organisation),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
            selectinload(Wish.relations).selectinload(WishRelation.related),
            selectinload(Wish.attachments),
            selectinload(Wish.merged_into),
        )
    wish = get_session().scalar(statement)
    if wish is None or wish.state not in workflow.VISIBLE_TO_OFFICE:
        abort(404)
    return wish


def _legal_form(db: Session, wish: Wish, formdata: Any = None) -> LegalBasisForm:
    chosen = wish.ministries or office_ops.default_ministries(wish.statute)
    form = LegalBasisForm(
        formdata,
        # A posted form carries its own version: never fall back to the current one.
        data=None
        if formdata is not None
        else {
            "version": wish.version,
            "statute": wish.statute.bwb_id if wish.statute else "",
            "article": wish.article,
            "paragraph": wish.paragraph,
            "ministries": [m.code for m in chosen],
        },
    )
    form.statute.choices = [
        SelectChoice("", _("Nog onbekend")),
        *(SelectChoice(s.bwb_id, f"{s.title} ({s.bwb_id})") for s in _statutes(db)),
    ]
    form.ministries.choices = [
        SelectChoice(m.code, f"{m.name} ({m.code})") for m in _ministries(db)
    ]
    return form


def _text_form(wish: Wish, formdata: Any = None) -> TextForm:
    form = TextForm(
        formdata,
        data=None
        if formdata is not None
        else {
            "version": wish.version,
            **{k: getattr(wish, k) for k in office_ops.TEXT_FIELDS if k != "urgency"},
            "urgency": wish.urgency.value,
        },
    )
    form.urgency.choices = [SelectChoice(u.value, labels.label(u)) for u in Urgency]
    return form


def _state_form(wish: Wish, formdata: Any = None) -> StateForm:
    form = StateForm(formdata, data=None if formdata is not None else {"version": wish.version})
    # Merging has its own page; "aangeboden" follows from publishing a package, not a click here.
    manual = set(workflow.targets(wish.state, Role.OFFICE)) - {WishState.MERGED, WishState.OFFERED}
    targets = [t for t in workflow.targets(wish.state, Role.OFFICE) if t in manual]
    form.state.choices = [
        SelectChoice("", _("Kies een status")),
        *(SelectChoice(t.value, labels.label(t)) for t in targets),
    ]
    return form


def _render_triage(
    wish: Wish,
    *,
    legal: LegalBasisForm | None = None,
    text: TextForm | None = None,
    state: StateForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db = get_session()
    similar: list[Wish] = []
    if wish.state in office_ops.MERGEABLE:
        from bundler.search import similar_wishes

        similar = similar_wishes(
            db,
            title=wish.title,
            statute_id=wish.statute_id,
            article=wish.article,
            exclude_wish_id=wish.id,
        )
    events = list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish.id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(5)
        )
    )
    return render_template(
        "office/triage.html",
        wish=wish,
        legal_form=legal or _legal_form(db, wish),
        text_form=text or _text_form(wish),
        state_form=state or _state_form(wish),
        merge_form=MergeForm(),
        similar=[w for w in similar if w.state in office_ops.MERGE_TARGETS],
        merged_here=office_ops.merged_into_this(db, wish),
        merge=office_ops.active_merge(db, wish) if wish.state is WishState.MERGED else None,
        workable=wish.state in office_ops.WORKABLE,
        mergeable=wish.state in office_ops.MERGEABLE,
        events=events,
    ), status


@bp.get("/knelpunten/<reference>")
@role_required(Role.OFFICE)
def triage(reference: str) -> ResponseReturnValue:
    """Show a wish with its triage forms: legal basis and ministries, text, state, merge."""
    return _render_triage(_wish(reference, full=True))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _version(form: BaseForm) -> int:
    version = form.version.data
    if not isinstance(version, int):
        abort(400)
    return version


def _conflict(
    wish: Wish, kind: str, form: BaseForm, rows: list[tuple[str, str, str]]
) -> ResponseReturnValue:
    """Answer 409: show the stored version next to the officer's own, keeping the typed text."""
    db = get_session()
    # The form now carries the stored version: saving it again is a deliberate overwrite.
    form.version.data = wish.version
    form.version.raw_data = [str(wish.version)]
    last = db.scalar(
        select(AuditEvent)
        .where(AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish.id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return render_template(
        "office/conflict.html", wish=wish, kind=kind, form=form, rows=rows, last=last
    ), 409


def _save_or_conflict(wish: Wish, change: Any, on_conflict: Any) -> ResponseReturnValue | None:
    """Run a change; on a stale version answer 409, on a refusal return the error."""
    db = get_session()
    try:
        change()
        db.flush()
    except (office_ops.StaleWish, StaleDataError):
        db.rollback()
        db.refresh(wish)
        return on_conflict()  # type: ignore[no-any-return]
    db.commit()
    return None


@bp.post("/knelpunten/<reference>/grondslag")
@role_required(Role.OFFICE)
def save_legal_basis(reference: str) -> ResponseReturnValue:
    """Confirm or set statute, article, paragraph and responsible ministries."""
    db = get_session()
    wish = _wish(reference, full=True)
    form = _legal_form(db, wish, request.form)
    if not form.validate():
        return _render_triage(wish, legal=form, status=400)
    statute = db.scalar(select(Statute).where(Statute.bwb_id == form.statute.data))
    chosen = list(db.scalars(select(Ministry).where(Ministry.code.in_(form.ministries.data or []))))

    def rows() -> list[tuple[str, str, str]]:
        snap = office_ops.legal_snapshot(wish)
        return [
            (str(form.statute.label.text), snap["statute"] or "", form.statute.data or ""),
            (str(form.article.label.text), snap["article"], form.article.data or ""),
            (str(form.paragraph.label.text), snap["paragraph"], form.paragraph.data or ""),
            (
                str(form.ministries.label.text),
                ", ".join(snap["ministries"]),
                ", ".join(form.ministries.data or []),
            ),
        ]

    try:
        conflict = _save_or_conflict(
            wish,
            lambda: office_ops.set_legal_basis(
                db,
                wish,
                statute=statute,
                article=form.article.data or "",
                paragraph=form.paragraph.data or "",
                ministries=chosen,
                expected_version=_version(form),
            ),
            lambda: _conflict(wish, "legal", form, rows()),
        )
    except office_ops.OfficeError as error:
        _show_error(form, error)
        return _render_triage(wish, legal=form, status=400)
    if conflict is not None:
        return conflict
    flash(_("Wettelijke grondslag en ministeries opgeslagen."), "success")
    return redirect(url_for("office.triage", reference=wish.reference))


# Operations name the field of their rule; a triage form may call it differently.
_FIELD_NAMES = {"ministry": "ministries"}


def _show_error(form: Any, error: office_ops.OfficeError) -> None:
    """Put an operation's error next to its field, or at the top when no field fits."""
    name = _FIELD_NAMES.get(error.field or "", error.field or "")
    field = getattr(form, name, None) if name else None
    if field is None and error.field:
        field = getattr(form, error.field, None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [str(error.message)]
    else:
        form.form_errors.append(str(error.message))


@bp.post("/knelpunten/<reference>/tekst")
@role_required(Role.OFFICE)
def save_text(reference: str) -> ResponseReturnValue:
    """Change the text of a wish; a form loaded from an older version gets 409."""
    db = get_session()
    wish = _wish(reference, full=True)
    form = _text_form(wish, request.form)
    if not form.validate():
        return _render_triage(wish, text=form, status=400)
    values = {k: getattr(form, k).data for k in office_ops.TEXT_FIELDS}
    for key in ("title", "problem", "proposed_change", "benefit_who", "benefit_savings"):
        values[key] = (values[key] or "").strip()
    values["urgency_reason"] = (values["urgency_reason"] or "").strip()

    def rows() -> list[tuple[str, str, str]]:
        result = []
        for key in office_ops.TEXT_FIELDS:
            theirs = getattr(wish, key)
            theirs = labels.label(theirs) if key == "urgency" else theirs
            yours = values[key]
            yours = labels.label(Urgency(yours)) if key == "urgency" else yours
            label = str(getattr(form, key).label.text)
            result.append((label, _text(theirs), _text(yours)))
        return result

    try:
        conflict = _save_or_conflict(
            wish,
            lambda: office_ops.edit_text(db, wish, values, expected_version=_version(form)),
            lambda: _conflict(wish, "text", form, rows()),
        )
    except office_ops.OfficeError as error:
        _show_error(form, error)
        return _render_triage(wish, text=form, status=400)
    if conflict is not None:
        return conflict
    flash(_("Tekst opgeslagen."), "success")
    return redirect(url_for("office.triage", reference=wish.reference))


@bp.post("/knelpunten/<reference>/status")
@role_required(Role.OFFICE)
def save_state(reference: str) -> ResponseReturnValue:
    """Move a wish to another state, with a reason where the workflow asks for one."""
    db = get_session()
    wish = _wish(reference, full=True)
    form = _state_form(wish, request.form)
    if not form.validate():
        return _render_triage(wish, state=form, status=400)
    target = WishState(form.state.data)
    reason = form.reason.data or ""

    def rows() -> list[tuple[str, str, str]]:
        return [
            (_("Status"), labels.label(wish.state), labels.label(target)),
            (str(form.reason.label.text), wish.state_reason, reason),
        ]

    def on_conflict() -> ResponseReturnValue:
        fresh = _state_form(wish)
        fresh.reason.data = reason
        allowed = {choice.value for choice in fresh.state.choices}
        fresh.state.data = form.state.data if form.state.data in allowed else ""
        return _conflict(wish, "state", fresh, rows())

    try:
        conflict = _save_or_conflict(
            wish,
            lambda: office_ops.change_state(
                db, wish, target, reason, expected_version=_version(form)
            ),
            on_conflict,
        )
    except office_ops.OfficeError as error:
        _show_error(form, error)
        return _render_triage(wish, state=form, status=400)
    if conflict is not None:
        return conflict
    flash(_("Status gewijzigd in %(state)s.", state=labels.label(target)), "success")
    return redirect(url_for("office.triage", reference=wish.reference))


# -- merging ----------------------------------------------------------------------------------


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
    problems = office_ops.merge_problems(source, target)
    if problems:
        form.doel.errors = problems
        return None
    return target


@bp.route("/knelpunten/<reference>/samenvoegen", methods=["GET", "POST"])
@role_required(Role.OFFICE)
def merge(reference: str) -> ResponseReturnValue:
    """Ask which wish this one duplicates, show what merging does, and merge on confirmation."""
    db = get_session()
    source = _wish(reference, full=True)
    if source.state not in office_ops.MERGEABLE:
        flash(_("Dit knelpunt kan niet (meer) worden samengevoegd."), "error")
        return redirect(url_for("office.triage", reference=source.reference))
    form = MergeForm(request.form if request.method == "POST" else request.args or None)
    asked = request.method == "POST" or "doel" in request.args
    target = _merge_target(form, source) if asked else None
    if request.method == "POST" and target is not None:
        try:
            office_ops.merge(db, source, target, actor=_actor())
            db.flush()
        except StaleDataError:
            db.rollback()
            abort(409)
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
    status = 400 if form.errors else 200
    plan = office_ops.merge_plan(source, target) if target is not None else None
    return render_template(
        "office/merge.html", source=source, target=target, form=form, plan=plan
    ), status


@bp.post("/knelpunten/<reference>/ontkoppelen")
@role_required(Role.OFFICE)
def unmerge(reference: str) -> ResponseReturnValue:
    """Undo the merge of this wish, restoring it exactly."""
    db = get_session()
    wish = _wish(reference, full=True)
    try:
        record = office_ops.unmerge(db, wish, actor=_actor())
        db.flush()
    except office_ops.OfficeError as error:
        db.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("office.triage", reference=reference))
    except StaleDataError:
        db.rollback()
        abort(409)
    target_reference = record.target.reference
    db.commit()
    flash(
        _(
            "Samenvoegen van %(a)s met %(b)s is ongedaan gemaakt.",
            a=wish.reference,
            b=target_reference,
        ),
        "success",
    )
    return redirect(url_for("office.triage", reference=wish.reference))


# -- overview ----------------------------------------------------------------------------------


@bp.get("/overzicht")
@role_required(Role.OFFICE)
def overview() -> ResponseReturnValue:
    """Show accepted wishes as the tree ministry → statute → article → wish, with counts."""
    db = get_session()
    items = listing.overview_items(db)
    tree = group_wishes(items)
    full = len(items) <= OVERVIEW_FULL_TREE_LIMIT
    names = dict(db.execute(select(Ministry.code, Ministry.name)).all())
    without_ministry = db.scalar(
        select(func.count())
        .select_from(Wish)
        .where(
            Wish.state == WishState.ACCEPTED,
            ~Wish.id.in_(select(wish_ministry.c.wish_id)),
        )
    )
    return render_template(
        "office/overview.html",
        tree=tree,
        names=names,
        without_ministry=without_ministry,
        per_article=OVERVIEW_WISHES_PER_ARTICLE if full else 0,
        full_tree_limit=OVERVIEW_FULL_TREE_LIMIT,
        # References are URL-safe (KN-2026-0042): one url_for instead of one per wish.
        triage_prefix=url_for("office.triage", reference="KN").removesuffix("KN"),
        inbox_prefix=url_for(
            "office.inbox", status=WishState.ACCEPTED.value, sorteer="kenmerk", richting="op"
        ),
        has_packages=PACKAGES_ENDPOINT in current_app.view_functions,
        packages_endpoint=PACKAGES_ENDPOINT,
        accepted=WishState.ACCEPTED.value,
        no_value=listing.NONE,
    )


# -- audit log ---------------------------------------------------------------------------------


def _audit_filter_form(db: Session) -> AuditFilterForm:
    form = AuditFilterForm(request.args or None)
    actions = db.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    form.action.choices = [
        SelectChoice("", _("Alle handelingen")),
        *(SelectChoice(a, a) for a in actions),
    ]
    kinds = db.scalars(
        select(AuditEvent.object_type)
        .distinct()
        .where(AuditEvent.object_type != "")
        .order_by(AuditEvent.object_type)
    )
    form.object_type.choices = [
        SelectChoice("", _("Alle soorten")),
        *(SelectChoice(k, k) for k in kinds),
    ]
    return form


def _audit_conditions(db: Session, form: AuditFilterForm) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if form.actor.data:
        needle = form.actor.data.strip().lower()
        where.append(func.lower(AuditEvent.actor_label).contains(needle, autoescape=True))
    if form.action.data:
        where.append(AuditEvent.action == form.action.data)
    if form.object_type.data:
        where.append(AuditEvent.object_type == form.object_type.data)
    if form.object.data:
        value = form.object.data.strip()
        if parse_wish_reference(value.upper()):
            wish_id = db.scalar(select(Wish.id).where(Wish.reference == value.upper()))
            where += [AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish_id)]
        else:
            where.append(AuditEvent.object_id == value)
    tz = _timezone()
    if form.van.data and not form.van.errors:
        where.append(AuditEvent.at >= dt.datetime.combine(form.van.data, dt.time.min, tz))
    if form.tot.data and not form.tot.errors:
        end = form.tot.data + dt.timedelta(days=1)
        where.append(AuditEvent.at < dt.datetime.combine(end, dt.time.min, tz))
    return where


def _render_audit(
    where: list[ColumnElement[bool]],
    *,
    form: AuditFilterForm | None,
    wish: Wish | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    db = get_session()
    total = db.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    page = listing.paginate(request.args.get("pagina", 1, type=int) or 1, AUDIT_PER_PAGE, total)
    events = list(
        db.scalars(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(page.per_page)
            .offset((page.page - 1) * page.per_page)
        )
    )
    wish_ids = {
        int(e.object_id) for e in events if e.object_type == "wish" and e.object_id.isdigit()
    }
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
        page_url=lambda n: _url(
            request.endpoint or "", {**(request.view_args or {}), **args, "pagina": n}
        ),
    ), status


@bp.get("/logboek")
@role_required(Role.OFFICE)
def audit_log() -> ResponseReturnValue:
    """Show the audit log, filtered by actor, action, object and date."""
    db = get_session()
    form = _audit_filter_form(db)
    status = 400 if request.args and not form.validate() else 200
    return _render_audit(_audit_conditions(db, form), form=form, status=status)


@bp.get("/knelpunten/<reference>/logboek")
@role_required(Role.OFFICE)
def wish_audit_log(reference: str) -> ResponseReturnValue:
    """Show every audit event of one wish."""
    wish = _wish(reference)
    where = [AuditEvent.object_type == "wish", AuditEvent.object_id == str(wish.id)]
    return _render_audit(where, form=None, wish=wish)
