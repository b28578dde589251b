"""Forms for two-step verification: a code at sign-in, at enrolment and to confirm changes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from forms.base import BaseForm

CODE_MAX = 32


class VerifyForm(BaseForm):
    code = StringField(
        _l("Code"),
        description=_l(
            "De code van 6 cijfers uit uw authenticator-app, of een van uw herstelcodes."
        ),
        validators=[DataRequired(_l("Vul de code in.")), Length(max=CODE_MAX)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class EnrolForm(BaseForm):
    code = StringField(
        _l("Code uit de app"),
        description=_l("Vul de code van 6 cijfers in die de app nu laat zien."),
        validators=[DataRequired(_l("Vul de code uit de app in.")), Length(max=CODE_MAX)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


_CONFIRM_HINT = _l("Ter bevestiging: de code uit uw authenticator-app, of een herstelcode.")


def _confirm_field() -> StringField:
    return StringField(
        _l("Code uit de app"),
        description=_CONFIRM_HINT,
        validators=[DataRequired(_l("Vul de code uit de app in.")), Length(max=CODE_MAX)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class RenewCodesForm(BaseForm):
    renew_code = _confirm_field()


class DisableForm(BaseForm):
    disable_code = _confirm_field()
