"""The access matrix (issue 6, item 1): every URL rule, every identity, one declared table.

`ACCESS` says, per endpoint, what each identity gets for GET and, where the rule accepts it,
for a POST that carries a valid CSRF token and nothing else. The objects in the URLs belong to
pilot P and are offered to ministry A (JenV); the other identities are a member of pilot Q,
the programme office, ministry B (BZK), the administrator and an anonymous visitor.

A new route without an entry fails the suite; so does an entry for a route that is gone, or one
that declares a method the rule does not accept (or leaves one out).

Outcomes, in the columns of each row (anonymous, P, Q, office, ministry A, ministry B, admin):

    ok     2xx, or a redirect that is not to the login page (access granted)
    login  a redirect to /aanmelden
    400    allowed, but the empty form is refused (access granted)
    403    the role may not use this route (logged as access.denied)
    404    the object is hidden from this identity: the same answer as for one that does not exist
    409    allowed, but the empty form is stale (access granted)
    401    the token API: a cookie authenticates nothing there (bearer tokens only)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import AnyConverter, Rule

from bundler import attachments
from bundler.api.ops import token_hash
from bundler.db import session_scope
from bundler.enums import AnswerStatus, Role, WishState
from bundler.models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Ministry,
    Notification,
    OutboxMail,
    Package,
    Pilot,
    Subscription,
    User,
    Wish,
    WishSupport,
)
from bundler.office import merging
from bundler.packages import jobs
from tests.api_helpers import make_token
from tests.conftest import PASSWORD, csrf_token
from tests.package_helpers import BW1, answer, build
from tests.routes import DUMMY_INT, IDENTITIES, make_identities, rules, targets, undeclared

OUTCOMES = {
    "ok": "ok",
    "login": "login",
    "400": "bad_request",
    "403": "forbidden",
    "404": "not_found",
    "409": "conflict",
    "401": "unauthorized",
}
# Words that only the world's wishes and files contain: no denial may show them.
TITLE = "Matrixknelpunt"
FILE_NAME = "matrixbijlage.pdf"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@dataclass(frozen=True)
class Case:
    """What every identity gets on one endpoint, for GET and POST, with these URL objects."""

    get: str | None = None  # seven outcomes, one per identity, in the order of IDENTITIES
    post: str | None = None
    # URL variables: a name of an object of the world below, or a literal value.
    args: Mapping[str, str] = field(default_factory=dict)


MISSING = str(DUMMY_INT)  # an id no row has

# URL variables of every rule, unless a case names other objects.
DEFAULT_ARGS = {
    "wish_id": "offered",
    "attachment_id": "offered_file",
    "reference": "submitted",
    "pilot_id": "pilot_p",
    "user_id": "bystander",
    "package_id": "package",
    "package_version_id": "version",
    "job_id": "job",
    "code": "ministry_a",
    "fmt": "csv",
    "support_id": "support",
    "notification_id": "notification",
    "outbox_mail_id": "outbox_mail",
}

# fmt: off
#                                    anon   P      Q      office minA   minB   admin
SIGNED_IN                          = "login ok     ok     ok     ok     ok     ok"
SIGNED_IN_FORM                     = "login 400    400    400    400    400    400"
OFFICE                             = "login 403    403    ok     403    403    403"
OFFICE_FORM                        = "login 403    403    400    403    403    403"
ADMIN                              = "login 403    403    403    403    403    ok"
ADMIN_FORM                         = "login 403    403    403    403    403    400"
OFFICE_ADMIN                       = "login 403    403    ok     403    403    ok"
OFFICE_ADMIN_FORM                  = "login 403    403    400    403    403    400"
PILOT                              = "login ok     ok     403    403    403    403"
PILOT_FORM                         = "login 400    400    403    403    403    403"
EVERYONE                           = "ok    ok     ok     ok     ok     ok     ok"
TOKEN_ONLY                         = "401   401    401    401    401    401    401"
EVERYONE_FORM                      = "400   400    400    400    400    400    400"
NO_SUCH_LINK                       = "404   404    404    404    404    404    404"
# The API's objects, for the variables no other rule has (tests/api_helpers.py makes them).
API_ARGS = {"package_number": "api_version", "version_number": "api_version",
            "subscription_id": "api_subscription", "token_id": "api_token"}

ACCESS: dict[str, Case | tuple[Case, ...]] = {
    # -- public pages and the session ---------------------------------------------------------
    "static":                   Case(get=EVERYONE),
    "main.accessibility":       Case(get=EVERYONE),
    "main.set_language":        Case(post=EVERYONE),
    "main.index":               Case(get=SIGNED_IN),
    # Signed in: the login page sends you home; anonymous: the empty form is refused.
    "auth.login":               Case(get=EVERYONE,
                                     post="400   ok     ok     ok     ok     ok     ok"),
    # Signing out ends on the login page (and is checked last: it revokes the session).
    "auth.logout":              Case(post="login login  login  login  login  login  login"),
    "auth.change_password":     Case(get=SIGNED_IN, post=SIGNED_IN_FORM),
    # No password step pending: everyone is sent back to the login page.
    "mfa.verify":               Case(get="login login  login  login  login  login  login",
                                     post="login login  login  login  login  login  login"),
    "mfa.manage":               Case(get=SIGNED_IN),
    "mfa.setup":                Case(get=SIGNED_IN, post=SIGNED_IN_FORM),
    "mfa.recovery_codes":       Case(get=SIGNED_IN),
    # Without a second factor there is nothing to renew or turn off: a redirect to set it up.
    "mfa.renew_codes":          Case(post=SIGNED_IN),
    "mfa.disable":              Case(post=SIGNED_IN),
    # -- administrator --------------------------------------------------------------------------
    "admin.users":              Case(get=ADMIN),
    "admin.new_user":           Case(get=ADMIN, post=ADMIN_FORM),
    # A form without the 'active' box is an account switched off (as a browser sends it):
    # done to a bystander's account, not to one of the identities.
    # -- the statute catalogue (issue 12) ---------------------------------------------------
    "catalogue.index":          Case(get=OFFICE_ADMIN),
    "catalogue.new":            Case(get=OFFICE_ADMIN, post=OFFICE_ADMIN_FORM),
    "catalogue.edit":           Case(get=OFFICE_ADMIN, post=OFFICE_ADMIN_FORM),
    "catalogue.retire":         Case(post=OFFICE_ADMIN_FORM),
    "catalogue.delete":         Case(post=OFFICE_ADMIN_FORM),
    "catalogue.export":         Case(get=OFFICE_ADMIN),
    "catalogue.import_csv":     Case(post=OFFICE_ADMIN_FORM),
    "catalogue.succession":     Case(get=OFFICE_ADMIN),
    "catalogue.apply_succession": Case(post=OFFICE_ADMIN_FORM),
    "admin.edit_user":          Case(get=ADMIN, post=ADMIN),
    # The office's logo on the package PDF: an empty form has no file.
    "logo.edit":                Case(get=ADMIN, post=ADMIN_FORM),
    "logo.remove":              Case(post=ADMIN),
    # -- pilots ---------------------------------------------------------------------------------
    "pilots.index":             Case(get="login ok     ok     ok     403    403    ok"),
    # A ministry sees the pilots behind the wishes offered to it; a member only its own pilots.
    "pilots.show": (
        Case(get=                        "login ok     404    ok     ok     404    ok"),
        Case(get=                        "login 404    ok     ok     404    404    ok",
             args={"pilot_id": "pilot_q"}),
    ),
    "pilots.new":               Case(get=OFFICE, post=OFFICE_FORM),
    "pilots.edit":              Case(get=OFFICE, post=OFFICE_FORM),
    "pilots.move_phase":        Case(post=OFFICE_FORM),
    # -- wishes of pilot teams ------------------------------------------------------------------
    "wishes.index":             Case(get=PILOT),
    "wishes.new":               Case(get=PILOT, post=PILOT_FORM),
    "wishes.similar":           Case(get="login ok     ok     ok     403    403    403"),
    "wishes.show": (
        # Offered to JenV: P, the office and ministry A see it; for the others it does not exist.
        Case(get=                        "login ok     404    ok     ok     404    404"),
        # A concept is P's own, hidden from the office too.
        Case(get=                        "login ok     404    404    404    404    404",
             args={"wish_id": "concept"}),
        # Accepted but not yet in a published package: not yet the ministry's.
        Case(get=                        "login ok     404    ok     404    404    404",
             args={"wish_id": "accepted"}),
        # Hidden answers exactly like missing.
        Case(get=                        "login 404    404    404    404    404    404",
             args={"wish_id": MISSING}),
    ),
    "wishes.edit": (
        Case(get=                        "login ok     404    403    403    403    403",
             post=                       "login 400    404    403    403    403    403",
             args={"wish_id": "concept"}),
        # Offered: P still sees it, but may no longer change it.
        Case(get=                        "login 403    404    403    403    403    403",
             post=                       "login 403    404    403    403    403    403"),
    ),
    "wishes.withdraw":          Case(post="login 400    404    403    403    403    403",
                                     args={"wish_id": "concept"}),
    # Every pilot may join a wish a similarity check can offer it (issue 3, item 3); the
    # raising pilot is sent to the wish's page instead.
    "wishes.support": (
        Case(get=                        "login ok     ok     403    403    403    403",
             post=                       "login ok     400    403    403    403    403"),
        Case(get=                        "login 404    404    403    403    403    403",
             post=                       "login 404    404    403    403    403    403",
             args={"wish_id": "concept"}),
    ),
    "wishes.download": (
        Case(get=                        "login ok     404    ok     ok     404    404"),
        # Someone else's file under one's own wish: does not exist.
        Case(get=                        "login 404    404    404    404    404    404",
             args={"attachment_id": "concept_file"}),
    ),
    # Only the raising pilot shares its files with supporters (issue 10, finding 2).
    "wishes.share_attachment":  Case(post="login ok     404    403    403    403    403"),
    # Done by P last of all (it removes the file); the others must not even see it.
    "wishes.remove_attachment": Case(post="login ok     404    403    403    403    403",
                                     args={"wish_id": "concept", "attachment_id": "concept_file"}),
    # -- programme office -----------------------------------------------------------------------
    "office.inbox":             Case(get=OFFICE),
    "office.bulk_action":       Case(post=OFFICE_FORM),
    "office.export": (
        Case(get=OFFICE, args={"fmt": "csv"}),
        Case(get=OFFICE, args={"fmt": "xlsx"}),
        Case(get=OFFICE, args={"fmt": "json"}),
    ),
    "office.overview":          Case(get=OFFICE),
    "office.audit_log":         Case(get=OFFICE),
    "office.triage": (
        Case(get=OFFICE),
        # A concept does not exist for the office.
        Case(get=                        "login 403    403    404    403    403    403",
             args={"reference": "concept"}),
    ),
    "office.wish_audit_log":    Case(get=OFFICE),
    "office.save_legal_basis":  Case(post=OFFICE_FORM),
    "office.save_text":         Case(post=OFFICE_FORM),
    "office.save_state":        Case(post=OFFICE_FORM),
    "office.merge":             Case(get=OFFICE, post=OFFICE_FORM),
    # The office undoes Q's support of the submitted wish (issue 10, finding 2).
    "office.remove_support":    Case(post=OFFICE),
    # The office really undoes the merge (nobody after it may).
    "office.unmerge":           Case(post=OFFICE, args={"reference": "merged"}),
    # -- packages for the office ----------------------------------------------------------------
    "packages.index":           Case(get=OFFICE),
    "packages.ministry_packages": Case(get=OFFICE),
    # The jobs are only queued here (no consumer runs in the tests).
    "packages.build":           Case(post=OFFICE),
    "packages.build_all":       Case(post=OFFICE),
    "packages.close":           Case(post=OFFICE),
    # An empty letter is a letter: saved.
    "packages.cover_letter":    Case(get=OFFICE, post=OFFICE),
    "packages.download":        Case(get=OFFICE),
    "packages.follow_up_overview": Case(get=OFFICE),
    "packages.follow_up_ministry": Case(get=OFFICE),
    "packages.progress":        Case(get=OFFICE),
    "packages.progress_status": Case(get=OFFICE),
    # -- the ministry portal: another ministry's package does not exist for ministry B ---------
    "ministry.packages":        Case(get="login 403    403    403    ok     ok     403"),
    "ministry.package": (
        Case(get=                        "login 403    403    403    ok     404    403"),
        Case(get=                        "login 403    403    403    404    404    403",
             args={"package_id": MISSING}),
    ),
    "ministry.download": (
        Case(get=                        "login 403    403    403    ok     404    403"),
        Case(get=                        "login 403    403    403    404    404    403",
             args={"package_version_id": MISSING}),
    ),
    "ministry.answer": (
        Case(get=                        "login 403    403    403    ok     404    403",
             post=                       "login 403    403    403    400    404    403"),
        # Accepted, not yet offered: nobody's to answer.
        Case(get=                        "login 403    403    403    404    404    403",
             post=                       "login 403    403    403    404    404    403",
             args={"wish_id": "accepted"}),
    ),
    # -- the JSON API: public reference data; the rest only with a bearer token ------------
    "api.openapi":              Case(get=EVERYONE),
    "api.ministries":           Case(get=EVERYONE),
    "api.statutes":             Case(get=EVERYONE),
    "api.municipalities":       Case(get=EVERYONE),
    "api.wishes":               Case(get=TOKEN_ONLY),
    "api.wish":                 Case(get=TOKEN_ONLY),
    "api.answers":              Case(get=TOKEN_ONLY),
    "api.packages":             Case(get=TOKEN_ONLY),
    "api.package":              Case(get=TOKEN_ONLY, args=API_ARGS),
    "api.version":              Case(get=TOKEN_ONLY, args=API_ARGS),
    "api.pdf":                  Case(get=TOKEN_ONLY, args=API_ARGS),
    "api.twin":                 Case(get=TOKEN_ONLY, args=API_ARGS),
    "api.subscriptions":        Case(get=TOKEN_ONLY),
    "api.subscribe":            Case(post=TOKEN_ONLY),
    "api.subscription":         Case(get=TOKEN_ONLY, args=API_ARGS),
    # PUT and DELETE only: outside this sweep (tests/test_api.py, tests/test_api_schema.py).
    "api.put_answer":           Case(),
    "api.unsubscribe":          Case(),
    "api.deliveries":           Case(get=TOKEN_ONLY, args=API_ARGS),
    # -- API tokens in the UI: administrators, and ministry users for their own ministry -------
    "integrations.tokens":      Case(get="login 403    403    403    ok     ok     ok",
                                     post="login 403    403    403    400    400    400"),
    "integrations.token":       Case(get="login 403    403    403    ok     404    ok",
                                     args=API_ARGS),
    # Revoked by ministry A; the administrator's second revocation changes nothing.
    "integrations.revoke":      Case(post="login 403    403    403    ok     404    ok",
                                     args=API_ARGS),
    # Stopped by ministry A: after that it is gone for everyone.
    "integrations.stop_subscription": Case(post="login 403    403    403    ok     404    404",
                                           args=API_ARGS),
    # -- notifications: one's own only; links and tokens that do not exist are 404 for all ------
    "notifications.index":      Case(get=SIGNED_IN),
    # P's notification about the answer on its wish: another's does not exist.
    "notifications.open":       Case(get="login ok     404    404    404    404    404"),
    "notifications.mark_read":  Case(post="login ok     404    404    404    404    404"),
    "notifications.mark_all_read": Case(post=SIGNED_IN),
    # Nothing chosen keeps every default: saved.
    "notifications.preferences": Case(get=SIGNED_IN, post=SIGNED_IN),
    "notifications.unsubscribe": Case(get=NO_SUCH_LINK, post=NO_SUCH_LINK, args={"token": "x"}),
    "notifications.set_password": Case(get=NO_SUCH_LINK, post=NO_SUCH_LINK, args={"token": "x"}),
    "notifications.forgot_password": Case(get=EVERYONE, post=EVERYONE_FORM),
    "notifications.send_invitation": Case(post=ADMIN),
    "notifications.invitation_sent": Case(get=ADMIN),
    "notifications.outbox_index": Case(get=ADMIN),
    "notifications.outbox_mail": Case(get=ADMIN),
    # A mail that was sent is not sent again: the page is shown again.
    "notifications.outbox_resend": Case(post=ADMIN),
    "notifications.reminders":  Case(get=OFFICE),
}
# fmt: on


# -- the world every URL points into -----------------------------------------------------------


@dataclass
class World:
    objects: dict[str, Any]
    people: dict[str, User | None]


def _attach(app: Flask, wish: Wish) -> Attachment:
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, FILE_NAME)
    with session_scope(app) as session:
        row = Attachment(
            wish_id=wish.id,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
        )
        session.add(row)
        session.flush()
        session.expunge(row)
    return row


def build_world(
    app: Flask,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    make_user: Callable[..., User],
) -> World:
    """Create pilots P and Q, the identities, and P's wishes in every state a route needs."""
    pilot_p, pilot_q = make_pilot("Pilot P"), make_pilot("Pilot Q")
    people = make_identities(app, pilot_p, pilot_q, "JenV", "BZK", password=PASSWORD)
    office = people["office"]
    assert office is not None

    def wish(pilot: Pilot, name: str, state: WishState, article: str) -> Wish:
        return make_wish(pilot, state=state, statute=BW1, article=article, title=f"{TITLE} {name}")

    # Accepted, then offered to JenV by publishing its package; with a file and an answer.
    offered = wish(pilot_p, "aangeboden", WishState.ACCEPTED, "19h")
    offered_file = _attach(app, offered)
    version = build(app, "JenV", actor_id=office.id)
    assert version is not None
    answer(app, offered.id, "JenV", AnswerStatus.RECEIVED)
    concept = wish(pilot_p, "concept", WishState.CONCEPT, "20")
    concept_file = _attach(app, concept)
    submitted = wish(pilot_p, "ingediend", WishState.SUBMITTED, "21")
    accepted = wish(pilot_p, "geaccepteerd", WishState.ACCEPTED, "19e")
    q_wish = wish(pilot_q, "van Q", WishState.SUBMITTED, "22")
    merged = wish(pilot_p, "samengevoegd", WishState.SUBMITTED, "22")
    with session_scope(app) as session:
        actor = session.get(User, office.id)
        source, target = session.get(Wish, merged.id), session.get(Wish, q_wish.id)
        assert source is not None and target is not None
        merging.merge(session, source, target, actor=actor)
        jenv = session.scalar(select(Ministry).where(Ministry.code == "JenV"))
        assert jenv is not None
        job_id = jobs.create_job(session, [jenv], kind="one", actor=actor).id
        package = session.get(Package, version.package_id)
        assert package is not None and package.closed_at is None
        states = dict(session.execute(select(Wish.id, Wish.state)).all())
        assert states[offered.id] is WishState.OFFERED
        assert states[merged.id] is WishState.MERGED
    with session_scope(app) as session:
        support = WishSupport(wish_id=submitted.id, pilot_id=pilot_q.id)
        session.add(support)
        session.flush()
        support_id = support.id
    bystander = make_user(Role.PILOT, email="matrix-bystander@example.org", pilots=[pilot_p])
    notification, outbox_mail = _notification_and_mail(app, people)
    api_token = _api_token(app, package, version)
    objects: dict[str, Any] = {
        "pilot_p": pilot_p,
        "pilot_q": pilot_q,
        "bystander": bystander,
        "offered": offered,
        "offered_file": offered_file,
        "concept": concept,
        "concept_file": concept_file,
        "submitted": submitted,
        "accepted": accepted,
        "merged": merged,
        "support": _Id(support_id),
        "package": package,
        "version": version,
        "job": _Id(job_id),
        "ministry_a": jenv,
        "notification": notification,
        "outbox_mail": outbox_mail,
        **api_token,
    }
    return World(objects, people)


