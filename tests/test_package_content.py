"""Pure package rules without an app: inclusion, diffing, hashing, letters, answers, follow-up."""

from __future__ import annotations

import datetime as dt

import pytest

from bundler import pdf
from bundler.answer_rules import answer_problems, is_https_link
from bundler.charts import bar_chart
from bundler.enums import AnswerStatus
from bundler.follow_up import OfferedWish, follow_up
from bundler.grouping import PilotInfo, WishItem
from bundler.package_content import (
    Changes,
    MinistryInfo,
    WishDetail,
    appendix,
    build_content,
    canonical_json,
    content_hash,
    diff_wishes,
    document_context,
    is_included,
    letter_html,
)
from bundler.package_parts import Placement as P
from bundler.package_parts import note_parts, related_status

JENV = MinistryInfo(
    "JenV", "Justitie en Veiligheid", "https://identifier.overheid.nl/tooi/id/ministerie/mnre1058"
)
PILOT = PilotInfo("Pilot A", (("GM0796", "'s-Hertogenbosch"),), "RvIG", raising=True)


def item(n: int, state: str = "geaccepteerd", ministries=("JenV",), article="1") -> WishItem:
    return WishItem(
        id=n,
        reference=f"KN-2026-{n:04d}",
        title=f"Knelpunt {n}",
        state=state,
        ministries=ministries,
        statute_bwb_id="BWBR0002656",
        statute_title="Burgerlijk Wetboek Boek 1",
        article=article,
        pilots=(PILOT,),
    )


@pytest.mark.parametrize(
    ("state", "answer", "included"),
    [
        ("geaccepteerd", None, True),
        ("aangeboden", None, True),
        ("aangeboden", "ontvangen", True),
        ("aangeboden", "in_behandeling", True),
        ("aangeboden", "in_wetgevingstraject", True),
        ("aangeboden", "gerealiseerd", False),
        ("aangeboden", "niet_overgenomen", False),
        ("ingediend", None, False),
        ("in_behandeling", None, False),
        ("afgewezen", None, False),
        ("samengevoegd", None, False),
    ],
)
def test_which_wishes_belong_in_the_next_package(state, answer, included):
    assert is_included(state, answer) is included


def test_content_is_grouped_for_one_ministry_only():
    content = build_content(
        [item(1, article="19h"), item(2, article="19e"), item(3, ministries=("BZK",))],
        {1: WishDetail(problem="p1"), 3: WishDetail(problem="p3")},
        JENV,
    )
    assert [i.id for i in content.items] == [2, 1]
    assert set(content.details) == {1}


def test_equal_content_gives_an_equal_hash_and_any_change_another():
    records = build_content([item(1)], {}, JENV).wish_records()
    same = build_content([item(1)], {}, JENV).wish_records()
    assert content_hash(JENV, "brief", records) == content_hash(JENV, "brief ", same)
    assert content_hash(JENV, "brief", records) != content_hash(JENV, "andere brief", records)
    renamed = MinistryInfo("JenV", "Justitie", JENV.tooi)
    assert content_hash(JENV, "", records) != content_hash(renamed, "", records)
    changed = build_content([item(1)], {1: WishDetail(problem="nieuw")}, JENV).wish_records()
    assert content_hash(JENV, "", records) != content_hash(JENV, "", changed)


def test_the_state_does_not_count_as_a_change():
    accepted = build_content([item(1, "geaccepteerd")], {}, JENV).wish_records()
    offered = build_content([item(1, "aangeboden")], {}, JENV).wish_records()
    assert accepted == offered


def test_diffing_two_versions():
    before = [{"reference": "A", "title": "a"}, {"reference": "B", "title": "b"}]
    after = [{"reference": "B", "title": "b2"}, {"reference": "C", "title": "c"}]
    changes = diff_wishes(before, after)
    assert changes == Changes(new=[("C", "c")], changed=[("B", "b2")], removed=[("A", "a")])
    assert Changes.from_json(changes.as_json()) == changes
    assert not diff_wishes(before, before)


def test_canonical_json_is_stable():
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()


