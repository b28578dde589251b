"""Event subscriptions: CloudEvents delivered to a real HTTP receiver on loopback, signed,
retried after a failure with the same id, only what the token may see, no private targets."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from sqlalchemy import select, update

from bundler import queue
from bundler.api import delivery
from bundler.api.ops import token_hash
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import ApiEvent, ApiToken, Delivery, Subscription, utcnow
from tests.api_helpers import call, make_token
from tests.package_helpers import build, make_story

ALL_TYPES = [
    "nl.bundler.package.version-published",
    "nl.bundler.wish.state-changed",
    "nl.bundler.wish.answered",
    "nl.bundler.wish.merged",
]


@dataclass
class Receiver:
    """A webhook receiver on loopback that answers with the statuses it is given."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            state.paths.append(self.path)
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def loopback_allowed(app):
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = ["127.0.0.0/8"]
    app.config["API_PUBLIC_URL"] = "https://bundler.example.nl"
    return app


def _subscribe(client, token: str, url: str, types: list[str] = ALL_TYPES) -> dict[str, Any]:
    response = call(
        client,
        "POST",
        "/api/v1/subscriptions",
        token,
        json={"callbackUrl": url, "eventTypes": types},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _verify(headers: dict[str, str], body: bytes, secret: str) -> None:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["bundler-signature"], expected)


def test_events_reach_a_real_receiver_signed_and_are_retried_with_the_same_id(
    loopback_allowed, client, make_pilot, make_wish, receiver
):
    app = loopback_allowed
    story = make_story(make_pilot, make_wish, app)
    jenv = make_token(app, Role.MINISTRY, ministry="JenV")
    bzk = make_token(app, Role.MINISTRY, ministry="BZK")
    subscription = _subscribe(client, jenv, receiver.url)
    _subscribe(client, bzk, receiver.url + "/bzk")
    receiver.statuses = [500] * 10  # the receiver is down at first

    version = build(app, "JenV")  # publishes: two wishes offered, one version published
    assert version is not None
    assert queue.run_pending(app) >= 1  # the dispatch queued after the commit
    first = list(receiver.received)
    assert len(first) == 3
    assert all(h["content-type"] == "application/cloudevents+json" for h, _ in first)

    with session_scope(app) as session:  # the retry is due (skip the backoff wait)
        pending = session.scalars(select(Delivery).where(Delivery.status == "pending")).all()
        assert len(pending) == 3 and all(d.next_attempt_at > utcnow() for d in pending)
        session.execute(update(Delivery).values(next_attempt_at=utcnow()))
    receiver.statuses = []
    assert delivery.dispatch(app) == 3
    assert delivery.dispatch(app) == 0  # delivered: nothing is sent twice
    retried = receiver.received[3:]

    ids = [from_http_event(HTTPMessage(h, b)).get_id() for h, b in first]
    assert sorted(ids) == sorted(from_http_event(HTTPMessage(h, b)).get_id() for h, b in retried)
    assert len(set(ids)) == 3  # one id per event, kept across the retry
    events = [from_http_event(HTTPMessage(h, b)) for h, b in retried]
    for (headers, body), event in zip(retried, events, strict=True):
        _verify(headers, body, subscription["secret"])
        assert event.get_specversion() == "1.0"
        assert event.get_source().startswith("urn:nld:oin:")
        assert event.get_time() is not None and event.get_time().tzinfo is not None
        assert event.get_extension("dataref").startswith("https://bundler.example.nl/api/v1/")
        assert headers["bundler-signature"].startswith("sha256=")
    by_type = {e.get_type(): e for e in events}
    published = by_type["nl.bundler.package.version-published"]
    assert published.get_subject() == version.package.number
    assert published.get_data() == {
        "package": version.package.number,
        "version": 1,
        "ministry": "JenV",
    }
    changed = [e for e in events if e.get_type() == "nl.bundler.wish.state-changed"]
    assert {e.get_subject() for e in changed} == {story.death.reference, story.birth.reference}
    assert all(e.get_data()["state"] == "aangeboden" for e in changed)
    # The BZK subscription saw nothing of JenV's package or wishes.
    assert set(receiver.paths) == {"/hook"}

    log = call(client, "GET", f"/api/v1/subscriptions/{subscription['id']}/deliveries", jenv)
    deliveries = log.get_json()["deliveries"]
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert all([a["statusCode"] for a in d["attemptLog"]] == [500, 200] for d in deliveries)


