"""Forms for managing accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from forms.auth import PASSWORD_MAX, PASSWORD_MIN
from forms.base import BaseForm


class UserForm(BaseForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(_l("Vul het e-mailadres in.")),
            Email(
                _l("Vul een geldig e-mailadres in, zoals naam@gemeente.nl."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    name = StringField(
        _l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=120)]
    )
    role = SelectField(_l("Rol"), validators=[DataRequired(_l("Kies een rol."))])
    ministry = SelectField(
        _l("Ministerie"),
        description=_l("Alleen voor ministeriegebruikers."),
        validators=[Optional()],
    )
    pilots = SelectMultipleField(
        _l("Pilots"),
        description=_l(
            "Alleen voor pilotteamleden. Houd Ctrl of Cmd ingedrukt om er meer te kiezen."
        ),
        validators=[Optional()],
    )
    active = BooleanField(_l("Account is actief"), default=True)
    password = PasswordField(
        _l("Wachtwoord"),
        # The template says what the field does: a new account's password, or a new one.
        description=_l("Minstens %(n)s tekens.", n=PASSWORD_MIN),
        validators=[
            Optional(),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=_l(
                    "Het wachtwoord moet %(min)s tot %(max)s tekens lang zijn.",
                    min=PASSWORD_MIN,
                    max=PASSWORD_MAX,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
