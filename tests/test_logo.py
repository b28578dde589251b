"""The office's logo: only clean PNG or SVG is kept; the admin sets it; packages show it."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from bundler import logo
from bundler.enums import Role
from bundler.models import AuditEvent, OfficeLogo
from bundler.rules import RuleError
from tests.conftest import csrf_token


def png(metadata: bool = False, size: tuple[int, int] = (40, 20)) -> bytes:
    info = PngImagePlugin.PngInfo()
    if metadata:
        info.add_text("Author", "geheime-naam")
    out = io.BytesIO()
    Image.new("RGB", size, (21, 66, 115)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


EVIL_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     viewBox="0 0 100 40" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#154273"/></linearGradient></defs>
  <rect width="100" height="40" fill="url(#g)" style="fill:url(https://evil.example/a)"/>
  <path d="M0 0L10 10" fill="url(https://evil.example/b)" stroke="#000"/>
  <text x="5" y="30" font-size="12">Programmabureau</text>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
  <image xlink:href="file:///etc/passwd"/>
  <use xlink:href="https://evil.example/s.svg#a"/>
</svg>"""


def test_a_png_is_written_anew_without_its_metadata():
    kind, clean = logo.clean_logo(png(metadata=True))
    assert kind == "image/png"
    assert b"geheime-naam" not in clean
    assert Image.open(io.BytesIO(clean)).size == (40, 20)


def test_an_svg_keeps_only_shapes_text_and_local_references():
    kind, clean = logo.clean_logo(EVIL_SVG)
    assert kind == "image/svg+xml"
    text = clean.decode()
    for gone in ("script", "alert", "onload", "style", "evil.example", "foreignObject", "image",
                 "use", "passwd", "xlink"):  # fmt: skip
        assert gone not in text, gone
    assert 'fill="url(#g)"' in text
    assert "<path" in text and 'd="M0 0L10 10"' in text
    assert ">Programmabureau</text>" in text


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a....",
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg '
        b'xmlns="http://www.w3.org/2000/svg">&a;</svg>',
        b'<svg:svg xmlns:svg="http://example.org/not-svg"/>',
        b"<svg>geen namespace</svg>",
        b"\x89PNG\r\n\x1a\n kapot",
        b"<svg" + b" " * logo.MAX_BYTES,
    ],
)
def test_anything_else_is_refused(data):
    with pytest.raises(RuleError):
        logo.clean_logo(data)


def test_a_png_over_the_pixel_limit_is_refused():
    with pytest.raises(RuleError):
        logo.clean_png(png(size=(2100, 2000)))


def test_the_admin_sets_shows_and_removes_the_logo(client, db, login, make_user):
    admin = make_user(Role.ADMIN)
    login(admin)
    page = client.get("/beheer/gebruikers").get_data(as_text=True)
    assert 'href="/beheer/logo"' in page
    response = client.post(
        "/beheer/logo",
        data={
            "csrf_token": csrf_token(client, "/beheer/logo"),
            "logo": (io.BytesIO(png(True)), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    stored = db.scalar(select(OfficeLogo))
    assert stored.content_type == "image/png" and b"geheime-naam" not in stored.data
    page = client.get("/beheer/logo").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page
    refused = client.post(
        "/beheer/logo",
        data={
            "csrf_token": csrf_token(client, "/beheer/logo"),
            "logo": (io.BytesIO(b"GIF89a"), "x.gif"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "Kies een PNG- of SVG-bestand met een logo." in refused.get_data(as_text=True)
    assert client.post(
        "/beheer/logo/verwijderen", data={"csrf_token": csrf_token(client, "/beheer/logo")}
    )
    db.expire_all()
    assert db.scalar(select(OfficeLogo)) is None
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("office.%"))))
    assert actions == ["office.logo", "office.logo_removed"]


def test_a_built_package_carries_the_logo_on_its_cover_and_letter(
    app, db, make_pilot, make_wish, make_user
):
    import pikepdf
    import pypdf

    from bundler import storage
    from bundler.models import PackageVersion
    from tests.package_helpers import build, make_story

    make_story(make_pilot, make_wish, app)
    first = build(app, "JenV")
    logo.set_logo(db, png(), actor=None)
    db.commit()
    second = build(app, "JenV")
    assert second is not None and second.number == first.number + 1  # a new logo: a new version
    data = storage.get(db, db.get(PackageVersion, second.id).storage_key)
    reader = pypdf.PdfReader(io.BytesIO(data))
    texts = [page.extract_text() for page in reader.pages]
    with_logo = [i for i, page in enumerate(pikepdf.open(io.BytesIO(data)).pages) if _draws(page)]
    assert with_logo == [0, texts.index(next(t for t in texts if "Hoogachtend" in t))]
    assert build(app, "JenV") is None  # the same logo again: nothing changed


def _draws(page) -> bool:
    """Tell whether a page's content paints an image (directly or inside a form XObject)."""
    import pikepdf

    def walk(stream, resources) -> bool:
        for operands, operator in pikepdf.parse_content_stream(stream):
            if str(operator) != "Do":
                continue
            xobject = resources.XObject[operands[0]]
            if xobject.Subtype == "/Image":
                return True
            if walk(xobject, xobject.get("/Resources", resources)):
                return True
        return False

    return walk(page, page.Resources)
