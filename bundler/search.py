"""Full-text search over wishes: SQLite FTS5 by default, PostgreSQL full-text search in production.

The index itself lives with the models (`bundler.models.fulltext`). User input never reaches
the query syntax: it is split into words and each word is quoted (FTS5) or passed as a bound
parameter to `plainto_tsquery`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import Boolean

from bundler.enums import WishState
from bundler.models.fulltext import PG_COLUMN
from bundler.models.wishes import Wish, WishSupport

# Wishes a similarity check may offer: seen by the office and still alive.
SIMILAR_STATES = frozenset(
    set(WishState) - {WishState.CONCEPT, WishState.MERGED, WishState.WITHDRAWN, WishState.REJECTED}
)

MAX_TERMS = 12
MAX_TERM_LENGTH = 40
_WORD = re.compile(r"\w+", re.UNICODE)

# Words that carry no meaning for "is this the same obstacle?"; PostgreSQL's Dutch
# configuration drops these itself, SQLite's tokenizer does not.
STOPWORDS = frozenset(
    {
        "aan", "al", "als", "bij", "dan", "dat", "de", "den", "der", "des", "die", "dit",
        "door", "een", "en", "er", "geen", "het", "hij", "hoe", "ik", "in", "is", "je", "kan",
        "kunnen", "meer", "met", "moet", "moeten", "na", "naar", "niet", "niets", "nog", "of",
        "om", "onder", "ons", "ook", "op", "over", "te", "ten", "ter", "tot", "uit", "van",
        "veel", "voor", "want", "was", "wat", "we", "wel", "werd", "wie", "wij", "worden",
        "wordt", "zal", "ze", "zij", "zijn", "zo", "zou",
    }
)  # fmt: skip

_PG_CONFIG: ColumnElement[Any] = literal_column("'dutch'::regconfig")


# -- queries ----------------------------------------------------------------------------------


def terms(query: str, *, drop_stopwords: bool = False) -> list[str]:
    """Split user input into at most MAX_TERMS lowercase words, without query syntax."""
    words: list[str] = []
    for word in _WORD.findall(query.lower()):
        word = word.strip("_")[:MAX_TERM_LENGTH]
        if not word or word in words:
            continue
        if drop_stopwords and (word in STOPWORDS or len(word) < 3):
            continue
        words.append(word)
    return words[:MAX_TERMS]


def fts5_query(words: list[str], *, any_word: bool = False) -> str:
    """Build an FTS5 MATCH string: every word a quoted prefix phrase, joined by AND or OR."""
    quoted = ['"' + w.replace('"', '""') + '"*' for w in words]
    return (" OR " if any_word else " AND ").join(quoted)


def _pg_vector() -> ColumnElement[Any]:
    return literal_column(f"wish.{PG_COLUMN}", type_=TSVECTOR())


def _pg_query(words: list[str], *, any_word: bool = False) -> ColumnElement[Any]:
    # plainto_tsquery never raises on odd input; each word is a bound parameter.
    parts = [func.plainto_tsquery(_PG_CONFIG, bindparam(None, w)) for w in words]
    combined: ColumnElement[Any] = parts[0]
    for part in parts[1:]:
        combined = combined.op("||" if any_word else "&&")(part)
    return combined


class WishTextMatch(ColumnElement[bool]):
    """True for wishes whose text matches all words; compiled per dialect."""

    type = Boolean()
    inherit_cache = False  # the words are baked into the compiled text per call

    def __init__(self, words: list[str]) -> None:
        self.words = words


@compiles(WishTextMatch, "sqlite")
def _match_sqlite(element: WishTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    param = compiler.process(bindparam(None, fts5_query(element.words)), **kw)
    # `param` is a bind placeholder, never the user's text.
    return f"wish.id IN (SELECT rowid FROM wish_fts WHERE wish_fts MATCH {param})"  # noqa: S608


@compiles(WishTextMatch, "postgresql")
def _match_postgresql(element: WishTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    clause = _pg_vector().op("@@")(_pg_query(element.words))
    return str(compiler.process(clause, **kw))


@compiles(WishTextMatch)
def _match_other(element: WishTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"full-text search not available on {compiler.dialect.name}")


def matching_wish_ids(query: str) -> Select[int]:
    """Select the ids of wishes whose title, problem or proposed change match every word.

    Use it as `Wish.id.in_(matching_wish_ids(q))`; the dialect is chosen when the statement
    is compiled, so no session is needed. An empty query (or one without words) matches
    nothing. SQLite matches word prefixes ("aangift" finds "aangifte"); PostgreSQL matches
    Dutch word stems.
    """
    words = terms(query)
    if not words:
        return select(Wish.id).where(false())
    return select(Wish.id).where(WishTextMatch(words))


def text_condition(query: str) -> ColumnElement[bool]:
    """The condition on Wish for "title, problem or proposed change match every word".

    Used directly in a WHERE clause (not as a list of ids), so the database may walk the sort
    order and test each wish (PostgreSQL: the stored tsvector) when a word is common, or
    start from the index when it is rare. An empty query matches nothing.
    """
    words = terms(query)
    return WishTextMatch(words) if words else false()


def similar_wishes(
    session: Session,
    *,
    title: str,
    statute_id: int | None,
    article: str,
    exclude_wish_id: int | None = None,
    exclude_pilot_ids: Sequence[int] = (),
    limit: int = 5,
) -> list[Wish]:
    """Return wishes the office can see that look like this one, most alike first.

    Wishes on the same statute and article come first, then wishes whose text shares words
    with the title, ranked by full-text relevance. Concepts, merged and withdrawn wishes are
    never offered, nor closed (rejected) ones, nor those raised by `exclude_pilot_ids`.
    """
    found: list[Wish] = []
    options = (
        selectinload(Wish.statute),
        selectinload(Wish.pilot),
        selectinload(Wish.supports).selectinload(WishSupport.pilot),
    )
    alive: list[ColumnElement[bool]] = [Wish.state.in_(SIMILAR_STATES)]
    if exclude_wish_id is not None:
        alive.append(Wish.id != exclude_wish_id)
    if exclude_pilot_ids:
        alive.append(Wish.pilot_id.not_in(list(exclude_pilot_ids)))
    article = article.strip().lower()
    if statute_id is not None and article:
        found.extend(
            session.scalars(
                select(Wish)
                .where(
                    *alive,
                    Wish.statute_id == statute_id,
                    func.lower(Wish.article) == article,
                )
                .order_by(Wish.submitted_at.desc(), Wish.id.desc())
                .limit(limit)
                .options(*options)
            )
        )
    words = terms(title, drop_stopwords=True)
    if len(found) < limit and words:
        seen = [w.id for w in found]
        if seen:
            alive.append(Wish.id.not_in(seen))
        found.extend(
            session.scalars(
                _ranked_text_matches(session, words, and_(*alive), limit - len(found)).options(
                    *options
                )
            )
        )
    return found


def _ranked_text_matches(
    session: Session, words: list[str], where: ColumnElement[bool], limit: int
) -> Select[Wish]:
    """Select wishes matching any of the words, best match first."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        vector, query = _pg_vector(), _pg_query(words, any_word=True)
        rank = func.ts_rank(vector, query)
        return (
            select(Wish)
            .where(where, vector.op("@@")(query))
            .order_by(rank.desc(), Wish.id.desc())
            .limit(limit)
        )
    if dialect == "sqlite":
        # bm25: lower is better; a word in the title weighs most.
        ranked = (
            text(
                "SELECT rowid AS id, bm25(wish_fts, 10.0, 2.0, 1.0) AS score "
                "FROM wish_fts WHERE wish_fts MATCH :fts_query"
            )
            .bindparams(fts_query=fts5_query(words, any_word=True))
            .columns(id=Integer, score=Float)
            .subquery("ranked")
        )
        return (
            select(Wish)
            .join(ranked, ranked.c.id == Wish.id)
            .where(where)
            .order_by(ranked.c.score, Wish.id.desc())
            .limit(limit)
        )
    # Without a full-text engine, fall back to title words (keeps other databases usable).
    return (
        select(Wish)
        .where(where, or_(*(Wish.title.ilike(f"%{w}%") for w in words)))
        .order_by(Wish.id.desc())
        .limit(limit)
    )
