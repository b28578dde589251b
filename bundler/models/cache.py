"""The data generation: one counter raised by every transaction that changes wishes.

Caches of derived data (the bundle overview, counts per state, package readiness) are keyed
on it, so every app process and server drops what it cached as soon as a change commits
(`bundler.cache`). The listeners here raise it: ORM changes to the tables in WATCHED and
ORM-executed insert/update/delete statements on them mark the session; just before the
commit the row gets a new random value.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, event, select, update
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    SessionTransaction,
    UOWTransaction,
    mapped_column,
)

from bundler.models.base import Base

# Tables whose rows the cached pages are derived from.
WATCHED = frozenset(
    {
        "wish", "wish_ministry", "wish_support", "wish_relation", "wish_merge", "answer",
        "attachment", "pilot", "pilot_municipality", "package", "package_version",
        "package_entry", "ministry", "statute", "statute_ministry", "municipality",
        "executing_organisation", "office_logo",
    }
)  # fmt: skip
_FLAG = "bundler.data_changed"
GENERATION_READ = "bundler.generation"  # set by bundler.cache.generation


class DataGeneration(Base):
    """A single row (id 1) whose value goes up with every committed change to wishes."""

    __tablename__ = "data_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def _insert_row(target: Any, connection: Connection, **kw: Any) -> None:
    connection.execute(target.insert().values(id=1, value=0))


event.listen(DataGeneration.__table__, "after_create", _insert_row)


def mark_changed(session: Session) -> None:
    """Record that this transaction changed watched data (done automatically for the ORM)."""
    session.info[_FLAG] = True


def has_pending_changes(session: Session) -> bool:
    """Tell whether this session's transaction has written watched data not yet committed."""
    return bool(session.info.get(_FLAG)) or _changes_watched(session)


def _changes_watched(session: Session) -> bool:
    # `dirty` also holds objects whose attributes were set to the values they had: not a change.
    return any(_table_of(o) in WATCHED for o in (*session.new, *session.deleted)) or any(
        _table_of(o) in WATCHED and session.is_modified(o) for o in session.dirty
    )


def _table_of(instance: object) -> str:
    table = getattr(type(instance), "__table__", None)
    return str(getattr(table, "name", ""))


def read_generation(session: Session) -> int | None:
    """Read the generation as it is now, not as this transaction first read it."""
    value: int | None = session.scalar(select(DataGeneration.value).where(DataGeneration.id == 1))
    return value


def advance_generation(session: Session, expected: int) -> int | None:
    """Give the generation its new value now, if it is still `expected`; return the value.

    For a transaction that must know the value its commit publishes (`packages.freshness`).
    None: another transaction changed the generation meanwhile (the commit raises it as
    usual). Changes made after this call raise it once more at the commit.
    """
    session.flush()
    value = expected
    while value == expected:
        value = secrets.randbits(31)
    result = session.connection().execute(
        update(DataGeneration)
        .where(DataGeneration.id == 1, DataGeneration.value == expected)
        .values(value=value)
    )
    if result.rowcount != 1:
        return None
    session.info.pop(_FLAG, None)
    session.info.pop(GENERATION_READ, None)  # the next read sees the new value
    return value


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    if _changes_watched(session):
        mark_changed(session)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in WATCHED:
            mark_changed(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # so changes still pending are seen (and marked) now
    if session.in_nested_transaction():
        return  # a savepoint's release: the transaction's own commit raises the generation
    if session.info.pop(_FLAG, False):
        # A random value, not value + 1: a restored backup cannot bring back an old value.
        session.connection().execute(
            update(DataGeneration).where(DataGeneration.id == 1).values(value=secrets.randbits(31))
        )


@event.listens_for(Session, "after_transaction_end")
def _forget_generation(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the generation read is valid for one transaction only
        session.info.pop(GENERATION_READ, None)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
