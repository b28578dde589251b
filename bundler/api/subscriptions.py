"""Event subscriptions (webhooks) of the token holder, and their delivery attempts."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app

from bundler.api import ops, queries, represent
from bundler.api import schemas as s
from bundler.api.web import (
    current_token,
    invalid,
    page_links,
    responses,
    token_required,
    validated,
)
from bundler.db import get_session
from bundler.enums import Role
from bundler.models import Subscription
from bundler.rules import RuleError

TAGS = ["Abonnementen"]
HOLDERS = (Role.MINISTRY, Role.PILOT, Role.OFFICE)


@token_required(*HOLDERS)
@validated(resp=responses(HTTP_200=s.SubscriptionList), tags=TAGS)
def index() -> s.SubscriptionList:
    """List this token's subscriptions."""
    rows = ops.subscriptions_of(get_session(), current_token())
    return s.SubscriptionList(
        _links=s.Links.model_validate(page_links("/subscriptions", 1, False)),
        subscriptions=[represent.subscription(x) for x in rows],
    )


@token_required(*HOLDERS)
@validated(json=s.SubscriptionIn, resp=responses(HTTP_201=s.Subscription), tags=TAGS)
def create(json: s.SubscriptionIn) -> Any:
    """Register a callback URL for event types; the answer carries the signing secret, once.

    Events arrive as CloudEvents 1.0 in structured mode (application/cloudevents+json), with
    the header Bundler-Signature: sha256=<HMAC-SHA256 of the body with the secret, in hex>.
    """
    db = get_session()
    try:
        subscription, secret = ops.create_subscription(
            db,
            current_token(),
            callback_url=json.callback_url,
            event_types=json.event_types,
            secret_key=str(current_app.config["SECRET_KEY"]),
            allow=current_app.config["WEBHOOK_ALLOWED_NETWORKS"],
        )
    except RuleError as error:
        raise invalid(error.field or "callbackUrl", "callback_url_refused", error) from None
    db.commit()
    body = represent.subscription(subscription, secret)
    return body, 201, {"Location": body.links.self.href}


def _own(subscription_id: int) -> Subscription:
    found = queries.subscription_of(get_session(), current_token(), subscription_id)
    if found is None:
        abort(404)
    return found


@token_required(*HOLDERS)
@validated(resp=responses(HTTP_200=s.Subscription), tags=TAGS)
def show(subscription_id: int) -> s.Subscription:
    """Show one of this token's subscriptions."""
    return represent.subscription(_own(subscription_id))


@token_required(*HOLDERS)
@validated(resp=responses("HTTP_204"), tags=TAGS)
def delete(subscription_id: int) -> Any:
    """Stop a subscription (its delivery history stays)."""
    db = get_session()
    ops.delete_subscription(db, _own(subscription_id), label=current_token().label)
    db.commit()
    return "", 204


@token_required(*HOLDERS)
@validated(query=s.PageQuery, resp=responses(HTTP_200=s.DeliveryPage), tags=TAGS)
def deliveries(subscription_id: int, query: s.PageQuery) -> s.DeliveryPage:
    """List a subscription's deliveries, newest first, with every attempt."""
    found = _own(subscription_id)
    rows, more = queries.deliveries(get_session(), found, page=query.page, size=query.page_size)
    path = f"/subscriptions/{found.id}/deliveries"
    return s.DeliveryPage(
        _links=s.Links.model_validate(page_links(path, query.page, more, pageSize=query.page_size)),
        deliveries=[represent.delivery(d) for d in rows],
    )
