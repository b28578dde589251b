"""The grouping function, without an app: examples and properties (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bundler.enums import WishState
from bundler.grouping import NEVER_GROUPED, PilotInfo, WishItem, article_key, group_wishes

ALL_STATES = [s.value for s in WishState]
DEFAULT_PILOT = PilotInfo("P1", (("GM0001", "A"),), "RDW", raising=True)


def item(
    id_: int,
    ministries=("BZK",),
    statute="BWBR0005416",
    article="1",
    state="geaccepteerd",
    pilots=(DEFAULT_PILOT,),
) -> WishItem:
    return WishItem(
        id=id_,
        reference=f"KN-2026-{id_:04d}",
        title=f"Wens {id_}",
        state=state,
        ministries=tuple(ministries),
        statute_bwb_id=statute,
        statute_title=f"Wet {statute}",
        article=article,
        pilots=tuple(pilots),
    )


def test_groups_by_ministry_statute_article():
    tree = group_wishes(
        [
            item(1, ("JenV",), "BWBR0002656", "19h"),
            item(2, ("BZK",), "BWBR0005416", "10"),
            item(3, ("BZK",), "BWBR0005416", "2"),
        ]
    )
    assert [m.code for m in tree] == ["BZK", "JenV"]
    assert [a.article for a in tree[0].statutes[0].articles] == ["2", "10"]
    assert tree[1].statutes[0].articles[0].wishes[0].id == 1


def test_shared_wish_appears_under_each_ministry_and_only_there():
    tree = group_wishes([item(1, ("VWS", "JenV"), "BWBR0034925")])
    assert [m.code for m in tree] == ["JenV", "VWS"]
    assert all(m.wishes[0].shared for m in tree)


def test_only_one_ministry_when_asked():
    tree = group_wishes([item(1, ("VWS", "JenV")), item(2, ("BZK",))], ministry="VWS")
    assert [m.code for m in tree] == ["VWS"]
    assert [w.id for w in tree[0].wishes] == [1]


def test_closed_states_never_appear_even_when_asked():
    items = [item(i, state=s.value) for i, s in enumerate(NEVER_GROUPED, start=1)]
    assert group_wishes(items, states=ALL_STATES) == []


def test_counts_are_distinct():
    shared_pilot = PilotInfo("P1", (("GM0001", "A"), ("GM0002", "B")), "RDW", raising=True)
    other = PilotInfo("P2", (("GM0002", "B"),), "UWV")
    tree = group_wishes([item(1, pilots=(shared_pilot, other)), item(2, pilots=(shared_pilot,))])
    counts = tree[0].counts
    assert (
        counts.wishes,
        counts.pilots,
        counts.municipalities,
        counts.executing_organisations,
    ) == (
        2,
        2,
        2,
        2,
    )


def test_article_order_is_natural():
    articles = ["10", "2", "19h", "19", "1:10", "1:3", "7.4.0"]
    assert sorted(articles, key=article_key) == ["1:3", "1:10", "2", "7.4.0", "10", "19", "19h"]


def test_wish_without_statute_sorts_last():
    tree = group_wishes([item(1, statute=None), item(2, statute="BWBR0005416")])
    assert [s.bwb_id for s in tree[0].statutes] == ["BWBR0005416", ""]


ministry_codes = st.sampled_from(["BZK", "JenV", "VWS", "SZW", "IenW"])
pilots = st.builds(
    PilotInfo,
    name=st.sampled_from(["P1", "P2", "P3", "P4"]),
    municipalities=st.lists(
        st.sampled_from([("GM0001", "A"), ("GM0002", "B"), ("GM0003", "C")]), max_size=3
    ).map(tuple),
    executing_organisation=st.sampled_from([None, "RDW", "UWV"]),
)
items = st.lists(
    st.builds(
        item,
        id_=st.integers(1, 10_000),
        ministries=st.lists(ministry_codes, min_size=1, max_size=2, unique=True).map(tuple),
        statute=st.sampled_from(["BWBR0005416", "BWBR0002656", "BWBR0034925", None]),
        article=st.sampled_from(["1", "2", "10", "19h"]),
        state=st.sampled_from(ALL_STATES),
        pilots=st.lists(pilots, min_size=1, max_size=3).map(tuple),
    ),
    max_size=30,
    unique_by=lambda i: i.id,
)


@given(items)
def test_every_accepted_wish_appears_once_under_each_of_its_ministries(wishes):
    tree = group_wishes(wishes)
    placed = [(m.code, w.id) for m in tree for w in m.wishes]
    assert len(placed) == len(set(placed))
    expected = {(code, w.id) for w in wishes if w.state == "geaccepteerd" for code in w.ministries}
    assert set(placed) == expected


@given(items)
def test_counts_equal_distinct_pilots_and_municipalities(wishes):
    for ministry in group_wishes(wishes, states=ALL_STATES):
        for node in [
            ministry,
            *ministry.statutes,
            *(a for s in ministry.statutes for a in s.articles),
        ]:
            below = node.wishes
            assert node.counts.wishes == len(below)
            assert node.counts.pilots == len({p.name for w in below for p in w.pilots})
            assert node.counts.municipalities == len(
                {code for w in below for p in w.pilots for code, _ in p.municipalities}
            )
        assert all(w.state not in {s.value for s in NEVER_GROUPED} for w in ministry.wishes)
