"""Forms for wishes: the pilot team's wish form, joining a wish, withdrawing one."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from bundler import juriconnect, numbering
from bundler.enums import Urgency
from bundler.labels import URGENCY_LABELS
from forms.base import BaseForm, BoundedIntegerField
from forms.law_link import law_link_field

TITLE_MAX = 200
TEXT_MAX = 5000
SHORT_TEXT_MAX = 2000
WHO_MAX = 500
ARTICLE_MAX = 40
PARAGRAPH_MAX = 20
REFERENCES_MAX = 200
NOTE_MAX = 2000
CASES_MAX = 100_000_000

# The buttons of the wish form; the state a wish gets comes only from these.
ACTION_CHECK = "controleren"
ACTION_CONCEPT = "concept"
ACTION_SUBMIT = "indienen"
ACTION_SUBMIT_ANYWAY = "toch-indienen"
ACTIONS = (ACTION_CHECK, ACTION_CONCEPT, ACTION_SUBMIT, ACTION_SUBMIT_ANYWAY)


class NeededToSubmit:
    """Mark a field as needed to submit (a concept may leave it empty).

    The check itself is `bundler.wish_ops.incomplete`, the one place for that rule.
    """

    field_flags = {"required": True}  # noqa: RUF012 - WTForms reads it

    def __call__(self, form: Any, field: Any) -> None:
        return None


class NeededToSubmitWhen(NeededToSubmit):
    """Mark a field as needed to submit in some cases only; its hint says which.

    Its label then carries neither a required mark nor "(niet verplicht)".
    """

    field_flags = {"conditional": True}  # noqa: RUF012 - WTForms reads it


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Gebruik hoogstens %(max)d tekens.", max=n))


def _article(form: Any, field: Any) -> None:
    if field.data and not juriconnect.is_article(field.data.strip()):
        raise ValidationError(
            _l("Vul een artikelnummer in zoals het in de wet staat, bijvoorbeeld 19h, 1:3 of 7.2.")
        )


def _paragraph(form: Any, field: Any) -> None:
    if field.data and not juriconnect.is_paragraph(field.data.strip()):
        raise ValidationError(_l("Vul alleen het nummer van het lid in, bijvoorbeeld 2."))


def _references(form: Any, field: Any) -> None:
    words = re.split(r"[\s,;]+", (field.data or "").upper())
    if any(w and numbering.parse_wish_reference(w) is None for w in words):
        raise ValidationError(_l("Vul kenmerken in zoals KN-2026-0042, gescheiden door komma's."))


def strip_filter(value: Any) -> Any:
    """Trim surrounding white space from text input."""
    return value.strip() if isinstance(value, str) else value


class WishForm(BaseForm):
    """What a pilot team records about an obstacle; the view fills pilot and statute choices."""

    class Meta(BaseForm.Meta):
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            if unbound_field.field_class not in (MultipleFileField, BooleanField):
                options.setdefault("filters", []).append(strip_filter)
            return super().bind_field(form, unbound_field, options)

    pilot = SelectField(
        _l("Pilot"),
        description=_l("De pilot die tegen dit knelpunt aanloopt."),
        validators=[DataRequired(_l("Kies de pilot."))],
    )
    title = StringField(
        _l("Titel"),
        description=_l("Een korte omschrijving, bijvoorbeeld 'Digitale aangifte van overlijden'."),
        validators=[DataRequired(_l("Vul een titel in.")), _max(TITLE_MAX)],
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"},
    )
    problem = TextAreaField(
        _l("Het probleem"),
        description=_l(
            "Wat lopen inwoners, ondernemers of professionals tegen aan? Beschrijf het zoals "
            "zij het ervaren."
        ),
        validators=[NeededToSubmit(), _max(TEXT_MAX)],
        render_kw={"rows": 6},
    )
    law_link = law_link_field()
    statute = SelectField(
        _l("Wet"),
        description=_l(
            "Kies de wet op titel, korte titel of BWB-nummer. Typ in de lijst om te zoeken."
        ),
        validators=[NeededToSubmit(), Optional()],
        validate_choice=True,
    )
    statute_unknown = BooleanField(
        _l("Ik weet niet om welke wet het gaat"),
        description=_l("Het programmabureau zoekt de wet dan voor u uit."),
    )
    article = StringField(
        _l("Artikel"),
        description=_l("Verplicht als u een wet kiest. Bijvoorbeeld 19h of 1:3."),
        validators=[NeededToSubmitWhen(), _max(ARTICLE_MAX), _article],
        render_kw={"maxlength": ARTICLE_MAX, "autocomplete": "off", "spellcheck": "false"},
    )
    paragraph = StringField(
        _l("Lid"),
        description=_l("Het nummer van het lid, als u dat weet."),
        validators=[_max(PARAGRAPH_MAX), _paragraph],
        render_kw={"maxlength": PARAGRAPH_MAX, "autocomplete": "off"},
    )
    proposed_change = TextAreaField(
        _l("Gewenste wijziging"),
        description=_l("Wat zou er in de regel moeten veranderen?"),
        validators=[NeededToSubmit(), _max(TEXT_MAX)],
        render_kw={"rows": 5},
    )
    benefit_who = StringField(
        _l("Wie heeft er baat bij?"),
        description=_l("Bijvoorbeeld nabestaanden, uitvaartondernemers en gemeenten."),
        validators=[NeededToSubmit(), _max(WHO_MAX)],
        render_kw={"maxlength": WHO_MAX},
    )
    benefit_cases_per_year = BoundedIntegerField(
        _l("Geschat aantal gevallen per jaar"),
        description=_l("Een schatting is genoeg; alleen cijfers."),
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=CASES_MAX,
                message=_l(
                    "Vul een aantal in tussen 0 en %(max)s.", max=f"{CASES_MAX:,}".replace(",", ".")
                ),
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )
    benefit_savings = TextAreaField(
        _l("Wat levert het op?"),
        description=_l("Bijvoorbeeld tijd, geld of minder fouten."),
        validators=[_max(SHORT_TEXT_MAX)],
        render_kw={"rows": 3},
    )
    urgency = RadioField(
        _l("Urgentie"),
        choices=[SelectChoice(u.value, URGENCY_LABELS[u]) for u in Urgency],
        default=Urgency.NORMAL.value,
        validators=[DataRequired(_l("Kies de urgentie."))],
    )
    urgency_reason = TextAreaField(
        _l("Waarom deze urgentie?"),
        description=_l(
            "Alleen verplicht bij urgentie ‘Hoog’: bijvoorbeeld een datum waarop iets ingaat."
        ),
        validators=[NeededToSubmitWhen(), _max(SHORT_TEXT_MAX)],
        render_kw={"rows": 3},
    )
    depends_on = StringField(
        _l("Hangt af van knelpunt(en)"),
        description=_l("Kenmerken zoals KN-2026-0042, gescheiden door komma's."),
        validators=[_max(REFERENCES_MAX), _references],
        render_kw={"maxlength": REFERENCES_MAX, "autocomplete": "off"},
    )
    follows_from = StringField(
        _l("Volgt uit knelpunt(en)"),
        description=_l("Bijvoorbeeld: geboorte en huwelijk volgen uit de aangifte van overlijden."),
        validators=[_max(REFERENCES_MAX), _references],
        render_kw={"maxlength": REFERENCES_MAX, "autocomplete": "off"},
    )
    attachments = MultipleFileField(
        _l("Bijlagen"),
        description=_l(
            "PDF, ODT, DOCX, XLSX, PNG of JPEG; hoogstens 10 MB per bestand en 5 per knelpunt."
        ),
        render_kw={
            "accept": ".pdf,.odt,.docx,.xlsx,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"
        },
    )
    # Files already received with an earlier try of this form, signed by the server.
    pending = HiddenField()
    # One id per form instance: binds the kept files to it, and makes a new wish once.
    form_id = HiddenField()
    version = HiddenField()

    def validate_statute_unknown(self, field: Any) -> None:
        if field.data and self.statute.data:
            raise ValidationError(
                _l("Kies een wet, of vink aan dat u het niet weet; niet allebei.")
            )


class SupportForm(BaseForm):
    """Join an existing wish as a supporting pilot, with the pilot's own context."""

    pilot = SelectField(_l("Namens pilot"), validators=[DataRequired(_l("Kies de pilot."))])
    note = TextAreaField(
        _l("Uw situatie"),
        description=_l("Hoe loopt uw pilot hier tegenaan? Het programmabureau leest dit mee."),
        validators=[_max(NOTE_MAX)],
        render_kw={"rows": 4},
    )


class AttachmentShareForm(BaseForm):
    """Share one attachment with the pilots that join the wish, or stop sharing it."""

    delen = BooleanField(_l("Delen met pilots die aansluiten"))


class WithdrawForm(BaseForm):
    """Withdraw a wish, with a reason."""

    reason = TextAreaField(
        _l("Reden van intrekken"),
        validators=[DataRequired(_l("Geef aan waarom u het knelpunt intrekt.")), _max(NOTE_MAX)],
        render_kw={"rows": 3},
    )


class OverviewFilterForm(BaseForm):
    """Filter the team's overview by state (a GET form, so without CSRF)."""

    class Meta(BaseForm.Meta):
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()])
