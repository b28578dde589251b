"""Reference numbers of wishes (KN-2026-0042) and packages (BZK-2026-03)."""

from __future__ import annotations

import re

WISH_PREFIX = "KN"
_WISH = re.compile(r"^KN-(\d{4})-(\d{4,})$")
_PACKAGE = re.compile(r"^([A-Za-z]+)-(\d{4})-(\d{2,})$")


def wish_reference(year: int, sequence: int) -> str:
    """Format a wish reference: KN-2026-0042."""
    return f"{WISH_PREFIX}-{year:04d}-{sequence:04d}"


def parse_wish_reference(reference: str) -> tuple[int, int] | None:
    """Return (year, sequence) of a wish reference, or None if it is not one."""
    match = _WISH.match(reference)
    return (int(match.group(1)), int(match.group(2))) if match else None


def next_wish_sequence(existing: list[str], year: int) -> int:
    """Return the next sequence number for a year, given the references that exist."""
    numbers = [p[1] for p in map(parse_wish_reference, existing) if p and p[0] == year]
    return max(numbers, default=0) + 1


def package_number(ministry_code: str, year: int, sequence: int) -> str:
    """Format a package number: BZK-2026-03."""
    return f"{ministry_code}-{year:04d}-{sequence:02d}"


def parse_package_number(number: str) -> tuple[str, int, int] | None:
    """Return (ministry code, year, sequence) of a package number, or None."""
    match = _PACKAGE.match(number)
    return (match.group(1), int(match.group(2)), int(match.group(3))) if match else None