def _notification_and_mail(app: Flask, people: dict[str, User | None]) -> tuple[_Id, _Id]:
    """P's notification of the answer on its wish, and a mail already sent."""
    member = people["pilot_p"]
    assert member is not None
    with session_scope(app) as session:
        notification = session.scalar(select(Notification).where(Notification.user_id == member.id))
        assert notification is not None, "answering P's wish notifies P"
        mail = OutboxMail(
            message_id="<matrix@bundler.example>",
            user_id=member.id,
            to_address=member.email,
            subject="Matrix",
            text_body="Matrix",
            html_body="<p>Matrix</p>",
            headers={},
            kind="wish_answered",
            status="sent",
        )
        session.add(mail)
        session.flush()
        return _Id(notification.id), _Id(mail.id)


def _api_token(app: Flask, package: Package, version: Any) -> dict[str, Any]:
    """A JenV token with a subscription, and the package's version by number (API URLs)."""
    secret = make_token(app, Role.MINISTRY, ministry="JenV", name="matrix")
    with session_scope(app) as session:
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret)))
        assert token is not None
        subscription = Subscription(
            token=token, callback_url="https://93.184.215.14/", event_types=[], secret="-"
        )
        session.add(subscription)
        session.flush()
        ids = token.id, subscription.id
    return {
        "api_token": _Id(ids[0]),
        "api_subscription": _Id(ids[1]),
        "api_version": SimpleNamespace(
            package_number=package.number, version_number=version.number
        ),
    }


