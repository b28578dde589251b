"""Webhook delivery on the job queue: fan events out, POST them signed, retry with backoff.

At least once: a delivery is marked delivered only after the receiver answered 2xx, and every
retry carries the same CloudEvents id, so receivers deduplicate on it. A delivery is claimed
(its next attempt moved past the HTTP timeout) before it is sent, so two workers do not send
it at the same moment. The callback URL is checked against the SSRF rule again before every
attempt (its name may resolve elsewhere by now), and redirects are not followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import time
from typing import Any

import requests
from flask import Flask
from huey import Huey, crontab
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bundler import otp
from bundler.api import events
from bundler.api.ops import can_see_package, check_callback_url, principal
from bundler.db import session_scope
from bundler.models import (
    ApiEvent,
    ApiToken,
    Delivery,
    DeliveryAttempt,
    Package,
    Subscription,
    Wish,
    utcnow,
)
from bundler.queue import get_huey
from bundler.rules import RuleError
from bundler.wishes.visibility import can_view

log = logging.getLogger(__name__)
TASK = "bundler.api.dispatch_task"
SIGNATURE_HEADER = "Bundler-Signature"
BATCH = 200


def signature(secret: str, body: bytes) -> str:
    """Return the signature header value: HMAC-SHA256 of the body with the secret, in hex."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int, base: float, cap: float) -> dt.timedelta:
    """Return the wait after a failed attempt: base, 4x base, 16x base, ... at most cap."""
    return dt.timedelta(seconds=min(cap, base * 4 ** max(attempts - 1, 0)))


def may_receive(session: Session, token: ApiToken, api_event: ApiEvent) -> bool:
    """Tell whether a subscription's token may see what an event is about (the same rules
    as the API and the pages)."""
    if api_event.wish_id is not None:
        wish = session.get(Wish, api_event.wish_id)
        return wish is not None and can_view(principal(token), wish)
    if api_event.package_id is not None:
        package = session.get(Package, api_event.package_id)
        return package is not None and can_see_package(token, package)
    return False


def fan_out(session: Session) -> int:
    """Make a delivery for every subscription that wants and may see each new event."""
    now = utcnow()
    subscriptions = [
        s
        for s in session.scalars(select(Subscription).where(Subscription.deleted_at.is_(None)))
        if s.token.is_usable(now)
    ]
    made = 0
    for api_event in events.unsent(session, BATCH):
        claimed = session.execute(
            update(ApiEvent)
            .where(ApiEvent.id == api_event.id, ApiEvent.fanned_out_at.is_(None))
            .values(fanned_out_at=now)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue  # another worker took it
        for subscription in subscriptions:
            if api_event.type in subscription.event_types and may_receive(
                session, subscription.token, api_event
            ):
                session.add(Delivery(subscription=subscription, event_id=api_event.id))
                made += 1
    session.flush()
    return made


def _claim(app: Flask, lease: dt.timedelta) -> list[int]:
    """Take the deliveries that are due, moving their next attempt past the lease."""
    now = utcnow()
    with session_scope(app) as session:
        due = session.scalars(
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(BATCH)
        ).all()
        taken = []
        for delivery_id in due:
            result = session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.next_attempt_at <= now)
                .values(next_attempt_at=now + lease)
            )
            if getattr(result, "rowcount", 0) == 1:
                taken.append(delivery_id)
        return taken


def _prepare(app: Flask, delivery_id: int) -> tuple[str, dict[str, str], bytes] | None:
    config = app.config
    with session_scope(app) as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None:
            return None
        subscription = delivery.subscription
        usable = subscription.deleted_at is None and subscription.token.is_usable(utcnow())
        if not usable:
            delivery.status = "cancelled"
            return None
        headers, body = events.cloudevent(
            delivery.event,
            source=str(config["EVENT_SOURCE"]),
            base_url=str(config["API_PUBLIC_URL"]),
        )
        secret = otp.decrypt(str(config["SECRET_KEY"]), subscription.secret)
        headers[SIGNATURE_HEADER] = signature(secret, body)
        headers["User-Agent"] = "bundler-webhooks/1"
        return subscription.callback_url, headers, body


def send(app: Flask, url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, str]:
    """POST one event; return the receiver's status (None when none came) and any error."""
    try:
        check_callback_url(url, app.config["WEBHOOK_ALLOWED_NETWORKS"])
        response = requests.post(
            url,
            data=body,
            headers=headers,
            timeout=float(app.config["WEBHOOK_TIMEOUT_SECONDS"]),
            allow_redirects=False,
        )
        response.close()
    except RuleError:
        # Logged for the subscriber in plain Dutch (a job has no reader's language).
        return None, "Niet verstuurd: de URL wijst (nu) naar een privé- of intern adres."
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:500]
    return response.status_code, ""


def deliver(app: Flask, delivery_id: int) -> None:
    """Try one delivery once and record the attempt; schedule the next one on failure."""
    prepared = _prepare(app, delivery_id)
    if prepared is None:
        return
    started = time.perf_counter()
    status, error = send(app, *prepared)
    elapsed = int((time.perf_counter() - started) * 1000)
    config = app.config
    with session_scope(app) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        delivery.attempt_log.append(
            DeliveryAttempt(status_code=status, error=error, duration_ms=elapsed)
        )
        if status is not None and 200 <= status < 300:
            delivery.status, delivery.delivered_at = "delivered", utcnow()
        elif delivery.attempts >= int(config["WEBHOOK_MAX_ATTEMPTS"]):
            delivery.status = "failed"
        else:
            wait = backoff(
                delivery.attempts,
                float(config["WEBHOOK_RETRY_SECONDS"]),
                float(config["WEBHOOK_RETRY_MAX_SECONDS"]),
            )
            delivery.next_attempt_at = utcnow() + wait


def dispatch(app: Flask) -> int:
    """Fan out new events, then try every delivery that is due; return how many were tried."""
    with app.app_context():
        with session_scope(app) as session:
            fan_out(session)
        lease = dt.timedelta(seconds=float(app.config["WEBHOOK_TIMEOUT_SECONDS"]) * 3)
        taken = _claim(app, lease)
        for delivery_id in taken:
            try:
                deliver(app, delivery_id)
            except Exception:  # one broken delivery must not stop the others
                log.exception("webhook delivery %s failed", delivery_id)
        return len(taken)


def install_tasks(huey: Huey, app: Flask) -> None:
    """Add the dispatch task (after each commit with events) and its minutely sweep."""

    def dispatch_task() -> None:
        dispatch(app)

    app.extensions[TASK] = huey.task(name="bundler.api.dispatch", retries=0)(dispatch_task)

    def dispatch_due() -> None:
        dispatch(app)

    # Retries whose wait is over, and events whose immediate dispatch was lost.
    huey.periodic_task(crontab(minute="*"), name="bundler.api.dispatch_due")(dispatch_due)


def schedule(app: Flask) -> Any:
    """Queue a dispatch now (after a commit that made events)."""
    get_huey(app)
    return app.extensions[TASK]()
