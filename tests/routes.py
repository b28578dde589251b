"""Every URL rule of the app made concrete, for tests that sweep all routes.

New routes are picked up by themselves: URL variables are filled from the database by name
(`<int:wish_id>` takes the id of a Wish, `<reference>` the `reference` of a row that has such
a column, ids of one rule come from one row so nested routes fit together), and each rule also
gets a dummy variant whose ids exist nowhere, for the 404 path.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from werkzeug.routing import AnyConverter, IntegerConverter, PathConverter, Rule

from bundler.enums import Role
from bundler.models import Base

DUMMY_INT = 987654
DUMMY_TEXT = "bestaat-niet-0000"
STATIC_FILE = "css/theme.css"

# Which role a URL area is meant for (issue 6: the fuzzing and header sweeps log in as it).
AREA_ROLES: list[tuple[str, tuple[Role, ...]]] = [
    ("/bureau", (Role.OFFICE,)),
    ("/ministerie", (Role.MINISTRY,)),
    ("/beheer", (Role.ADMIN,)),
    ("/wetten", (Role.OFFICE, Role.ADMIN)),
    ("/knelpunten", (Role.PILOT, Role.OFFICE)),
    ("/pilots", (Role.PILOT, Role.OFFICE)),
    ("/pakketten", (Role.OFFICE, Role.MINISTRY)),
    ("/api", (Role.OFFICE,)),
]
ANONYMOUS_ENDPOINTS = {"auth.login", "mfa.verify", "main.set_language"}


def roles_for(path: str) -> tuple[Role, ...]:
    """Return the roles a path belongs to by its prefix; other paths: every role."""
    for prefix, roles in AREA_ROLES:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            return roles
    return (Role.PILOT,)


def rules(app: Flask, method: str | None = None) -> list[Rule]:
    """Return the app's rules (optionally only those answering a method), in a stable order."""
    found = [r for r in app.url_map.iter_rules() if method is None or method in (r.methods or ())]
    return sorted(found, key=lambda r: (r.rule, r.endpoint))


def _mapped_classes() -> list[type]:
    return [m.class_ for m in Base.registry.mappers]


def _model_for_id(name: str) -> type | None:
    """`wish_id` -> Wish, `user_id` -> User (by class name or table name)."""
    if not name.endswith("_id"):
        return None
    stem = name[: -len("_id")].replace("_", "")
    for cls in _mapped_classes():
        if stem in (cls.__name__.lower(), str(getattr(cls, "__tablename__", "")).replace("_", "")):
            return cls
    return None


def _models_with_column(name: str) -> list[type]:
    found = [c for c in _mapped_classes() if name in inspect(c).columns.keys()]  # noqa: SIM118
    return sorted(found, key=lambda c: c.__name__)


def _variables(rule: Rule) -> list[str]:
    """The rule's variables in the order they appear in its path."""
    return re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)


def _candidates(rule: Rule, name: str) -> list[tuple[type, str]]:
    """Models (and the column) a variable may be filled from."""
    converter = rule._converters[name]
    model = _model_for_id(name) if isinstance(converter, IntegerConverter) else None
    if model is not None:
        return [(model, "id")]
    return [(m, name) for m in _models_with_column(name)]


@dataclass(frozen=True)
class Target:
    """One concrete URL of a rule."""

    rule: Rule
    path: str
    real: bool  # False: every id is a dummy that exists nowhere

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint


def _filled(rule: Rule) -> list[str]:
    return [
        n
        for n in _variables(rule)
        if not isinstance(rule._converters[n], AnyConverter | PathConverter)
    ]


def _row_values(
    session: Session, rule: Rule, offset: int = 0, pick: int = 0
) -> dict[str, Any] | None:
    """Fill the rule's variables from one row (the most specific), then from its parents."""
    values: dict[str, Any] = {}
    row = None
    # The last variable is the most specific (…/<wish_id>/bijlagen/<attachment_id>).
    for name in reversed(_filled(rule)):
        if row is not None and hasattr(row, name) and getattr(row, name) is not None:
            values[name] = getattr(row, name)
            continue
        candidates = _candidates(rule, name)
        if not candidates:
            return None
        model, column = candidates[pick % len(candidates)] if row is None else candidates[0]
        query = select(model).order_by(getattr(model, column)).limit(1)
        if row is None:  # the most specific row: the n-th sample
            query = query.offset(offset)
        row = session.scalars(query).first()
        if row is None:
            return None
        values[name] = getattr(row, column)
    return values