def test_appendix_lists_each_pilot_once_with_its_wishes():
    pilots = appendix([item(1), item(2)])
    assert [(p.name, p.references) for p in pilots] == [
        ("Pilot A", ("KN-2026-0001", "KN-2026-0002"))
    ]


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("# Kop\n\nTekst", ["<h2>Kop</h2>", "<p>Tekst</p>"], ["<h1>"]),
        ("<script>alert(1)</script>", ["&lt;script&gt;"], ["<script>"]),
        ("![x](http://127.0.0.1:9/x.png)", [], ["<img"]),
        ("[a](javascript:alert(1))", [], ["href="]),
        ("[a](file:///etc/hostname)", [], ['href="file:']),
        ("[a](http://intern.example)", [], ['href="http:']),
        ("[a](https://wetten.overheid.nl)", ['<a href="https://wetten.overheid.nl">a</a>'], []),
        ('<a rel="attachment" href="x">y</a>', ["&lt;a rel="], ["<a rel"]),
    ],
)
def test_the_cover_letter_is_markdown_without_html(text, present, absent):
    html = letter_html(text)
    for fragment in present:
        assert fragment in html
    for fragment in absent:
        assert fragment not in html


@pytest.mark.parametrize(
    ("status", "link", "date", "reasons", "problems"),
    [
        (AnswerStatus.RECEIVED, "", None, "", {}),
        (AnswerStatus.IN_PROGRESS, "", None, "Wij kijken ernaar.", {}),
        (AnswerStatus.IN_LEGISLATION, "", None, "", {"link": "link_required"}),
        (AnswerStatus.IN_LEGISLATION, "http://x.nl/kst", None, "", {"link": "link_https"}),
        (AnswerStatus.IN_LEGISLATION, "https://x.nl/kst", None, "", {}),
        (AnswerStatus.RECEIVED, "javascript:alert(1)", None, "", {"link": "link_https"}),
        (AnswerStatus.REALISED, "", None, "", {"effective_date": "date_required"}),
        (AnswerStatus.REALISED, "", dt.date(2026, 7, 1), "", {}),
        (AnswerStatus.DECLINED, "", None, "  ", {"reasons": "reasons_required"}),
        (AnswerStatus.DECLINED, "", None, "Past niet in het beleid.", {}),
    ],
)
def test_what_an_answer_must_carry(status, link, date, reasons, problems):
    assert answer_problems(status, link, date, reasons) == problems


@pytest.mark.parametrize(
    ("link", "ok"),
    [
        ("https://zoek.officielebekendmakingen.nl/kst-1", True),
        ("https://", False),
        ("https:/x", False),
        ("https://a b.nl", False),
        ("ftp://x.nl", False),
    ],
)
def test_https_links(link, ok):
    assert is_https_link(link) is ok


def test_follow_up_counts_times_and_waiting():
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        OfferedWish("JenV", 1, "KN-1", "a", t0, t0 + dt.timedelta(days=10), "gerealiseerd"),
        OfferedWish("JenV", 2, "KN-2", "b", t0, t0 + dt.timedelta(days=30), "in_behandeling"),
        OfferedWish("JenV", 3, "KN-3", "c", t0 + dt.timedelta(days=5)),
        OfferedWish("JenV", 4, "KN-4", "d", t0),
        OfferedWish("BZK", 5, "KN-5", "e", t0, t0 + dt.timedelta(days=2), "niet_overgenomen"),
    ]
    now = t0 + dt.timedelta(days=40)
    bzk, jenv = follow_up(rows, now)
    assert (jenv.offered, jenv.answered, jenv.closed, jenv.unanswered) == (4, 2, 1, 2)
    assert jenv.open_answered == 1
    assert jenv.median_days == 20
    assert jenv.longest_days == 30
    assert [w.reference for w in jenv.waiting] == ["KN-4", "KN-3"]
    assert jenv.waiting[0].days_waiting(now) == 40
    assert jenv.statuses == {"gerealiseerd": 1, "in_behandeling": 1, "": 2}
    assert (bzk.closed, bzk.median_days) == (1, 2)


