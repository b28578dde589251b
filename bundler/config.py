"""Every setting with its default, and the one place where overrides are read.

Order: these defaults, then `instance/config.py` (a Python file), then environment variables
prefixed `BUNDLER_` (for example `BUNDLER_MFA_REQUIRED=false`), with `DATABASE_URL` and
`HUEY_URL` also read without the prefix. Tests pass their own mapping instead of the last two.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PROGRAMME_OFFICE_NAME = "Programmabureau Ruimte voor Innovatie"
# Read without the BUNDLER_ prefix: the names every hosting platform uses.
PLAIN_ENVIRONMENT = ("DATABASE_URL", "HUEY_URL")


def defaults(instance_path: str) -> dict[str, Any]:
    """Return the default configuration for an instance folder."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'bundler.sqlite'}",
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
        # How long a sign-in whose password was right waits for its second step.
        "MFA_PENDING_SECONDS": 300,
        "UPLOAD_FOLDER": str(instance / "uploads"),
        # Files kept across a wish form with errors: how long the form's hidden token keeps
        # them, and how many bytes one account may have waiting (issue 10, findings 3 and 4).
        "PENDING_UPLOAD_SECONDS": 2 * 3600,
        "PENDING_UPLOAD_QUOTA_BYTES": 30 * 1024 * 1024,
        # The worker deletes files no attachment refers to once they are this old.
        "ORPHAN_UPLOAD_HOURS": 3,
        "STORAGE_FOLDER": str(instance / "storage"),
        "HUEY_URL": f"sqlite:///{instance / 'jobs.sqlite'}",
        # Run queued jobs at once in the web process (tests); never in production.
        "HUEY_IMMEDIATE": False,
        # Bounds of one package render, in its own child process.
        "PDF_TIMEOUT_SECONDS": 300,
        "PDF_MEMORY_MB": 3072,
        # Render a package in parts (front matter, statutes cut into parts, appendix) in a pool
        # of PDF_PART_WORKERS long-lived child processes (0: one per core), each part under the
        # bounds above; rendered parts are kept by content address in PDF_PART_CACHE_FOLDER.
        "PDF_RENDER_PARTS": False,
        "PDF_PART_WORKERS": 0,
        "PDF_PART_CACHE_FOLDER": str(instance / "pdf-parts"),
        # Package renders at once per worker process (0: one per core), and the memory all
        # renders of a process may reserve together (estimated from their size).
        "BUILD_CONCURRENCY": 0,
        "RENDER_MEMORY_BUDGET_MB": 4096,
        # Attachments one package PDF embeds in total (MB); larger ones are listed, not embedded.
        "PACKAGE_ATTACHMENTS_MAX_MB": 20,
        "PROGRAMME_OFFICE_NAME": PROGRAMME_OFFICE_NAME,
        "HSTS_SECONDS": 31536000,
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust
        # (0: none). Behind one TLS proxy set 1, or every client shares the proxy's address.
        "TRUSTED_PROXIES": 0,
        # The JSON API (bundler.api): requests per token, failed token checks per address.
        "API_RATE_LIMIT": "600 per minute",
        "API_AUTH_FAILURE_LIMIT": "20 per minute",
        "API_TOKEN_MAX_DAYS": 366,
        # Origin for links and event datarefs (https://bundler.example.nl); empty: the
        # request's host over https, and datarefs relative to it.
        "API_PUBLIC_URL": "",
        # CloudEvents source (NL GOV profile: a URN with the operator's OIN).
        "EVENT_SOURCE": "urn:nld:oin:00000000000000000000:systeem:bundler",
        # Networks (CIDR) callbacks may reach although private or loopback; empty: none.
        "WEBHOOK_ALLOWED_NETWORKS": [],
        "WEBHOOK_TIMEOUT_SECONDS": 10,
        "WEBHOOK_MAX_ATTEMPTS": 8,
        # Wait after a failed delivery: 30 s, 2 min, 8 min, ... at most 6 hours.
        "WEBHOOK_RETRY_SECONDS": 30,
        "WEBHOOK_RETRY_MAX_SECONDS": 6 * 3600,
        # Mail (bundler.notifications). No MAIL_SERVER: mails go to the log and to the
        # administrator's outbox page instead, so `make run` needs no mail server.
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        "MAIL_SECURITY": "starttls",  # starttls, tls (implicit, port 465) or none
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_FROM": "bundler <noreply@bundler.example>",
        "MAIL_TIMEOUT_SECONDS": 30,
        "MAIL_MAX_ATTEMPTS": 6,
        # Wait after a failed attempt: 60 s, 4 min, 16 min, ... at most 6 hours.
        "MAIL_RETRY_SECONDS": 60,
        "MAIL_RETRY_MAX_SECONDS": 6 * 3600,
        # Origin of the links in mails (jobs have no request to take it from).
        "PUBLIC_URL": "http://127.0.0.1:5000",
        # Invitations and password resets: single-use links, valid this long.
        "INVITATION_DAYS": 7,
        "RESET_LINK_HOURS": 2,
        # "Wachtwoord vergeten": requests per address asked about, and per client address.
        "RESET_RATE_LIMIT": "3 per hour",
        "RESET_IP_RATE_LIMIT": "10 per hour",
        # Reminders: offered wishes without an answer are listed for the office after
        # REMINDER_LIST_WEEKS and mailed to the ministry's users after REMINDER_MAIL_WEEKS;
        # a package version not downloaded within NOT_DOWNLOADED_DAYS is flagged to the office.
        "REMINDER_LIST_WEEKS": 6,
        "REMINDER_MAIL_WEEKS": 10,
        "NOT_DOWNLOADED_DAYS": 7,
    }


def load(app: Flask, test_config: Mapping[str, Any] | None = None) -> None:
    """Fill the app's configuration: defaults, then the instance file and environment."""
    app.config.from_mapping(defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("BUNDLER")
        for name in PLAIN_ENVIRONMENT:
            if os.environ.get(name):
                app.config[name] = os.environ[name]
    else:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)


def instance_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first start."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
