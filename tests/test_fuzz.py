"""Fuzzing every form endpoint with hypothesis: never a 5xx, and rejected input changes nothing.

The POST rules come from app.url_map, so forms added later are fuzzed without editing this
file. Each rule is posted to as the role its URL area belongs to (tests/routes.py), with a
valid CSRF token, the field names and choice values read from the app's own pages, and
generated values: long and unicode text, control characters, numbers as text, huge integers,
missing and extra fields, and files. A response that is not a redirect must leave every row
as it was (new audit events, which record the refusal, are allowed).

FUZZ_EXAMPLES sets the examples per endpoint and role (default 10); FUZZ_RANDOM=1 draws
new examples on each run instead of the same reproducible ones.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pyotp
import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bundler import create_app, demo, otp
from bundler.accounts import create_user
from bundler.db import session_scope
from bundler.enums import Role
from bundler.models import AuditEvent, Base, Ministry, Pilot, User
from tests.conftest import PASSWORD, csrf_token
from tests.routes import ANONYMOUS_ENDPOINTS, DUMMY_INT, Target, roles_for, rules, targets
from tests.test_headers import assert_security_headers

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
# Shrinking a failure to its smallest form takes minutes on a slow form; ask for it when
# debugging (FUZZ_SHRINK=1). The failing input is reported either way.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("FUZZ_SHRINK") else []
)
REDIRECTS = {301, 302, 303, 307, 308}
# Signed-in users are sent away from these before any form is read.
ONLY_ANONYMOUS = {"auth.login", "mfa.verify"}
GENERIC_FIELDS = ["code", "email", "password", "name", "title", "reason", "note", "state", "q"]


def _post_endpoints() -> list[tuple[str, str]]:
    app = create_app({"TESTING": True, "SECRET_KEY": "collect", "DATABASE_URL": "sqlite://"})
    found = []
    for rule in rules(app, "POST"):
        who = ["anonymous"] if rule.endpoint in ANONYMOUS_ENDPOINTS else []
        if rule.endpoint not in ONLY_ANONYMOUS:
            who += [role.value for role in roles_for(rule.rule)]
        found += [(rule.endpoint, w) for w in who]
    app.extensions["bundler.engine"].dispose()
    return found


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # Throttling would answer 429 before the form is even read: fuzz the form instead.
    return {**app_config, "RATELIMIT_ENABLED": False}


# ---- what a page tells about its forms --------------------------------------------------------


class _Forms(HTMLParser):
    """Collect, per form action, the field names and the values the page offers for them."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.action: str | None = None
        self.fields: dict[str, dict[str, set[str]]] = {}
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = (a.get("action") or self.page_path).split("?")[0]
            self.fields.setdefault(self.action, {})
        elif self.action is not None and tag in ("input", "select", "textarea", "button"):
            name = a.get("name")
            if not name or name == "csrf_token":
                return
            offered = self.fields[self.action].setdefault(name, set())
            if a.get("value"):
                offered.add(a["value"])
            if tag == "select":
                self.select = name
        elif tag == "option" and self.action is not None and self.select:
            self.fields[self.action][self.select].add(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.action = None
        elif tag == "select":
            self.select = None


def _closeness(path: str, action: str) -> tuple[int, int]:
    shared = 0
    for mine, theirs in zip(path.split("/"), action.split("/"), strict=False):
        if mine != theirs:
            break
        shared += 1
    return (-shared, len(path))


def _known_fields(client, get_paths: list[str], action: str, tries: int = 4) -> dict[str, set[str]]:
    """Read the form posting to `action` from the nearest pages that show it."""
    fields: dict[str, set[str]] = {}
    for path in sorted(set(get_paths), key=lambda p: _closeness(p, action))[:tries]:
        response = client.get(path)
        if response.status_code == 200 and response.mimetype == "text/html":
            parser = _Forms(path)
            parser.feed(response.get_data(as_text=True))
            for name, values in parser.fields.get(action, {}).items():
                fields.setdefault(name, set()).update(values)
        response.close()
    return fields


# ---- what the database holds ------------------------------------------------------------------


def _value(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return repr(value)


def snapshot(session: Session, audit_upto: int) -> dict[str, tuple[int, str]]:
    """Row count and checksum of every table; of the audit log only the rows that existed."""
    result = {}
    for table in Base.metadata.sorted_tables:
        query = select(table)
        if table.name == AuditEvent.__tablename__:
            query = query.where(table.c.id <= audit_upto)
        rows = sorted("|".join(_value(v) for v in row) for row in session.execute(query))
        digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        result[table.name] = (len(rows), digest)
    return result


# ---- generated values -------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "null",
    "true",
    "99999999999999999999999999999999",
    str(2**63),
    "2026-02-30",
    "2026-07-01",
    "9999-12-31T23:59",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "\x00",
    "\u202e\u200b\ufeff",
    "KN-2026-0001",
    "BWBR0005416",
    "x" * 20_000,
]


def _text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=20),
        st.integers(min_value=-(2**80), max_value=2**80).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.sampled_from(NASTY),
    )


