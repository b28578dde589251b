"""Forms for signing in and changing a password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from forms.base import BaseForm

PASSWORD_MIN = 12
PASSWORD_MAX = 128


class LoginForm(BaseForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(_l("Vul uw e-mailadres in.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Wachtwoord"),
        validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field() -> PasswordField:
    """Return the field for choosing a new password (change, invitation, reset)."""
    return PasswordField(
        _l("Nieuw wachtwoord"),
        description=_l(
            "Minstens %(n)s tekens. Een zin van een paar woorden werkt goed.", n=PASSWORD_MIN
        ),
        validators=[
            DataRequired(_l("Vul een nieuw wachtwoord in.")),
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


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        _l("Huidig wachtwoord"),
        validators=[DataRequired(_l("Vul uw huidige wachtwoord in."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field()
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[EqualTo("new_password", _l("De twee wachtwoorden zijn niet gelijk."))],
        render_kw={"autocomplete": "new-password"},
    )
