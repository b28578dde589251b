"""Wishes for pilot teams: the wish form, the team's overview, a wish's page, joining, files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.cli import with_appcontext
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.fields.choices import SelectChoice

from bundler import attachments, juriconnect, labels, search, wish_ops
from bundler.auth import login_required, role_required
from bundler.db import get_session, session_scope
from bundler.enums import RelationKind, Role, Urgency, WishState
from bundler.models import (
    Attachment,
    Pilot,
    PilotMunicipality,
    Statute,
    User,
    Wish,
    WishRelation,
    WishSupport,
)
from forms.wish import (
    ACTION_CHECK,
    ACTION_CONCEPT,
    ACTION_SUBMIT,
    ACTION_SUBMIT_ANYWAY,
    ACTIONS,
    OverviewFilterForm,
    SupportForm,
    WishForm,
    WithdrawForm,
)

bp = Blueprint("wishes", __name__, url_prefix="/knelpunten")


RELATION_LABELS = {
    RelationKind.DEPENDS_ON: _l("Hangt af van"),
    RelationKind.FOLLOWS_FROM: _l("Volgt uit"),
}
ACTION_LABELS = {
    "wish.created": _l("Aangemaakt"),
    "wish.updated": _l("Gewijzigd"),
    "wish.state": _l("Status gewijzigd"),
    "wish.supported": _l("Andere pilot sloot zich aan"),
    "wish.attachment_added": _l("Bijlage toegevoegd"),
    "wish.attachment_removed": _l("Bijlage verwijderd"),
}
FIELD_LABELS = {
    "title": _l("titel"),
    "problem": _l("probleem"),
    "statute": _l("wet"),
    "statute_unknown": _l("wet onbekend"),
    "article": _l("artikel"),
    "paragraph": _l("lid"),
    "proposed_change": _l("gewenste wijziging"),
    "benefit_who": _l("wie heeft er baat bij"),
    "benefit_cases_per_year": _l("gevallen per jaar"),
    "benefit_savings": _l("opbrengst"),
    "urgency": _l("urgentie"),
    "urgency_reason": _l("reden urgentie"),
    "relations": _l("samenhang"),
}


def init_app(app: Flask) -> None:
    """Register this blueprint, its template helpers and its CLI command."""
    app.register_blueprint(bp)
    app.jinja_env.globals["wish_law_link"] = law_link
    app.add_template_filter(lambda k: str(RELATION_LABELS.get(k, k)), "relation_label")
    app.add_template_filter(
        lambda a: str(ACTION_LABELS.get(a, a.split(".")[-1].replace("_", " "))), "timeline_action"
    )
    app.add_template_filter(lambda f: str(FIELD_LABELS.get(f, f)), "wish_field_label")
    app.cli.add_command(clean_uploads)


@click.command("clean-uploads")
@click.option("--hours", default=24, show_default=True, help="Keep files younger than this.")
@with_appcontext
def clean_uploads(hours: int) -> None:
    """Delete uploaded files that no attachment refers to (forms left half-way)."""
    with session_scope(current_app) as db:
        known = set(db.scalars(select(Attachment.stored_name)))
    found = attachments.orphans(_upload_folder(), known, hours * 3600, time.time())
    for path in found:
        path.unlink(missing_ok=True)
    click.echo(f"{len(found)} verweesde bestanden verwijderd.")


def law_link(wish: Wish) -> str:
    """Return the wetten.overheid.nl link of a wish's legal basis, or an empty string."""
    if wish.statute is None or not juriconnect.is_bwb_id(wish.statute.bwb_id):
        return ""
    article = wish.article if juriconnect.is_article(wish.article) else ""
    paragraph = wish.paragraph if juriconnect.is_paragraph(wish.paragraph) else ""
    return juriconnect.link(wish.statute.bwb_id, article, paragraph)


def _user() -> User:
    user: User = current_user._get_current_object()
    return user


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _load(wish_id: int) -> Wish:
    """Load a wish with what its page shows; 404 for wishes the user may not see."""
    wish = get_session().scalar(
        select(Wish)
        .where(Wish.id == wish_id)
        .options(
            selectinload(Wish.statute),
            selectinload(Wish.pilot).selectinload(Pilot.executing_organisation),
            selectinload(Wish.pilot)
            .selectinload(Pilot.participations)
            .selectinload(PilotMunicipality.municipality),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
            selectinload(Wish.relations)
            .selectinload(WishRelation.related)
            .selectinload(Wish.supports),
            selectinload(Wish.attachments),
            selectinload(Wish.ministries),
        )
    )
    if wish is None or not wish_ops.can_view(_user(), wish):
        abort(404)
    return wish


