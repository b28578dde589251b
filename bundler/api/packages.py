"""Published packages and their versions, with the PDF and the JSON twin as downloads."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from flask.typing import ResponseReturnValue

from bundler import storage
from bundler.api import queries, represent
from bundler.api import schemas as s
from bundler.api.web import current_token, page_links, responses, token_required, validated
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import DownloadReceipt, Package, PackageVersion
from bundler.security import as_download

TAGS = ["Pakketten"]
READERS = (Role.MINISTRY, Role.OFFICE)


@token_required(*READERS)
@validated(query=s.PageQuery, resp=responses(HTTP_200=s.PackagePage), tags=TAGS)
def index(query: s.PageQuery) -> s.PackagePage:
    """List the published packages this token may see (a ministry: its own), newest first."""
    db = get_session()
    rows, more = queries.package_page(db, current_token(), page=query.page, size=query.page_size)
    links = page_links("/packages", query.page, more, pageSize=query.page_size)
    return s.PackagePage(
        _links=s.Links.model_validate(links), packages=[represent.package(p) for p in rows]
    )


def _package(number: str) -> Package:
    found = queries.package_by_number(get_session(), current_token(), number)
    if found is None:
        abort(404)
    return found


def _version(number: str, version_number: int) -> tuple[Package, PackageVersion]:
    package = _package(number)
    version = queries.version_of(package, version_number)
    if version is None:
        abort(404)
    return package, version


@token_required(*READERS)
@validated(resp=responses(HTTP_200=s.Package), tags=TAGS)
def show(package_number: str) -> s.Package:
    """Show a package (BZK-2026-01) with every published version."""
    return represent.package(_package(package_number))


@token_required(*READERS)
@validated(resp=responses(HTTP_200=s.Version), tags=TAGS)
def version(package_number: str, version_number: int) -> s.Version:
    """Show one version: what changed, and the wishes in it, in order."""
    package, found = _version(package_number, version_number)
    return represent.version(package, found, with_wishes=True)


def _download(package_number: str, version_number: int, kind: str) -> ResponseReturnValue:
    package, found = _version(package_number, version_number)
    digest = found.sha256 if kind == "pdf" else found.json_sha256
    etag = f'"{digest}"'
    headers = {"ETag": etag, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return current_app.response_class(status=304, headers=headers)
    db = get_session()
    data = storage.get(db, found.storage_key if kind == "pdf" else found.json_storage_key)
    token = current_token()
    db.add(DownloadReceipt(version=found, user=None, user_label=token.label, kind=kind))
    db.commit()
    name = f"{package.number}-v{found.number}.{kind}"
    headers["Content-Disposition"] = f'attachment; filename="{name}"'
    mimetype = "application/pdf" if kind == "pdf" else "application/json"
    return as_download(current_app.response_class(data, mimetype=mimetype, headers=headers))


@token_required(*READERS)
@validated(tags=TAGS)
def pdf(package_number: str, version_number: int) -> Any:
    """Download a version's PDF (ETag: its SHA-256; If-None-Match gives 304)."""
    return _download(package_number, version_number, "pdf")


@token_required(*READERS)
@validated(tags=TAGS)
def twin(package_number: str, version_number: int) -> Any:
    """Download a version's JSON twin (ETag: its SHA-256; If-None-Match gives 304)."""
    return _download(package_number, version_number, "json")
