"""The base form: session-bound CSRF tokens configured once for every form."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import current_app, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, IntegerField, PasswordField, StringField
from wtforms.csrf.session import SessionCSRF
from wtforms.meta import DefaultMeta

from bundler import bounded
from bundler.cleaning import strip_bidi
from bundler.rules import RuleError


def _without_bidi(value: Any) -> Any:
    return strip_bidi(value) if isinstance(value, str) else value


class BaseForm(Form):
    """Every form inherits CSRF protection bound to the user's session."""

    class Meta(DefaultMeta):
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"

        @property
        def locales(self) -> tuple[str, ...]:
            # WTForms' own messages ("Not a valid date value") follow the interface language.
            locale = get_locale()
            return (str(locale.language),) if locale is not None else ("nl",)

        @property
        def csrf_secret(self) -> bytes:
            return str(current_app.config["SECRET_KEY"]).encode()

        @property
        def csrf_time_limit(self) -> Any:
            return current_app.config["CSRF_TIME_LIMIT"]

        @property
        def csrf_context(self) -> Any:
            return session

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            # Every text a person types (titles, names, notes) loses bidi controls on the
            # way in; passwords and codes are compared as typed.
            if issubclass(unbound_field.field_class, StringField) and not issubclass(
                unbound_field.field_class, PasswordField
            ):
                filters = options.get("filters", unbound_field.kwargs.get("filters", ()))
                options = {**options, "filters": [_without_bidi, *filters]}
            return super().bind_field(form, unbound_field, options)

    # Operations name the field of their rule; a form may call that field differently.
    field_aliases: ClassVar[dict[str, str]] = {}

    def add_rule_error(self, error: RuleError) -> None:
        """Put an operation's refusal next to the field it names, or above the form."""
        name = self.field_aliases.get(error.field or "", error.field or "")
        field = self._fields.get(name) if name else None
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, str(error)]
        else:
            self.form_errors.append(str(error))


class CsrfForm(BaseForm):
    """A form with nothing but the token: for buttons such as 'afmelden'."""


class BoundedIntegerField(IntegerField):
    """A whole number of at most 12 digits: longer input is an error, never an overflow."""

    MAX_DIGITS = 12
    data: int | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > self.MAX_DIGITS:
            self.data = None
            raise ValueError(_l("Vul een kleiner getal in."))
        super().process_formdata(valuelist)


class BoundedDateField(DateField):
    """An ISO date within the years the app deals with (bundler.bounded): 9999-12-31 is an
    error on the field, never an overflow in a query."""

    data: Any  # a date or None, as DateField (wtforms has no type for it)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if not bounded.in_date_range(self.data):
            self.data = None
            raise ValueError(_l("Vul een datum tussen 1900 en 2999 in."))
