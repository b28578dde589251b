"""Forms of the statute catalogue: a regulation with its responsible ministries, CSV import."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FileField, Form, FormField, SelectField, StringField
from wtforms.fields import DateField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, ValidationError

from bundler.juriconnect import is_bwb_id
from forms.base import BaseForm

RESPONSIBILITY_ROWS = 3
MAX_RESPONSIBILITIES = 20


def _bwb_id(form: Any, field: Any) -> None:
    if field.data and not is_bwb_id(field.data.strip().upper()):
        raise ValidationError(
            _l("Vul een BWB-nummer in zoals BWBR0002656 (of BWBV0001234 voor een verdrag).")
        )


def _after_start(form: Any, field: Any) -> None:
    start = form.valid_from.data
    if field.data and start and field.data < start:
        raise ValidationError(_l("De einddatum ligt voor de begindatum."))


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


class ResponsibilityForm(Form):
    """One responsible ministry with the period it holds (no CSRF: part of StatuteForm)."""

    ministry = SelectField(_l("Ministerie"), validators=[Optional()])
    valid_from = DateField(_l("Vanaf"), validators=[Optional()])
    valid_until = DateField(_l("Tot en met"), validators=[Optional(), _after_start])


class StatuteForm(BaseForm):
    """A regulation in the catalogue; the view fills the ministry and kind choices."""

    bwb_id = StringField(
        _l("BWB-nummer"),
        description=_l(
            "Zoals in de link op wetten.overheid.nl: BWBR0002656, of BWBV voor verdragen."
        ),
        validators=[DataRequired(_l("Vul het BWB-nummer in.")), Length(max=11), _bwb_id],
        filters=[_upper],
        render_kw={"maxlength": 11, "autocomplete": "off", "spellcheck": "false"},
    )
    title = StringField(
        _l("Titel"),
        description=_l("De officiële titel, bijvoorbeeld 'Besluit basisregistratie personen'."),
        validators=[DataRequired(_l("Vul de titel in.")), Length(max=250)],
    )
    short_title = StringField(
        _l("Korte titel"),
        description=_l("Bijvoorbeeld 'Besluit BRP'."),
        validators=[Length(max=100)],
    )
    citation_title = StringField(
        _l("Citeertitel"),
        description=_l("Zoals de regeling zichzelf noemt, als die anders is dan de titel."),
        validators=[Length(max=250)],
    )
    kind = SelectField(_l("Soort regeling"), validators=[DataRequired(_l("Kies de soort."))])
    responsibilities = FieldList(
        FormField(ResponsibilityForm),
        label=_l("Verantwoordelijke ministeries"),
        min_entries=RESPONSIBILITY_ROWS,
        max_entries=MAX_RESPONSIBILITIES,
    )


class StatuteImportForm(BaseForm):
    """A CSV file in the format of bundler/data/statuten.csv."""

    file = FileField(
        _l("CSV-bestand"),
        description=_l(
            "Kolommen zoals in de export: bwb_id, title, short_title, ministries, citation_title, "
            "kind, retired_on. Bestaande regelingen worden bijgewerkt."
        ),
        validators=[DataRequired(_l("Kies een CSV-bestand."))],
    )


class RetireForm(BaseForm):
    """Retire or restore a regulation."""

    action = StringField(validators=[DataRequired(), AnyOf(["intrekken", "herstellen"])])


class DeleteForm(BaseForm):
    """Delete a regulation, after confirmation."""

    confirm = StringField(validators=[DataRequired()])


class SuccessionForm(BaseForm):
    """Confirm moving an ended ministry's wishes, statutes and users to its successor."""

    confirm = StringField(validators=[DataRequired(), AnyOf(["ja"])])
