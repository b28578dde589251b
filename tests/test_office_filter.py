"""The inbox filter as plain data: GET parameters in, a dataclass out, and back (no app)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from bundler.enums import Urgency, WishState
from bundler.office.filters import (
    INBOX_STATES,
    PER_PAGE_CHOICES,
    SORTS,
    InboxFilter,
    parse_filter,
)
from bundler.pagination import paginate


def test_defaults_show_every_state_the_office_sees():
    f = parse_filter(MultiDict())
    assert f == InboxFilter()
    assert WishState.CONCEPT not in f.shown_states
    assert set(f.shown_states) == set(WishState) - {WishState.CONCEPT}
    assert f.args() == {}
    assert not f.is_filtered


def test_parses_every_parameter():
    f = parse_filter(
        MultiDict(
            [
                ("status", "geaccepteerd"),
                ("status", "ingediend"),
                ("ministerie", "BZK"),
                ("wet", "bwbr0005416"),
                ("artikel", "19h"),
                ("pilot", "7"),
                ("gemeente", "gm0796"),
                ("urgentie", "hoog"),
                ("van", "2026-01-01"),
                ("tot", "2026-03-31"),
                ("zoek", " overlijden "),
                ("sorteer", "titel"),
                ("richting", "op"),
                ("pagina", "3"),
                ("per", "50"),
            ]
        )
    )
    assert f.states == (WishState.SUBMITTED, WishState.ACCEPTED)  # workflow order
    assert (f.ministry, f.statute, f.article) == ("BZK", "BWBR0005416", "19h")
    assert (f.pilot, f.municipality, f.urgency) == (7, "GM0796", Urgency.HIGH)
    assert (f.submitted_from, f.submitted_to) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert (f.q, f.sort, f.descending, f.page, f.per_page) == ("overlijden", "titel", False, 3, 50)
    assert f.is_filtered


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", "concept"),  # never in the inbox
        ("status", "onzin"),
        ("urgentie", "zeer hoog"),
        ("van", "31-01-2026"),
        ("pilot", "abc"),
        ("pilot", "-4"),
        ("pilot", "9" * 40),  # would overflow a database integer
        ("sorteer", "password"),
        ("pagina", "0"),
        ("pagina", "x"),
        ("per", "1000000"),
    ],
)
def test_malformed_values_fall_back_to_the_default(name, value):
    assert parse_filter(MultiDict([(name, value)])) == InboxFilter()


def test_plain_dict_with_lists_works_too():
    f = parse_filter({"status": ["afgewezen", "ingetrokken"], "zoek": "x"})
    assert f.states == (WishState.REJECTED, WishState.WITHDRAWN)


def test_export_args_leave_out_the_page():
    f = InboxFilter(q="wet", page=4, per_page=100)
    assert f.export_args() == {"zoek": "wet"}


filters = st.builds(
    InboxFilter,
    states=st.lists(st.sampled_from(INBOX_STATES), unique=True).map(
        lambda chosen: tuple(s for s in INBOX_STATES if s in chosen)
    ),
    ministry=st.sampled_from(["", "-", "BZK", "JenV"]),
    statute=st.sampled_from(["", "-", "BWBR0005416"]),
    article=st.sampled_from(["", "-", "19h", "1:3"]),
    pilot=st.one_of(st.none(), st.integers(1, 10_000)),
    municipality=st.sampled_from(["", "GM0796"]),
    urgency=st.one_of(st.none(), st.sampled_from(list(Urgency))),
    submitted_from=st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1))),
    submitted_to=st.one_of(st.none(), st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1))),
    q=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
        max_size=30,
    ),
    sort=st.sampled_from(SORTS),
    descending=st.booleans(),
    page=st.integers(1, 500),
    per_page=st.sampled_from(PER_PAGE_CHOICES),
)


@given(filters)
def test_a_filter_survives_the_round_trip_through_its_url(f):
    args = f.args()
    pairs = [(k, v) for k, vs in args.items() for v in (vs if isinstance(vs, list) else [vs])]
    assert parse_filter(MultiDict(pairs)) == f


@given(st.integers(0, 10_000), st.integers(-5, 500), st.sampled_from(PER_PAGE_CHOICES))
def test_pagination_stays_within_the_pages_that_exist(total, page, per_page):
    p = paginate(page, per_page, total)
    assert 1 <= p.page <= p.pages
    if total:
        assert p.first_index == (p.page - 1) * per_page + 1
        assert p.last_index == min(total, p.page * per_page)
    else:
        assert (p.first_index, p.last_index, p.pages) == (0, 0, 1)
    window = [n for n in p.window() if n is not None]
    assert window == sorted(window)
    assert 1 in window and p.pages in window and p.page in window
