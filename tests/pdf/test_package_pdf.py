"""Read the package PDF back: text, order, outline, contents page, metadata, PDF/A, twin, fonts."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pikepdf
import pypdf
import pytest

from bundler import pdf
from bundler.grouping import PilotInfo, WishItem
from bundler.juriconnect import link
from bundler.package_content import (
    AnswerInfo,
    Changes,
    MinistryInfo,
    RelatedInfo,
    WishDetail,
    build_content,
    canonical_json,
    document_context,
    twin,
)
from bundler.package_parts import LetterInfo

pytestmark = pytest.mark.pdf

CREATED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
NUMBER = "JenV-2026-03"
JENV = MinistryInfo(
    "JenV", "Justitie en Veiligheid", "https://identifier.overheid.nl/tooi/id/ministerie/mnre1058"
)
BOSCH = PilotInfo(
    "Digitale aangifte overlijden",
    (("GM0796", "'s-Hertogenbosch"), ("GM0855", "Tilburg"), ("GM0772", "Eindhoven")),
    "Rijksdienst voor Identiteitsgegevens",
    raising=True,
)
BIRTH = PilotInfo(
    "Geboorteaangifte zonder loket", (("GM0363", "Amsterdam"),), "RvIG", note="Ook wij."
)
MARRIAGE = PilotInfo("Trouwen digitaal", (("GM0153", "Enschede"),), None, note="En wij.")
PARKING = PilotInfo("Parkeren", (("GM0034", "Almere"),), "RDW", raising=True)

STATUTES = {
    "BWBR0002656": "Burgerlijk Wetboek Boek 1",
    "BWBR0005537": "Algemene wet bestuursrecht",
    "BWBR0034925": "Jeugdwet",
    "BWBR0005416": "Gemeentewet",
}


def _item(
    n: int, bwb: str, article: str, ministries: tuple[str, ...], pilots, state="geaccepteerd"
):
    return WishItem(
        id=n,
        reference=f"KN-2026-{n:04d}",
        title=f"Knelpunt {n} over {STATUTES[bwb]}",
        state=state,
        ministries=ministries,
        statute_bwb_id=bwb,
        statute_title=STATUTES[bwb],
        article=article,
        paragraph="2" if n % 2 else "",
        pilots=pilots,
    )


ITEMS = [
    _item(1, "BWBR0002656", "19h", ("JenV",), (BOSCH, BIRTH, MARRIAGE), state="aangeboden"),
    _item(2, "BWBR0002656", "19e", ("JenV",), (BIRTH,)),
    _item(3, "BWBR0002656", "44", ("JenV",), (MARRIAGE,)),
    _item(4, "BWBR0002656", "19h", ("JenV",), (PARKING,)),
    _item(5, "BWBR0005537", "4:13", ("JenV",), (PARKING, BOSCH)),
    _item(6, "BWBR0005537", "3:40", ("JenV",), (BOSCH,)),
    _item(7, "BWBR0034925", "7.4.0", ("JenV", "VWS"), (BIRTH,)),
    _item(8, "BWBR0005416", "2", ("BZK",), (BOSCH,)),  # another ministry: never in JenV's
]
# Wishes 9..40 fill pages, so the contents page numbers are not all the same.
ITEMS += [_item(n, "BWBR0005537", str(n), ("JenV",), (BOSCH, PARKING)) for n in range(9, 41)]


def _detail(item: WishItem) -> WishDetail:
    answer = None
    if item.id == 1:
        answer = AnswerInfo("in_behandeling", "In behandeling", CREATED - dt.timedelta(days=20))
    related = ()
    if item.id == 2:
        related = (
            RelatedInfo(
                "hangt_af_van",
                "Hangt af van",
                "KN-2026-0001",
                ITEMS[0].title,
                "in dit pakket",
                "w1",
            ),
        )
    return WishDetail(
        problem=f"Probleem van knelpunt {item.id}. " + "Burgers lopen vast in de regel. " * 25,
        proposed_change=f"Voorstel {item.id}: " + "maak het digitaal mogelijk. " * 10,
        benefit_who="Inwoners en burgerzaken",
        benefit_cases_per_year=150000,
        benefit_savings="Een loketbezoek per geval.",
        urgency="hoog",
        urgency_label="Hoog",
        urgency_reason="Alle pilotgemeenten staan klaar.",
        law_link=link(item.statute_bwb_id, item.article, item.paragraph),
        related=related,
        previous_answer=answer,
    )


LETTER = LetterInfo(
    addressee="Aan de minister van Justitie en Veiligheid\nPostbus 20301\n2500 EH Den Haag",
    date=dt.date(2026, 2, 27),
    reference="PB-RVI/2026/0117",
    subject="Aanbieding knelpunten uit innovatiepilots",
    signatory_name="drs. A.B. de Vries",
    signatory_role="Programmadirecteur Ruimte voor Innovatie",
)


@dataclass
class Rendered:
    html: str
    pdf: bytes
    twin: dict[str, Any]
    twin_bytes: bytes
    order: list[str]


@pytest.fixture(scope="module")
def rendered() -> Rendered:
    content = build_content(
        ITEMS,
        {i.id: _detail(i) for i in ITEMS},
        JENV,
        "Geachte minister,\n\nHierbij **het pakket**.",
        letter=LETTER,
    )
    changes = Changes(
        new=[("KN-2026-0004", ITEMS[3].title)],
        changed=[("KN-2026-0001", ITEMS[0].title)],
        removed=[("KN-2026-0099", "Een afgerond knelpunt")],
    )
    context = document_context(
        content,
        number=NUMBER,
        version=2,
        created=CREATED,
        changes=changes,
        previous_version=1,
        office="Programmabureau Ruimte voor Innovatie",
        twin_name=f"{NUMBER}-v2.json",
    )
    document = twin(
        content,
        number=NUMBER,
        version=2,
        created=CREATED,
        changes=changes,
        office="Programmabureau",
    )
    twin_bytes = canonical_json(document)
    html, data = pdf.render(
        "package.html",
        context,
        [pdf.PdfAttachment(f"{NUMBER}-v2.json", twin_bytes, "JSON")],
        created=CREATED,
    )
    return Rendered(html, data, document, twin_bytes, [i.reference for i in content.items])


def _reader(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """Return (level, title, page number from 1) for every outline entry, in order."""
    found: list[tuple[int, str, int]] = []

    def walk(entries: list[Any], level: int) -> None:
        for entry in entries:
            if isinstance(entry, list):
                walk(entry, level + 1)
            else:
                found.append((level, entry.title, reader.get_destination_page_number(entry) + 1))

    walk(reader.outline, 1)
    return found


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_every_wish_of_the_ministry_appears_once_in_grouping_order(rendered):
    reader = _reader(rendered.pdf)
    wishes = [title for level, title, _ in _outline(reader) if level == 4]
    references = [t.split(" · ")[0] for t in wishes]
    assert references == rendered.order
    assert len(set(references)) == len(references) == 39
    # Grouping order: statutes by title, articles naturally (19e < 19h < 44; 3:40 < 4:13 < 9).
    assert references[:4] == ["KN-2026-0006", "KN-2026-0005", "KN-2026-0009", "KN-2026-0010"]
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    for reference in rendered.order:
        assert f"{reference} · " in text
    assert "KN-2026-0008" not in text  # BZK's wish
    assert [w["reference"] for w in rendered.twin["wishes"]] == rendered.order


def test_the_outline_has_an_entry_per_statute_and_article(rendered):
    outline = _outline(_reader(rendered.pdf))
    statutes = [title for level, title, _ in outline if level == 2]
    assert statutes == [
        "Algemene wet bestuursrecht (BWBR0005537)",
        "Burgerlijk Wetboek Boek 1 (BWBR0002656)",
        "Jeugdwet (BWBR0034925)",
    ]
    articles = [title for level, title, _ in outline if level == 3]
    assert articles[:3] == ["Artikel 3:40", "Artikel 4:13", "Artikel 9"]
    assert "Artikel 19e" in articles and "Artikel 19h" in articles and "Artikel 7.4.0" in articles
    assert len(articles) == 2 + 32 + 3 + 1
    top = [title for level, title, _ in outline if level == 1]
    assert top == [
        "Voorblad",
        "Inhoud",
        "Aanbiedingsbrief",
        "Samenvatting",
        "Wijzigingen in deze versie",
        "Knelpunten per wet",
        "Bijlage: pilots en gemeenten",
    ]


def test_the_contents_page_numbers_are_the_real_pages(rendered):
    reader = _reader(rendered.pdf)
    # Statutes, their articles and, under each article, its wishes' references and titles.
    outline = [(title, page) for level, title, page in _outline(reader) if level in (1, 2, 3, 4)]
    outline = [entry for entry in outline if entry[0] not in ("Voorblad", "Inhoud")]
    contents = []
    texts = [page.extract_text() for page in reader.pages]
    for page in texts[1:6]:
        for line in page.splitlines():
            match = re.match(r"^(.*?)\s*\.{3,}\s*(\d+)$", line.strip())
            if match:
                contents.append((match.group(1).strip(), int(match.group(2))))
    assert contents == outline
    assert len({page for _, page in contents}) > 5  # really different pages
    for title, page in contents:
        assert _flat(title) in _flat(texts[page - 1]), title
    titles = [title for title, _ in contents]
    assert "KN-2026-0001 · Knelpunt 1 over Burgerlijk Wetboek Boek 1" in titles
    assert titles.index("Artikel 19h") < titles.index(
        "KN-2026-0001 · Knelpunt 1 over Burgerlijk Wetboek Boek 1"
    )


def _page_texts(data: bytes) -> list[str]:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode().split("\f")


def _top(page_text: str) -> str:
    """Return the running header of a pdftotext page: its first lines before the body."""
    lines = [line for line in page_text.splitlines() if line.strip()]
    return _flat(" ".join(lines[:3]))


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext niet geïnstalleerd")
def test_the_appendix_header_names_no_statute(rendered):
    pages = _page_texts(rendered.pdf)
    appendix = [p for p in pages if "Bijlage: pilots en gemeenten" in p and "...." not in p]
    assert appendix
    for page in appendix:
        header = _top(page)
        assert f"{NUMBER} · versie 2" in header
        for title in STATUTES.values():
            assert title not in header, header
    # ... while a page of wishes does name its statute.
    first = next(p for p in pages if "KN-2026-0006 · Knelpunt 6" in p and "...." not in p)
    assert "Algemene wet bestuursrecht (BWBR0005537)" in _top(first)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext niet geïnstalleerd")
def test_a_wish_that_runs_on_repeats_its_reference_and_a_heading_never_ends_a_page(rendered):
    pages = _page_texts(rendered.pdf)
    continued = 0
    for index, page in enumerate(pages):
        top = _top(page)
        match = re.search(r"(KN-2026-\d{4}) · .*\(vervolg\)", top)
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        starts_with_wish = len(lines) > 3 and re.match(r"^KN-2026-\d{4} · ", lines[3])
        if match:
            continued += 1
            # The previous page holds the start of that wish, this page its rest.
            assert f"{match.group(1)} · " in pages[index - 1], match.group(1)
            assert not starts_with_wish
        # A wish's heading is followed on its page by its facts and the start of its text.
        for found in re.finditer(r"^(KN-2026-\d{4}) · [^\n]*$", page, re.MULTILINE):
            rest = page[found.end() :]
            if "...." in page:
                break  # the contents page
            assert "Wettelijke grondslag" in rest and "Probleem" in rest, found.group(1)
    assert continued > 5


def test_the_cover_shows_the_ministrys_name_and_keeps_the_tooi_uri_in_the_metadata(rendered):
    reader = _reader(rendered.pdf)
    cover = reader.pages[0].extract_text()
    assert "identifier.overheid.nl" not in cover
    assert "Justitie en Veiligheid" in cover
    with pikepdf.open(io.BytesIO(rendered.pdf)) as document:
        meta = document.open_metadata()
        assert JENV.tooi in str(meta["pdf:Keywords"])
    assert rendered.twin["package"]["ministry"]["tooi"] == JENV.tooi


def test_running_header_and_footer(rendered):
    reader = _reader(rendered.pdf)
    total = len(reader.pages)
    for number in (2, total // 2, total):
        text = _flat(reader.pages[number - 1].extract_text())
        assert f"pagina {number} van {total}" in text
        assert f"{NUMBER} · versie 2" in text


def test_metadata_and_language(rendered):
    reader = _reader(rendered.pdf)
    info = reader.metadata
    assert (
        info.title
        == f"Pakket {NUMBER} versie 2 – knelpunten voor het ministerie van Justitie en Veiligheid"
    )
    assert info.author == "Programmabureau Ruimte voor Innovatie"
    assert "Justitie en Veiligheid" in info.subject
    with pikepdf.open(io.BytesIO(rendered.pdf)) as document:
        assert str(document.Root.Lang) == "nl"
        assert document.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in document.Root
        assert document.Root.ViewerPreferences.DisplayDocTitle is True


def test_pdf_a_3a_and_pdf_ua_1_identification(rendered):
    with pikepdf.open(io.BytesIO(rendered.pdf)) as document:
        meta = document.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "A"
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"].startswith(f"Pakket {NUMBER}")
        # pdfuaid is declared as a PDF/A extension schema, as PDF/A requires for it.
        xmp = bytes(document.Root.Metadata.read_bytes()).decode()
        assert "http://www.aiim.org/pdfa/ns/extension/" in xmp
        assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
        intent = document.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert "/DestOutputProfile" in intent


def test_the_embedded_json_is_the_twin_and_equals_what_the_pdf_shows(rendered):
    reader = _reader(rendered.pdf)
    assert list(reader.attachments) == [f"{NUMBER}-v2.json"]
    embedded = reader.attachments[f"{NUMBER}-v2.json"][0]
    assert embedded == rendered.twin_bytes
    with pikepdf.open(io.BytesIO(rendered.pdf)) as document:
        spec = document.Root.AF[0]
        assert spec.AFRelationship == "/Alternative"
        assert (
            spec.EF.F.Subtype == "/application#2fjson"
            or str(spec.EF.F.Subtype) == "/application/json"
        )

    twin = json.loads(embedded)
    # The wishes as the body shows them, after the contents pages (which list them too).
    texts = [page.extract_text() for page in reader.pages]
    text = _flat(" ".join(t for t in texts if "....." not in t))
    starts = [text.index(f"{w['reference']} · {w['title']}") for w in twin["wishes"]]
    assert starts == sorted(starts)
    ends = [*starts[1:], text.index("Bijlage: pilots en gemeenten", starts[-1])]
    for wish, start, end in zip(twin["wishes"], starts, ends, strict=True):
        for key in ("reference", "title", "statute", "article", "pilots", "municipalities"):
            assert key in wish
        section = text[start:end]
        assert f"({wish['statute']}), artikel {wish['article']}" in section
        for pilot in wish["pilots"]:
            assert pilot["name"] in section
        for municipality in wish["municipalities"]:
            assert f"{municipality['name']} ({municipality['cbsCode']})" in section
    death = twin["wishes"][[w["reference"] for w in twin["wishes"]].index("KN-2026-0001")]
    assert [p["name"] for p in death["pilots"]] == [BOSCH.name, BIRTH.name, MARRIAGE.name]
    assert twin["package"]["ministry"] == {"code": "JenV", "name": JENV.name, "tooi": JENV.tooi}


def test_changes_previous_answers_relations_and_law_links_are_shown(rendered):
    reader = _reader(rendered.pdf)
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    assert "Ten opzichte van versie 1:" in text
    assert "Nieuw (1) KN-2026-0004" in text
    assert "Gewijzigd (1) KN-2026-0001" in text
    assert "Niet meer opgenomen (1) KN-2026-0099: Een afgerond knelpunt" in text
    assert "In behandeling (10 februari 2026)" in text
    assert f"Hangt af van KN-2026-0001 (pagina {_page_of(reader, 'KN-2026-0001')})" in text
    assert f"{ITEMS[0].title} (in dit pakket)." in text
    assert "Gedeeld knelpunt: ook voorgelegd aan VWS." in text
    assert "Hierbij het pakket." in text
    uris = {
        str(annotation.A.URI)
        for page in pikepdf.open(io.BytesIO(rendered.pdf)).pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation and "/URI" in annotation.A
    }
    assert "https://wetten.overheid.nl/jci1.3:c:BWBR0002656&artikel=19h&lid=2" in uris


def _page_of(reader: pypdf.PdfReader, reference: str) -> int:
    return next(page for level, title, page in _outline(reader) if title.startswith(reference))


def _fonts(resources: Any, seen: set[int], found: list[tuple[str, bool]]) -> None:
    if resources is None:
        return
    for font in resources.get("/Font", {}).values():
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font.DescendantFonts[0].get("/FontDescriptor")
        embedded = descriptor is not None and any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        )
        found.append((str(font.get("/BaseFont")), embedded))
    for xobject in resources.get("/XObject", {}).values():
        if xobject.objgen in seen:
            continue
        seen.add(xobject.objgen)
        _fonts(xobject.get("/Resources"), seen, found)


def test_all_fonts_are_embedded(rendered):
    found: list[tuple[str, bool]] = []
    with pikepdf.open(io.BytesIO(rendered.pdf)) as document:
        seen: set[int] = set()
        for page in document.pages:
            _fonts(page.get("/Resources"), seen, found)
    assert found
    assert all(embedded for _, embedded in found), [f for f in found if not f[1]]
    assert any("Liberation" in name for name, _ in found)


def test_headings_are_tagged_and_never_empty(rendered):
    # pdfua's own check for this (UA-14-001) cannot read WeasyPrint's array /K; do it here.
    headings = 0
    with pikepdf.open(io.BytesIO(rendered.pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and str(obj.get("/S", "")) in {
                "/H1",
                "/H2",
                "/H3",
                "/H4",
                "/H5",
            }:
                headings += 1
                kids = obj.get("/K")
                assert kids is not None and (not isinstance(kids, pikepdf.Array) or len(kids) > 0)
    assert headings > 39 * 6


@pytest.mark.skipif(not shutil.which("qpdf"), reason="qpdf niet geïnstalleerd")
def test_qpdf_finds_no_errors(rendered, tmp_path):
    path = tmp_path / "pakket.pdf"
    path.write_bytes(rendered.pdf)
    result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_pdfua_checker_finds_nothing(rendered, tmp_path):
    pdfua = pytest.importorskip("pdfua")
    path = tmp_path / "pakket.pdf"
    path.write_bytes(rendered.pdf)
    report = pdfua.validate(str(path))
    problems = [(f.rule_id, f.severity.name, f.message) for f in report.findings]
    assert problems == []


def test_the_html_is_autoescaped(rendered):
    assert "<strong>het pakket</strong>" in rendered.html  # the sanitised letter
    assert 'href="package.css"' in rendered.html
    assert "<script" not in rendered.html


def test_a_built_package_holds_exactly_the_ministrys_wishes(app, db, make_pilot, make_wish):
    from bundler import storage
    from bundler.models import PackageVersion
    from tests.package_helpers import build, make_story

    story = make_story(make_pilot, make_wish, app)
    version = build(app, "JenV")
    stored = db.get(PackageVersion, version.id)
    data = storage.get(db, stored.storage_key)
    reader = _reader(data)
    wishes = [t.split(" · ")[0] for level, t, _ in _outline(reader) if level == 4]
    assert wishes == [story.birth.reference, story.death.reference]
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    assert story.bzk.reference not in text
    section = text[text.index(f"{story.death.reference} · ") :]
    for name in [
        "Digitale aangifte overlijden",
        "Geboorteaangifte zonder loket",
        "Trouwen digitaal",
    ]:
        assert name in section
    assert section.index("Digitale aangifte overlijden (indiener)") < section.index(
        "Geboorteaangifte zonder loket (ondersteunt dit knelpunt)"
    )
    embedded = next(iter(reader.attachments.values()))[0]
    assert embedded == storage.get(db, stored.json_storage_key)
    assert f"pagina 1 van {stored.page_count}" in _flat(reader.pages[0].extract_text())


def test_a_dependency_outside_the_package_says_where_that_wish_stands(
    app, db, make_pilot, make_wish
):
    from bundler import storage
    from bundler.enums import AnswerStatus, RelationKind, WishState
    from bundler.models import PackageVersion, WishRelation
    from tests.package_helpers import answer, build, make_story

    story = make_story(make_pilot, make_wish, app)
    withdrawn = make_wish(story.raising, state=WishState.WITHDRAWN, title="Ingetrokken wens")
    realised = make_wish(story.raising, state=WishState.OFFERED, title="Al geregeld")
    answer(app, realised.id, "BZK", AnswerStatus.REALISED, effective_date=dt.date(2026, 7, 1))
    for related, kind in (
        (story.bzk, RelationKind.DEPENDS_ON),
        (withdrawn, RelationKind.DEPENDS_ON),
        (realised, RelationKind.FOLLOWS_FROM),
        (story.birth, RelationKind.DEPENDS_ON),
    ):
        db.add(WishRelation(wish_id=story.death.id, related_id=related.id, kind=kind))
    db.commit()
    bzk = build(app, "BZK")
    assert bzk is not None
    version = build(app, "JenV")
    text = _flat(
        " ".join(
            p.extract_text()
            for p in _reader(storage.get(db, db.get(PackageVersion, version.id).storage_key)).pages
        )
    )
    assert (
        f"Hangt af van {story.bzk.reference}: BZK-knelpunt (aangeboden aan het ministerie van "
        f"Binnenlandse Zaken en Koninkrijksrelaties in pakket {bzk.package.number})." in text
    )
    assert f"{withdrawn.reference}: Ingetrokken wens (ingetrokken door de pilot)." in text
    assert f"Volgt uit {realised.reference}: Al geregeld (gerealiseerd per 1 juli 2026" in text
    assert f"Hangt af van {story.birth.reference} (pagina " in text
    assert "Geboorteaangifte alleen aan het loket (in dit pakket)." in text


def test_the_cover_letter_is_laid_out_as_a_government_letter(rendered):
    reader = _reader(rendered.pdf)
    page = next(
        p.extract_text()
        for p in reader.pages
        if "Hoogachtend" in p.extract_text() and "....." not in p.extract_text()
    )
    text = _flat(page)
    order = [
        "Aan de minister van Justitie en Veiligheid Postbus 20301 2500 EH Den Haag",
        "Datum 27 februari 2026",
        "Betreft Aanbieding knelpunten uit innovatiepilots",
        "Geachte minister,",
        "Hierbij het pakket.",
        "Hoogachtend,",
        "drs. A.B. de Vries Programmadirecteur Ruimte voor Innovatie",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)
    # The sender's column: the office, its reference, the package and its JSON twin.
    for part in ("Ons kenmerk PB-RVI/2026/0117", f"Pakket {NUMBER} versie 2", "Bijlage"):
        assert part in text
