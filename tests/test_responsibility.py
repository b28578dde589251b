"""Grouping follows dates: the ministries responsible for a wish on a package's build date."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import refdata
from bundler.catalogue import ops
from bundler.enums import WishState
from bundler.models import Ministry, Pilot, Statute, Wish
from bundler.packages.build import ministries_with_wishes
from bundler.packages.content import load_content
from bundler.responsibility import MinistrySpan, current_code, ministries_on
from bundler.statute_rules import Period, format_periods, parse_periods
from tests.reference_helpers import restore_reference

__all__ = ["restore_reference"]

D = dt.date
SPANS = {
    "VRO": MinistrySpan("VRO", D(2026, 2, 22), "BZK"),
    "BZK": MinistrySpan("BZK"),
    "OLD": MinistrySpan("OLD", D(2010, 10, 13), "VRO"),
    "A": MinistrySpan("A", D(2020, 1, 1), "B"),
    "B": MinistrySpan("B", D(2020, 1, 1), "A"),
}
MOVES = [Period("BZK", None, D(2026, 12, 31)), Period("JenV", D(2027, 1, 1))]


@pytest.mark.parametrize(
    ("code", "on", "expected"),
    [
        ("VRO", D(2026, 2, 22), "VRO"),
        ("VRO", D(2026, 2, 23), "BZK"),
        ("OLD", D(2020, 1, 1), "VRO"),
        ("OLD", D(2026, 3, 1), "BZK"),
        ("BZK", D(2030, 1, 1), "BZK"),
        ("A", D(2021, 1, 1), "B"),  # a cycle in the data ends instead of looping
    ],
)
def test_current_code_follows_successors(code: str, on: dt.date, expected: str) -> None:
    assert current_code(code, SPANS, on) == expected


@pytest.mark.parametrize(
    ("stored", "on", "expected"),
    [
        (("BZK",), D(2026, 12, 31), ("BZK",)),  # follows the statute: before the move
        (("BZK",), D(2027, 1, 1), ("JenV",)),  # and after it
        (("JenV",), D(2026, 6, 1), ("BZK",)),
        (("SZW",), D(2027, 1, 1), ("SZW",)),  # the office chose another ministry: kept
        ((), D(2027, 1, 1), ()),  # no ministry chosen yet: none
    ],
)
def test_wish_following_its_statute_moves_with_it(
    stored: tuple[str, ...], on: dt.date, expected: tuple[str, ...]
) -> None:
    assert ministries_on(stored, MOVES, SPANS, on) == expected


def test_ended_ministry_is_replaced_by_its_successor_on_the_date() -> None:
    assert ministries_on(("VRO", "BZK"), [], SPANS, D(2026, 1, 1)) == ("BZK", "VRO")
    assert ministries_on(("VRO", "BZK"), [], SPANS, D(2026, 3, 1)) == ("BZK",)


def test_period_notation_round_trips() -> None:
    text = "BZK@..2026-12-31;JenV@2027-01-01..;VWS"
    assert format_periods(parse_periods(text)) == text
    with pytest.raises(ValueError, match=re.escape("JenV@2027-01-01..2026-01-01")):
        parse_periods("JenV@2027-01-01..2026-01-01")


# -- packages built on a date before and after a change ----------------------------------------


def _codes(db: Session, code: str, on: dt.date) -> list[str]:
    ministry = db.scalars(select(Ministry).where(Ministry.code == code)).one()
    return sorted(item.reference for item in load_content(db, ministry, on=on).items)


def test_package_grouping_follows_a_responsibility_change(
    db: Session,
    make_pilot: Callable[..., Pilot],
    make_wish: Callable[..., Wish],
    restore_reference: None,
) -> None:
    kieswet = db.scalars(select(Statute).where(Statute.bwb_id == "BWBR0004627")).one()
    values = refdata.statute_rows(
        [
            {
                "bwb_id": "BWBR0004627",
                "title": kieswet.title,
                "short_title": kieswet.short_title,
                "ministries": "BZK@..2026-12-31;JenV@2027-01-01..",
            }
        ],
        {"BZK", "JenV"},
    )[0][0]
    ops.save_statute(db, kieswet, values, actor=None)
    db.commit()
    wish = make_wish(make_pilot(), statute="BWBR0004627", state=WishState.ACCEPTED)
    shared = make_wish(make_pilot(), statute="BWBR0034925", state=WishState.ACCEPTED)
    before, after = D(2026, 6, 1), D(2027, 2, 1)
    assert _codes(db, "BZK", before) == [wish.reference]
    assert _codes(db, "JenV", before) == [shared.reference]
    assert _codes(db, "BZK", after) == []
    assert _codes(db, "JenV", after) == sorted([wish.reference, shared.reference])
    # The shared Jeugdwet wish stays in both packages, as before.
    assert _codes(db, "VWS", after) == [shared.reference]
    assert [m.code for m in ministries_with_wishes(db, before)] == ["BZK", "JenV", "VWS"]
    assert [m.code for m in ministries_with_wishes(db, after)] == ["JenV", "VWS"]


def test_wish_of_an_ended_ministry_goes_to_its_successor_after_the_end(
    db: Session, make_pilot: Callable[..., Pilot], make_wish: Callable[..., Wish]
) -> None:
    wish = make_wish(make_pilot(), statute=None, state=WishState.ACCEPTED)
    stored = db.get(Wish, wish.id)
    assert stored is not None
    stored.ministries = [db.scalars(select(Ministry).where(Ministry.code == "VRO")).one()]
    db.commit()
    assert _codes(db, "VRO", D(2026, 2, 1)) == [wish.reference]
    assert _codes(db, "BZK", D(2026, 2, 1)) == []
    assert _codes(db, "VRO", D(2026, 3, 1)) == []
    assert _codes(db, "BZK", D(2026, 3, 1)) == [wish.reference]