def test_the_chart_is_accessible_svg_with_escaped_labels():
    svg = bar_chart("Titel & zo", [("<b>Wet</b>", (3, 1)), ("Andere", (0, 2))], ("Eén", "Twee"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert 'role="img"' in svg
    assert '<title id="grafiek-title">Titel &amp; zo</title>' in svg
    assert "&lt;b&gt;Wet&lt;/b&gt;: Eén 3, Twee 1" in svg
    assert "<b>" not in svg
    assert "style=" not in svg  # the CSP forbids style attributes


def _html(items) -> str:
    content = build_content(items, {}, JENV)
    context = document_context(
        content,
        number="JenV-2026-01",
        version=1,
        created=dt.datetime(2026, 3, 2, tzinfo=dt.UTC),
        changes=Changes(),
        previous_version=None,
        office="Programmabureau",
        twin_name="JenV-2026-01-v1.json",
    )
    return pdf.render_html("package.html", **context)


def test_the_summary_chart_appears_only_with_several_statutes():
    one = item(1)
    other = WishItem(**{**vars(item(2)), "statute_bwb_id": "BWBR0005537", "statute_title": "Awb"})
    assert 'class="chart"' not in _html([one, item(3, article="2")])
    assert 'class="chart"' in _html([one, other])


def test_the_cover_names_the_ministry_and_keeps_the_tooi_uri_out_of_sight():
    html = _html([item(1)])
    cover = html[html.index('<section class="cover">') : html.index("</section>")]
    assert "Justitie en Veiligheid" in cover
    assert "identifier.overheid.nl" not in cover
    assert JENV.tooi in html[: html.index("</head>")]


@pytest.mark.parametrize(
    ("note", "heading", "paragraphs"),
    [
        ("", "", []),
        ("Ook bij ons.", "", ["Ook bij ons."]),
        (
            "KN-2026-0011: Huwelijk alleen op papier\n\nAanstaande echtgenoten moeten.\n\n"
            "Voorgestelde wijziging: digitaal.",
            "KN-2026-0011: Huwelijk alleen op papier",
            ["Aanstaande echtgenoten moeten.", "Voorgestelde wijziging: digitaal."],
        ),
        ("KN-2026-0011: alleen een titel", "", ["KN-2026-0011: alleen een titel"]),
        (
            "Eerst dit.\n\nKN-2026-0011: Titel\n\nTekst",
            "",
            ["Eerst dit.", "KN-2026-0011: Titel", "Tekst"],
        ),
    ],
)
def test_a_merged_wishs_note_keeps_its_title_apart_from_its_text(note, heading, paragraphs):
    assert note_parts(note) == (heading, paragraphs)


def test_the_package_shows_a_merged_wishs_title_on_its_own_line():
    note = "KN-2026-0011: Huwelijk alleen op papier\n\nAanstaande echtgenoten moeten."
    merged = PilotInfo("Trouwen digitaal", (), None, note=note)
    html = _html([WishItem(**{**vars(item(1)), "pilots": (PILOT, merged)})])
    assert (
        '<p class="note-title">Samengevoegd knelpunt KN-2026-0011: Huwelijk alleen op papier</p>'
        in html
    )
    assert '<p class="text">Aanstaande echtgenoten moeten.</p>' in html


@pytest.mark.parametrize(
    ("state", "in_package", "placements", "said"),
    [
        ("aangeboden", True, [P("VWS", "VWS-2026-01")], "in dit pakket"),
        ("ingetrokken", False, [], "ingetrokken door de pilot"),
        ("afgewezen", False, [], "afgewezen door het programmabureau"),
        ("samengevoegd", False, [], "samengevoegd met KN-2026-0009"),
        (
            "aangeboden",
            False,
            [P("VWS", "VWS-2026-01"), P("Financiën", "FIN-2026-02")],
            "aangeboden aan het ministerie van VWS in pakket VWS-2026-01 en het ministerie "
            "van Financiën in pakket FIN-2026-02",
        ),
        (
            "aangeboden",
            False,
            [P("VWS", "VWS-2026-01", "gerealiseerd", dt.date(2026, 7, 1))],
            "gerealiseerd per 1 juli 2026 door het ministerie van VWS",
        ),
        (
            "aangeboden",
            False,
            [P("VWS", "VWS-2026-01", "niet_overgenomen")],
            "niet overgenomen door het ministerie van VWS",
        ),
        (
            "geaccepteerd",
            False,
            [P("VWS")],
            "geaccepteerd; komt in het volgende pakket voor het ministerie van VWS",
        ),
        ("in_behandeling", False, [], "nog in behandeling bij het programmabureau"),
    ],
)
def test_a_related_wish_says_where_it_stands(state, in_package, placements, said):
    status = related_status(
        state, in_package=in_package, placements=placements, merged_into="KN-2026-0009"
    )
    assert status == said


def test_letter_fields_count_in_the_hash_only_once_filled_in():
    from bundler.package_parts import LetterInfo

    records = build_content([item(1)], {}, JENV).wish_records()
    plain = content_hash(JENV, "brief", records)
    assert content_hash(JENV, "brief", records, LetterInfo()) == plain
    signed = LetterInfo(signatory_name="A. de Vries")
    assert content_hash(JENV, "brief", records, signed) != plain
    dated = LetterInfo(date=dt.date(2026, 3, 2))
    assert content_hash(JENV, "brief", records, dated) != content_hash(
        JENV, "brief", records, signed
    )