def targets(
    app: Flask, session: Session, rule: Rule, samples: int = 1, spread: int = 3
) -> Iterator[Target]:
    """Yield concrete URLs for a rule: with real values where rows exist, and with dummies.

    `samples` > 1 gives more real variants, from rows `spread` apart (e.g. wishes in
    different states), for sweeps that need one a given user may act on.
    """
    choices: dict[str, list[Any]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
        elif isinstance(converter, PathConverter):
            choices[name] = [STATIC_FILE if rule.endpoint == "static" else DUMMY_TEXT]
    variants: list[tuple[dict[str, Any], bool]] = []
    filled = _filled(rule)
    kinds = len(_candidates(rule, filled[-1])) if filled else 1
    for pick in range(max(kinds, 1) if samples > 1 else 1):
        for n in range(samples if filled else 1):
            values = _row_values(session, rule, offset=n * spread, pick=pick)
            if values is not None and (values, True) not in variants:
                variants.append((values, True))
    real = variants[0][0] if variants else None
    dummy = {
        name: DUMMY_INT if isinstance(c, IntegerConverter) else DUMMY_TEXT
        for name, c in rule._converters.items()
        if not isinstance(c, AnyConverter | PathConverter)
    }
    if rule.arguments - choices.keys() or real is None:
        variants.append((dummy, False))
    keys = sorted(choices)
    for values, is_real in variants:
        for combo in itertools.product(*(choices[k] for k in keys)):
            full = {**values, **dict(zip(keys, combo, strict=True))}
            with app.test_request_context():
                path = rule.build(full, append_unknown=False)
            assert path is not None
            yield Target(rule, path[1], is_real)


# ---- for the route-wide access matrix (issue 6, item 1) ---------------------------------------

# The identities the matrix checks every route for.
IDENTITIES = (
    "anonymous",
    "pilot_p",  # member of pilot P (the objects' owner)
    "pilot_q",  # member of another pilot Q
    "office",
    "ministry_a",  # the ministry the objects belong to
    "ministry_b",  # another ministry
    "admin",
)


def make_identities(
    app: Flask,
    pilot_p: Any,
    pilot_q: Any,
    ministry_a: str = "JenV",
    ministry_b: str = "BZK",
    password: str = "correct horse battery staple",
) -> dict[str, Any]:
    """Create one account per identity (anonymous: None); all share one password."""
    from bundler.accounts import create_user
    from bundler.db import session_scope
    from bundler.models import Ministry, Pilot

    made: dict[str, Any] = {"anonymous": None}
    specs = {
        "pilot_p": (Role.PILOT, None, [pilot_p.id]),
        "pilot_q": (Role.PILOT, None, [pilot_q.id]),
        "office": (Role.OFFICE, None, []),
        "ministry_a": (Role.MINISTRY, ministry_a, []),
        "ministry_b": (Role.MINISTRY, ministry_b, []),
        "admin": (Role.ADMIN, None, []),
    }
    with session_scope(app) as session:
        for name, (role, code, pilot_ids) in specs.items():
            user = create_user(
                session,
                email=f"matrix-{name.replace('_', '-')}@example.org",
                name=f"Matrix {name}",
                role=role,
                password=password,
                ministry=session.scalar(select(Ministry).where(Ministry.code == code))
                if code
                else None,
                pilots=[p for p in (session.get(Pilot, i) for i in pilot_ids) if p is not None],
            )
            session.flush()
            session.expunge(user)
            made[name] = user
    return made


def undeclared(app: Flask, declared: Any) -> list[str]:
    """Return the endpoints of the app that a declared table (keyed by endpoint) lacks."""
    return sorted({r.endpoint for r in app.url_map.iter_rules()} - set(declared))
