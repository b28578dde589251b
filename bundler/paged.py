"""One page of a long list of rows: a count and a LIMIT/OFFSET query, never every row."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Select, func
from sqlalchemy.orm import Session

from bundler import bounded, cache
from bundler.pagination import Pagination, paginate

T = TypeVar("T")
PER_PAGE = 50
PAGE_PARAM = "pagina"
MAX_PAGE = 100_000


def page_number(args: Mapping[str, Any]) -> int:
    """Read the page number from the query string (1 when absent or not a number)."""
    return bounded.parse_page(args.get(PAGE_PARAM), last=MAX_PAGE)


def page_of(
    session: Session,
    statement: Select[T],
    page: int,
    per_page: int = PER_PAGE,
    *,
    count_key: tuple[Hashable, ...] | None = None,
) -> tuple[list[T], Pagination]:
    """Return the rows of one page of `statement` (which must be ordered) and its pagination.

    With `count_key` the total is cached until the data changes (`bundler.cache`); the key
    must hold everything the statement's conditions depend on (the viewer included).
    """
    counting = statement.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)

    def count() -> int:
        return session.scalar(counting) or 0

    total = count() if count_key is None else cache.cached(session, count_key, count)
    pagination = paginate(page, per_page, total)
    rows = session.scalars(statement.limit(per_page).offset((pagination.page - 1) * per_page))
    return list(rows), pagination
