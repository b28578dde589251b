"""Forms for notification preferences, forgotten passwords and account links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from forms.auth import new_password_field
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
    password = new_password_field()
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[EqualTo("password", _l("De twee wachtwoorden zijn niet gelijk."))],
        render_kw={"autocomplete": "new-password"},
    )
