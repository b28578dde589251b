"""The data generation and the caches keyed on it: a committed change is seen at once."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import delete, event, update

from bundler import cache
from bundler.db import session_scope
from bundler.enums import Role, WishState
from bundler.models import DataGeneration, User, Wish
from bundler.office import listing
from bundler.office.filters import InboxFilter


def _generation(app: Flask) -> int | None:
    with session_scope(app) as session:
        return cache.generation(session)


def _submitted(app: Flask) -> int:
    with session_scope(app) as session:
        return listing.state_counts(session, InboxFilter())[WishState.SUBMITTED]


def test_a_committed_wish_change_invalidates(
    app: Flask, generation_row: None, make_pilot: Any, make_wish: Any
) -> None:
    pilot = make_pilot()
    wish = make_wish(pilot)
    before = _generation(app)
    assert _submitted(app) == 1
    with session_scope(app) as session:
        session.get(Wish, wish.id).state = WishState.IN_TRIAGE  # type: ignore[union-attr]
    assert _generation(app) != before
    assert _submitted(app) == 0


def test_a_change_in_a_savepoint_raises_the_generation_once_at_the_commit(
    app: Flask, generation_row: None, make_pilot: Any, make_wish: Any
) -> None:
    wish = make_wish(make_pilot())
    before = _generation(app)
    engine = app.extensions["bundler.engine"]
    writes: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "data_generation" in statement and statement.lstrip().upper().startswith("UPDATE"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope(app) as session:
            with session.begin_nested():
                session.get(Wish, wish.id).title = "Anders"  # type: ignore[union-attr]
            assert writes == []  # the savepoint's release is not the commit
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(writes) == 1
    assert _generation(app) != before


def test_core_statements_and_collections_invalidate(
    app: Flask, generation_row: None, make_pilot: Any, make_wish: Any
) -> None:
    wish = make_wish(make_pilot())
    assert _submitted(app) == 1
    with session_scope(app) as session:
        session.execute(update(Wish).where(Wish.id == wish.id).values(state=WishState.ACCEPTED))
    assert _submitted(app) == 0
    before = _generation(app)
    with session_scope(app) as session:
        loaded = session.get(Wish, wish.id)
        assert loaded is not None and loaded.ministries
        loaded.ministries.clear()
    assert _generation(app) != before


def test_unrelated_writes_and_rollbacks_keep_the_cache(
    app: Flask, generation_row: None, make_pilot: Any, make_wish: Any, make_user: Any
) -> None:
    wish = make_wish(make_pilot())
    user = make_user(Role.OFFICE)
    before = _generation(app)
    with session_scope(app) as session:
        session.get(User, user.id).name = "Ander"  # type: ignore[union-attr]
    assert _generation(app) == before
    with session_scope(app) as session:
        session.get(Wish, wish.id).title = "Nieuw"  # type: ignore[union-attr]
        session.flush()
        session.rollback()
    assert _generation(app) == before


def test_pending_changes_bypass_the_cache(
    app: Flask, generation_row: None, make_pilot: Any, make_wish: Any
) -> None:
    wish = make_wish(make_pilot())
    assert _submitted(app) == 1
    with session_scope(app) as session:
        session.get(Wish, wish.id).state = WishState.IN_TRIAGE  # type: ignore[union-attr]
        session.flush()
        # Its own uncommitted change is seen, and not stored for others.
        assert listing.state_counts(session, InboxFilter())[WishState.SUBMITTED] == 0
        session.rollback()
    assert _submitted(app) == 1


def test_cached_value_is_reused_while_nothing_changes(app: Flask, generation_row: None) -> None:
    calls = []
    with session_scope(app) as session:
        for _ in range(3):
            cache.cached(session, ("test",), lambda: calls.append(1) or len(calls))
    assert calls == [1]
    with session_scope(app) as session:
        # Without a generation row nothing is cached.
        session.execute(delete(DataGeneration))
        session.commit()
        for _ in range(2):
            cache.cached(session, ("test",), lambda: calls.append(1) or len(calls))
    assert len(calls) == 3


def test_text_search_counts_stop_at_the_cap(
    app: Flask, make_pilot: Any, make_wish: Any, monkeypatch: Any, client: Any, login: Any,
    make_user: Any,
) -> None:  # fmt: skip
    monkeypatch.setattr(listing, "COUNT_CAP", 3)
    pilot = make_pilot()
    for n in range(5):
        make_wish(pilot, title=f"Aangifte op papier {n}")
    make_wish(pilot, title="Iets anders")
    login(make_user(Role.OFFICE))
    page = client.get("/bureau/knelpunten?zoek=papier").get_data(as_text=True)
    assert "Alle (meer dan 3)" in page
    assert "van meer dan 3." in page
    page = client.get("/bureau/knelpunten?zoek=anders").get_data(as_text=True)
    assert "Alle (1)" in page and "meer dan" not in page
