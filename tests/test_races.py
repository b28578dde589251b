"""Races through a real server with real threads (issue 10, finding 6; ASVS 11.1.x).

Each race must end in a clear answer, never a 500 or a silent duplicate: two members saving
the same version of a wish, a pilot joining twice at once, the new-wish form posted twice,
two ministry colleagues answering at once. The app runs in a threaded Werkzeug server on a
loopback port; two threads start each pair of requests together. A few rounds per race make
real overlap likely; the assertions hold whether or not the requests overlapped, and every
request has a timeout. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role
from bundler.enums import WishState as S
from bundler.models import Answer, Wish, WishSupport
from tests.conftest import PASSWORD
from tests.package_helpers import build

ROUNDS = 3
TIMEOUT = 20
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Plain http on loopback: a __Host-/Secure cookie would not be sent back by requests.
    return {
        **app_config,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_NAME": "bundler",
    }


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port, one thread per request."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=5)


class Browser:
    """One signed-in person: a requests session with the CSRF token of a page."""

    def __init__(self, base: str, email: str) -> None:
        self.base, self.http = base, requests.Session()
        token = self.token("/aanmelden")
        response = self.post(
            "/aanmelden", {"email": email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.status_code

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=TIMEOUT)

    def post(self, path: str, data: dict[str, Any]) -> requests.Response:
        return self.http.post(self.base + path, data=data, allow_redirects=False, timeout=TIMEOUT)

    def token(self, path: str) -> str:
        match = TOKEN.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)


def together(*posts: tuple[Browser, str, dict[str, Any]]) -> list[requests.Response]:
    """Send the POSTs at the same moment from threads; return their responses in order."""
    calls = [lambda b=b, p=p, d=d: b.post(p, d) for b, p, d in posts]
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], requests.Response]) -> None:
        barrier.wait(timeout=TIMEOUT)
        try:
            results[i] = call()
        except Exception as error:  # reported below, not swallowed
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    for result in results:
        assert isinstance(result, requests.Response), result
    return results


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*? value="([^"]*)"', html)
    assert match, f"no hidden {name}"
    return match.group(1)


def _count(app: Flask, model: Any, *where: Any) -> int:
    with session_scope(app) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_two_members_saving_the_same_version(app, server, make_pilot, make_user, make_wish):
    pilot = make_pilot()
    people = [make_user(Role.PILOT, pilots=[pilot]) for _ in range(2)]
    browsers = [Browser(server, p.email) for p in people]
    for round_ in range(ROUNDS):
        wish = make_wish(pilot, state=S.CONCEPT, title=f"Ronde {round_}")
        page = f"/knelpunten/{wish.id}/bewerken"
        forms = []
        for i, browser in enumerate(browsers):
            html = browser.get(page).text
            forms.append(
                {
                    "csrf_token": TOKEN.search(html).group(1),
                    "form_id": _hidden(html, "form_id"),
                    "version": _hidden(html, "version"),
                    "pilot": str(pilot.id),
                    "title": f"Tekst van lid {i} in ronde {round_}",
                    "urgency": "normaal",
                    "action": "concept",
                }
            )
        first, second = together(*((b, page, f) for b, f in zip(browsers, forms, strict=True)))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [302, 409], statuses
        lost = first if first.status_code == 409 else second
        loser = 0 if lost is first else 1
        assert f"Tekst van lid {loser} in ronde {round_}" in lost.text  # their text is kept
        assert "Iemand anders heeft dit knelpunt intussen gewijzigd" in lost.text


def test_a_wish_edit_without_a_version_is_refused(app, server, make_pilot, make_user, make_wish):
    pilot = make_pilot()
    browser = Browser(server, make_user(Role.PILOT, pilots=[pilot]).email)
    wish = make_wish(pilot, state=S.CONCEPT, title="Zonder versie")
    page = f"/knelpunten/{wish.id}/bewerken"
    response = browser.post(
        page,
        {
            "csrf_token": browser.token(page),
            "pilot": str(pilot.id),
            "title": "Overschreven zonder versie",
            "urgency": "normaal",
            "action": "concept",
        },
    )
    assert response.status_code == 409
    with session_scope(app) as session:
        assert session.get(Wish, wish.id).title == "Zonder versie"


def test_the_same_pilot_joining_twice_at_once(app, server, make_pilot, make_user, make_wish):
    owner, joiner = make_pilot(), make_pilot()
    browser = Browser(server, make_user(Role.PILOT, pilots=[joiner]).email)
    for _round in range(ROUNDS):
        wish = make_wish(owner, state=S.SUBMITTED)
        page = f"/knelpunten/{wish.id}/steunen"
        data = {"csrf_token": browser.token(page), "pilot": str(joiner.id), "note": "Ook bij ons"}
        responses = together((browser, page, data), (browser, page, data))
        assert [r.status_code for r in responses] == [302, 302]
        assert _count(app, WishSupport, WishSupport.wish_id == wish.id) == 1


def test_the_new_wish_form_posted_twice_at_once(app, server, make_pilot, make_user):
    pilot = make_pilot()
    browser = Browser(server, make_user(Role.PILOT, pilots=[pilot]).email)
    for round_ in range(ROUNDS):
        html = browser.get("/knelpunten/nieuw").text
        data = {
            "csrf_token": TOKEN.search(html).group(1),
            "form_id": _hidden(html, "form_id"),
            "pilot": str(pilot.id),
            "title": f"Dubbelklik {round_}",
            "urgency": "normaal",
            "action": "concept",
        }
        first, second = together(
            (browser, "/knelpunten/nieuw", data), (browser, "/knelpunten/nieuw", data)
        )
        assert (first.status_code, second.status_code) == (302, 302)
        assert first.headers["Location"] == second.headers["Location"]
        assert _count(app, Wish, Wish.title == f"Dubbelklik {round_}") == 1


def test_two_ministry_colleagues_answering_at_once(app, server, make_pilot, make_user, make_wish):
    pilot = make_pilot()
    colleagues = [make_user(Role.MINISTRY, ministry="BZK") for _ in range(2)]
    browsers = [Browser(server, c.email) for c in colleagues]
    wishes = [make_wish(pilot, state=S.ACCEPTED) for _ in range(ROUNDS)]
    assert build(app, "BZK") is not None  # offered to BZK in a published package
    for round_, wish in enumerate(wishes):
        page = f"/ministerie/knelpunten/{wish.id}/antwoord"
        forms = []
        for i, browser in enumerate(browsers):
            html = browser.get(page).text
            forms.append(
                {
                    "csrf_token": TOKEN.search(html).group(1),
                    "seen_answer": _hidden(html, "seen_answer"),
                    "status": AnswerStatus.RECEIVED.value,
                    "reasons": f"Antwoord van collega {i} in ronde {round_}",
                }
            )
        first, second = together(*((b, page, f) for b, f in zip(browsers, forms, strict=True)))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [302, 409], statuses
        lost = first if first.status_code == 409 else second
        loser = 0 if lost is first else 1
        assert f"Antwoord van collega {loser} in ronde {round_}" in lost.text  # theirs, kept
        assert f"Antwoord van collega {1 - loser} in ronde {round_}" in lost.text  # the other
        assert _count(app, Answer, Answer.wish_id == wish.id) == 1


def test_answers_made_without_a_number_get_the_next_free_one(app, db, make_pilot, make_wish):
    """Direct Answer rows (demo, tests, imports) are numbered per wish and ministry."""
    from bundler.models import Ministry

    wish = make_wish(make_pilot(), state=S.OFFERED)
    bzk = db.scalar(select(Ministry).where(Ministry.code == "BZK"))
    statuses = (AnswerStatus.RECEIVED, AnswerStatus.IN_PROGRESS)
    db.add_all([Answer(wish_id=wish.id, ministry=bzk, status=status) for status in statuses])
    db.commit()
    db.add(Answer(wish_id=wish.id, ministry=bzk, status=AnswerStatus.REALISED))
    db.commit()
    numbers = db.scalars(select(Answer.sequence).order_by(Answer.sequence)).all()
    assert numbers == [1, 2, 3]
