"""Default settings; instance/config.py and BUNDLER_* environment variables override them."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the default configuration for an instance folder."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'bundler.sqlite'}"),
        "DATABASE_OPTIONS": {},
        # Cookies: __Host- binds the cookie to this host over HTTPS; browsers treat
        # http://127.0.0.1 and localhost as secure contexts, so this also works under `make run`.
        "SESSION_COOKIE_NAME": "__Host-bundler",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(minutes=60),  # idle timeout
        "SESSION_ABSOLUTE_LIFETIME": dt.timedelta(hours=10),
        "REMEMBER_COOKIE_DURATION": dt.timedelta(seconds=0),
        "MAX_CONTENT_LENGTH": 60 * 1024 * 1024,
        "CSRF_TIME_LIMIT": dt.timedelta(hours=2),
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "LANGUAGES": ["nl", "en"],
        # Explicit: the limiter object is shared, and without this key it would keep the
        # setting of the previous app created in the same process.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # A moving window: a fixed one would reset at each minute boundary mid-attack.
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": "5 per minute;20 per hour",
        "MFA_REQUIRED": True,
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "STORAGE_FOLDER": str(instance / "storage"),
        "HUEY_URL": os.environ.get("HUEY_URL", f"sqlite:///{instance / 'jobs.sqlite'}"),
        "PROGRAMME_OFFICE_NAME": "Programmabureau Ruimte voor Innovatie",
        "HSTS_SECONDS": 31536000,
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust
        # (0: none). Behind one TLS proxy set 1, or every client shares the proxy's address.
        "TRUSTED_PROXIES": 0,
    }


def instance_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
