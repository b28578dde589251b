"""Alembic: one head, upgrade from empty to head, models equal the migrated schema, downgrade."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bundler.cli import alembic_config
from bundler.db import make_engine
from bundler.models import Base

# Full-text search tables and indexes are made by hand-written migrations, not by models.
IGNORED_PREFIXES = ("wish_fts", "ix_wish_fulltext", "search_vector", "ix_wish_reference_length")


@pytest.fixture
def empty_database_url(tmp_path, database_url):
    """Yield the URL of a new, empty database of the same kind as the test database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    url = make_url(database_url)
    name = f"bundler_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _config(app, url):
    app.config["DATABASE_URL"] = url
    return alembic_config(app)


def _include(obj, name, type_, reflected, compare_to):
    return not (name or "").startswith(IGNORED_PREFIXES)


def test_one_head(app):
    script = ScriptDirectory.from_config(alembic_config(app))
    assert len(script.get_heads()) == 1


def test_upgrade_matches_models_and_downgrade_empties(app, empty_database_url):
    config = _config(app, empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": _include}
            )
            assert compare_metadata(context, Base.metadata) == []
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        assert {t.name for t in Base.metadata.sorted_tables} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()


@pytest.mark.skipif(os.name != "posix", reason="POSIX only")
def test_init_db_runs_migrations_and_is_idempotent(app, empty_database_url):
    app.config["DATABASE_URL"] = empty_database_url
    from bundler import create_app

    fresh = create_app({**app.config, "DATABASE_URL": empty_database_url})
    runner = fresh.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert "gemeenten: 342 nieuw" in first.output
    second = runner.invoke(args=["init-db"])
    assert second.exit_code == 0, second.output
    assert "gemeenten: 0 nieuw, 0 bijgewerkt, 342 ongewijzigd" in second.output
    fresh.extensions["bundler.engine"].dispose()
