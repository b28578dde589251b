"""The JSON API (/api/v1, NL API Design Rules) and its event subscriptions (CloudEvents).

Every URL of the API is declared here, next to the module that handles it:
- `reference`: ministries, statutes, municipalities (public);
- `wishes`: wishes and a ministry's answers; `packages`: packages, versions, downloads;
- `subscriptions`: webhooks and their deliveries; `pages`: tokens and subscriptions in the UI.
`web` holds authentication, validation and the OpenAPI document, `ops` tokens and
subscriptions, `queries` the reads, `events` the outbox derived from the audit log and
`delivery` the jobs that send events.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from bundler import queue, security
from bundler.api import delivery, events, packages, pages, reference, subscriptions, wishes
from bundler.api.ops import token_hash
from bundler.api.web import API_VERSION, PREFIX, bearer, document
from bundler.security import limiter

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix=PREFIX)
bp.add_url_rule("/ministries", "ministries", reference.ministries)
bp.add_url_rule("/statutes", "statutes", reference.statutes)
bp.add_url_rule("/municipalities", "municipalities", reference.municipalities)
bp.add_url_rule("/wishes", "wishes", wishes.index)
bp.add_url_rule("/wishes/<reference>", "wish", wishes.show)
bp.add_url_rule("/wishes/<reference>/answers", "answers", wishes.answers)
bp.add_url_rule("/wishes/<reference>/answer", "put_answer", wishes.put_answer, methods=["PUT"])
bp.add_url_rule("/packages", "packages", packages.index)
bp.add_url_rule("/packages/<package_number>", "package", packages.show)
VERSION = "/packages/<package_number>/versions/<int:version_number>"
bp.add_url_rule(VERSION, "version", packages.version)
bp.add_url_rule(VERSION + "/pdf", "pdf", packages.pdf)
bp.add_url_rule(VERSION + "/json", "twin", packages.twin)
bp.add_url_rule("/subscriptions", "subscriptions", subscriptions.index)
bp.add_url_rule("/subscriptions", "subscribe", subscriptions.create, methods=["POST"])
SUBSCRIPTION = "/subscriptions/<int:subscription_id>"
bp.add_url_rule(SUBSCRIPTION, "subscription", subscriptions.show)
bp.add_url_rule(SUBSCRIPTION, "unsubscribe", subscriptions.delete, methods=["DELETE"])
bp.add_url_rule(SUBSCRIPTION + "/deliveries", "deliveries", subscriptions.deliveries)


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """Serve the OpenAPI 3 document (public)."""
    return jsonify(document())


def _token_key() -> str:
    raw = bearer()
    # Keyed by the token itself (hashed: the limiter's store never sees a secret).
    return "api-token:" + token_hash(raw)[:32] if raw else "api-ip:" + get_remote_address()


def _rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


def _failure_limit() -> str:
    return str(current_app.config["API_AUTH_FAILURE_LIMIT"])


def _failed(response: Response) -> bool:
    return response.status_code == 401


limiter.limit(_rate_limit, key_func=_token_key)(bp)
# Guessing tokens: failed authentications count per address.
limiter.limit(_failure_limit, key_func=get_remote_address, deduct_when=_failed)(bp)


def _api_version(response: Response) -> Response:
    if request.path.startswith("/api/"):
        response.headers["API-Version"] = API_VERSION
    return response


def _dispatch_soon() -> None:
    try:
        delivery.schedule(current_app._get_current_object())  # type: ignore[attr-defined]
    except Exception:  # the change is committed; the minutely sweep sends the events
        log.exception("could not queue the event dispatch")


def init_app(app: Flask) -> None:
    """Register the API and its pages, the API-Version header, events and delivery jobs."""
    app.register_blueprint(bp)
    pages.init_app(app)
    security.cookieless(app, PREFIX + "/")
    app.after_request(_api_version)
    events.install(app, _dispatch_soon)
    queue.register(app, delivery.install_tasks)