@dataclass(frozen=True)
class _Id:
    id: int


# -- turning the table into requests -----------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One request of the sweep, with what each identity should get."""

    endpoint: str
    method: str
    path: str
    expected: dict[str, str]


def _cases(endpoint: str) -> tuple[Case, ...]:
    entry = ACCESS[endpoint]
    return entry if isinstance(entry, tuple) else (entry,)


def _row(endpoint: str, text: str) -> dict[str, str]:
    tokens = text.split()
    assert len(tokens) == len(IDENTITIES), f"{endpoint}: {len(tokens)} outcomes in {text!r}"
    unknown = [t for t in tokens if t not in OUTCOMES]
    assert not unknown, f"{endpoint}: unknown outcome {unknown} (use {sorted(OUTCOMES)})"
    return {who: OUTCOMES[t] for who, t in zip(IDENTITIES, tokens, strict=True)}


def _value(world: World, variable: str, name: str) -> Any:
    obj = world.objects.get(name)
    if obj is None:
        return name  # a literal value (e.g. fmt=csv)
    return getattr(obj, "id" if variable.endswith("_id") else variable)


def _paths(app: Flask, session: Any, world: World, rule: Rule, case: Case) -> list[str]:
    """Build the case's URLs: its objects, every choice of an any() part; else targets()."""
    values: dict[str, Any] = {}
    choices: dict[str, list[str]] = {}
    for variable, converter in rule._converters.items():
        name = case.args.get(variable, DEFAULT_ARGS.get(variable))
        if name is not None:
            values[variable] = _value(world, variable, name)
        elif isinstance(converter, AnyConverter):
            choices[variable] = sorted(converter.items)
    missing = set(rule.arguments) - values.keys() - choices.keys()
    if missing:
        # A variable this world does not know (a new route): let tests/routes.py fill it from
        # the database; the table's outcomes then tell whether that object fits.
        found = [t.path for t in targets(app, session, rule) if t.real]
        assert found, f"{rule.endpoint}: no object for {sorted(missing)}; add it to the world"
        return found
    paths: list[dict[str, str]] = [{}]
    for variable, items in choices.items():
        paths = [{**p, variable: item} for p in paths for item in items]
    built = []
    for extra in paths:
        with app.test_request_context():
            url = rule.build({**values, **extra}, append_unknown=False)
        assert url is not None
        built.append(url[1])
    return built


