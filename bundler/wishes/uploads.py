"""Cleaning the upload folder: a periodic job in the worker, and `bundler clean-uploads`.

Files waiting for a form (the account's pending folder) are deleted once the form's token has
expired; files in the attachment folder only when no attachment refers to them (a request
that failed after moving them). A file behind an attachment is never deleted here.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask
from huey import Huey, crontab
from sqlalchemy import select

from bundler import attachments
from bundler.db import session_scope
from bundler.models import Attachment

log = logging.getLogger(__name__)


def clean_uploads(
    app: Flask, *, orphan_hours: float | None = None, now: float | None = None
) -> int:
    """Delete expired waiting files and files no attachment refers to; return how many."""
    now = time.time() if now is None else now
    folder = Path(app.config["UPLOAD_FOLDER"])
    hours = float(app.config["ORPHAN_UPLOAD_HOURS"] if orphan_hours is None else orphan_hours)
    with session_scope(app) as session:
        known = set(session.scalars(select(Attachment.stored_name)))
    found = attachments.orphans(folder, known, hours * 3600, now)
    found += attachments.expired_pending(folder, float(app.config["PENDING_UPLOAD_SECONDS"]), now)
    for path in found:
        path.unlink(missing_ok=True)
    if found:
        log.info("deleted %d uploaded files no attachment refers to", len(found))
    return len(found)


def install_tasks(huey: Huey, app: Flask) -> None:
    """Add the periodic upload cleaning to the worker (every 15 minutes)."""

    def clean_uploads_task() -> None:
        clean_uploads(app)

    huey.periodic_task(crontab(minute="*/15"), name="bundler.clean_uploads")(clean_uploads_task)
