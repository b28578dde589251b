"""API tokens and subscriptions in the browser: made, shown once, attempts listed; axe."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select

from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import ApiEvent, ApiToken, Delivery, DeliveryAttempt, Subscription, utcnow

SHOTS = os.environ.get("SCREENSHOTS", "")


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_a_ministry_user_makes_a_token_and_sees_the_delivery_attempts(
    app, page, axe, browser_login, make_user
):
    user = make_user(Role.MINISTRY, ministry="JenV")
    browser_login(user.email)
    page.get_by_role("link", name="API-koppelingen").click()
    axe(page)
    page.get_by_label("Naam van het token").fill("Wetgevingsvolgsysteem")
    page.get_by_label("Geldig tot en met").fill(
        (dt.date.today() + dt.timedelta(days=60)).isoformat()
    )
    page.get_by_role("button", name="Token maken").click()
    secret = page.get_by_label("Het nieuwe token").input_value()
    assert secret.startswith("bndl_")
    axe(page)
    _shot(page, "tokens.png")

    with session_scope(app) as session:  # a subscription with one failed, one good attempt
        token = session.scalar(select(ApiToken))
        assert token is not None
        subscription = Subscription(
            token=token,
            callback_url="https://wetgeving.jenv.example.nl/events",
            event_types=["nl.bundler.wish.answered"],
            secret="-",
        )
        event = ApiEvent(
            event_id="0b6f0f3e-6c1d-4b8e-9b7a-3f5c2d1e0a99",
            type="nl.bundler.wish.answered",
            subject="KN-2026-0042",
            dataref="/api/v1/wishes/KN-2026-0042/answers",
            data={},
        )
        session.add_all([subscription, event])
        session.flush()
        delivery = Delivery(
            subscription=subscription, event_id=event.id, status="delivered", attempts=2
        )
        delivery.attempt_log = [
            DeliveryAttempt(at=utcnow() - dt.timedelta(minutes=1), status_code=500, duration_ms=12),
            DeliveryAttempt(at=utcnow(), status_code=200, duration_ms=9),
        ]
        session.add(delivery)
    page.get_by_role("link", name="Wetgevingsvolgsysteem").click()
    assert "HTTP 500" in page.content() and "HTTP 200" in page.content()
    assert page.get_by_role("button", name="Token intrekken").is_visible()
    axe(page)
    _shot(page, "token.png")
    page.get_by_role("button", name="Token intrekken").click()
    assert "is ingetrokken" in page.content()
    axe(page)
