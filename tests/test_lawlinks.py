"""The law-link parser: wetten.overheid.nl addresses and JuriConnect references, without an app."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bundler import juriconnect, lawlinks
from bundler.lawlinks import LawReference

bwb_ids = st.builds(
    lambda kind, digits: f"BWB{kind}{digits:07d}", st.sampled_from("RV"), st.integers(0, 9_999_999)
)
letters = st.text(alphabet="abcdefghz", max_size=2)
numbers = st.integers(1, 999).map(str)
simple = st.builds(lambda n, s: n + s, numbers, letters)
articles = st.one_of(
    simple,
    st.builds(lambda a, sep, b: f"{a}{sep}{b}", simple, st.sampled_from([".", ":"]), simple),
)
paragraphs = st.builds(lambda n, s: n + s, numbers, st.text(alphabet="abc", max_size=1))
parts = st.one_of(st.just(""), numbers, st.builds(lambda a, b: f"{a}.{b}", numbers, numbers))


@st.composite
def references(draw: st.DrawFn, *, with_paragraph: bool = True) -> LawReference:
    article = draw(st.one_of(st.just(""), articles))
    paragraph = draw(paragraphs) if article and with_paragraph and draw(st.booleans()) else ""
    return LawReference(draw(bwb_ids), draw(parts), draw(parts), article, paragraph)


@given(references())
def test_juriconnect_reference_parses_back(ref):
    assert lawlinks.parse(lawlinks.jci(ref)) == ref
    assert lawlinks.parse(lawlinks.SITE + lawlinks.jci(ref)) == ref


@given(references(with_paragraph=False), st.sampled_from(["", "2024-01-01", "2024-01-01/0"]))
def test_site_address_parses_back(ref, version):
    assert lawlinks.parse(lawlinks.url(ref, version)) == ref


@given(references())
def test_structured_link_parses_back(ref):
    plain = LawReference(ref.bwb_id, article=ref.article, paragraph=ref.paragraph)
    assert lawlinks.parse(juriconnect.link(ref.bwb_id, ref.article, ref.paragraph)) == plain


@given(st.text(max_size=200))
def test_any_text_parses_or_is_refused(text):
    ref = lawlinks.parse(text)
    assert ref is None or juriconnect.is_bwb_id(ref.bwb_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "https://wetten.overheid.nl/BWBR0005009/2024-01-01#Hoofdstuk2_Artikel12",
            LawReference("BWBR0005009", chapter="2", article="12"),
        ),
        (
            "https://wetten.overheid.nl/BWBR0002656/2024-01-01#Boek1_Titel4_Afdeling1_Artikel19h",
            LawReference("BWBR0002656", book="1", article="19h"),
        ),
        (
            "jci1.3:c:BWBR0002656&boek=1&artikel=19h&lid=2",
            LawReference("BWBR0002656", book="1", article="19h", paragraph="2"),
        ),
        (
            "https://wetten.overheid.nl/jci1.3:c:BWBR0002656&boek=1&titeldeel=4&artikel=19h&lid=2&z=2026-07-01&g=2026-07-01",
            LawReference("BWBR0002656", book="1", article="19h", paragraph="2"),
        ),
        ("  wetten.overheid.nl/bwbr0005537  ", LawReference("BWBR0005537")),
        ("BWBR0005537", LawReference("BWBR0005537")),
        (
            "https://wetten.overheid.nl/BWBR0005537/2024-01-01#Hoofdstuk1_Titeldeel1.1_Artikel1%3A3",
            LawReference("BWBR0005537", chapter="1", article="1:3"),
        ),
        # A malformed article falls back to the regulation; a lid without article is dropped.
        ("jci1.3:c:BWBR0005537&artikel=<b>&lid=2", LawReference("BWBR0005537")),
    ],
)
def test_known_forms(text, expected):
    assert lawlinks.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "https://example.org/BWBR0005537",
        "BWBR000553",
        "artikel 19h",
        "https://wetten.overheid.nl/",
    ],
)
def test_not_a_law_link(text):
    assert lawlinks.parse(text) is None
