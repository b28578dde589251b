"""A wish's attachments travel in its package: listed, embedded on its page, or listed only."""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
from PIL import Image

from bundler import attachments, storage
from bundler.models import Attachment, PackageVersion
from tests.package_helpers import build, make_story

pytestmark = pytest.mark.pdf

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png(width: int, height: int, seed: int) -> bytes:
    """Return a PNG of noise, so it does not compress and its size is predictable."""
    noise = random.Random(seed)
    image = Image.new("RGB", (width, height))
    image.putdata([tuple(noise.randrange(256) for _ in range(3)) for _ in range(width * height)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def attach(app, db, wish, data: bytes, name: str) -> Attachment:
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), data, name)
    row = Attachment(
        wish_id=wish.id,
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
    )
    db.add(row)
    db.commit()
    return row


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_attachments_are_listed_and_embedded_on_their_wishs_page(app, db, make_pilot, make_wish):
    story = make_story(make_pilot, make_wish, app)
    small = png(8, 8, 1)
    big = png(60, 60, 2)  # about 11 kB: over the limit once the others are in
    files = {
        "verslag.pdf": PDF,
        "foto.png": small,
        "groot.png": big,
    }
    rows = [attach(app, db, story.death, data, name) for name, data in files.items()]
    other = attach(app, db, story.birth, small, "foto.png")  # the same name on another wish
    app.config["PACKAGE_ATTACHMENTS_MAX_MB"] = 4 / 1024  # 4 kB
    version = build(app, "JenV")
    stored = db.get(PackageVersion, version.id)
    data = storage.get(db, stored.storage_key)
    reader = pypdf.PdfReader(io.BytesIO(data))

    # Each embedded file's bytes are exactly the uploaded file's.
    embedded = {name: reader.attachments[name][0] for name in reader.attachments}
    death, birth = story.death.reference, story.birth.reference
    assert embedded[f"{death} verslag.pdf"] == PDF
    assert embedded[f"{death} foto.png"] == small
    assert embedded[f"{birth} foto.png"] == small
    assert not any("groot" in name for name in embedded)  # over the limit: listed only

    # ... associated with the page of their wish, as a supplement.
    pages = [p.extract_text() for p in reader.pages]
    with pikepdf.open(io.BytesIO(data)) as document:
        meta = document.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "A")
        assert "/StructTreeRoot" in document.Root
        found = {}
        for index, page in enumerate(document.pages):
            for spec in page.get("/AF", []):
                assert spec.AFRelationship == "/Supplement"
                found[str(spec.UF)] = (index, spec.EF.F.read_bytes(), str(spec.EF.F.Subtype))
    assert set(found) == {f"{death} verslag.pdf", f"{death} foto.png", f"{birth} foto.png"}
    index, content, subtype = found[f"{death} verslag.pdf"]
    assert content == PDF and subtype == "/application/pdf"
    assert f"{death} · " in pages[index] and "Uitvaartondernemer" in pages[index]
    assert f"{birth} · " in pages[found[f"{birth} foto.png"][0]]

    # Every attachment is listed with its name, type, size and SHA-256.
    text = _flat(" ".join(p for p in pages if "....." not in p))
    section = text[text.index(f"{death} · ") :]
    for row in rows:
        assert row.original_name in section
        assert f"SHA-256: {row.sha256}" in section
    assert f"verslag.pdf (PDF-document, {len(PDF)} bytes)" in section
    assert "groot.png (PNG-afbeelding, 11 kB)" in section
    assert f"Ingesloten in deze PDF als „{death} verslag.pdf”." in section
    assert (
        "Niet ingesloten: met dit bestand zouden de bijlagen van dit pakket samen groter" in section
    )
    assert "Niet alle bijlagen zijn ingesloten." in text
    assert "3 ingesloten, 1 alleen vermeld" in _flat(pages[0])

    # The twin lists them too, with what was embedded.
    twin = json.loads(storage.get(db, stored.json_storage_key))
    listed = {w["reference"]: w["attachments"] for w in twin["wishes"]}
    assert [(a["name"], a["embedded"]) for a in listed[death]] == [
        ("verslag.pdf", True),
        ("foto.png", True),
        ("groot.png", False),
    ]
    assert listed[death][2]["sha256"] == hashlib.sha256(big).hexdigest()
    assert listed[birth][0]["size"] == other.size

    # Still a sound PDF that the PDF/UA checker accepts.
    path = Path(app.config["UPLOAD_FOLDER"]).parent / "pakket.pdf"
    path.write_bytes(data)
    if shutil.which("qpdf"):
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    pdfua = pytest.importorskip("pdfua")
    assert [(f.rule_id, f.message) for f in pdfua.validate(str(path)).findings] == []


def test_the_render_child_embeds_files_on_the_page_of_their_anchor():
    from bundler import pdf

    html = (
        '<html lang="nl"><head><title>t</title></head><body><h1>Een</h1>'
        '<h1 id="w7" style="break-before: page">Twee</h1></body></html>'
    )
    files = [
        pdf.PdfAttachment("twin.json", b"{}", "JSON"),
        pdf.PdfAttachment(
            "KN bewijs.pdf",
            PDF,
            "Bijlage",
            "Supplement",
            anchor="w7",
            content_type="application/pdf",
        ),
    ]
    result = pdf.render_isolated(html, files, timeout=120)
    with pikepdf.open(io.BytesIO(result.pdf)) as document:
        assert "/AF" not in document.pages[0]
        (spec,) = document.pages[1].AF
        assert (str(spec.UF), spec.AFRelationship) == ("KN bewijs.pdf", "/Supplement")
        assert spec.EF.F.read_bytes() == PDF
        # The document's own file (the twin) stays associated with the whole document.
        assert {str(a.UF) for a in document.Root.AF} == {"twin.json"}
