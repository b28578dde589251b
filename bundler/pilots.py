"""The pilot registry: the programme office creates and edits pilots; members see their own."""

from __future__ import annotations

import itertools
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select, union
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from bundler import cache, labels, paged, pilot_ops
from bundler.auth import login_required, role_required
from bundler.db import get_session
from bundler.enums import Phase, Role
from bundler.models import (
    ExecutingOrganisation,
    Municipality,
    PhaseChange,
    Pilot,
    PilotMunicipality,
    User,
    Wish,
    WishSupport,
)
from bundler.office import listing
from bundler.pagination import Pagination, paginate
from bundler.rules import RuleError
from bundler.web import current_actor
from bundler.wishes.visibility import visible_wishes_filter
from forms.pilot import PhaseForm, PilotForm

bp = Blueprint("pilots", __name__, url_prefix="/pilots")


def init_app(app: Flask) -> None:
    """Register this blueprint."""
    app.register_blueprint(bp)


def _load_pilot(pilot_id: int) -> Pilot:
    pilot = get_session().scalar(
        select(Pilot)
        .where(Pilot.id == pilot_id)
        .options(
            selectinload(Pilot.members),
            selectinload(Pilot.executing_organisation),
            selectinload(Pilot.participations).selectinload(PilotMunicipality.municipality),
            selectinload(Pilot.phase_changes).selectinload(PhaseChange.changed_by),
        )
    )
    if pilot is None or not pilot_ops.can_view_pilot(get_session(), current_user, pilot):
        abort(404)
    return pilot


@bp.get("")
@role_required(Role.OFFICE, Role.ADMIN, Role.PILOT)
def index() -> ResponseReturnValue:
    """List the pilots: all of them for the office, a member's own for pilot members."""
    query = (
        select(Pilot)
        .options(
            selectinload(Pilot.executing_organisation),
            selectinload(Pilot.participations).selectinload(PilotMunicipality.municipality),
            selectinload(Pilot.members),
        )
        .order_by(Pilot.name)
    )
    if current_user.role is Role.PILOT:
        query = query.where(Pilot.id.in_([p.id for p in current_user.pilots]))
    return render_template("pilots/index.html", pilots=list(get_session().scalars(query)))


@bp.get("/<int:pilot_id>")
@login_required
def show(pilot_id: int) -> ResponseReturnValue:
    """Show a pilot: members, municipalities with their history, phases and wishes."""
    pilot = _load_pilot(pilot_id)
    ids, pagination = _backed_wish_ids(pilot, paged.page_number(request.args))
    current = [p for p in pilot.participations if p.left_on is None]
    former = [p for p in pilot.participations if p.left_on is not None]
    by_phase = [
        (phase, sorted(group, key=lambda p: p.municipality.name))
        for phase, group in itertools.groupby(
            sorted(current, key=lambda p: pilot_ops.PHASE_ORDER.index(p.joined_in_phase)),
            key=lambda p: p.joined_in_phase,
        )
    ]
    phase_form = None
    if current_user.role is Role.OFFICE:
        phase_form = PhaseForm(data={"phase": (pilot_ops.next_phase(pilot.phase) or "")})
        _fill_phase_choices(phase_form, pilot)
    return render_template(
        "pilots/show.html",
        pilot=pilot,
        by_phase=by_phase,
        former=sorted(former, key=lambda p: p.municipality.name),
        wish_table=_wish_table(pilot, ids),
        pagination=pagination,
        page_url=lambda n: url_for("pilots.show", pilot_id=pilot.id, pagina=n),
        phase_form=phase_form,
        warning=pilot_ops.municipality_warning(pilot),
    )


