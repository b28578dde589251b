"""The full-text index on wishes: SQLite FTS5 by default, a stored tsvector on PostgreSQL.

It covers a wish's title, problem and proposed change. `install_fulltext` and `drop_fulltext`
create and remove it; they run after `Base.metadata.create_all` (tests, demo) through the
metadata events registered here, and from migration 0002. `bundler.search` queries it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event

from bundler.models.base import Base

FTS_TABLE = "wish_fts"
PG_INDEX = "ix_wish_fulltext"

# Literal SQL (the table name is a constant): FTS5 and triggers have no SQLAlchemy construct.
_SQLITE_INSTALL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS wish_fts USING fts5(
        title, problem, proposed_change,
        content='wish', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER IF NOT EXISTS wish_fts_ai AFTER INSERT ON wish BEGIN
        INSERT INTO wish_fts(rowid, title, problem, proposed_change)
        VALUES (new.id, new.title, new.problem, new.proposed_change);
    END""",
    """CREATE TRIGGER IF NOT EXISTS wish_fts_ad AFTER DELETE ON wish BEGIN
        INSERT INTO wish_fts(wish_fts, rowid, title, problem, proposed_change)
        VALUES ('delete', old.id, old.title, old.problem, old.proposed_change);
    END""",
    """CREATE TRIGGER IF NOT EXISTS wish_fts_au
        AFTER UPDATE OF title, problem, proposed_change ON wish BEGIN
        INSERT INTO wish_fts(wish_fts, rowid, title, problem, proposed_change)
        VALUES ('delete', old.id, old.title, old.problem, old.proposed_change);
        INSERT INTO wish_fts(rowid, title, problem, proposed_change)
        VALUES (new.id, new.title, new.problem, new.proposed_change);
    END""",
    # Index the rows that exist already (migration on a filled database).
    "INSERT INTO wish_fts(wish_fts) VALUES ('rebuild')",
)

_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS wish_fts_ai",
    "DROP TRIGGER IF EXISTS wish_fts_ad",
    "DROP TRIGGER IF EXISTS wish_fts_au",
    "DROP TABLE IF EXISTS wish_fts",
)

# PostgreSQL keeps the document vector in a stored generated column with a GIN index: no
# to_tsvector per row at query time, and ranking reads the stored vector (migration 0004).
PG_COLUMN = "search_vector"
PG_VECTOR = "to_tsvector('dutch', {t}title || ' ' || {t}problem || ' ' || {t}proposed_change)"
_PG_INSTALL = (
    f"ALTER TABLE wish ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector "
    f"GENERATED ALWAYS AS ({PG_VECTOR.format(t='')}) STORED",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON wish USING gin ({PG_COLUMN})",
)
_PG_DROP = (
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE wish DROP COLUMN IF EXISTS {PG_COLUMN}",
)
# Before migration 0004: an expression index, which the query had to repeat exactly.
PG_EXPRESSION_INDEX = (
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON wish USING gin ({PG_VECTOR.format(t='')})"
)


def install_fulltext(connection: Connection) -> None:
    """Create the full-text index on wishes for this connection's database (idempotent)."""
    statements = {"sqlite": _SQLITE_INSTALL, "postgresql": _PG_INSTALL}.get(
        connection.dialect.name, ()
    )
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_fulltext(connection: Connection) -> None:
    """Remove the full-text index on wishes (idempotent)."""
    statements = {"sqlite": _SQLITE_DROP, "postgresql": _PG_DROP}.get(connection.dialect.name, ())
    for statement in statements:
        connection.exec_driver_sql(statement)


def _creates_wish(kw: dict[str, Any]) -> bool:
    tables = kw.get("tables")
    return tables is None or any(t.name == "wish" for t in tables)


def _after_create(target: Any, connection: Connection, **kw: Any) -> None:
    if _creates_wish(kw):
        install_fulltext(connection)


def _before_drop(target: Any, connection: Connection, **kw: Any) -> None:
    if _creates_wish(kw):
        drop_fulltext(connection)


event.listen(Base.metadata, "after_create", _after_create)
event.listen(Base.metadata, "before_drop", _before_drop)