def _crafted(fields: dict[str, set[str]]) -> list[dict[str, Any]]:
    """Payloads that each hit a whole class of mistakes: nothing, files, repeats, huge, odd."""
    offered = {name: sorted(values) or ["1"] for name, values in fields.items()}
    return [
        {},
        {name: (io.BytesIO(b"%PDF-1.7 not really"), "x.pdf") for name in fields},
        {name: [values[0], values[0], values[-1]] for name, values in offered.items()},
        dict.fromkeys(fields, "9" * 400),
        dict.fromkeys(fields, "x" * 100000),
        dict.fromkeys(fields, "\x00\u202e<b>٣</b>"),
        {name: values[-1] for name, values in offered.items()},
    ]


def _file() -> st.SearchStrategy[Any]:
    return st.tuples(
        st.binary(max_size=3000).map(io.BytesIO),
        st.text(max_size=60),
    )


def _form_data(fields: dict[str, set[str]]) -> st.SearchStrategy[dict[str, Any]]:
    def value_for(offered: set[str]) -> st.SearchStrategy[Any]:
        options: list[st.SearchStrategy[Any]] = [_text(), _file()]
        if offered:
            legit = st.sampled_from(sorted(offered))
            options += [legit, legit, st.lists(legit, max_size=3)]
        return st.one_of(*options)

    present = st.fixed_dictionaries(
        {}, optional={name: value_for(offered) for name, offered in fields.items()}
    )
    extra = st.dictionaries(st.text(min_size=1, max_size=12), _text(), max_size=2)
    return st.tuples(present, extra).map(lambda both: {**both[1], **both[0]})


# ---- who posts -------------------------------------------------------------------------------


def _make_actor(app: Flask, role: str) -> User | None:
    if role == "anonymous":
        return None
    with session_scope(app) as session:
        user = create_user(
            session,
            email=f"fuzz-{role}@example.org",
            name=f"Fuzz {role}",
            role=Role(role),
            password=PASSWORD,
            ministry=session.scalar(select(Ministry).where(Ministry.code == "BZK"))
            if role == Role.MINISTRY.value
            else None,
            # A pilot member of every pilot: the fuzzer reaches each wish's forms.
            pilots=list(session.scalars(select(Pilot))) if role == Role.PILOT.value else [],
        )
        session.flush()
        session.expunge(user)
    return user


def _signed_in(client, actor: User | None) -> str:
    """Make sure the client is (still) signed in as the actor; return a CSRF token."""
    if actor is None:
        return csrf_token(client, "/aanmelden")
    response = client.get("/")
    if response.status_code != 200:
        token = csrf_token(client, "/aanmelden")
        login = client.post(
            "/aanmelden", data={"email": actor.email, "password": PASSWORD, "csrf_token": token}
        )
        assert login.status_code == 302
    return csrf_token(client, "/")