def plan(app: Flask, world: World) -> tuple[list[Check], list[str]]:
    """Return the requests of the sweep, and every way the table disagrees with the rules."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    problems = [
        f"{e}: in ACCESS, but the app has no such route" for e in ACCESS if e not in endpoints
    ]
    checks: list[Check] = []
    with session_scope(app) as session:
        for rule in rules(app):
            methods = rule.methods or set()
            for case in _cases(rule.endpoint):
                for method, text in (("GET", case.get), ("POST", case.post)):
                    if (method in methods) != (text is not None):
                        accepts = "accepts" if method in methods else "does not accept"
                        problems.append(
                            f"{rule.endpoint}: the rule {accepts} {method}; the table "
                            f"{'has no' if text is None else 'has'} outcomes for it"
                        )
                        continue
                    if text is None:
                        continue
                    expected = _row(rule.endpoint, text)
                    for path in _paths(app, session, world, rule, case):
                        checks.append(Check(rule.endpoint, method, path, expected))
    # Signing out revokes the session: last of all.
    checks.sort(key=lambda c: (c.method == "POST", c.endpoint == "auth.logout"))
    return checks, problems


def outcome(response: Any) -> str:
    """Name what a response means for access."""
    status = response.status_code
    if 300 <= status < 400:
        target = urlsplit(response.headers.get("Location", "")).path
        return "login" if target == "/aanmelden" else "ok"
    if 200 <= status < 300:
        return "ok"
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
    }.get(status, f"HTTP {status}")


def _clients(app: Flask, people: Mapping[str, User | None]) -> Iterator[tuple[str, FlaskClient]]:
    for name in IDENTITIES:
        client = app.test_client()
        user = people[name]
        if user is not None:
            response = client.post(
                "/aanmelden",
                data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
            )
            assert response.status_code == 302, f"{name} could not sign in"
        yield name, client


# -- the tests ---------------------------------------------------------------------------------


def test_every_route_is_in_the_table(app):
    missing = undeclared(app, ACCESS)
    assert not missing, (
        "routes without an entry in ACCESS (tests/test_access_matrix.py); declare what every "
        "identity gets: " + ", ".join(missing)
    )


def test_a_new_route_fails_until_it_is_declared(app):
    @app.get("/_matrix/nieuw")
    def matrix_new() -> str:
        return "nieuw"

    assert undeclared(app, ACCESS) == ["matrix_new"]


def test_every_identity_gets_what_the_table_says_on_every_route(
    app, make_pilot, make_wish, make_user
):
    assert not undeclared(app, ACCESS), "see test_every_route_is_in_the_table"
    world = build_world(app, make_pilot, make_wish, make_user)
    checks, problems = plan(app, world)
    assert not problems, "the table does not fit the rules:\n" + "\n".join(problems)
    clients = dict(_clients(app, world.people))
    tokens = {
        name: csrf_token(client, "/account/wachtwoord" if world.people[name] else "/aanmelden")
        for name, client in clients.items()
    }
    mismatches: list[str] = []
    leaks: list[str] = []
    denied: Counter[tuple[int | None, str]] = Counter()
    started = time.perf_counter()
    for check in checks:
        for name, client in clients.items():
            if check.method == "GET":
                response = client.get(check.path)
            else:
                response = client.post(check.path, data={"csrf_token": tokens[name]})
            got = outcome(response)
            if response.status_code in (403, 404):
                body = response.get_data(as_text=True)
                if TITLE in body or FILE_NAME in body or "Content-Disposition" in response.headers:
                    leaks.append(f"{check.method} {check.path} {name}")
            response.close()
            want = check.expected[name]
            if got != want:
                mismatches.append(
                    f"{check.endpoint:28} {check.method:4} {check.path:55} {name:10} "
                    f"expected {want}, got {got} ({response.status_code})"
                )
            if response.status_code == 403:
                user = world.people[name]
                denied[(user.id if user else None, f"{check.method} {check.path}")] += 1
    elapsed = time.perf_counter() - started
    requests = len(checks) * len(clients)
    assert not mismatches, (
        f"{len(mismatches)} of {requests} requests differ from ACCESS:\n" + "\n".join(mismatches)
    )
    assert not leaks, f"denials that show a wish's title or a file: {leaks}"
    # Every 403 is in the audit log as access.denied, with the account and the request.
    with session_scope(app) as session:
        logged = Counter(
            (actor, summary)
            for actor, summary in session.execute(
                select(AuditEvent.actor_id, AuditEvent.summary).where(
                    AuditEvent.action == "access.denied", AuditEvent.result == "denied"
                )
            )
        )
    unlogged = denied - logged
    assert not unlogged, f"403s without an access.denied event: {sorted(unlogged)[:20]}"
    assert sum(denied.values()) > 100
    print(f"access matrix: {requests} requests in {elapsed:.1f} s, {denied.total()} denials logged")