def _fill_choices(
    form: PilotForm, pilot: Pilot | None
) -> tuple[dict[str, ExecutingOrganisation], dict[str, Municipality], dict[str, User]]:
    db = get_session()
    organisations = {
        o.code: o
        for o in db.scalars(select(ExecutingOrganisation).order_by(ExecutingOrganisation.name))
    }
    current = (
        {p.municipality_id for p in pilot.participations if p.left_on is None} if pilot else set()
    )
    municipalities = {
        m.cbs_code: m
        for m in db.scalars(select(Municipality).order_by(Municipality.province, Municipality.name))
        if m.active or m.id in current
    }
    members = {
        str(u.id): u
        for u in db.scalars(
            select(User).where(User.role == Role.PILOT, User.active).order_by(User.name)
        )
    }
    if pilot is not None:
        members.update({str(u.id): u for u in pilot.members})
    form.executing_organisation.choices = [SelectChoice("", _("Nog geen"))] + [
        SelectChoice(code, o.name) for code, o in organisations.items()
    ]
    form.municipalities.choices = [
        SelectChoice(code, m.name, optgroup=m.province) for code, m in municipalities.items()
    ]
    form.members.choices = [SelectChoice(pk, f"{u.name} ({u.email})") for pk, u in members.items()]
    return organisations, municipalities, members


def _fill_phase_choices(form: PhaseForm, pilot: Pilot) -> None:
    form.phase.choices = [
        SelectChoice(p.value, labels.label(p))
        for p in pilot_ops.PHASE_ORDER
        if p is not pilot.phase
    ]


def _save(form: PilotForm, pilot: Pilot | None) -> Pilot | None:
    organisations, municipalities, members = _fill_choices(form, pilot)
    if request.method != "POST" or not form.validate():
        return None
    db = get_session()
    values: dict[str, Any] = {
        "name": form.name.data or "",
        "description": form.description.data or "",
        "executing_organisation": organisations.get(form.executing_organisation.data or ""),
        # dict.fromkeys: a tampered form may repeat an id; each counts once. WTForms'
        # Optional() lets an empty value ("") through its choice check: skip what is unknown.
        "municipalities": [
            municipalities[c]
            for c in dict.fromkeys(form.municipalities.data or [])
            if c in municipalities
        ],
        "members": [members[pk] for pk in dict.fromkeys(form.members.data or []) if pk in members],
        "actor": current_actor(),
    }
    try:
        if pilot is None:
            pilot = pilot_ops.create_pilot(db, **values)
        else:
            pilot_ops.update_pilot(db, pilot, **values)
    except RuleError as error:
        form.add_rule_error(error)
        return None
    db.commit()
    return pilot


def _render_form(form: PilotForm, pilot: Pilot | None) -> ResponseReturnValue:
    groups = [
        (province, list(choices))
        for province, choices in itertools.groupby(
            form.municipalities.choices or [], key=lambda c: c.optgroup
        )
    ]
    return render_template(
        "pilots/form.html", form=form, pilot=pilot, provinces=groups
    ), 400 if form.errors else 200


def _backed_wish_ids(pilot: Pilot, page: int) -> tuple[list[int], Pagination]:
    """Return the ids of one page of the wishes the pilot raised or supports that the viewer
    may see, newest first.

    Each of the two lists is walked newest first by its own index (pilot, wish id) and cut at
    the page's end; their union then gives the page, so a busy pilot costs as much as a quiet
    one. The total and the page are cached until the data changes.
    """
    db = get_session()
    visible = visible_wishes_filter(current_user)
    supported = select(WishSupport.wish_id).where(WishSupport.pilot_id == pilot.id)
    # What the visibility rule depends on: role, own pilots (pilot members only: reading them
    # costs a query), own ministry.
    viewer = (
        current_user.role,
        current_user.ministry_id,
        tuple(sorted(p.id for p in current_user.pilots)) if current_user.role is Role.PILOT else (),
    )
    total = cache.cached(
        db,
        ("pilot.wishes", pilot.id, *viewer),
        lambda: (
            db.scalar(
                select(func.count())
                .select_from(Wish)
                .where(
                    visible,
                    Wish.id.in_(union(select(Wish.id).where(Wish.pilot_id == pilot.id), supported)),
                )
            )
            or 0
        ),
    )
    pagination = paginate(page, paged.PER_PAGE, total)
    end = pagination.page * paged.PER_PAGE
    raised = (
        select(Wish.id.label("id"))
        .where(Wish.pilot_id == pilot.id, visible)
        .order_by(Wish.id.desc())
        .limit(end)
        .subquery()
    )
    backed = (
        select(WishSupport.wish_id.label("id"))
        .join(Wish, Wish.id == WishSupport.wish_id)
        .where(WishSupport.pilot_id == pilot.id, visible)
        .order_by(WishSupport.wish_id.desc())
        .limit(end)
        .subquery()
    )
    both = union(select(raised.c.id), select(backed.c.id)).subquery()
    statement = (
        select(both.c.id)
        .order_by(both.c.id.desc())
        .limit(paged.PER_PAGE)
        .offset(end - paged.PER_PAGE)
    )
    key = ("pilot.page", pilot.id, pagination.page, *viewer)
    return list(cache.cached(db, key, lambda: tuple(db.scalars(statement)))), pagination