def _pending_second_step(app: Flask, client, actor: User | None) -> bool:
    """Put the client between password and code, so the code step itself is fuzzed."""
    with session_scope(app) as session:
        user = create_user(
            session, email="fuzz-mfa@example.org", name="MFA", role=Role.OFFICE, password=PASSWORD
        )
        user.totp_secret = otp.encrypt(app.config["SECRET_KEY"], pyotp.random_base32())
    token = csrf_token(client, "/aanmelden")
    response = client.post(
        "/aanmelden",
        data={"email": "fuzz-mfa@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert response.location.endswith("/aanmelden/code")
    return True  # stays between the steps: never sign in as the actor


def _enrol_actor(app: Flask, client, actor: User | None) -> bool:
    """Give the signed-in actor a second factor, so the management forms are fuzzed."""
    assert actor is not None
    _signed_in(client, actor)
    with session_scope(app) as session:
        user = session.get(User, actor.id)
        assert user is not None
        user.totp_secret = otp.encrypt(app.config["SECRET_KEY"], pyotp.random_base32())
    return False


# Endpoints that need a state first; True: the client must stay as the hook left it.
PREPARE: dict[str, Callable[[Flask, Any, User | None], bool]] = {
    "mfa.verify": _pending_second_step,
    "mfa.renew_codes": _enrol_actor,
    "mfa.disable": _enrol_actor,
}


@pytest.mark.parametrize(("endpoint", "who"), _post_endpoints())
def test_fuzz_form(app, endpoint, who):
    with session_scope(app) as session:
        demo.load(session)
    actor = _make_actor(app, who)
    client = app.test_client()
    with session_scope(app) as session:
        rule = next(r for r in rules(app, "POST") if r.endpoint == endpoint)
        pages = [
            t.path
            for r in rules(app, "GET")
            if r.endpoint != "static"
            for t in targets(app, session, r, samples=6, spread=2)
            if t.real
        ]
        post_targets: list[Target] = list(targets(app, session, rule, samples=6, spread=2))
    keep = PREPARE[endpoint](app, client, actor) if endpoint in PREPARE else False
    token = csrf_token(client, "/aanmelden") if keep else _signed_in(client, actor)
    # The first concrete URL whose form a page shows (a wish this role may act on), else any.
    target, fields = post_targets[0], {}
    for candidate in post_targets:
        fields = _known_fields(client, pages, candidate.path)
        if fields:
            target = candidate
            break
    if os.environ.get("FUZZ_VERBOSE"):
        print(f"{endpoint} as {who}: {target.path} fields {sorted(fields)}")
    fields = fields or {name: set() for name in GENERIC_FIELDS}
    state = {"token": token}

    def check(data: dict[str, Any]) -> None:
        if not keep:
            state["token"] = _signed_in(client, actor)
        with session_scope(app) as session:
            upto = session.scalar(select(func.max(AuditEvent.id))) or 0
            before = snapshot(session, upto)
        response = client.post(
            target.path, data={**data, "csrf_token": state["token"]}, buffered=True
        )
        where = f"{who} POST {target.path} {sorted(data)} -> {response.status_code}"
        assert response.status_code < 500, f"{where}\n{data!r:.2000}"
        assert_security_headers(response, where)
        if response.status_code not in REDIRECTS:
            with session_scope(app) as session:
                after = snapshot(session, upto)
            changed = [name for name in before if before[name] != after[name]]
            assert not changed, f"{where}: rejected input changed {changed}"
        response.close()

    # Fixed cases first: each hits a whole class of mistakes in one request.
    for case in _crafted(fields):
        check(case)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        phases=PHASES,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=_form_data(fields))
    def post(data: dict[str, Any]) -> None:
        check(data)

    post()


# ---- URL path parameters and query strings (issue 10, finding 7) ------------------------------

# Query names any page reads, besides those its own GET forms show.
QUERY_NAMES = [
    "pagina", "per", "van", "tot", "behalve", "pilot", "status", "ministerie", "wet", "artikel",
    "zoek", "sorteer", "richting", "urgentie", "gemeente", "titel", "statuut", "doel", "next",
    "version", "versie", "id", "page", "pageSize", "state",
]  # fmt: skip
HOSTILE_VALUES = [
    "²",
    "１２",
    "-1",
    "0",
    "9" * 30,
    "9" * 5000,
    str(2**31),
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "1e309",
    "/\t/evil.example",
    "x" * 3000,
]
HOSTILE_IDS = ["9" * 30, str(2**31), "0" * 11 + "1", "9" * 5000]


def _get_forms(html: str, page_path: str) -> set[str]:
    """Names of the fields of the page's GET forms (filters)."""
    parser = _Forms(page_path)
    parser.feed(html)
    return {name for fields in parser.fields.values() for name in fields}


@pytest.mark.parametrize("who", [role.value for role in Role])
def test_fuzz_urls(app, who):
    """Every GET route, as the role it is for, with hostile ids in the path and hostile ids,
    dates and pages in the query string: never a 5xx."""
    with session_scope(app) as session:
        demo.load(session)
    actor = _make_actor(app, who)
    client = app.test_client()
    _signed_in(client, actor)
    with session_scope(app) as session:
        paths = [
            t
            for r in rules(app, "GET")
            if r.endpoint != "static" and Role(who) in roles_for(r.rule)
            for t in targets(app, session, r)
        ]

    def check(path: str) -> None:
        response = client.get(path, buffered=True)
        assert response.status_code < 500, f"{who} GET {path[:300]} -> {response.status_code}"
        response.close()

    names, real = set(QUERY_NAMES), []
    for target in paths:
        if not target.real:
            for hostile in HOSTILE_IDS:
                check(target.path.replace(str(DUMMY_INT), hostile))
            continue
        real.append(target.path)
        first = client.get(target.path, buffered=True)
        if first.mimetype == "text/html":
            names |= _get_forms(first.get_data(as_text=True), target.path)
        first.close()
    for path in real:
        for value in HOSTILE_VALUES:
            check(path + "?" + urlencode(dict.fromkeys(sorted(names), value)))

    @settings(
        max_examples=EXAMPLES * 3,
        deadline=None,
        derandomize=not os.environ.get("FUZZ_RANDOM"),
        database=None,
        phases=PHASES,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        path=st.sampled_from(real or ["/"]),
        query=st.dictionaries(st.sampled_from(sorted(names)), _text(), max_size=4),
    )
    def get(path: str, query: dict[str, str]) -> None:
        check(path + "?" + urlencode(query))

    get()
