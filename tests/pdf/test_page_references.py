"""pydyf's page references, built once per page count for WeasyPrint's tags (bundler.pdf)."""

from __future__ import annotations

import io

import pydyf
import pypdf

from bundler import pdf


def test_page_references_are_built_once_per_page_count_and_follow_new_pages():
    pdf.use_cached_page_references()
    pdf.use_cached_page_references()  # idempotent
    document = pydyf.PDF()
    for _ in range(3):
        document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    first = document.page_references
    assert first == tuple(f"{n} 0 R".encode() for n in document.pages["Kids"][::3])
    assert len(first) == 3
    assert document.page_references is first  # read again: not built again

    document.add_page(pydyf.Dictionary({"Type": "/Page"}))
    fourth = document.page_references
    assert len(fourth) == 4 and fourth[:3] == first
    assert fourth[3] == f"{document.pages['Kids'][-3]} 0 R".encode()


def test_tags_point_at_the_pages_their_text_is_on():
    html = "".join(
        f'<h1 style="break-before: page">Kop {n}</h1><p>Tekst {n}</p>' for n in range(1, 6)
    )
    reader = pypdf.PdfReader(io.BytesIO(pdf.write_pdf(f"<html lang='nl'>{html}</html>").pdf))
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages, start=1)}
    found = {}

    def walk(element):
        kids = element.get("/K")
        if element.get("/S") == "/H1" and "/Pg" in element:
            found[len(found) + 1] = pages[element.raw_get("/Pg").idnum]
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert found == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