def _wish_table(pilot: Pilot, ids: list[int]) -> Markup:
    """Return the table of these wishes as HTML, cached until the data changes.

    What a row shows depends on the viewer only through the answers it may see (a ministry
    sees its own), so the key holds the role and the ministry beside the wishes.
    """
    db = get_session()

    def render() -> str:
        table = get_template_attribute("_macros/wish.html", "wish_table")
        caption = _("Knelpunten van en gesteund door deze pilot")
        return str(table(listing.load_wishes(db, ids), caption=caption, pilot=pilot))

    locale = str(get_locale() or "")
    viewer = (current_user.role, current_user.ministry_id)
    key = ("pilot.wish_table", locale, pilot.id, *viewer, *ids)
    return Markup(cache.cached(db, key, render))  # noqa: S704 - our own template's output


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(Role.OFFICE)
def new() -> ResponseReturnValue:
    """Register a new pilot."""
    form = PilotForm(request.form)
    pilot = _save(form, None)
    if pilot is not None:
        flash(_("Pilot %(name)s aangemaakt.", name=pilot.name), "success")
        return redirect(url_for("pilots.show", pilot_id=pilot.id))
    return _render_form(form, None)


@bp.route("/<int:pilot_id>/bewerken", methods=["GET", "POST"])
@role_required(Role.OFFICE)
def edit(pilot_id: int) -> ResponseReturnValue:
    """Change a pilot's details, municipalities and members."""
    pilot = _load_pilot(pilot_id)
    data = None
    if request.method != "POST":
        data = {
            "name": pilot.name,
            "description": pilot.description,
            "executing_organisation": pilot.executing_organisation.code
            if pilot.executing_organisation
            else "",
            "municipalities": [m.cbs_code for m in pilot.municipalities],
            "members": [str(u.id) for u in pilot.members],
        }
    form = PilotForm(request.form if request.method == "POST" else None, data=data)
    if _save(form, pilot) is not None:
        flash(_("Pilot %(name)s bijgewerkt.", name=pilot.name), "success")
        return redirect(url_for("pilots.show", pilot_id=pilot.id))
    return _render_form(form, pilot)


@bp.post("/<int:pilot_id>/fase")
@role_required(Role.OFFICE)
def move_phase(pilot_id: int) -> ResponseReturnValue:
    """Move a pilot to another phase on a date."""
    pilot = _load_pilot(pilot_id)
    form = PhaseForm(request.form)
    _fill_phase_choices(form, pilot)
    if form.validate():
        db = get_session()
        try:
            pilot_ops.move_phase(
                db,
                pilot,
                phase=Phase(form.phase.data),
                on=form.changed_on.data,
                actor=current_actor(),
            )
        except RuleError as error:
            form.add_rule_error(error)
        else:
            db.commit()
            flash(
                _(
                    "Pilot %(name)s is nu in de fase %(phase)s.",
                    name=pilot.name,
                    phase=labels.label(pilot.phase),
                ),
                "success",
            )
            if pilot.phase is Phase.LIMITED_SCALE_UP:
                flash(_("Voeg nu de gemeenten van de opschaling toe."), "info")
                return redirect(url_for("pilots.edit", pilot_id=pilot.id))
            return redirect(url_for("pilots.show", pilot_id=pilot.id))
    return render_template("pilots/phase.html", pilot=pilot, form=form), 400
