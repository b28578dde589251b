"""Triage of one wish: legal basis and ministries, text and state, with 409 on stale edits."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from bundler import audit, labels, workflow
from bundler.auth import role_required
from bundler.db import get_session
from bundler.enums import Role, Urgency, WishState
from bundler.models import (
    Ministry,
    Pilot,
    PilotMunicipality,
    Statute,
    Wish,
    WishRelation,
    WishSupport,
)
from bundler.office import merging, ops
from bundler.office.forms import legal_basis_form, state_form, text_form
from bundler.rules import RuleError, StaleEdit
from bundler.search import similar_wishes
from bundler.web import current_actor
from bundler.wishes import ops as wishes_ops
from forms.base import BaseForm
from forms.law_link import apply_law_link
from forms.office import LegalBasisForm, MergeForm, StateForm, TextForm

# Rows of the conflict page: (field label, the stored value, the officer's value).
ConflictRows = list[tuple[str, str, str]]


def load_wish(reference: str, *, full: bool = False) -> Wish:
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
    if wish.state in merging.MERGEABLE:
        similar = similar_wishes(
            db,
            title=wish.title,
            statute_id=wish.statute_id,
            article=wish.article,
            exclude_wish_id=wish.id,
        )
    return render_template(
        "office/triage.html",
        wish=wish,
        legal_form=legal or legal_basis_form(db, wish),
        text_form=text or text_form(wish),
        state_form=state or state_form(wish),
        merge_form=MergeForm(),
        similar=[w for w in similar if w.state in merging.MERGE_TARGETS],
        merged_here=merging.merged_into_this(db, wish),
        merge=merging.active_merge(db, wish) if wish.state is WishState.MERGED else None,
        workable=wish.state in ops.WORKABLE,
        mergeable=wish.state in merging.MERGEABLE,
        events=audit.newest(db, audit.of_object("wish", wish.id), limit=5),
    ), status


@role_required(Role.OFFICE)
def triage(reference: str) -> ResponseReturnValue:
    """Show a wish with its triage forms: legal basis and ministries, text, state, merge."""
    return _render_triage(load_wish(reference, full=True))


def _conflict(wish: Wish, kind: str, form: BaseForm, rows: ConflictRows) -> ResponseReturnValue:
    """Answer 409: show the stored version next to the officer's own, keeping the typed text."""
    # The form now carries the stored version: saving it again is a deliberate overwrite.
    form.version.data = wish.version
    form.version.raw_data = [str(wish.version)]
    last = audit.newest(get_session(), audit.of_object("wish", wish.id), limit=1)
    return render_template(
        "office/conflict.html",
        wish=wish,
        kind=kind,
        form=form,
        rows=rows,
        last=last[0] if last else None,
    ), 409


def _save(
    wish: Wish,
    form: BaseForm,
    change: Callable[[int], object],
    on_conflict: Callable[[], ResponseReturnValue],
    render: Callable[[], ResponseReturnValue],
) -> ResponseReturnValue | None:
    """Run a change with the form's version and commit; None when it was saved.

    A stale version answers 409 through `on_conflict`; a refused change re-renders the form
    with the refusal next to its field.
    """
    db = get_session()
    version = form.version.data
    if not isinstance(version, int):
        abort(400)
    try:
        change(version)
        db.flush()
    except (StaleEdit, StaleDataError):
        db.rollback()
        db.refresh(wish)
        return on_conflict()
    except RuleError as error:
        db.rollback()
        form.add_rule_error(error)
        return render()
    db.commit()
    return None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _legal_rows(wish: Wish, form: LegalBasisForm) -> ConflictRows:
    stored = ops.legal_snapshot(wish)
    return [
        (str(form.statute.label.text), stored["statute"] or "", form.statute.data or ""),
        (str(form.article.label.text), stored["article"], form.article.data or ""),
        (str(form.paragraph.label.text), stored["paragraph"], form.paragraph.data or ""),
        (
            str(form.ministries.label.text),
            ", ".join(stored["ministries"]),
            ", ".join(form.ministries.data or []),
        ),
    ]


