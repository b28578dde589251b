"""The form for a new API token (administrators; ministry users for their own ministry)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forms.base import BaseForm, BoundedDateField


class TokenForm(BaseForm):
    name = StringField(
        _l("Naam van het token"),
        description=_l("Bijvoorbeeld het systeem dat het token gebruikt: ‘Wetgevingsvolgsysteem’."),
        validators=[DataRequired(_l("Geef het token een naam.")), Length(max=80)],
    )
    role = SelectField(_l("Rol"), validators=[DataRequired(_l("Kies een rol."))])
    ministry = SelectField(
        _l("Ministerie"), description=_l("Alleen voor ministerietokens."), validators=[Optional()]
    )
    pilot = SelectField(
        _l("Pilot"), description=_l("Alleen voor pilottokens."), validators=[Optional()]
    )
    expires_on = BoundedDateField(
        _l("Geldig tot en met"),
        description=_l("Hoogstens een jaar vooruit."),
        validators=[DataRequired(_l("Vul de vervaldatum in."))],
    )