# -- overview and page -------------------------------------------------------------------------


@bp.get("")
@role_required(Role.PILOT)
def index() -> ResponseReturnValue:
    """List the team's wishes and the ones it supports, optionally of one state."""
    form = OverviewFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("Alle statussen"))] + [
        SelectChoice(s.value, labels.label(s)) for s in WishState
    ]
    query = (
        select(Wish)
        .where(wish_ops.visible_wishes_filter(_user()))
        .options(
            selectinload(Wish.statute),
            selectinload(Wish.pilot),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
        )
        .order_by(Wish.updated_at.desc(), Wish.id.desc())
    )
    if form.validate() and form.status.data:
        query = query.where(Wish.state == WishState(form.status.data))
    wishes = list(get_session().scalars(query))
    return render_template("wishes/index.html", wishes=wishes, form=form)


@bp.get("/<int:wish_id>")
@login_required
def show(wish_id: int) -> ResponseReturnValue:
    """Show a wish with its legal basis, pilots, files, timeline and answers."""
    wish = _load(wish_id)
    return _render_show(wish)


def _render_show(
    wish: Wish,
    withdraw_form: WithdrawForm | None = None,
    support_form: SupportForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user, db = _user(), get_session()
    followers = list(
        db.scalars(
            select(Wish)
            .join(WishRelation, WishRelation.wish_id == Wish.id)
            .where(WishRelation.related_id == wish.id, wish_ops.visible_wishes_filter(user))
            .order_by(Wish.reference)
        )
    )
    if withdraw_form is None and wish_ops.can_withdraw(user, wish):
        withdraw_form = WithdrawForm()
    choices = wish_ops.supporting_pilot_choices(user, wish)
    if support_form is None and choices:
        support_form = SupportForm()
    if support_form is not None:
        support_form.pilot.choices = [SelectChoice(str(p.id), p.name) for p in choices]
    related = [(r, wish_ops.can_view(user, r.related)) for r in wish.relations]
    return render_template(
        "wishes/show.html",
        wish=wish,
        related=related,
        followers=followers,
        entries=wish_ops.timeline(db, wish),
        can_edit=wish_ops.can_edit(user, wish),
        withdraw_form=withdraw_form,
        support_form=support_form,
    ), status


# -- the wish form -----------------------------------------------------------------------------


def _fill_choices(form: WishForm, wish: Wish | None) -> dict[str, Statute]:
    statutes = {s.bwb_id: s for s in get_session().scalars(select(Statute).order_by(Statute.title))}
    form.statute.choices = [SelectChoice("", _("Kies een wet"))] + [
        SelectChoice(
            bwb,
            f"{s.title}" + (f" ({s.short_title})" if s.short_title else "") + f" – {bwb}",
        )
        for bwb, s in statutes.items()
    ]
    pilots = [wish.pilot] if wish is not None else list(_user().pilots)
    form.pilot.choices = [SelectChoice(str(p.id), p.name) for p in pilots]
    if wish is not None:
        # The raising pilot never changes; whatever was posted for it is ignored.
        form.pilot.data = str(wish.pilot_id)
    return statutes


def _form_data(wish: Wish) -> dict[str, Any]:
    return {
        **{name: getattr(wish, name) for name in wish_ops.TEXT_FIELDS},
        "pilot": str(wish.pilot_id),
        "statute": wish.statute.bwb_id if wish.statute else "",
        "statute_unknown": wish.statute_unknown,
        "benefit_cases_per_year": wish.benefit_cases_per_year,
        "urgency": wish.urgency.value,
        "depends_on": ", ".join(
            r.related.reference for r in wish.relations if r.kind is RelationKind.DEPENDS_ON
        ),
        "follows_from": ", ".join(
            r.related.reference for r in wish.relations if r.kind is RelationKind.FOLLOWS_FROM
        ),
        "version": str(wish.version),
    }


class _FormState:
    """What one POST of the wish form produced, besides the WTForms form itself."""

    def __init__(self) -> None:
        self.files: list[attachments.StoredFile] = []
        self.status = 400
        self.similar: list[Wish] = []
        self.stale = False
        self.ask_confirmation = False


def _receive_files(form: WishForm, wish: Wish | None, state: _FormState) -> None:
    """Keep earlier received files, store new uploads; errors go next to the file field."""
    user, folder = _user(), _upload_folder()
    secret = str(current_app.config["SECRET_KEY"])
    kept = attachments.load_pending(form.pending.data or "", secret=secret, user_id=user.id)
    dropped = set(request.form.getlist("drop_pending"))
    for stored in kept:
        if stored.stored_name in dropped:
            attachments.remove(folder, stored.stored_name)
        else:
            state.files.append(stored)
    uploads = [f for f in request.files.getlist(form.attachments.name) if f and f.filename]
    room = attachments.MAX_PER_WISH - len(wish.attachments if wish else []) - len(state.files)
    errors: list[str] = []
    if len(uploads) > room:
        errors.append(
            _(
                "Een knelpunt kan hoogstens %(n)s bijlagen hebben; "
                "u kunt er nog %(room)s toevoegen.",
                n=attachments.MAX_PER_WISH,
                room=max(room, 0),
            )
        )
        uploads = []
    for upload in uploads:
        name = attachments.clean_name(upload.filename or "")
        try:
            data = attachments.read_capped(upload.stream)
            state.files.append(attachments.store(folder, data, name))
        except attachments.TooLarge as error:
            state.status = 413
            errors.append(f"{name}: {_(str(error))}")
        except attachments.AttachmentError as error:
            errors.append(f"{name}: {_(str(error))}")
    if errors:
        form.attachments.errors = errors
    form.pending.data = attachments.sign_pending(state.files, secret=secret, user_id=user.id)


def _wish_data(form: WishForm, statutes: dict[str, Statute]) -> wish_ops.WishData | None:
    """Turn a validated form into WishData, resolving the referenced wishes; None on errors."""
    db, user = get_session(), _user()
    related: dict[str, list[Wish]] = {}
    for name in ("depends_on", "follows_from"):
        field = getattr(form, name)
        try:
            related[name] = wish_ops.resolve_references(
                db, user, wish_ops.parse_references(field.data or "")
            )
        except wish_ops.WishError as error:
            field.errors = [*field.errors, _(str(error))]
    if form.errors:
        return None
    return wish_ops.WishData(
        title=form.title.data or "",
        problem=form.problem.data or "",
        statute=statutes.get(form.statute.data or ""),
        statute_unknown=bool(form.statute_unknown.data),
        article=form.article.data or "",
        paragraph=form.paragraph.data or "",
        proposed_change=form.proposed_change.data or "",
        benefit_who=form.benefit_who.data or "",
        benefit_cases_per_year=form.benefit_cases_per_year.data,
        benefit_savings=form.benefit_savings.data or "",
        urgency=Urgency(form.urgency.data),
        urgency_reason=form.urgency_reason.data or "",
        depends_on=related["depends_on"],
        follows_from=related["follows_from"],
    )


def _handle_form(wish: Wish | None) -> ResponseReturnValue:
    """Show the wish form, or save it: concept, check for similar wishes, or submit."""
    user, db = _user(), get_session()
    if request.method == "POST":
        # Only the attachments field takes files: a file posted under a text field's name
        # must not reach a text field.
        files = MultiDict(
            [(k, f) for k, f in request.files.items(multi=True) if k == WishForm.attachments.name]
        )
        form = WishForm(CombinedMultiDict((files, request.form)))
    else:
        form = WishForm(data=_form_data(wish) if wish else None)
    statutes = _fill_choices(form, wish)
    state = _FormState()
    if request.method != "POST":
        return _render_form(form, wish, state, status=200)

    action = request.form.get("action", ACTION_CONCEPT)
    action = action if action in ACTIONS else ACTION_CONCEPT
    valid = form.validate()
    # Files are received even when other fields have errors, so nobody has to pick them again.
    _receive_files(form, wish, state)
    if not valid or form.attachments.errors:
        return _render_form(form, wish, state, status=state.status)
    data = _wish_data(form, statutes)
    if data is None:
        return _render_form(form, wish, state, status=400)
    submitting = action in (ACTION_SUBMIT, ACTION_SUBMIT_ANYWAY)
    if submitting:
        for name, message in wish_ops.incomplete(data).items():
            getattr(form, name).errors = [*getattr(form, name).errors, _(message)]
        if form.errors:
            return _render_form(form, wish, state, status=400)

    first_submission = wish is None or wish.state is WishState.CONCEPT
    if action == ACTION_CHECK or (action == ACTION_SUBMIT and first_submission):
        state.similar = search.similar_wishes(
            db,
            title=data.title,
            statute_id=data.statute.id if data.statute else None,
            article=data.article,
            exclude_wish_id=wish.id if wish else None,
        )
        if action == ACTION_CHECK or state.similar:
            state.ask_confirmation = action == ACTION_SUBMIT
            return _render_form(form, wish, state, status=200)

    try:
        if wish is None:
            pilot = next(p for p in user.pilots if str(p.id) == form.pilot.data)
            wish = wish_ops.create_wish(
                db, pilot=pilot, data=data, actor=user, submit=submitting, files=state.files
            )
        else:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            wish_ops.update_wish(
                db, wish, data=data, actor=user, version=version, files=state.files
            )
            if submitting:
                wish_ops.submit_wish(db, wish, actor=user)
    except wish_ops.StaleWish:
        db.rollback()
        state.stale = True
        return _render_form(form, wish, state, status=409)
    except wish_ops.WishError as error:
        db.rollback()
        target = getattr(form, error.field, None) or form.title
        target.errors = [*target.errors, _(str(error))]
        return _render_form(form, wish, state, status=400)
    db.commit()
    if submitting:
        flash(
            _("Knelpunt %(ref)s is ingediend bij het programmabureau.", ref=wish.reference),
            "success",
        )
    else:
        flash(_("Knelpunt %(ref)s is opgeslagen als concept.", ref=wish.reference), "success")
    return redirect(url_for("wishes.show", wish_id=wish.id))


def _render_form(
    form: WishForm, wish: Wish | None, state: _FormState, *, status: int
) -> ResponseReturnValue:
    user = _user()
    support_forms = []
    for other in state.similar:
        choices = wish_ops.supporting_pilot_choices(user, other)
        support = SupportForm(formdata=None, data={"note": form.problem.data or ""})
        support.pilot.choices = [SelectChoice(str(p.id), p.name) for p in choices]
        support_forms.append((other, support if choices else None))
    return render_template(
        "wishes/form.html",
        form=form,
        wish=wish,
        kept_files=state.files,
        similar=support_forms,
        checked=request.method == "POST" and not form.errors and not state.stale,
        ask_confirmation=state.ask_confirmation,
        stale=state.stale,
        max_files=attachments.MAX_PER_WISH,
    ), status


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(Role.PILOT)
def new() -> ResponseReturnValue:
    """Record a new wish for one of the user's pilots."""
    if not _user().pilots:
        flash(
            _("U bent nog geen lid van een pilot. Vraag het programmabureau om u toe te voegen."),
            "warning",
        )
        return redirect(url_for("main.index"))
    return _handle_form(None)


@bp.route("/<int:wish_id>/bewerken", methods=["GET", "POST"])
@role_required(Role.PILOT)
def edit(wish_id: int) -> ResponseReturnValue:
    """Change a wish while it is a concept or needs more information."""
    wish = _load(wish_id)
    if not wish_ops.can_edit(_user(), wish):
        abort(403)
    return _handle_form(wish)


# -- withdrawing and joining -------------------------------------------------------------------


@bp.post("/<int:wish_id>/intrekken")
@role_required(Role.PILOT)
def withdraw(wish_id: int) -> ResponseReturnValue:
    """Withdraw a wish on behalf of its pilot, with a reason."""
    wish = _load(wish_id)
    if not wish_ops.can_withdraw(_user(), wish):
        abort(403)
    form = WithdrawForm(request.form)
    if not form.validate():
        return _render_show(wish, withdraw_form=form, status=400)
    db = get_session()
    wish_ops.withdraw_wish(db, wish, reason=form.reason.data or "", actor=_user())
    db.commit()
    flash(_("Knelpunt %(ref)s is ingetrokken.", ref=wish.reference), "success")
    return redirect(url_for("wishes.show", wish_id=wish.id))


@bp.route("/<int:wish_id>/steunen", methods=["GET", "POST"])
@role_required(Role.PILOT)
def support(wish_id: int) -> ResponseReturnValue:
    """Join a wish as a supporting pilot: "wij lopen hier ook tegenaan"."""
    db, user = get_session(), _user()
    # Every wish a similarity check may offer can be joined; others do not exist here.
    wish = db.scalar(
        select(Wish)
        .where(Wish.id == wish_id, Wish.state.in_(search.SIMILAR_STATES))
        .options(
            selectinload(Wish.statute),
            selectinload(Wish.pilot),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
        )
    )
    if wish is None:
        abort(404)
    choices = wish_ops.supporting_pilot_choices(user, wish)
    if not choices:
        flash(_("Uw pilot is al betrokken bij knelpunt %(ref)s.", ref=wish.reference), "info")
        if wish_ops.can_view(user, wish):
            return redirect(url_for("wishes.show", wish_id=wish.id))
        return redirect(url_for("wishes.index"))
    form = SupportForm(request.form)
    form.pilot.choices = [SelectChoice(str(p.id), p.name) for p in choices]
    if request.method != "POST" or not form.validate():
        status = 400 if form.errors else 200
        return render_template("wishes/support.html", wish=wish, form=form), status
    pilot = next(p for p in choices if str(p.id) == form.pilot.data)
    wish_ops.support_wish(db, wish, pilot=pilot, note=form.note.data or "", actor=user)
    db.commit()
    flash(
        _(
            "Pilot %(pilot)s steunt nu knelpunt %(ref)s. U volgt het in uw overzicht.",
            pilot=pilot.name,
            ref=wish.reference,
        ),
        "success",
    )
    return redirect(url_for("wishes.show", wish_id=wish.id))


@bp.get("/vergelijkbaar")
@role_required(Role.PILOT, Role.OFFICE)
def similar() -> ResponseReturnValue:
    """Return, as small JSON, the wishes that look like what is being typed."""
    db = get_session()
    title = request.args.get("titel", "")[:200]
    bwb_id = request.args.get("statuut", "")[:16]
    article = request.args.get("artikel", "")[:40]
    exclude = request.args.get("behalve", "")
    statute_id = db.scalar(select(Statute.id).where(Statute.bwb_id == bwb_id)) if bwb_id else None
    found = search.similar_wishes(
        db,
        title=title,
        statute_id=statute_id,
        article=article,
        exclude_wish_id=int(exclude) if exclude.isdigit() else None,
    )
    user = _user()
    return jsonify(
        wishes=[
            {
                "id": w.id,
                "reference": w.reference,
                "title": w.title,
                "statute": w.statute.title if w.statute else "",
                "article": w.article,
                "state": labels.label(w.state),
                "pilotCount": 1 + len(w.supports),
                "canJoin": bool(wish_ops.supporting_pilot_choices(user, w)),
                "joinUrl": url_for("wishes.support", wish_id=w.id),
            }
            for w in found
        ]
    )


# -- attachments -------------------------------------------------------------------------------


@bp.get("/<int:wish_id>/bijlagen/<int:attachment_id>")
@login_required
def download(wish_id: int, attachment_id: int) -> ResponseReturnValue:
    """Send an attachment to someone who may see the wish, always as a download."""
    wish = _load(wish_id)
    attachment = next((a for a in wish.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    try:
        path = attachments.path_of(_upload_folder(), attachment.stored_name)
    except attachments.AttachmentError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachments.download_name(attachment.original_name, attachment.content_type),
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.post("/<int:wish_id>/bijlagen/<int:attachment_id>/verwijderen")
@role_required(Role.PILOT)
def remove_attachment(wish_id: int, attachment_id: int) -> ResponseReturnValue:
    """Remove an attachment while the wish may still be edited."""
    wish = _load(wish_id)
    attachment = get_session().get(Attachment, attachment_id)
    if attachment is None or attachment.wish_id != wish.id:
        abort(404)
    if not wish_ops.can_edit(_user(), wish):
        abort(403)
    db = get_session()
    stored_name = wish_ops.remove_attachment(db, wish, attachment, actor=_user())
    db.commit()
    attachments.remove(_upload_folder(), stored_name)
    flash(_("Bijlage %(name)s is verwijderd.", name=attachment.original_name), "success")
    return redirect(url_for("wishes.edit", wish_id=wish.id))
