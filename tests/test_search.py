"""Full-text search on wishes: index kept in sync, safe against query syntax, similar wishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from bundler import search
from bundler.db import make_engine
from bundler.enums import WishState
from bundler.models import Base, Statute, Wish, fulltext


def ids(db: Session, query: str) -> set[int]:
    return set(db.scalars(select(Wish.id).where(Wish.id.in_(search.matching_wish_ids(query)))))


def dialect(db: Session) -> str:
    return db.get_bind().dialect.name


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", []),
        ("   ", []),
        ("Aangifte  overlijden", ["aangifte", "overlijden"]),
        ('"aangifte" AND (overlijden* NEAR', ["aangifte", "and", "overlijden", "near"]),
        ("a:* & !b | c <-> d", ["a", "b", "c", "d"]),
        ("'); DROP TABLE wish; --", ["drop", "table", "wish"]),
        ("dubbel dubbel DUBBEL", ["dubbel"]),
        ("__init__", ["init"]),
    ],
)
def test_terms_strip_query_syntax(raw: str, words: list[str]) -> None:
    assert search.terms(raw) == words


def test_terms_limit_count_and_length() -> None:
    words = search.terms(" ".join(f"woord{i}" for i in range(50)) + " " + "x" * 500)
    assert len(words) == search.MAX_TERMS
    assert all(len(w) <= search.MAX_TERM_LENGTH for w in words)


def test_terms_drop_stopwords_for_similarity() -> None:
    assert search.terms("De aangifte van een overlijden is te lastig", drop_stopwords=True) == [
        "aangifte",
        "overlijden",
        "lastig",
    ]


def test_fts5_query_quotes_every_word() -> None:
    assert search.fts5_query(["a", "b"]) == '"a"* AND "b"*'
    assert search.fts5_query(["a", "b"], any_word=True) == '"a"* OR "b"*'


def test_match_finds_title_problem_and_proposed_change(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    pilot = make_pilot()
    death = make_wish(pilot, title="Digitale aangifte van overlijden")
    birth = make_wish(pilot, title="Geboorte", proposed_change="Uitvaartondernemer mag aangeven")
    other = make_wish(pilot, title="Parkeervergunning")
    assert ids(db, "overlijden") == {death.id}
    assert ids(db, "uitvaartondernemer") == {birth.id}
    # Every word must match somewhere in the text.
    assert ids(db, "aangifte overlijden") == {death.id}
    assert ids(db, "aangifte parkeervergunning") == set()
    # make_wish gives every wish the same problem text.
    assert ids(db, "inwoners ervaren") == {death.id, birth.id, other.id}


def test_empty_query_matches_nothing(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    make_wish(make_pilot())
    assert ids(db, "") == set()
    assert ids(db, " ?! ") == set()


@pytest.mark.parametrize(
    "hostile",
    [
        '"',
        '"unbalanced',
        "aangifte AND",
        "OR OR OR",
        "NEAR(a b",
        "title:aangifte",
        "a*b*",
        "aangifte & | ! :* <->",
        "'\\",
        "(((",
        "NOT",
        "überprüfung naïef ĳzer",
        "😀 aangifte",
        "x" * 5000,
    ],
)
def test_hostile_input_never_breaks_the_query(
    db: Session,
    make_pilot: Callable[..., Any],
    make_wish: Callable[..., Wish],
    hostile: str,
) -> None:
    wish = make_wish(make_pilot(), title="Aangifte overlijden")
    found = ids(db, hostile)
    assert found <= {wish.id}
    assert search.similar_wishes(db, title=hostile, statute_id=None, article="") is not None


def test_diacritics_and_case_do_not_matter(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    wish = make_wish(make_pilot(), title="Financiële zekerheid bij coöperaties")
    assert ids(db, "FINANCIËLE") == {wish.id}
    assert ids(db, "coöperaties") == {wish.id}


def test_index_follows_updates_and_deletes(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    wish = make_wish(make_pilot(), title="Huwelijk registreren")
    assert ids(db, "huwelijk") == {wish.id}
    row = db.get(Wish, wish.id)
    assert row is not None
    row.title = "Geregistreerd partnerschap"
    db.commit()
    assert ids(db, "huwelijk") == set()
    assert ids(db, "partnerschap") == {wish.id}
    # Changing a column outside the index leaves it correct.
    row.urgency_reason = "Spoed"
    db.commit()
    assert ids(db, "partnerschap") == {wish.id}
    db.delete(row)
    db.commit()
    assert ids(db, "partnerschap") == set()


def statute_id(db: Session, bwb_id: str) -> int:
    found = db.scalar(select(Statute.id).where(Statute.bwb_id == bwb_id))
    assert found is not None
    return found


def test_similar_puts_same_statute_and_article_first(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    pilot = make_pilot()
    text_match = make_wish(pilot, title="Digitale aangifte overlijden door uitvaartondernemer")
    same_article = make_wish(pilot, statute="BWBR0002656", article="19H", title="Iets anders")
    make_wish(pilot, statute="BWBR0002656", article="20", title="Ander artikel")
    found = search.similar_wishes(
        db,
        title="Aangifte overlijden digitaal",
        statute_id=statute_id(db, "BWBR0002656"),
        article=" 19h ",
    )
    assert [w.id for w in found] == [same_article.id, text_match.id]


def test_similar_ranks_title_words_above_problem_words(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    pilot = make_pilot()
    weak = make_wish(pilot, title="Kinderopvang", proposed_change="Ook de geboorte telt mee.")
    strong = make_wish(pilot, title="Aangifte geboorte digitaal")
    found = search.similar_wishes(
        db, title="Digitale aangifte van geboorte", statute_id=None, article=""
    )
    assert [w.id for w in found] == [strong.id, weak.id]


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        (WishState.CONCEPT, False),
        (WishState.SUBMITTED, True),
        (WishState.NEEDS_INFO, True),
        (WishState.IN_TRIAGE, True),
        (WishState.ACCEPTED, True),
        (WishState.REJECTED, False),  # closed: never offered as similar (issue 10)
        (WishState.OFFERED, True),
        (WishState.MERGED, False),
        (WishState.WITHDRAWN, False),
    ],
)
def test_similar_offers_only_wishes_the_office_works_with(
    db: Session,
    make_pilot: Callable[..., Any],
    make_wish: Callable[..., Wish],
    state: WishState,
    offered: bool,
) -> None:
    wish = make_wish(make_pilot(), state=state, statute="BWBR0005416", article="12")
    by_article = search.similar_wishes(
        db, title="", statute_id=statute_id(db, "BWBR0005416"), article="12"
    )
    by_text = search.similar_wishes(db, title=wish.title, statute_id=None, article="")
    assert ([w.id for w in by_article] == [wish.id]) is offered
    assert ([w.id for w in by_text] == [wish.id]) is offered


def test_similar_excludes_the_wish_itself_and_respects_the_limit(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    pilot = make_pilot()
    wishes = [make_wish(pilot, title=f"Paspoort aanvragen {i}", article="9") for i in range(7)]
    found = search.similar_wishes(
        db,
        title="Paspoort aanvragen",
        statute_id=statute_id(db, "BWBR0005416"),
        article="9",
        exclude_wish_id=wishes[0].id,
        limit=5,
    )
    assert len(found) == 5
    assert wishes[0].id not in {w.id for w in found}
    assert len({w.id for w in found}) == 5


def test_similar_without_anything_to_compare_is_empty(
    db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    make_wish(make_pilot())
    assert search.similar_wishes(db, title="", statute_id=None, article="") == []
    assert search.similar_wishes(db, title="de het een", statute_id=None, article="") == []


def test_install_is_idempotent_and_drop_removes_it(app: Flask, db: Session) -> None:
    engine = app.extensions["bundler.engine"]
    with engine.begin() as connection:
        fulltext.install_fulltext(connection)
        fulltext.install_fulltext(connection)
    with engine.begin() as connection:
        fulltext.drop_fulltext(connection)
        assert not _fulltext_present(connection)
        fulltext.drop_fulltext(connection)
        fulltext.install_fulltext(connection)
        assert _fulltext_present(connection)


def _fulltext_present(connection: Any) -> bool:
    inspector = inspect(connection)
    if connection.dialect.name == "sqlite":
        return "wish_fts" in inspector.get_table_names()
    return fulltext.PG_INDEX in {i["name"] for i in inspector.get_indexes("wish")}


def test_install_indexes_existing_rows(
    app: Flask, db: Session, make_pilot: Callable[..., Any], make_wish: Callable[..., Wish]
) -> None:
    engine = app.extensions["bundler.engine"]
    with engine.begin() as connection:
        fulltext.drop_fulltext(connection)
    wish = make_wish(make_pilot(), title="Kieswet stempas")
    with engine.begin() as connection:
        fulltext.install_fulltext(connection)
    assert ids(db, "stempas") == {wish.id}


def test_create_all_builds_the_index(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        assert _fulltext_present(connection)
    Base.metadata.drop_all(engine)
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == []
    engine.dispose()


def test_postgresql_uses_the_gin_index(db: Session) -> None:
    if dialect(db) != "postgresql":
        pytest.skip("PostgreSQL only (set TEST_DATABASE_URL)")
    db.execute(text("SET LOCAL enable_seqscan = off"))
    statement = select(Wish.id).where(Wish.id.in_(search.matching_wish_ids("aangifte")))
    compiled = statement.compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.scalars(text(f"EXPLAIN {compiled}")))
    assert fulltext.PG_INDEX in plan


def test_migration_0002_installs_and_removes_the_index(tmp_path: Any) -> None:
    from alembic import command
    from alembic.config import Config

    from bundler.cli import MIGRATIONS

    url = f"sqlite:///{tmp_path / 'migrated.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        assert _fulltext_present(connection)
        command.downgrade(config, "0001")
        assert not _fulltext_present(connection)
        command.upgrade(config, "0002")
        assert _fulltext_present(connection)
    engine.dispose()
