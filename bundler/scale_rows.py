"""Rows for the scale generator (`bundler.scale`): weighted picks, ids and bulk inserts."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

T = TypeVar("T")

CHUNK = 5_000


@dataclass
class ScaleReport:
    """What was generated: rows per table."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, number: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + number


class Picker:
    """Weighted choice with precomputed cumulative weights (fast at 100,000 draws)."""

    def __init__(self, rng: random.Random, table: Sequence[tuple[Any, float]]) -> None:
        self.rng = rng
        self.values = [v for v, _ in table]
        self.cumulative = list(itertools.accumulate(w for _, w in table))

    def __call__(self) -> Any:
        return self.rng.choices(self.values, cum_weights=self.cumulative)[0]


def zipf(rng: random.Random, values: Sequence[T], exponent: float = 1.0) -> Picker:
    """Pick from values in a shuffled order where the k-th is 1/k^exponent as likely."""
    order = list(values)
    rng.shuffle(order)
    return Picker(rng, [(v, 1 / (k + 1) ** exponent) for k, v in enumerate(order)])


def next_ids(session: Session, *tables: Any) -> dict[str, int]:
    """The next free id of each table, by name (the generator chooses the ids itself)."""
    return {t.name: (session.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables}


def insert_rows(
    session: Session, table: Any, rows: list[dict[str, Any]], report: ScaleReport
) -> None:
    """Insert rows with Core executemany, CHUNK at a time, and count them in the report."""
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start : start + CHUNK])
    report.add(table.name, len(rows))


def reset_sequences(session: Session, tables: Sequence[Any]) -> None:
    """On PostgreSQL, move each serial past the ids inserted here."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        # Table names are constants from the models, never input.
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            )
        )
