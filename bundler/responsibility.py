"""Which ministries are responsible for a wish on a date: pure functions over plain data.

A wish keeps the ministries the office chose. On a given (build) date:
- a wish that follows its statute (its ministries are among those the catalogue ever lists
  for the statute) gets the statute's ministries responsible on that date;
- a ministry that no longer exists on that date is replaced by its successor (a cabinet
  merged it away), following the chain of successors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bundler.statute_rules import Period, responsible_on


@dataclass(frozen=True)
class MinistrySpan:
    """A ministry's existence: until when (None: still) and who succeeded it."""

    code: str
    valid_until: dt.date | None = None
    successor: str | None = None


def current_code(code: str, spans: Mapping[str, MinistrySpan], on: dt.date) -> str:
    """Follow successors from a ministry to the one that exists on a date."""
    seen = {code}
    span = spans.get(code)
    while span is not None and span.valid_until is not None and span.valid_until < on:
        if span.successor is None or span.successor in seen:
            break
        code = span.successor
        seen.add(code)
        span = spans.get(code)
    return code


def ministries_on(
    stored: Iterable[str],
    statute: Iterable[Period],
    spans: Mapping[str, MinistrySpan],
    on: dt.date,
) -> tuple[str, ...]:
    """Return the codes of the ministries responsible for a wish on a date, sorted."""
    stored = tuple(stored)
    periods = list(statute)
    codes: Iterable[str] = stored
    if stored and periods and set(stored) <= {p.code for p in periods}:
        codes = responsible_on(periods, on) or stored
    return tuple(sorted({current_code(c, spans, on) for c in codes}))
