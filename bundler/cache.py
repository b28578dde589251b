"""Caches of derived data, invalidated by the data generation (`models.cache.DataGeneration`).

Every transaction that writes to a table in `WATCHED` gives the generation row a new random
value just before it commits (so in the same transaction: the new value and the new data
become visible together, on every app server). `cached(session, key, compute)` keeps one
value per key in this process and reuses it only while the generation read in the current
transaction is the one it was computed under. A session with uncommitted writes of its own
never reads or fills the cache. Without the generation row nothing is cached.

Caught: ORM changes (new, changed and deleted objects, collections such as a wish's
ministries) and ORM-executed `insert`/`update`/`delete` statements on watched tables. Not
caught: SQL sent on a bare connection; code that does that must call `mark_changed`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from bundler.models.cache import GENERATION_READ, has_pending_changes, read_generation

T = TypeVar("T")

MAX_ENTRIES = 256

_lock = threading.Lock()
_entries: OrderedDict[tuple[Hashable, ...], tuple[int, Any]] = OrderedDict()


def generation(session: Session) -> int | None:
    """Return the data generation as this transaction sees it (None: no generation row).

    Read once per transaction: later reads in it could only be as new or newer, and a value
    cached under an older generation that holds newer data is still correct.
    """
    transaction = id(session.get_transaction())
    known = session.info.get(GENERATION_READ)
    if known is not None and known[0] == transaction and session.in_transaction():
        value: int | None = known[1]
        return value
    value = read_generation(session)
    session.info[GENERATION_READ] = (id(session.get_transaction()), value)
    return value


def cached(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """Return compute()'s value for key, reused while the data generation is unchanged.

    The value is shared between requests of this process: it must be plain data that no
    caller changes (no ORM objects).
    """
    if has_pending_changes(session):
        return compute()
    current = generation(session)
    if current is None:
        return compute()
    full_key = (str(session.connection().engine.url), *key)
    with _lock:
        hit = _entries.get(full_key)
        if hit is not None and hit[0] == current:
            _entries.move_to_end(full_key)
            value: T = hit[1]
            return value
    value = compute()
    with _lock:
        _entries[full_key] = (current, value)
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    """Forget every cached value of this process."""
    with _lock:
        _entries.clear()