@role_required(Role.OFFICE)
def save_legal_basis(reference: str) -> ResponseReturnValue:
    """Confirm or set statute, article, paragraph and responsible ministries."""
    db = get_session()
    wish = load_wish(reference, full=True)
    form = legal_basis_form(db, wish, request.form)
    proposed = apply_law_link(form, {c.value for c in form.statute.choices if c.value})
    if not form.validate():
        return _render_triage(wish, legal=form, status=400)
    statute = db.scalar(select(Statute).where(Statute.bwb_id == form.statute.data))
    chosen = list(db.scalars(select(Ministry).where(Ministry.code.in_(form.ministries.data or []))))
    refused = _save(
        wish,
        form,
        lambda version: ops.set_legal_basis(
            db,
            wish,
            statute=statute,
            article=form.article.data or "",
            paragraph=form.paragraph.data or "",
            ministries=chosen,
            expected_version=version,
            proposed_bwb_id=proposed,
        ),
        lambda: _conflict(wish, "legal", form, _legal_rows(wish, form)),
        lambda: _render_triage(wish, legal=form, status=400),
    )
    if refused is not None:
        return refused
    flash(_("Wettelijke grondslag en ministeries opgeslagen."), "success")
    return redirect(url_for("office.triage", reference=wish.reference))


def _text_values(form: TextForm) -> dict[str, object]:
    values: dict[str, object] = {k: getattr(form, k).data for k in ops.TEXT_FORM_FIELDS}
    for key, value in values.items():
        if key != "benefit_cases_per_year":
            values[key] = str(value or "").strip()
    return values


def _text_rows(wish: Wish, form: TextForm, values: dict[str, object]) -> ConflictRows:
    def shown(key: str, value: object) -> str:
        return labels.label(Urgency(str(value))) if key == "urgency" else _text(value)

    return [
        (
            str(getattr(form, key).label.text),
            shown(key, getattr(wish, key)),
            shown(key, values[key]),
        )
        for key in ops.TEXT_FORM_FIELDS
    ]


@role_required(Role.OFFICE)
def save_text(reference: str) -> ResponseReturnValue:
    """Change the text of a wish; a form loaded from an older version gets 409."""
    db = get_session()
    wish = load_wish(reference, full=True)
    form = text_form(wish, request.form)
    if not form.validate():
        return _render_triage(wish, text=form, status=400)
    values = _text_values(form)
    refused = _save(
        wish,
        form,
        lambda version: ops.edit_text(db, wish, values, expected_version=version),
        lambda: _conflict(wish, "text", form, _text_rows(wish, form, values)),
        lambda: _render_triage(wish, text=form, status=400),
    )
    if refused is not None:
        return refused
    flash(_("Tekst opgeslagen."), "success")
    return redirect(url_for("office.triage", reference=wish.reference))


def _state_conflict(wish: Wish, form: StateForm) -> ResponseReturnValue:
    target, reason = WishState(form.state.data), form.reason.data or ""
    rows = [
        (_("Status"), labels.label(wish.state), labels.label(target)),
        (str(form.reason.label.text), wish.state_reason, reason),
    ]
    # The stored state may allow other moves now: offer the officer's choice only if it is one.
    fresh = state_form(wish)
    fresh.reason.data = reason
    allowed = {choice.value for choice in fresh.state.choices}
    fresh.state.data = form.state.data if form.state.data in allowed else ""
    return _conflict(wish, "state", fresh, rows)


@role_required(Role.OFFICE)
def save_state(reference: str) -> ResponseReturnValue:
    """Move a wish to another state, with a reason where the workflow asks for one."""
    db = get_session()
    wish = load_wish(reference, full=True)
    form = state_form(wish, request.form)
    if not form.validate():
        return _render_triage(wish, state=form, status=400)
    target = WishState(form.state.data)
    refused = _save(
        wish,
        form,
        lambda version: ops.change_state(
            db, wish, target, form.reason.data or "", expected_version=version
        ),
        lambda: _state_conflict(wish, form),
        lambda: _render_triage(wish, state=form, status=400),
    )
    if refused is not None:
        return refused
    flash(_("Status gewijzigd in %(state)s.", state=labels.label(target)), "success")
    return redirect(url_for("office.triage", reference=wish.reference))


@role_required(Role.OFFICE)
def remove_support(reference: str, support_id: int) -> ResponseReturnValue:
    """Undo a pilot's support of a wish; audited."""
    wish = load_wish(reference, full=True)
    support = next((s for s in wish.supports if s.id == support_id), None)
    if support is None:
        abort(404)
    db = get_session()
    pilot = support.pilot.name
    wishes_ops.remove_support(db, support, actor=current_actor())
    db.commit()
    flash(_("De steun van pilot %(pilot)s is ongedaan gemaakt.", pilot=pilot), "success")
    return redirect(url_for("office.triage", reference=wish.reference))
