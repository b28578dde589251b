"""Forms for notification preferences, forgotten passwords and account links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from forms.auth import PASSWORD_MAX, PASSWORD_MIN
from forms.base import BaseForm


class PreferencesForm(BaseForm):
    """The mail language; the view adds one choice per event type of the user's role."""

    language = SelectField(_l("Taal van de e-mails"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("E-mailadres"),
        validators=[DataRequired(_l("Vul uw e-mailadres in.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )


class SetPasswordForm(BaseForm):
    password = PasswordField(
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
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[EqualTo("password", _l("De twee wachtwoorden zijn niet gelijk."))],
        render_kw={"autocomplete": "new-password"},
    )
