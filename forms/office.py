"""Forms of the programme office: inbox filter, bulk actions, triage, text, state, audit filter."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import (
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, Select

from bundler.juriconnect import is_article, is_paragraph
from forms.base import BaseForm, BoundedDateField, BoundedIntegerField
from forms.law_link import law_link_field


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes in a fieldset (rendered by the field macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RememberingSelect(Select):
    """A select that renders each distinct option once per process, then reuses the HTML.

    The inbox filter lists every municipality, pilot and statute: rendering those hundreds of
    options again on each request was most of the inbox's time. An option's HTML depends only
    on its value, label, selected flag and attributes, which together are the key.
    """

    MAX_REMEMBERED = 20_000
    _remembered: ClassVar[dict[Any, Markup]] = {}

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        extra = choice.render_kw or {}
        if extra or kwargs:
            rendered: Markup = super().render_option(choice, **kwargs)
            return rendered
        key = (choice.value, str(choice.label), bool(choice.selected))
        found = cls._remembered.get(key)
        if found is None:
            found = super().render_option(choice)
            if len(cls._remembered) >= cls.MAX_REMEMBERED:
                cls._remembered.clear()
            cls._remembered[key] = found
        return found


class VersionField(BoundedIntegerField):
    """The version of the wish the form was loaded from, sent back to detect stale edits."""

    widget = HiddenInput()


class GetForm(BaseForm):
    """A filter form sent with GET: no CSRF token, so the URL stays shareable."""

    class Meta(BaseForm.Meta):
        csrf = False


def _article(form: Any, field: Any) -> None:
    if field.data and not is_article(field.data.strip()):
        raise ValidationError(_l("Schrijf het artikel zoals de wet het doet, zoals 19h of 1:3."))


def _paragraph(form: Any, field: Any) -> None:
    if field.data and not is_paragraph(field.data.strip()):
        raise ValidationError(_l("Schrijf het lid als een nummer, zoals 2 of 2a."))


class InboxFilterForm(GetForm):
    zoek = SearchField(
        _l("Zoeken"),
        description=_l("Woorden uit titel, probleem of voorstel, of een kenmerk (KN-2026-0042)."),
        validators=[Optional(), Length(max=200)],
    )
    status = MultiCheckboxField(_l("Status"), validators=[Optional()])
    ministerie = SelectField(
        widget=RememberingSelect(), label=_l("Ministerie"), validators=[Optional()]
    )
    wet = SelectField(widget=RememberingSelect(), label=_l("Wet"), validators=[Optional()])
    artikel = StringField(_l("Artikel"), validators=[Optional(), Length(max=40)])
    pilot = SelectField(widget=RememberingSelect(), label=_l("Pilot"), validators=[Optional()])
    gemeente = SelectField(
        widget=RememberingSelect(), label=_l("Gemeente"), validators=[Optional()]
    )
    urgentie = SelectField(_l("Urgentie"), validators=[Optional()])
    van = BoundedDateField(
        _l("Ingediend vanaf"),
        validators=[Optional()],
        description=_l("Bijvoorbeeld 2026-01-31."),
    )
    tot = BoundedDateField(
        _l("Ingediend tot en met"),
        validators=[Optional()],
        description=_l("Bijvoorbeeld 2026-12-31."),
    )
    sorteer = SelectField(_l("Sorteren op"), validators=[Optional()])
    richting = SelectField(_l("Volgorde"), validators=[Optional()])
    per = SelectField(_l("Per pagina"), validators=[Optional()])

    def validate_tot(self, field: Any) -> None:
        if field.data and self.van.data and field.data < self.van.data:
            raise ValidationError(_l("De einddatum ligt voor de begindatum."))


class BulkForm(BaseForm):
    field_aliases: ClassVar[dict[str, str]] = {"ministry": "ministerie", "reason": "reden"}
    knelpunt = MultiCheckboxField(
        _l("Knelpunten"), validators=[DataRequired(_l("Kies een of meer knelpunten."))]
    )
    actie = SelectField(_l("Actie"), validators=[DataRequired(_l("Kies een actie."))])
    ministerie = SelectField(
        _l("Ministerie"),
        description=_l(
            "Alleen bij 'ministerie toewijzen': wordt het verantwoordelijke ministerie."
        ),
        validators=[Optional()],
        # The inbox's filter has a field "ministerie" too: ids must differ, names may not.
        id="bulk-ministerie",
    )
    reden = TextAreaField(
        _l("Toelichting"),
        description=_l("Verplicht bij 'aanvulling vragen': wat moet de pilot aanvullen?"),
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 3},
    )


class LegalBasisForm(BaseForm):
    field_aliases: ClassVar[dict[str, str]] = {"ministry": "ministries"}
    version = VersionField()
    law_link = law_link_field()
    statute = SelectField(_l("Wet"), validators=[Optional()])
    article = StringField(_l("Artikel"), validators=[Optional(), Length(max=40), _article])
    paragraph = StringField(_l("Lid"), validators=[Optional(), Length(max=20), _paragraph])
    ministries = MultiCheckboxField(
        _l("Verantwoordelijke ministeries"),
        description=_l(
            "Laat leeg om de ministeries van de wet te nemen. Bij meer dan één ministerie komt "
            "het knelpunt in het pakket van elk, gemarkeerd als gedeeld."
        ),
        validators=[Optional()],
    )


class TextForm(BaseForm):
    version = VersionField()
    title = StringField(
        _l("Titel"), validators=[DataRequired(_l("Vul de titel in.")), Length(max=200)]
    )
    problem = TextAreaField(
        _l("Probleem"),
        description=_l("Zoals inwoners, ondernemers of professionals het ervaren."),
        validators=[Optional(), Length(max=20000)],
    )
    proposed_change = TextAreaField(
        _l("Voorgestelde wijziging"), validators=[Optional(), Length(max=20000)]
    )
    benefit_who = StringField(
        _l("Wie heeft er baat bij?"), validators=[Optional(), Length(max=500)]
    )
    benefit_cases_per_year = BoundedIntegerField(
        _l("Aantal gevallen per jaar"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000_000, message=_l("Vul een aantal van 0 of meer in.")),
        ],
    )
    benefit_savings = TextAreaField(
        _l("Wat levert het op?"), validators=[Optional(), Length(max=20000)]
    )
    urgency = SelectField(_l("Urgentie"), validators=[DataRequired()])
    urgency_reason = TextAreaField(
        _l("Reden van de urgentie"), validators=[Optional(), Length(max=4000)]
    )


class StateForm(BaseForm):
    version = VersionField()
    state = SelectField(_l("Nieuwe status"), validators=[DataRequired(_l("Kies een status."))])
    reason = TextAreaField(
        _l("Reden"),
        description=_l("Verplicht bij afwijzen en bij een vraag om aanvulling; de pilot ziet dit."),
        validators=[Optional(), Length(max=4000)],
        render_kw={"rows": 4},
    )


class MergeForm(GetForm):
    doel = StringField(
        _l("Samenvoegen met knelpunt"),
        description=_l("Het kenmerk van het knelpunt dat blijft, zoals KN-2026-0042."),
        validators=[DataRequired(_l("Vul het kenmerk in.")), Length(max=20)],
    )


class AuditFilterForm(GetForm):
    actor = StringField(
        _l("Wie"), description=_l("(Deel van) het e-mailadres."), validators=[Optional()]
    )
    action = SelectField(_l("Handeling"), validators=[Optional()])
    object_type = SelectField(_l("Soort object"), validators=[Optional()])
    object = StringField(
        _l("Object"),
        description=_l("Een kenmerk zoals KN-2026-0042, of een nummer."),
        validators=[Optional(), Length(max=40)],
    )
    van = BoundedDateField(
        _l("Vanaf"), validators=[Optional()], description=_l("Bijvoorbeeld 2026-01-31.")
    )
    tot = BoundedDateField(
        _l("Tot en met"), validators=[Optional()], description=_l("Bijvoorbeeld 2026-12-31.")
    )
