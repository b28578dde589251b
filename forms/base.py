"""The base form: session-bound CSRF tokens configured once for every form."""

from __future__ import annotations

from typing import Any

from flask import current_app, session
from wtforms import Form
from wtforms.csrf.session import SessionCSRF
from wtforms.meta import DefaultMeta


class BaseForm(Form):
    """Every form inherits CSRF protection bound to the user's session."""

    class Meta(DefaultMeta):
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"
        locales = ("nl_NL", "nl")

        @property
        def csrf_secret(self) -> bytes:
            return str(current_app.config["SECRET_KEY"]).encode()

        @property
        def csrf_time_limit(self) -> Any:
            return current_app.config["CSRF_TIME_LIMIT"]

        @property
        def csrf_context(self) -> Any:
            return session


class CsrfForm(BaseForm):
    """A form with nothing but the token: for buttons such as 'afmelden'."""
