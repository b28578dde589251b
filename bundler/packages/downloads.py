"""Sending a published version's PDF or JSON twin, with a receipt of who downloaded it."""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue

from bundler import storage
from bundler.db import get_session
from bundler.models import DownloadReceipt, PackageVersion, User
from bundler.security import as_download


def send_version(version: PackageVersion, kind: str, user: User) -> ResponseReturnValue:
    """Send a version's PDF or JSON as an attachment and log the receipt (access is checked)."""
    db = get_session()
    key = version.storage_key if kind == "pdf" else version.json_storage_key
    data = storage.get(db, key)
    db.add(DownloadReceipt(version=version, user=user, user_label=user.email, kind=kind))
    db.commit()
    name = f"{version.package.number}-v{version.number}.{kind}"
    response = current_app.response_class(
        data, mimetype="application/pdf" if kind == "pdf" else "application/json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return as_download(response)
