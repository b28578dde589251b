"""Dutch first, English second: locale selection and the language switch."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import Babel, get_locale

from bundler import PROJECT_ROOT

babel = Babel()
LANG_COOKIE = "taal"


def select_locale() -> str:
    """Use the language the user chose; Dutch otherwise."""
    chosen = request.cookies.get(LANG_COOKIE, "")
    languages: list[str] = current_app.config["LANGUAGES"]
    return chosen if chosen in languages else str(current_app.config["BABEL_DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the translations in bundler/translations."""
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "bundler" / "translations"),
    )
    app.jinja_env.globals["get_locale"] = get_locale
