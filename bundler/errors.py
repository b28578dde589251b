"""Friendly Dutch error pages (problem+json under /api/), never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from bundler import audit
from bundler.db import session_scope

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Dit verzoek kunnen we niet verwerken"),
    403: _l("U heeft geen toegang tot deze pagina"),
    404: _l("Deze pagina bestaat niet"),
    405: _l("Dit verzoek kunnen we niet verwerken"),
    409: _l("Iemand anders heeft dit intussen gewijzigd"),
    413: _l("Het bestand is te groot"),
    429: _l("Te veel pogingen"),
    500: _l("Er ging iets mis"),
}
EXPLANATIONS = {
    400: _l(
        "Het formulier was verlopen of onvolledig. Ga terug, laad de pagina opnieuw en "
        "probeer het nog eens."
    ),
    403: _l(
        "Uw account heeft geen rechten voor deze pagina. Denkt u dat dit niet klopt? "
        "Neem contact op met het programmabureau."
    ),
    404: _l("Controleer het adres, of ga naar de startpagina."),
    405: _l("Ga terug naar de vorige pagina en probeer het opnieuw."),
    409: _l("Laad de pagina opnieuw om de nieuwste versie te zien."),
    413: _l(
        "Een bijlage mag hoogstens 10 MB zijn. Maak het bestand kleiner en probeer het opnieuw."
    ),
    429: _l("U heeft het te vaak geprobeerd. Wacht een paar minuten en probeer het dan opnieuw."),
    500: _l(
        "Dat is niet uw fout. Probeer het later opnieuw; blijft het misgaan, neem dan "
        "contact op met het programmabureau."
    ),
}


def init_app(app: Flask) -> None:
    """Register one handler for every HTTP error and for unexpected exceptions."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    """Render an HTTP error as a Dutch page or as problem+json for the API."""
    code = error.code or 500
    if code == 403 or (code == 404 and _probing()):
        _log_denial(code)
    title = str(TITLES.get(code, error.name))
    detail = str(EXPLANATIONS.get(code, ""))
    if request.path.startswith("/api/"):
        return problem_response(error, code)
    headers = error.get_headers()
    headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
    return (
        render_template("errors/error.html", code=code, title=title, detail=detail),
        code,
        headers,
    )


def handle_unexpected(error: Exception) -> ResponseReturnValue:
    """Log the exception and show the friendly 500 page."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    # A failed statement leaves the request's session unusable; the error page may need it.
    session = g.get("db_session")
    if session is not None:
        session.rollback()
    return handle_http_error(InternalServerError())


def _probing() -> bool:
    # A signed-in user asking an existing route for an object that is hidden from them (or
    # does not exist) gets 404 like anyone else, but it is logged: it may be probing.
    return request.url_rule is not None and current_user.is_authenticated


def _log_denial(code: int) -> None:
    # Denied access is a security event: keep it in the audit log, in its own transaction.
    try:
        with session_scope(current_app) as db:
            actor = current_user._get_current_object() if current_user.is_authenticated else None
            audit.record(
                db,
                "access.denied",
                actor=db.merge(actor) if actor else None,
                result="denied" if code == 403 else "not_found",
                summary=f"{request.method} {request.path}"[:500],
            )
    except Exception:  # the denial itself must still be answered
        log.exception("could not record access denial")


# -- the API: application/problem+json (RFC 9457) ----------------------------------------------

API_TITLES = {
    400: _l("Ongeldig verzoek"),
    401: _l("Niet aangemeld"),
    403: _l("Geen toegang"),
    404: _l("Niet gevonden"),
    405: _l("Methode niet toegestaan"),
    406: _l("Formaat niet beschikbaar"),
    409: _l("Conflict"),
    412: _l("Voorwaarde niet vervuld"),
    413: _l("Verzoek te groot"),
    415: _l("Formaat niet ondersteund"),
    429: _l("Te veel verzoeken"),
    500: _l("Interne fout"),
}
API_DETAILS = {
    400: _l("Het verzoek klopt niet; zie invalidParams."),
    401: _l("Geef een geldig API-token mee: Authorization: Bearer <token>."),
    403: _l("Dit token mag deze operatie niet gebruiken."),
    404: _l("Deze resource bestaat niet, of dit token mag haar niet zien."),
    405: _l("Deze resource ondersteunt deze methode niet; zie de Allow-header."),
    406: _l("Deze resource is niet in het gevraagde formaat beschikbaar."),
    409: _l("De resource is intussen gewijzigd."),
    412: _l("De resource is intussen gewijzigd (If-Match klopt niet meer)."),
    413: _l("Het verzoek is te groot."),
    415: _l("Stuur de inhoud als application/json."),
    429: _l("Te veel verzoeken met dit token; probeer het na Retry-After seconden opnieuw."),
    500: _l("Er ging iets mis aan onze kant. Probeer het later opnieuw."),
}


def problem_response(error: HTTPException, code: int) -> ResponseReturnValue:
    """Answer an error under /api/ as problem+json, keeping headers such as Allow and
    Retry-After; a 400 always names what was wrong in invalidParams."""
    title = str(API_TITLES.get(code, error.name))
    detail = getattr(error, "problem_detail", None) or str(API_DETAILS.get(code, title))
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": code}
    body["detail"] = detail
    invalid = getattr(error, "invalid_params", None)
    if invalid is None and code == 400:
        invalid = [{"name": "request", "code": "invalid", "reason": detail}]
    if invalid is not None:
        body["invalidParams"] = invalid
    response = jsonify(body)
    response.status_code = code
    response.mimetype = "application/problem+json"
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
