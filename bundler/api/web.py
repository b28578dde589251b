"""What every API view shares: token authentication, validation with the OpenAPI schemas,
problems with invalidParams, links, and the document itself."""

from __future__ import annotations

import copy
import functools
import ipaddress
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin
from spectree import Response, SpecTree
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, InternalServerError, Unauthorized

from bundler.api import ops
from bundler.api.schemas import Problem
from bundler.db import get_session, session_scope
from bundler.enums import Role
from bundler.models import ApiToken, User, utcnow

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
API_VERSION = "1.0.0"
PREFIX = "/api/v1"

# pydantic error type -> a Dutch reason (the code keeps pydantic's type for machines).
REASONS = {
    "missing": _l("Dit veld is verplicht."),
    "extra_forbidden": _l("Dit veld bestaat niet."),
    "enum": _l("Kies een van de toegestane waarden."),
    "literal_error": _l("Kies een van de toegestane waarden."),
    "string_pattern_mismatch": _l("Deze waarde heeft niet het juiste formaat."),
    "string_too_long": _l("Deze tekst is te lang."),
    "string_too_short": _l("Deze tekst is te kort."),
    "too_long": _l("Deze lijst is te lang."),
    "too_short": _l("Deze lijst mag niet leeg zijn."),
    "less_than_equal": _l("Deze waarde is te groot."),
    "greater_than_equal": _l("Deze waarde is te klein."),
    "timezone_aware": _l("Geef een tijdstip met tijdzone (ISO 8601)."),
    "json_invalid": _l("De inhoud is geen geldige JSON."),
}
GENERIC_REASON = _l("Deze waarde is ongeldig.")


class ApiBadRequest(BadRequest):
    """A 400 that names each wrong field (problem+json invalidParams)."""

    def __init__(self, invalid_params: list[dict[str, str]]) -> None:
        super().__init__()
        self.invalid_params = invalid_params


def invalid(name: str, code: str, reason: Any) -> ApiBadRequest:
    """Return a 400 about one field."""
    return ApiBadRequest([{"name": name, "code": code, "reason": str(reason)}])


