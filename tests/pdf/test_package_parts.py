"""The package rendered in parts and merged reads back like the single-pass render.

Every read-back test of tests/pdf/test_package_pdf.py runs again here on the merged PDF
(the `rendered` fixture below replaces that module's), plus the checks only a merge needs.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import pikepdf
import pytest

from bundler import package_content, pdf, pdf_merge, pdf_parts
from bundler.packages import parts
from tests.pdf import test_package_pdf as single
from tests.pdf.test_package_pdf import *  # noqa: F403 - the same read-back tests, on the merge
from tests.pdf.test_package_pdf import Rendered


def _render(
    html: str, attachments: Sequence[pdf.PdfAttachment], created: dt.datetime
) -> pdf.RenderResult:
    return pdf.render_isolated(html, attachments, created=created, memory_mb=2048)


@pytest.fixture(scope="module")
def single_pass() -> Rendered:
    # Small parts: the long statute is cut (between articles), as a big package's statutes are.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(package_content, "PART_WISHES", 6)
        return single.rendered.__wrapped__()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> parts.PartCache:
    return parts.PartCache(tmp_path_factory.mktemp("parts"))


@pytest.fixture(scope="module")
def merged(single_pass: Rendered, cache: parts.PartCache) -> parts.PartsResult:
    attachment = pdf.PdfAttachment(f"{single.NUMBER}-v2.json", single_pass.twin_bytes, "JSON")
    # The production path: a pool of two long-lived render children.
    return parts.render_in_parts(
        single_pass.html, [attachment], single.CREATED, workers=2, cache=cache, memory_mb=2048
    )


@pytest.fixture(scope="module")
def rendered(single_pass: Rendered, merged: parts.PartsResult) -> Rendered:
    return Rendered(
        single_pass.html,
        merged.result.pdf,
        single_pass.twin,
        single_pass.twin_bytes,
        single_pass.order,
    )


def _texts(data: bytes) -> list[str]:
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return [re.sub(r"\s+", " ", page).strip() for page in done.stdout.decode().split("\f")]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext niet geïnstalleerd")
def test_the_text_equals_the_single_pass_render_page_by_page(single_pass, merged):
    assert merged.result.pages == len(pikepdf.open(io.BytesIO(single_pass.pdf)).pages)
    assert _texts(merged.result.pdf) == _texts(single_pass.pdf)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext niet geïnstalleerd")
def test_every_page_says_pagina_x_van_y(merged):
    pages = [p for p in _texts(merged.result.pdf) if p]
    total = merged.result.pages
    assert len(pages) == total > 10
    for number, text in enumerate(pages, start=1):
        assert f"pagina {number} van {total}" in text


def _page_index(pdf_file: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.objgen: n for n, page in enumerate(pdf_file.pages)}


def test_the_outline_and_named_destinations_point_where_the_single_pass_does(single_pass, merged):
    assert single._outline(single._reader(merged.result.pdf)) == single._outline(
        single._reader(single_pass.pdf)
    )

    def dests(data: bytes) -> dict[str, int]:
        with pikepdf.open(io.BytesIO(data)) as document:
            index = _page_index(document)
            tree = pikepdf.NameTree(document.Root.Names.Dests)
            return {str(name): index[dest[0].objgen] for name, dest in tree.items()}

    expected = dests(single_pass.pdf)
    assert dests(merged.result.pdf) == expected
    # Every internal link names a destination that exists.
    with pikepdf.open(io.BytesIO(merged.result.pdf)) as document:
        links = [
            str(a.Dest)
            for page in document.pages
            for a in page.obj.get("/Annots", [])
            if a.get("/Subtype") == "/Link" and "/Dest" in a
        ]
    assert len(links) > 40
    assert set(links) <= set(expected)


def test_one_structure_tree_covers_every_page(merged):
    with pikepdf.open(io.BytesIO(merged.result.pdf)) as document:
        root = document.Root.StructTreeRoot
        top = root.K if not isinstance(root.K, pikepdf.Array) else root.K[0]
        assert not isinstance(root.K, pikepdf.Array) or len(root.K) == 1
        assert top.S == "/Document"
        nums = list(root.ParentTree.Nums)
        keys = [int(k) for k in nums[0::2]]
        assert keys == sorted(set(keys))
        assert int(root.ParentTreeNextKey) == max(keys) + 1
        used = [int(page.obj.StructParents) for page in document.pages]
        used += [
            int(a.StructParent)
            for page in document.pages
            for a in page.obj.get("/Annots", [])
            if "/StructParent" in a
        ]
        assert len(used) == len(set(used)) and set(used) <= set(keys)
        index = _page_index(document)
        seen_pages = set()

        def walk(element: pikepdf.Object, parent: pikepdf.Object) -> None:
            assert element.P.objgen == parent.objgen
            if "/Pg" in element:
                seen_pages.add(index[element.Pg.objgen])
            kids = element.get("/K", [])
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, element)

        for kid in top.K:
            walk(kid, top)
        # Every page's content is reached from the one Document element (the cover included).
        assert seen_pages == set(range(len(document.pages)))


def test_the_embedded_files_are_those_of_the_single_pass(single_pass, merged):
    def files(data: bytes) -> dict[str, bytes]:
        with pikepdf.open(io.BytesIO(data)) as document:
            return {name: f.get_file().read_bytes() for name, f in document.attachments.items()}

    assert files(merged.result.pdf) == files(single_pass.pdf)
    assert f"{single.NUMBER}-v2.json" in files(merged.result.pdf)


def test_unchanged_parts_come_from_the_cache(single_pass, merged, cache):
    attachment = pdf.PdfAttachment(f"{single.NUMBER}-v2.json", single_pass.twin_bytes, "JSON")
    again = parts.render_in_parts(
        single_pass.html, [attachment], single.CREATED, render=_render, workers=2, cache=cache
    )
    assert again.rendered == []
    assert again.result.pdf == merged.result.pdf
    # One wish changed: only its part (and the front matter parts that show it or its page).
    doc = pdf_parts.split(single_pass.html)
    sources = pdf_parts.parts(doc)
    target = next(s for s in sources if s.kind == "body" and "KN-2026-0006" in s.body)
    changed = single_pass.html.replace("KN-2026-0006 · Knelpunt 6", "KN-2026-0006 · Knelpunt 6b")
    third = parts.render_in_parts(
        changed, [attachment], single.CREATED, render=_render, workers=2, cache=cache
    )
    assert target.name in third.rendered
    assert set(third.rendered) <= {target.name, "front", "contents"}  # the title is listed
    assert "Knelpunt 6b" in " ".join(_texts(third.result.pdf))


def test_a_part_address_covers_its_html_files_and_renderer(monkeypatch):
    key = parts.part_key("<p>a</p>", ())
    assert parts.part_key("<p>b</p>", ()) != key
    assert parts.part_key("<p>a</p>", [pdf.PdfAttachment("x", b"1", anchor="w1")]) != key
    monkeypatch.setattr(parts, "PARTS_FORMAT", "other")
    assert parts.part_key("<p>a</p>", ()) != key


def test_html_without_part_markers_is_not_split():
    with pytest.raises(pdf_parts.NotSplittable):
        pdf_parts.split("<html><body><p>x</p></body></html>")


def test_a_build_with_parts_on_publishes_the_merged_pdf(app, db, make_pilot, make_wish, tmp_path):
    from bundler import storage
    from bundler.models import PackageVersion
    from bundler.packages import build as build_ops
    from tests.package_helpers import build, make_story

    app.config.update(PDF_RENDER_PARTS=True, PDF_PART_CACHE_FOLDER=str(tmp_path / "parts"))
    story = make_story(make_pilot, make_wish, app)
    version = build(app, "JenV", renderer=build_ops.render_isolated)
    stored = db.get(PackageVersion, version.id)
    reader = single._reader(storage.get(db, stored.storage_key))
    wishes = [t.split(" · ")[0] for level, t, _ in single._outline(reader) if level == 4]
    assert wishes == [story.birth.reference, story.death.reference]
    assert f"pagina 1 van {stored.page_count}" in single._flat(reader.pages[0].extract_text())
    assert len(reader.pages) == stored.page_count
    assert any((tmp_path / "parts").rglob("*.pdf"))  # the parts are cached


def test_a_new_version_reuses_every_body_part(single_pass, merged, cache, monkeypatch):
    attachment = pdf.PdfAttachment(f"{single.NUMBER}-v3.json", single_pass.twin_bytes, "JSON")
    html = single_pass.html.replace("versie 2", "versie 3")
    assert html != single_pass.html
    opened: list[int] = []
    read_part = pdf_merge.read_part
    monkeypatch.setattr(pdf_merge, "read_part", lambda data: opened.append(1) or read_part(data))
    third = parts.render_in_parts(
        html, [attachment], single.CREATED, render=_render, workers=2, cache=cache
    )
    # The package number and version appear on every page: stamped, not rendered in a part.
    assert set(third.rendered) <= {"front", "letter", "page-numbers"}  # both show the version
    # A reused part's pages and anchors come from the cache, not from opening the part again.
    assert 0 < len(opened) <= len(third.rendered)
    texts = _texts(third.result.pdf)
    assert all(f"{single.NUMBER} · versie 3" in page for page in texts[1:] if page)


def _tree_shape(data: bytes) -> list[tuple[int, str]]:
    """Return (depth, role) of every structure element, in document order."""
    shape: list[tuple[int, str]] = []
    with pikepdf.open(io.BytesIO(data)) as document:

        def walk(element: pikepdf.Object, depth: int) -> None:
            shape.append((depth, str(element.S)))
            kids = element.get("/K", [])
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    walk(kid, depth + 1)

        top = document.Root.StructTreeRoot.K
        for element in top if isinstance(top, pikepdf.Array) else [top]:
            walk(element, 0)
    return shape


def test_the_structure_tree_has_the_single_pass_headings_and_sections(single_pass, merged):
    shape = _tree_shape(merged.result.pdf)
    expected = _tree_shape(single_pass.pdf)
    for role in ("/H1", "/H2", "/H3", "/H4", "/Art", "/Table", "/Figure"):
        assert [r for _, r in shape].count(role) == [r for _, r in expected].count(role), role
    # Later statutes' elements are nested in the first statute part's section, as far as
    # WeasyPrint's own tree goes (it starts a new section where one is split across pages).
    assert len([d for d, r in shape if d == 1]) <= len([d for d, r in expected if d == 1])


def test_attachments_are_embedded_on_their_wishs_page_when_rendered_in_parts(
    app, db, make_pilot, make_wish, tmp_path, monkeypatch
):
    from bundler.packages import build as build_ops
    from tests.pdf import test_package_attachments as with_files

    app.config.update(PDF_RENDER_PARTS=True, PDF_PART_CACHE_FOLDER=str(tmp_path / "parts"))
    # The test's build() renders in this process by default: render in parts instead.
    monkeypatch.setattr(build_ops, "render_in_process", build_ops.render_isolated)
    with_files.test_attachments_are_listed_and_embedded_on_their_wishs_page(
        app, db, make_pilot, make_wish
    )
    assert any((tmp_path / "parts").rglob("*.pdf"))


def _context(items: Sequence[Any]) -> dict[str, Any]:
    """The template context of a version-1 package of these wishes (the module's fixtures)."""
    content = package_content.build_content(
        items, {i.id: single._detail(i) for i in items}, single.JENV, "Geachte minister."
    )
    return package_content.document_context(
        content,
        number=single.NUMBER,
        version=1,
        created=single.CREATED,
        changes=package_content.Changes(),
        previous_version=None,
        office="Programmabureau",
        twin_name="twin.json",
    )


def test_a_big_article_is_cut_between_wishes_and_reads_back_like_the_single_pass(monkeypatch):
    monkeypatch.setattr(package_content, "PART_WISHES", 1)
    bw = [i for i in single.ITEMS if i.statute_bwb_id == "BWBR0002656"]
    html, data = pdf.render("package.html", _context(bw), created=single.CREATED)
    sources = pdf_parts.parts(pdf_parts.split(html))
    body = [(s.name, s.depth) for s in sources if s.kind == "body"]
    # One wish a part: a new statute part, then continued articles and a continued article.
    assert len(body) == len(bw) and body[0] == ("statute-1", 0)
    assert {d for _, d in body[1:]} == {2, 3}
    done = parts.render_in_parts(html, (), single.CREATED, render=_render, workers=2)
    assert _texts(done.result.pdf) == _texts(data)
    assert single._outline(single._reader(done.result.pdf)) == single._outline(single._reader(data))
    assert _tree_shape(done.result.pdf) == _tree_shape(data) or all(
        [r for _, r in _tree_shape(done.result.pdf)].count(role)
        == [r for _, r in _tree_shape(data)].count(role)
        for role in ("/H1", "/H2", "/H3", "/H4", "/Art")
    )


def test_a_big_packages_contents_stop_at_the_articles_and_every_wish_keeps_its_bookmark(
    monkeypatch,
):
    monkeypatch.setattr(package_content, "CONTENTS_WISHES", 5)
    context = _context(single.ITEMS)
    assert not context["contents_wishes"]
    html, data = pdf.render("package.html", context, created=single.CREATED)
    reader = single._reader(data)
    outline = single._outline(reader)
    texts = [page.extract_text() for page in reader.pages]
    contents = [
        (m.group(1).strip(), int(m.group(2)))
        for page in texts[1:4]
        for m in (re.match(r"^(.*?)\s*\.{3,}\s*(\d+)$", line.strip()) for line in page.splitlines())
        if m
    ]
    assert contents == [(t, p) for level, t, p in outline if level in (1, 2, 3) and p > 2]
    assert not any(title.startswith("KN-") for title, _ in contents)
    total = context["totals"].wishes
    assert f"Dit pakket bevat {total} knelpunten." in single._flat(texts[1])
    assert len([title for level, title, _ in outline if level == 4]) == total > 5
    done = parts.render_in_parts(html, (), single.CREATED, render=_render, workers=2)
    assert _texts(done.result.pdf) == _texts(data)


def test_the_merge_stays_near_the_size_of_the_single_pass(single_pass, merged):
    # The parts' small structure objects go into object streams, as the single pass's do:
    # written loose they made this merge 4.4 times the single pass (and an 823-page package
    # three times its parts together). What remains is each part's own font subsets: here
    # 1.9 times, with a part per six wishes.
    assert len(merged.result.pdf) <= 2.5 * len(single_pass.pdf), (
        len(merged.result.pdf),
        len(single_pass.pdf),
    )
