"""Form factories of the office pages: each builds a WTForms form and fills its choices.

The form classes in `forms/office.py` only declare fields and validation; these factories
load what a choice list needs (ministries, statutes, pilots) and, for a stored wish, the
values the form starts from. A posted form never falls back to stored values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from bundler import audit, labels, refdata, workflow
from bundler.enums import Role, Urgency, WishState
from bundler.models import Ministry, Municipality, Pilot, PilotMunicipality, Wish
from bundler.office import filters
from bundler.office.ops import TEXT_FORM_FIELDS, BulkAction, default_ministries
from forms.office import (
    AuditFilterForm,
    BulkForm,
    InboxFilterForm,
    LegalBasisForm,
    StateForm,
    TextForm,
)

SORT_CHOICES = (
    ("ingediend", _l("Datum van indienen")),
    ("kenmerk", _l("Kenmerk")),
    ("titel", _l("Titel")),
    ("status", _l("Status")),
    ("urgentie", _l("Urgentie")),
    ("gewijzigd", _l("Laatst gewijzigd")),
)


def _ministry_choices(ministries: Sequence[Ministry]) -> list[SelectChoice]:
    return [SelectChoice(m.code, f"{m.name} ({m.code})") for m in ministries]


def _statute_choices(db: Session) -> list[SelectChoice]:
    return [SelectChoice(s.bwb_id, f"{s.title} ({s.bwb_id})") for s in refdata.statutes(db)]


def inbox_filter_form(db: Session, f: filters.InboxFilter, formdata: Any) -> InboxFilterForm:
    """Build the inbox filter form with every choice the office can filter on."""
    form = InboxFilterForm(
        formdata or None,
        data={
            "sorteer": f.sort,
            "richting": "af" if f.descending else "op",
            "per": str(f.per_page),
            "status": [s.value for s in f.states],
        },
    )
    form.status.choices = [SelectChoice(s.value, labels.label(s)) for s in filters.INBOX_STATES]
    form.ministerie.choices = [
        SelectChoice("", _("Alle ministeries")),
        SelectChoice(filters.NONE, _("Nog geen ministerie")),
        *_ministry_choices(refdata.current_ministries(db)),
    ]
    form.wet.choices = [
        SelectChoice("", _("Alle wetten")),
        SelectChoice(filters.NONE, _("Wet nog onbekend")),
        *_statute_choices(db),
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
    form.sorteer.choices = [SelectChoice(key, str(text)) for key, text in SORT_CHOICES]
    form.richting.choices = [
        SelectChoice("af", _("Aflopend (nieuwste, hoogste eerst)")),
        SelectChoice("op", _("Oplopend")),
    ]
    form.per.choices = [SelectChoice(str(n), str(n)) for n in filters.PER_PAGE_CHOICES]
    return form


def bulk_form(
    db: Session, wishes: Sequence[Wish], formdata: Any = None
) -> tuple[BulkForm, dict[str, Ministry]]:
    """Build the bulk-action form for the wishes on the page; return it with its ministries."""
    form = BulkForm(formdata)
    ministries = {m.code: m for m in refdata.current_ministries(db)}
    form.knelpunt.choices = [SelectChoice(str(w.id), w.reference) for w in wishes]
    form.actie.choices = [
        SelectChoice("", _("Kies een actie")),
        SelectChoice(BulkAction.ACCEPT.value, _("Accepteren")),
        SelectChoice(BulkAction.ASSIGN_MINISTRY.value, _("Ministerie toewijzen")),
        SelectChoice(BulkAction.REQUEST_INFO.value, _("Aanvulling vragen")),
    ]
    form.ministerie.choices = [
        SelectChoice("", _("Kies een ministerie")),
        *_ministry_choices(list(ministries.values())),
    ]
    return form, ministries


def legal_basis_form(db: Session, wish: Wish, formdata: Any = None) -> LegalBasisForm:
    """Build the legal-basis form: statute, article, paragraph and responsible ministries."""
    chosen = wish.ministries or default_ministries(wish.statute)
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
    form.statute.choices = [SelectChoice("", _("Nog onbekend")), *_statute_choices(db)]
    if wish.statute is not None and wish.statute.retired_on is not None:
        form.statute.choices.append(
            SelectChoice(wish.statute.bwb_id, f"{wish.statute.title} ({wish.statute.bwb_id})")
        )
    form.ministries.choices = _ministry_choices(refdata.current_ministries(db))
    return form


def text_form(wish: Wish, formdata: Any = None) -> TextForm:
    """Build the form for the text of a wish."""
    form = TextForm(
        formdata,
        data=None
        if formdata is not None
        else {
            "version": wish.version,
            **{k: getattr(wish, k) for k in TEXT_FORM_FIELDS if k != "urgency"},
            "urgency": wish.urgency.value,
        },
    )
    form.urgency.choices = [SelectChoice(u.value, labels.label(u)) for u in Urgency]
    return form


def state_form(wish: Wish, formdata: Any = None) -> StateForm:
    """Build the state form with the moves the office may make by hand from here."""
    form = StateForm(formdata, data=None if formdata is not None else {"version": wish.version})
    # Merging has its own page; "aangeboden" follows from publishing a package, not a click here.
    by_hand = [
        t
        for t in workflow.targets(wish.state, Role.OFFICE)
        if t not in (WishState.MERGED, WishState.OFFERED)
    ]
    form.state.choices = [
        SelectChoice("", _("Kies een status")),
        *(SelectChoice(t.value, labels.label(t)) for t in by_hand),
    ]
    return form


def audit_filter_form(db: Session, formdata: Any) -> AuditFilterForm:
    """Build the audit-log filter form with the actions and object kinds that occur."""
    form = AuditFilterForm(formdata or None)
    form.action.choices = [
        SelectChoice("", _("Alle handelingen")),
        *(SelectChoice(a, labels.timeline_action(a)) for a in audit.actions(db)),
    ]
    form.object_type.choices = [
        SelectChoice("", _("Alle soorten")),
        *(SelectChoice(k, labels.object_label(k)) for k in audit.object_types(db)),
    ]
    return form
