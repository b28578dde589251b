"""Forms for the pilot registry (programme office)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forms.base import BaseForm, BoundedDateField

NAME_MAX = 120
DESCRIPTION_MAX = 5000


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (rendered by the `field` macro as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PilotForm(BaseForm):
    """A pilot's name, description, executing organisation, municipalities and members."""

    name = StringField(
        _l("Naam"),
        validators=[
            DataRequired(_l("Vul de naam van de pilot in.")),
            Length(max=NAME_MAX, message=_l("Gebruik hoogstens %(max)d tekens.", max=NAME_MAX)),
        ],
        render_kw={"maxlength": NAME_MAX},
    )
    description = TextAreaField(
        _l("Omschrijving"),
        description=_l("Wat probeert de pilot, en voor wie?"),
        validators=[
            Length(
                max=DESCRIPTION_MAX,
                message=_l("Gebruik hoogstens %(max)d tekens.", max=DESCRIPTION_MAX),
            )
        ],
        render_kw={"rows": 4},
    )
    executing_organisation = SelectField(
        _l("Uitvoeringsorganisatie"),
        description=_l("De landelijke uitvoeringsorganisatie die meedoet."),
        validators=[Optional()],
    )
    municipalities = SelectMultipleField(
        _l("Deelnemende gemeenten"),
        description=_l(
            "Een pilot begint met vijf gemeenten; bij beperkte opschaling zijn het er 30 tot 40."
        ),
        validators=[Optional()],
    )
    members = MultiCheckboxField(
        _l("Pilotteamleden"),
        description=_l("Accounts met de rol pilotteamlid. Nieuwe accounts maakt de beheerder."),
        validators=[Optional()],
    )


class PhaseForm(BaseForm):
    """Move a pilot to another phase on a date."""

    phase = SelectField(_l("Nieuwe fase"), validators=[DataRequired(_l("Kies de fase."))])
    changed_on = BoundedDateField(
        _l("Datum"),
        description=_l("De dag waarop de pilot in deze fase kwam."),
        default=dt.date.today,
        validators=[DataRequired(_l("Vul een geldige datum in, zoals 2026-07-01."))],
    )

    def validate_changed_on(self, field: Any) -> None:
        if field.data and field.data > dt.date.today() + dt.timedelta(days=366):
            raise ValidationError(_l("Kies een datum binnen een jaar vanaf vandaag."))
