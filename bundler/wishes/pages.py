"""A pilot team's wishes: its overview, one wish's page, withdrawing and joining."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from bundler import bounded, labels, paged
from bundler.auth import login_required, role_required
from bundler.db import get_session
from bundler.enums import Role, WishState
from bundler.models import (
    Answer,
    Pilot,
    PilotMunicipality,
    Statute,
    Wish,
    WishRelation,
    WishSupport,
)
from bundler.web import current_actor
from bundler.wishes import ops
from bundler.wishes.timeline import timeline
from bundler.wishes.visibility import (
    JOINABLE_STATES,
    RAISER,
    can_edit,
    can_view,
    can_withdraw,
    involvement,
    similar_for,
    support_notes_shown,
    supporting_pilot_choices,
    visible_attachments,
    visible_timeline,
    visible_wishes_filter,
)
from forms.base import CsrfForm
from forms.wish import OverviewFilterForm, SupportForm, WithdrawForm


def load_wish(wish_id: int) -> Wish:
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
            selectinload(Wish.answers).selectinload(Answer.ministry),
        )
    )
    if wish is None or not can_view(current_actor(), wish):
        abort(404)
    return wish


@role_required(Role.PILOT)
def index() -> ResponseReturnValue:
    """List the team's wishes and the ones it supports, optionally of one state."""
    form = OverviewFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("Alle statussen"))] + [
        SelectChoice(s.value, labels.label(s)) for s in WishState
    ]
    query = (
        select(Wish)
        .where(visible_wishes_filter(current_actor()))
        .options(
            selectinload(Wish.statute),
            selectinload(Wish.pilot),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
            selectinload(Wish.answers).selectinload(Answer.ministry),
        )
        .order_by(Wish.updated_at.desc(), Wish.id.desc())
    )
    status = ""
    if form.validate() and form.status.data:
        status = form.status.data
        query = query.where(Wish.state == WishState(status))
    wishes, pagination = paged.page_of(get_session(), query, paged.page_number(request.args))
    return render_template(
        "wishes/index.html",
        wishes=wishes,
        form=form,
        pagination=pagination,
        page_url=lambda n: url_for("wishes.index", status=status or None, pagina=n),
    )


@login_required
def show(wish_id: int) -> ResponseReturnValue:
    """Show a wish with its legal basis, pilots, files, timeline and answers."""
    wish = load_wish(wish_id)
    return _render_show(wish)


def _render_show(
    wish: Wish,
    withdraw_form: WithdrawForm | None = None,
    support_form: SupportForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    user, db = current_actor(), get_session()
    followers = list(
        db.scalars(
            select(Wish)
            .join(WishRelation, WishRelation.wish_id == Wish.id)
            .where(WishRelation.related_id == wish.id, visible_wishes_filter(user))
            .order_by(Wish.reference)
        )
    )
    if withdraw_form is None and can_withdraw(user, wish):
        withdraw_form = WithdrawForm()
    choices = supporting_pilot_choices(user, wish)
    if support_form is None and choices:
        support_form = SupportForm()
    if support_form is not None:
        support_form.pilot.choices = [SelectChoice(str(p.id), p.name) for p in choices]
    related = [(r, can_view(user, r.related)) for r in wish.relations]
    return render_template(
        "wishes/show.html",
        wish=wish,
        related=related,
        followers=followers,
        entries=visible_timeline(user, wish, timeline(db, wish)),
        files=visible_attachments(user, wish),
        notes_of=support_notes_shown(user, wish),
        can_share=involvement(user, wish) == RAISER,
        share_form=CsrfForm(),
        can_edit=can_edit(user, wish),
        withdraw_form=withdraw_form,
        support_form=support_form,
    ), status


@role_required(Role.PILOT)
def withdraw(wish_id: int) -> ResponseReturnValue:
    """Withdraw a wish on behalf of its pilot, with a reason."""
    wish = load_wish(wish_id)
    if not can_withdraw(current_actor(), wish):
        abort(403)
    form = WithdrawForm(request.form)
    if not form.validate():
        return _render_show(wish, withdraw_form=form, status=400)
    db = get_session()
    ops.withdraw_wish(db, wish, reason=form.reason.data or "", actor=current_actor())
    db.commit()
    flash(_("Knelpunt %(ref)s is ingetrokken.", ref=wish.reference), "success")
    return redirect(url_for("wishes.show", wish_id=wish.id))


@role_required(Role.PILOT)
def support(wish_id: int) -> ResponseReturnValue:
    """Join a wish as a supporting pilot: "wij lopen hier ook tegenaan"."""
    db, user = get_session(), current_actor()
    # Every wish a similarity check may offer can be joined; others (closed ones, concepts)
    # do not exist here. The page shows only what deciding to join needs.
    wish = db.scalar(
        select(Wish)
        .where(Wish.id == wish_id, Wish.state.in_(JOINABLE_STATES))
        .options(
            selectinload(Wish.statute),
            selectinload(Wish.pilot),
            selectinload(Wish.supports).selectinload(WishSupport.pilot),
        )
    )
    if wish is None:
        abort(404)
    choices = supporting_pilot_choices(user, wish)
    if not choices:
        flash(_("Uw pilot is al betrokken bij knelpunt %(ref)s.", ref=wish.reference), "info")
        if can_view(user, wish):
            return redirect(url_for("wishes.show", wish_id=wish.id))
        return redirect(url_for("wishes.index"))
    form = SupportForm(request.form)
    form.pilot.choices = [SelectChoice(str(p.id), p.name) for p in choices]
    if request.method != "POST" or not form.validate():
        status = 400 if form.errors else 200
        return render_template("wishes/support.html", wish=wish, form=form), status
    pilot = next(p for p in choices if str(p.id) == form.pilot.data)
    try:
        ops.support_wish(db, wish, pilot=pilot, note=form.note.data or "", actor=user)
        db.commit()
    except IntegrityError:
        # The same pilot joined at the same moment (a double click): it supports the wish.
        db.rollback()
        flash(_("Uw pilot is al betrokken bij knelpunt %(ref)s.", ref=wish.reference), "info")
        return redirect(url_for("wishes.show", wish_id=wish_id))
    flash(
        _(
            "Pilot %(pilot)s steunt nu knelpunt %(ref)s. U volgt het in uw overzicht.",
            pilot=pilot.name,
            ref=wish.reference,
        ),
        "success",
    )
    return redirect(url_for("wishes.show", wish_id=wish.id))


@role_required(Role.PILOT, Role.OFFICE)
def similar() -> ResponseReturnValue:
    """Return, as small JSON, the wishes that look like what is being typed."""
    db = get_session()
    title = request.args.get("titel", "")[:200]
    bwb_id = request.args.get("statuut", "")[:16]
    article = request.args.get("artikel", "")[:40]
    exclude = request.args.get("behalve", "")
    statute_id = db.scalar(select(Statute.id).where(Statute.bwb_id == bwb_id)) if bwb_id else None
    user = current_actor()
    found = similar_for(
        db,
        user,
        title=title,
        statute_id=statute_id,
        article=article,
        exclude_wish_id=bounded.parse_id(exclude),
    )
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
                "canJoin": bool(supporting_pilot_choices(user, w)),
                "joinUrl": url_for("wishes.support", wish_id=w.id),
            }
            for w in found
        ]
    )
