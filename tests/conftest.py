"""Fixtures: an app per test on SQLite or PostgreSQL, factories for users, pilots and wishes."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bundler import cache, create_app
from bundler.db import make_engine, session_scope
from bundler.enums import Role, WishState
from bundler.models import (
    Base,
    DataGeneration,
    Ministry,
    Municipality,
    Pilot,
    PilotMunicipality,
    Statute,
    User,
    Wish,
)
from bundler.refdata import load_reference_data

# Reference tables are loaded once per test session and kept; everything else is emptied.
REFERENCE_TABLES = {
    "ministry",
    "statute",
    "statute_ministry",
    "municipality",
    "executing_organisation",
    # Kept, and renewed below: the tables were emptied behind the caches' back.
    "data_generation",
}
PASSWORD = "correct horse battery staple"


def _worker_suffix() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def _postgres_url(base: str) -> str:
    """Create (once) a database of our own on the server named by TEST_DATABASE_URL."""
    url = make_url(base)
    name = f"{url.database or 'bundler'}_test{_worker_suffix()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Return the URL of the test database: SQLite by default, PostgreSQL when asked."""
    wanted = os.environ.get("TEST_DATABASE_URL", "")
    if wanted.startswith("postgresql"):
        try:
            return _postgres_url(wanted)
        except Exception as error:  # no server: skip, visibly, unless CI requires it
            if os.environ.get("REQUIRE_POSTGRES"):
                raise
            pytest.skip(f"PostgreSQL niet bereikbaar op {make_url(wanted).host}: {error}")
    path = tmp_path_factory.mktemp("db") / "bundler-test.sqlite"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def _schema(database_url: str) -> str:
    engine = make_engine(database_url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        load_reference_data(session)
        session.commit()
    _loaded_statutes[str(engine.url)] = _statute_rows(engine)
    engine.dispose()
    return database_url


# The statute catalogue as loaded; a test (or the fuzzer) that edits it gets it back.
STATUTE_ROWS = text(
    "SELECT s.bwb_id, s.title, s.short_title, s.citation_title, s.kind, s.retired_on,"
    " sm.ministry_id, sm.valid_from, sm.valid_until FROM statute s"
    " LEFT JOIN statute_ministry sm ON sm.statute_id = s.id ORDER BY s.bwb_id, sm.ministry_id"
)
_loaded_statutes: dict[str, list[Any]] = {}


def _empty_tables(app: Flask) -> None:
    engine = app.extensions["bundler.engine"]
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
        connection.execute(
            text("UPDATE data_generation SET value = :v"), {"v": secrets.randbelow(2**31)}
        )
        loaded = _loaded_statutes.get(str(engine.url))
        changed = loaded is not None and list(connection.execute(STATUTE_ROWS)) != loaded
        if changed:
            connection.execute(text("DELETE FROM statute_ministry"))
            connection.execute(text("DELETE FROM statute"))
    if changed:
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            load_reference_data(session)
            session.commit()


def _statute_rows(engine: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(STATUTE_ROWS))


@pytest.fixture
def app_config(tmp_path: Path, _schema: str) -> dict[str, Any]:
    """Return the configuration a test app starts with; tests may change it first."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": _schema,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "STORAGE_FOLDER": str(tmp_path / "storage"),
        "HUEY_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MFA_REQUIRED": False,
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """Create an app on the test database; empty its tables afterwards."""
    app = create_app(app_config)
    from bundler.security import limiter

    with app.app_context():
        limiter.reset()  # the limiter is module-level: no counts carry over between tests
    yield app
    _empty_tables(app)
    app.extensions["bundler.engine"].dispose()


@pytest.fixture
def generation_row(app: Flask) -> Iterator[None]:
    """The row the migration (or create_all) makes; the test fixtures empty every table."""
    with session_scope(app) as session:
        if cache.generation(session) is None:
            session.execute(insert(DataGeneration).values(id=1, value=0))
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """A session for arranging and checking data; commit what the app should see."""
    # No app context here: each client request then gets its own context and session, as in
    # production, instead of sharing this one.
    with session_scope(app) as session:
        yield session


@pytest.fixture
def make_pilot(app: Flask) -> Callable[..., Pilot]:
    """Return a factory for pilots with five municipalities."""
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, municipalities: list[str] | None = None) -> Pilot:
        number = next(counter)
        with session_scope(app) as session:
            codes = municipalities or [
                m.cbs_code
                for m in session.scalars(
                    select(Municipality).order_by(Municipality.cbs_code).offset(number * 5).limit(5)
                )
            ]
            pilot = Pilot(name=name or f"Pilot {number}", description="Een testpilot.")
            for code in codes:
                municipality = session.scalar(
                    select(Municipality).where(Municipality.cbs_code == code)
                )
                pilot.participations.append(PilotMunicipality(municipality=municipality))
            session.add(pilot)
            session.flush()
            session.expunge_all()
        return pilot

    return make


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Return a factory for accounts of any role (password: PASSWORD)."""
    from bundler.accounts import create_user

    counter = iter(range(1, 10_000))

    def make(
        role: Role | str = Role.PILOT,
        *,
        email: str | None = None,
        pilots: list[Pilot] | None = None,
        ministry: str | None = None,
    ) -> User:
        role = Role(role)
        with session_scope(app) as session:
            user = create_user(
                session,
                email=email or f"{role.value}{next(counter)}@example.org",
                name=f"Test {role.value}",
                role=role,
                password=PASSWORD,
                ministry=session.scalar(select(Ministry).where(Ministry.code == ministry))
                if ministry
                else (
                    session.scalar(select(Ministry).where(Ministry.code == "BZK"))
                    if role is Role.MINISTRY
                    else None
                ),
                pilots=[session.get(Pilot, p.id) for p in pilots or []],  # type: ignore[misc]
            )
            session.flush()
            session.refresh(user)
            _ = user.pilots, user.ministry
            session.expunge_all()
        return user

    return make


@pytest.fixture
def make_wish(app: Flask) -> Callable[..., Wish]:
    """Return a factory for wishes; the statute's ministries become responsible by default."""
    from bundler import numbering

    counter = iter(range(1, 100_000))

    def make(
        pilot: Pilot,
        *,
        state: WishState = WishState.SUBMITTED,
        statute: str | None = "BWBR0005416",
        article: str = "1",
        title: str | None = None,
        **values: Any,
    ) -> Wish:
        number = next(counter)
        with session_scope(app) as session:
            law = (
                session.scalar(select(Statute).where(Statute.bwb_id == statute))
                if statute
                else None
            )
            wish = Wish(
                reference=numbering.wish_reference(2026, number),
                title=title or f"Knelpunt {number}",
                problem="Het probleem zoals inwoners het ervaren.",
                statute=law,
                statute_unknown=law is None,
                article=article,
                pilot_id=pilot.id,
                state=state,
                ministries=list(law.ministries) if law and state is not WishState.CONCEPT else [],
                **values,
            )
            session.add(wish)
            session.flush()
            session.expunge_all()
        return wish

    return make


CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, path: str = "/aanmelden") -> str:
    """Fetch a page and return the CSRF token of its first form."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """Return a function that signs a user in through the login form."""

    def do_login(user: User, password: str = PASSWORD) -> Any:
        token = csrf_token(client, "/aanmelden")
        response = client.post(
            "/aanmelden", data={"email": user.email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response

    return do_login


def post_form(
    client: FlaskClient, path: str, data: dict[str, Any], *, page: str | None = None
) -> Any:
    """POST to a form with the CSRF token taken from the page that shows it."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or path)})