def _invalid_params(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    params = []
    for error in errors:
        name = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
        kind = str(error.get("type", "invalid"))
        reason = REASONS.get(kind) or (REASONS["enum"] if kind.endswith("enum") else GENERIC_REASON)
        params.append({"name": name, "code": kind, "reason": str(reason)})
    return params


def _before(req: Any, resp: Any, error: Any, instance: Any, *_: Any) -> None:
    if error is not None:
        raise ApiBadRequest(_invalid_params(error.errors(include_context=False)))


def _after(req: Any, resp: Any, error: Any, instance: Any, *_: Any) -> None:
    if error is not None:
        log.error("API response does not match its schema: %s", error)
        raise InternalServerError()


spec = SpecTree(
    "flask",
    title="bundler API",
    description=(
        "Knelpunten, pakketten en antwoorden van ministeries; events als CloudEvents "
        "(NL GOV-profiel). Foutmeldingen zijn application/problem+json."
    ),
    version=API_VERSION,
    # Routes under this path are left out of the document: the document itself.
    path="api/v1/openapi",
    mode="strict",
    page_templates={},
    before=_before,
    after=_after,
    validation_error_status=400,
)


def validated(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Validate the request with pydantic models and document the operation (spectree)."""
    return cast(Callable[[Callable[..., Any]], Callable[..., Any]], spec.validate(**options))


def responses(*bare: str, **codes: Any) -> Response:
    """Describe an operation's successful answers (errors are added to every operation)."""
    return Response(*bare, **codes)


# -- authentication ---------------------------------------------------------------------------


def _unauthorized() -> Unauthorized:
    return Unauthorized(www_authenticate=WWWAuthenticate("bearer", {"realm": "bundler"}))


def bearer() -> str | None:
    """Return the bearer token of this request, if it carries one."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate() -> ApiToken:
    """Find the request's usable token, or answer 401 (missing, unknown, revoked, expired)."""
    raw = bearer()
    token = ops.find_token(get_session(), raw) if raw else None
    if token is None:
        raise _unauthorized()
    now = utcnow()
    if ops.needs_touch(token, now):
        # In a transaction of its own: a read request never commits its session.
        with session_scope(current_app._get_current_object()) as session:  # type: ignore[attr-defined]
            ops.touch(session, token.id, now)
        set_committed_value(token, "last_used_at", now)  # known, not a pending change
    g.api_token = token
    g.api_principal = ops.principal(token)
    # The API knows no cookie sessions: whatever cookie came along acts for nobody.
    g._login_user = AnonymousUserMixin()
    return token


def token_required(*roles: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow only requests with a usable token of one of the roles (401, else 403)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = authenticate()
            if token.role not in roles:
                abort(403)
            if request.method in ("POST", "PUT") and request.get_json(silent=True) is None:
                if request.mimetype != "application/json":
                    abort(415)
                raise invalid("body", "json_invalid", REASONS["json_invalid"])
            return view(*args, **kwargs)

        return wrapped

    return decorator


def current_token() -> ApiToken:
    """Return the token of this API request (views behind token_required only)."""
    token: ApiToken = g.api_token
    return token


def current_principal() -> User:
    """Return the in-memory user the token acts as."""
    user: User = g.api_principal
    return user


# -- links: https, behind the proxy setting ---------------------------------------------------


def base_url() -> str:
    """Return the API's origin for links: API_PUBLIC_URL, else this request's host over https
    (plain http only for a loopback host, as under `make run`)."""
    if "api_base_url" not in g:
        g.api_base_url = _base_url()
    return str(g.api_base_url)


def _base_url() -> str:
    configured = str(current_app.config["API_PUBLIC_URL"])
    if configured:
        return configured.rstrip("/")
    host = request.host
    name = request.host.rsplit(":", 1)[0].strip("[]")
    try:
        loopback = ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = name == "localhost"
    scheme = request.scheme if loopback else "https"
    return f"{scheme}://{host}"


def link(path: str, **query: Any) -> dict[str, str]:
    """Return a HAL link to a path under /api/v1, with query values in camelCase."""
    pairs = [(k, v) for k, v in query.items() if v not in (None, "")]
    suffix = "&".join(f"{k}={_quote(str(v))}" for k, v in pairs)
    return {"href": f"{base_url()}{PREFIX}{path}" + (f"?{suffix}" if suffix else "")}


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def page_links(path: str, page: int, has_next: bool, **query: Any) -> dict[str, Any]:
    """Return self, next and prev links of a page of a list."""
    links: dict[str, Any] = {"self": link(path, **query, page=page)}
    if has_next:
        links["next"] = link(path, **query, page=page + 1)
    if page > 1:
        links["prev"] = link(path, **query, page=page - 1)
    return links


# -- the document -----------------------------------------------------------------------------

ERRORS = {
    "400": "Ongeldig verzoek; invalidParams noemt elk veld",
    "401": "Geen, een onbekend, ingetrokken of verlopen token",
    "403": "Dit token mag deze operatie niet gebruiken",
    "404": "Bestaat niet, of dit token mag het niet zien",
    "405": "Methode niet toegestaan",
    "406": "Formaat niet beschikbaar",
    "415": "Formaat van de inhoud niet ondersteund",
    "429": "Te veel verzoeken; zie Retry-After",
    "500": "Interne fout",
}
PUBLIC_OPERATIONS = {"/api/v1/ministries", "/api/v1/statutes", "/api/v1/municipalities"}


def document() -> dict[str, Any]:
    """Return the OpenAPI document: spectree's, generated from the validating models, with
    what spectree cannot say: problem+json errors, downloads, headers, public operations."""
    doc: dict[str, Any] = copy.deepcopy(spec.spec)
    doc["servers"] = [{"url": "/"}]
    doc["security"] = [{"bearer": []}]
    components = doc.setdefault("components", {})
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "Een API-token (bndl_…)"}
    }
    components["headers"] = {
        "API-Version": {
            "description": "De versie van de API (ADR: op elk antwoord)",
            "schema": {"type": "string", "example": API_VERSION},
            "required": True,
        }
    }
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    problem_ref = "#/components/schemas/Problem"
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            _complete(path, method, operation, problem_ref)
    return doc


def _complete(path: str, method: str, operation: dict[str, Any], problem_ref: str) -> None:
    answers = operation.setdefault("responses", {})
    for code, description in ERRORS.items():
        if code == "401" and path in PUBLIC_OPERATIONS:
            continue
        if code == "400" and not operation.get("parameters") and "requestBody" not in operation:
            continue
        answers.setdefault(code, {"description": description})
        answers[code]["content"] = {"application/problem+json": {"schema": {"$ref": problem_ref}}}
    if path in PUBLIC_OPERATIONS:
        operation["security"] = []
    if path.endswith(("/pdf", "/json")) and "/versions/" in path:
        kind = "application/pdf" if path.endswith("/pdf") else "application/json"
        schema = {"type": "string", "format": "binary"} if kind == "application/pdf" else {}
        answers["200"] = {
            "description": "Het bestand; ETag is de SHA-256",
            "content": {kind: {"schema": schema}},
            "headers": {"ETag": {"schema": {"type": "string"}}},
        }
        answers["304"] = {"description": "Niet gewijzigd (If-None-Match)"}
        operation.setdefault("parameters", []).append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
            }
        )
    for answer in answers.values():
        answer.setdefault("headers", {})["API-Version"] = {
            "$ref": "#/components/headers/API-Version"
        }


def init_document(app: Flask) -> None:
    """Check at start-up that the document can be generated (a broken schema fails early)."""
    with app.test_request_context():
        document()
