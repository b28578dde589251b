"""Bounded parsing of numbers and dates from requests: one rule for every id, page and date.

Pure functions, free of Flask. A value that is not plain ASCII digits, is longer than a row id
can be, or is a date outside the years the app deals with reads as "not given" (None), so it
never reaches `int()` past Python's digit limit, nor the database driver as an overflow.
"""

from __future__ import annotations

import datetime as dt
import re

# Every id fits the databases' integer columns (PostgreSQL integer: 32 bits).
MAX_ID = 2**31 - 1
MAX_ID_DIGITS = len(str(MAX_ID))
# Dates people type into filters; a date past these is not one of ours (and 9999-12-31 plus a
# day overflows Python's date).
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)
_DIGITS = re.compile(r"[0-9]{1,%d}" % MAX_ID_DIGITS)  # noqa: UP031 - a regex, not a message
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_int(value: object, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """Read a whole number of ASCII digits between low and high, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _DIGITS.fullmatch(text):
        return None  # '²', '１', '-1', '1e3', '' and anything with more digits than an id
    number = int(text)
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """Read a row id (1 to MAX_ID), else None."""
    return parse_int(value, low=1)


def parse_page(value: object, *, last: int = 1_000_000) -> int:
    """Read a page number, 1 when it is missing or not a page."""
    return parse_int(value, low=1, high=last) or 1


def parse_date(value: object) -> dt.date | None:
    """Read an ISO date (YYYY-MM-DD) between MIN_DATE and MAX_DATE, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


def in_date_range(day: dt.date | None) -> bool:
    """Tell whether a date (from a form field) lies in the range the app deals with."""
    return day is None or MIN_DATE <= day <= MAX_DATE
