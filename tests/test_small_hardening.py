"""Issue 10, finding 8: the smaller items, each through the public surface.

- bidi controls (U+202A–U+202E, U+2066–U+2069) are stripped from titles, names, file names;
- instance/ is 0700 and the database, uploads and storage are readable by the owner only;
- package downloads carry a `sandbox` CSP; the CSV export names its charset once;
- DOCX/XLSX/ODT are validated by parsing the package, refusing macro-enabled content;
- a client that never follows its redirects keeps a small session cookie (bounded messages).
(The rule on one ministry's answers on a shared wish: tests/test_join_visibility.py.)
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from bundler.enums import Role
from bundler.enums import WishState as S
from bundler.models import Attachment, Municipality, Pilot, Wish
from tests.conftest import csrf_token, post_form

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def member(make_pilot, make_user, login):
    pilot = make_pilot()
    user = make_user(Role.PILOT, pilots=[pilot])
    login(user)
    return pilot, user


def test_bidi_controls_are_stripped_from_titles_and_file_names(client, db, member):
    pilot, _user = member
    response = client.post(
        "/knelpunten/nieuw",
        data={
            "csrf_token": csrf_token(client, "/knelpunten/nieuw"),
            "pilot": str(pilot.id),
            "title": f"Akte {RLO}fdp.exe{LRI}x{PDI}",
            "urgency": "normaal",
            "action": "concept",
            "attachments": [(io.BytesIO(PDF), f"rapport{RLO}fdp.exe")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    wish = db.scalars(select(Wish)).one()
    assert wish.title == "Akte fdp.exex"
    assert db.scalars(select(Attachment.original_name)).one() == "rapportfdp.exe"


def test_a_client_that_never_follows_its_redirects_keeps_a_small_session(client, db, member):
    from bundler.security import MAX_FLASHES

    pilot, _user = member
    token = csrf_token(client, "/knelpunten/nieuw")
    for number in range(1, 21):  # each saved concept flashes a message for the next page
        response = client.post(
            "/knelpunten/nieuw",
            data={
                "csrf_token": token,
                "pilot": str(pilot.id),
                "title": f"Concept {number}",
                "urgency": "normaal",
                "action": "concept",
            },
        )
        assert response.status_code == 302
    assert len(db.scalars(select(Wish)).all()) == 20
    with client.session_transaction() as session:
        waiting = session["_flashes"]
    assert len(waiting) == MAX_FLASHES
    assert len(client.get_cookie("__Host-bundler").value) < 2048  # browsers keep up to 4 KB
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Concept 20" in page  # the newest message is the one kept


def test_bidi_controls_are_stripped_from_names(client, db, make_user, login):
    login(make_user(Role.OFFICE))
    page = "/pilots/nieuw"
    html = client.get(page).get_data(as_text=True)
    assert "name=" in html
    chosen = list(db.scalars(select(Municipality.cbs_code).order_by(Municipality.cbs_code)))[:5]
    data = {
        "name": f"Pilot {RLO}noord{PDI}",
        "description": "Een pilot.",
        "executing_organisation": "RvIG",
        "municipalities": chosen,
    }
    response = post_form(client, page, data, page=page)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert list(db.scalars(select(Pilot.name))) == ["Pilot noord"]


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_instance_uploads_and_database_are_for_the_app_user_only(
    app, client, db, member, database_url
):
    pilot, _user = member
    response = client.post(
        "/knelpunten/nieuw",
        data={
            "csrf_token": csrf_token(client, "/knelpunten/nieuw"),
            "pilot": str(pilot.id),
            "title": "Met bijlage",
            "urgency": "normaal",
            "action": "concept",
            "attachments": [(io.BytesIO(PDF), "a.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    uploads = Path(app.config["UPLOAD_FOLDER"])
    assert _mode(Path(app.instance_path)) == 0o700
    assert _mode(uploads) == 0o700
    stored = db.scalars(select(Attachment.stored_name)).one()
    assert _mode(uploads / stored) == 0o600
    if database_url.startswith("sqlite:///"):
        assert _mode(Path(database_url[len("sqlite:///") :])) == 0o600


# ---- office documents: parsed, not searched ----------------------------------------------------

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def _types(*elements: str) -> bytes:
    return f'<?xml version="1.0"?><Types xmlns="{CT_NS}">{"".join(elements)}</Types>'.encode()


def _override(part: str, content_type: str) -> str:
    return f'<Override PartName="{part}" ContentType="{content_type}"/>'


DISGUISED = {
    # The docx marker in a comment, the real main part macro-enabled (byte search accepted it).
    "macro main, docx in a comment": _zip(
        [
            (
                "[Content_Types].xml",
                _types(f'<!-- ContentType="{DOCX_MAIN}" -->', _override("/word/d.xml", DOCM_MAIN)),
            ),
            ("word/d.xml", b"<w/>"),
        ]
    ),
    "a vbaProject.bin next to a docx main part": _zip(
        [
            ("[Content_Types].xml", _types(_override("/word/d.xml", DOCX_MAIN))),
            ("word/d.xml", b"<w/>"),
            ("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros"),
        ]
    ),
    "a vbaProject content type": _zip(
        [
            (
                "[Content_Types].xml",
                _types(
                    _override("/word/d.xml", DOCX_MAIN),
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>',
                ),
            ),
            ("word/d.xml", b"<w/>"),
        ]
    ),
    "a main part that is not there": _zip(
        [("[Content_Types].xml", _types(_override("/word/d.xml", DOCX_MAIN)))]
    ),
    "an ODT with Basic macros": _zip(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("Basic/Standard/Module1.xml", b"<script/>"),
            ("content.xml", b"<office/>"),
        ]
    ),
    "an ODT without a manifest": _zip(
        [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<o/>")]
    ),
}


@pytest.mark.parametrize("case", sorted(DISGUISED))
def test_macro_documents_are_refused_on_upload(client, db, member, case):
    pilot, _user = member
    response = client.post(
        "/knelpunten/nieuw",
        data={
            "csrf_token": csrf_token(client, "/knelpunten/nieuw"),
            "pilot": str(pilot.id),
            "title": "Met document",
            "urgency": "normaal",
            "action": "concept",
            "attachments": [(io.BytesIO(DISGUISED[case]), "notulen.docx")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400, case
    assert "Dit soort bestand kunt u niet toevoegen" in response.get_data(as_text=True)
    assert db.scalar(select(Attachment.id)) is None


# ---- downloads: sandboxed; the CSV export's charset once --------------------------------------


def test_package_and_export_downloads_are_sandboxed(
    app, client, make_user, login, make_pilot, make_wish
):
    from tests.package_helpers import build

    make_wish(make_pilot(), state=S.ACCEPTED)
    version = build(app, "BZK")
    assert version is not None
    login(make_user(Role.OFFICE))
    for path in (f"/bureau/pakketten/versies/{version.id}.pdf", "/bureau/export.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "sandbox" in response.headers["Content-Security-Policy"], path
        response.close()
    csv = client.get("/bureau/export.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.headers["Content-Type"].count("charset") == 1
