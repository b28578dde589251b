"""bundler: bundle obstacles in laws and regulations into one package per ministry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    # Imported here, not at the top: importing any bundler module (a pure rule, a model)
    # loads this package first, and must not load the whole web application with it.
    from bundler import (
        admin,
        api,
        auth,
        catalogue,
        cli,
        config,
        db,
        errors,
        i18n,
        main,
        mfa,
        ministry,
        notifications,
        office,
        packages,
        pilots,
        security,
        wishes,
    )

    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config.load(app, test_config)
    db.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    # Each area of work registers its blueprint (and CLI commands) in its own init_app.
    areas = (auth, main, admin, mfa, pilots, wishes, office, packages, ministry, api, catalogue)
    for area in (*areas, notifications):
        area.init_app(app)
    return app
