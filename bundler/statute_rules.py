"""Rules of the statute catalogue: kinds, dated responsibility and its CSV notation.

Pure functions over plain data. In `statuten.csv` the `ministries` column lists the
responsible ministries separated by `;`, each either a bare code (`BZK`, always responsible)
or a code with its period, `VRO@2024-07-02..2026-02-22` (either end may be empty).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bundler.juriconnect import is_bwb_id


class StatuteKind(enum.StrEnum):
    LAW = "wet"
    DECREE = "amvb"
    REGULATION = "ministeriele_regeling"
    TREATY = "verdrag"
    OTHER = "anders"


# The columns of statuten.csv; the loader also reads files with only the first four.
CSV_COLUMNS = (
    "bwb_id",
    "title",
    "short_title",
    "ministries",
    "citation_title",
    "kind",
    "retired_on",
)
_ENTRY = re.compile(r"^([A-Za-z]{1,16})(?:@(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?)?$")


@dataclass(frozen=True)
class Period:
    """A ministry's responsibility for a statute, from and until a date (both inclusive)."""

    code: str
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def holds_on(self, on: dt.date) -> bool:
        """Tell whether the responsibility holds on a date."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


def parse_periods(text: str) -> list[Period]:
    """Read `BZK;VRO@2024-07-02..2026-02-22`; raise ValueError naming a malformed entry."""
    periods = []
    for entry in (e.strip() for e in text.split(";")):
        if not entry:
            continue
        match = _ENTRY.match(entry)
        if not match:
            raise ValueError(entry)
        start, end = (dt.date.fromisoformat(d) if d else None for d in match.group(2, 3))
        if start and end and end < start:
            raise ValueError(entry)
        periods.append(Period(match.group(1), start, end))
    return periods


def format_periods(periods: Iterable[Period]) -> str:
    """Write periods in the CSV notation; open-ended ones as a bare code."""
    entries = []
    for p in periods:
        if p.valid_from is None and p.valid_until is None:
            entries.append(p.code)
        else:
            start = p.valid_from.isoformat() if p.valid_from else ""
            end = p.valid_until.isoformat() if p.valid_until else ""
            entries.append(f"{p.code}@{start}..{end}")
    return ";".join(entries)


def responsible_on(periods: Iterable[Period], on: dt.date) -> tuple[str, ...]:
    """Return the codes of the ministries responsible on a date, sorted and distinct."""
    return tuple(sorted({p.code for p in periods if p.holds_on(on)}))


def duplicate(periods: Iterable[Period]) -> str | None:
    """Return the code of a ministry listed twice (one period per ministry), or None."""
    seen: set[str] = set()
    for p in periods:
        if p.code in seen:
            return p.code
        seen.add(p.code)
    return None


def normalise_bwb_id(value: str) -> str | None:
    """Return a BWB id in capitals (BWBR0002656), or None when it is not one."""
    value = value.strip().upper()
    return value if is_bwb_id(value) else None