def test_an_answer_through_the_api_is_an_event_for_the_office(
    loopback_allowed, client, make_pilot, make_wish, receiver
):
    app = loopback_allowed
    story = make_story(make_pilot, make_wish, app)
    build(app, "JenV")
    queue.run_pending(app)
    office = make_token(app, Role.OFFICE)
    _subscribe(client, office, receiver.url, ["nl.bundler.wish.answered"])
    jenv = make_token(app, Role.MINISTRY, ministry="JenV")
    path = f"/api/v1/wishes/{story.death.reference}/answer"
    assert call(client, "PUT", path, jenv, json={"status": "ontvangen"}).status_code == 201
    queue.run_pending(app)
    assert len(receiver.received) == 1
    event = from_http_event(HTTPMessage(*receiver.received[0]))
    assert event.get_type() == "nl.bundler.wish.answered"
    assert event.get_data() == {
        "reference": story.death.reference,
        "ministry": "JenV",
        "status": "ontvangen",
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "ftp://93.184.215.14/hook",
        "https://user:pw@93.184.215.14/hook",
    ],
)
def test_a_webhook_to_a_private_address_is_refused(app, client, url):
    token = make_token(app, Role.OFFICE)
    response = call(
        client,
        "POST",
        "/api/v1/subscriptions",
        token,
        json={"callbackUrl": url, "eventTypes": ALL_TYPES},
    )
    assert response.status_code == 400, url
    assert response.get_json()["invalidParams"][0]["name"] == "callbackUrl"


def test_a_public_https_callback_is_accepted(app, client):
    token = make_token(app, Role.OFFICE)
    created = _subscribe(client, token, "https://93.184.215.14/hook")
    assert created["secret"] and created["eventTypes"] == sorted(ALL_TYPES)
    listed = call(client, "GET", "/api/v1/subscriptions", token).get_json()["subscriptions"]
    assert [s["id"] for s in listed] == [created["id"]] and listed[0]["secret"] is None
    path = f"/api/v1/subscriptions/{created['id']}"
    assert call(client, "GET", path, make_token(app, Role.OFFICE)).status_code == 404
    assert call(client, "DELETE", path, token).status_code == 204
    assert call(client, "GET", path, token).status_code == 404


def test_the_address_is_checked_again_before_each_delivery(
    loopback_allowed, client, make_pilot, make_wish, receiver
):
    app = loopback_allowed
    make_story(make_pilot, make_wish, app)
    token = make_token(app, Role.OFFICE)
    _subscribe(client, token, receiver.url)
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = []  # the operator withdraws the exception
    build(app, "JenV")
    queue.run_pending(app)
    assert receiver.received == []
    with session_scope(app) as session:
        attempts = [a for d in session.scalars(select(Delivery)) for a in d.attempt_log]
        assert attempts and all(a.status_code is None and "intern" in a.error for a in attempts)


def test_backoff_grows_and_stops_at_the_cap():
    waits = [delivery.backoff(n, 30, 6 * 3600).total_seconds() for n in range(1, 9)]
    assert waits[:4] == [30, 120, 480, 1920]
    assert waits[-1] == 6 * 3600 and waits == sorted(waits)
    assert delivery.backoff(1, 30, 10) == dt.timedelta(seconds=10)


def test_events_are_written_with_the_change_and_not_without_it(app, make_pilot, make_wish):
    from bundler.office import ops as office_ops

    pilot = make_pilot()
    wish = make_wish(pilot)
    with session_scope(app) as session:
        assert session.scalars(select(ApiEvent)).all() == []
    office = make_token(app, Role.OFFICE)
    with session_scope(app) as session:  # events are kept only for what someone subscribed to
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(office)))
        session.add(
            Subscription(
                token=token,
                callback_url="https://93.184.215.14/",
                event_types=["nl.bundler.wish.state-changed"],
                secret="-",
            )
        )

    def change_then_fail() -> None:
        with session_scope(app) as session:
            found = session.get(type(wish), wish.id)
            office_ops.change_state(session, found, office_ops.S.IN_TRIAGE)
            session.flush()
            raise RuntimeError("the transaction fails after the change")

    with app.app_context():
        with pytest.raises(RuntimeError):
            change_then_fail()
        with session_scope(app) as session:
            assert session.scalars(select(ApiEvent)).all() == []
            found = session.get(type(wish), wish.id)
            office_ops.change_state(session, found, office_ops.S.IN_TRIAGE)
        with session_scope(app) as session:
            (event,) = session.scalars(select(ApiEvent)).all()
            assert event.type == "nl.bundler.wish.state-changed"
            assert event.data == {
                "reference": wish.reference,
                "state": "in_behandeling",
                "previousState": "ingediend",
            }
