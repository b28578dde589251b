"""Attachments: type from the bytes, size and pixel limits, safe storage, who may download."""

from __future__ import annotations

import gc
import io
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from bundler import attachments
from bundler.enums import Role, WishState
from bundler.models import Attachment, Ministry, Pilot, User, Wish, WishSupport, wish_ministry
from bundler.rules import RuleError
from tests.conftest import csrf_token

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def image(kind: str, size: tuple[int, int] = (12, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 66, 115)).save(buffer, kind)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims a size without carrying the pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def package(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buffer.getvalue()


ODF_MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
    'xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
    f'manifest:media-type="{attachments.ODT}"/><manifest:file-entry '
    'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def odt() -> bytes:
    return package(
        [
            ("mimetype", attachments.ODT.encode()),
            ("META-INF/manifest.xml", ODF_MANIFEST.encode()),
            ("content.xml", b"<office/>"),
        ]
    )


def ooxml(main: str) -> bytes:
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/main.xml" ContentType="{main}"/></Types>'
    )
    return package([("[Content_Types].xml", types.encode()), ("main.xml", b"<x/>")])


def docx() -> bytes:
    return ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")


def xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


# -- recognising the type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda: PDF, attachments.PDF),
        (lambda: image("PNG"), attachments.PNG),
        (lambda: image("JPEG"), attachments.JPEG),
        (odt, attachments.ODT),
        (docx, attachments.DOCX),
        (xlsx, attachments.XLSX),
    ],
)
def test_allowed_types_are_recognised_from_bytes(make: Callable[[], bytes], kind: str) -> None:
    assert attachments.content_type_of(make()) == kind


@pytest.mark.parametrize(
    "make",
    [
        lambda: image("GIF"),
        lambda: image("BMP"),
        lambda: b"<html><script>alert(1)</script></html>",
        lambda: b"MZ\x90\x00 executable",
        lambda: package([("readme.txt", b"just a zip")]),
        lambda: package([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")]),
        lambda: ooxml("application/vnd.ms-word.document.macroEnabled.main+xml"),
        lambda: b"PK\x03\x04 but not a zip at all",
        lambda: b"\x89PNG\r\n\x1a\n broken after the signature",
        lambda: b"\xff\xd8\xff\xe0 broken jpeg",
    ],
)
def test_other_types_are_refused(make: Callable[[], bytes]) -> None:
    with pytest.raises(RuleError):
        attachments.content_type_of(make())


@pytest.mark.parametrize(("width", "height"), [(7000, 7000), (10_000, 10_000), (30_000, 30_000)])
def test_images_over_the_pixel_limit_are_refused_without_decoding(width: int, height: int) -> None:
    started = time.perf_counter()
    with pytest.raises(RuleError, match="megapixel"):
        attachments.content_type_of(png_header(width, height))
    assert time.perf_counter() - started < 1


def test_image_just_under_the_limit_is_accepted() -> None:
    assert attachments.content_type_of(png_header(8000, 5000)) == attachments.PNG


def test_read_capped_stops_past_the_limit() -> None:
    assert attachments.read_capped(io.BytesIO(b"x" * 10), limit=10) == b"x" * 10
    with pytest.raises(attachments.TooLarge):
        attachments.read_capped(io.BytesIO(b"x" * 11), limit=10)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("rapport.pdf", "rapport.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\brief.docx", "brief.docx"),
        ("..", "bijlage"),
        ("", "bijlage"),
        ('a"b<c>d|e?.pdf', "abcde.pdf"),
        ("line\nbreak\x00.pdf", "linebreak.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert attachments.clean_name(raw) == clean


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("foto.jpeg", attachments.JPEG, "foto.jpeg"),
        ("foto.JPG", attachments.JPEG, "foto.JPG"),
        ("stiekem.html", attachments.PDF, "stiekem.html.pdf"),
        ("geen-extensie", attachments.XLSX, "geen-extensie.xlsx"),
    ],
)
def test_download_name_carries_the_real_extension(name: str, kind: str, expected: str) -> None:
    assert attachments.download_name(name, kind) == expected


def test_store_writes_atomically_under_a_generated_name(tmp_path: Path) -> None:
    stored = attachments.store(tmp_path / "up", PDF, "../../evil.pdf")
    files = list((tmp_path / "up").iterdir())
    assert [f.name for f in files] == [stored.stored_name]
    assert files[0].read_bytes() == PDF
    assert stored.original_name == "evil.pdf"
    assert stored.size == len(PDF)
    assert len(stored.sha256) == 64
    assert not (tmp_path / "evil.pdf").exists()


def test_store_refuses_empty_and_wrong_files(tmp_path: Path) -> None:
    for data in (b"", image("GIF")):
        with pytest.raises(RuleError):
            attachments.store(tmp_path, data, "x.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../secret_key", "/etc/passwd", "abc.pdf", "A" * 32 + ".pdf"])
def test_path_of_refuses_names_it_did_not_make(tmp_path: Path, name: str) -> None:
    with pytest.raises(RuleError):
        attachments.path_of(tmp_path, name)


def test_pending_files_are_bound_to_the_user_and_signed(tmp_path: Path) -> None:
    stored = attachments.store(tmp_path, PDF, "a.pdf")
    token = attachments.sign_pending([stored], secret="s", user_id=1, form_id="f", issued_at=100)

    def load(token: str, secret: str = "s", user_id: int = 1, form_id: str = "f") -> Any:
        return attachments.load_pending(
            token, secret=secret, user_id=user_id, form_id=form_id, max_age=60, now=130
        )[0]

    assert load(token) == [stored]
    assert load(token, user_id=2) == []
    assert load(token, form_id="g") == []  # another form instance
    assert load(token, secret="other") == []
    assert load(token[:-2] + "xx") == []
    assert load("") == []
    assert attachments.load_pending(
        token, secret="s", user_id=1, form_id="f", max_age=60, now=161
    ) == ([], None)  # expired


def test_orphans_are_old_unknown_files_only(tmp_path: Path) -> None:
    known = attachments.store(tmp_path, PDF, "a.pdf")
    orphan = attachments.store(tmp_path, PDF, "b.pdf")
    fresh = attachments.store(tmp_path, PDF, "c.pdf")
    (tmp_path / "notes.txt").write_text("not ours")
    old = time.time() - 7200
    for stored in (known, orphan):
        os.utime(tmp_path / stored.stored_name, (old, old))
    found = attachments.orphans(tmp_path, {known.stored_name}, 3600, time.time())
    assert [p.name for p in found] == [orphan.stored_name]
    assert fresh.stored_name not in {p.name for p in found}


# -- through the wish form ---------------------------------------------------------------------


def new_wish(
    client: FlaskClient, pilot: Pilot, files: list[tuple[bytes, str]], **fields: Any
) -> Any:
    data: dict[str, Any] = {
        "pilot": str(pilot.id),
        "title": "Knelpunt met bijlage",
        "urgency": "normaal",
        "action": "concept",
        "csrf_token": csrf_token(client, "/knelpunten/nieuw"),
        **fields,
    }
    data["attachments"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/knelpunten/nieuw", data=data, content_type="multipart/form-data")


def uploads(app: Flask) -> list[Path]:
    """Every stored file: attachments and files waiting in an account's pending folder."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.fixture
def member(
    make_pilot: Callable[..., Pilot], make_user: Callable[..., User], login: Callable[..., Any]
) -> tuple[Pilot, User]:
    pilot = make_pilot()
    user = make_user(Role.PILOT, pilots=[pilot])
    login(user)
    return pilot, user


def test_upload_with_a_concept(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    response = new_wish(client, pilot, [(PDF, "onderbouwing.pdf"), (image("PNG"), "foto.png")])
    assert response.status_code == 302
    rows = db.scalars(select(Attachment).order_by(Attachment.original_name)).all()
    assert [(a.original_name, a.content_type) for a in rows] == [
        ("foto.png", attachments.PNG),
        ("onderbouwing.pdf", attachments.PDF),
    ]
    assert {p.name for p in uploads(app)} == {a.stored_name for a in rows}


def test_mismatched_type_is_refused(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    response = new_wish(client, pilot, [(image("GIF"), "foto.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Dit soort bestand kunt u niet toevoegen" in html
    assert 'value="Knelpunt met bijlage"' in html
    assert db.scalar(select(Wish.id)) is None
    assert uploads(app) == []


# Werkzeug's test client spools bodies over 500 kB to a temporary file it never closes.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_oversized_upload_is_refused_with_413_keeping_the_text(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    big = PDF + b"0" * attachments.MAX_BYTES
    response = new_wish(client, pilot, [(big, "groot.pdf")])
    html, status = response.get_data(as_text=True), response.status_code
    del response
    gc.collect()
    assert status == 413
    assert "groter dan 10 MB" in html
    assert 'value="Knelpunt met bijlage"' in html
    assert uploads(app) == []
    assert db.scalar(select(Wish.id)) is None


def test_traversal_in_the_file_name_is_harmless(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User], tmp_path: Path
) -> None:
    pilot, _user = member
    response = new_wish(client, pilot, [(PDF, "../../../../tmp/evil.pdf")])
    assert response.status_code == 302
    row = db.scalars(select(Attachment)).one()
    assert row.original_name == "evil.pdf"
    assert [p.name for p in uploads(app)] == [row.stored_name]
    assert not (tmp_path / "evil.pdf").exists()
    assert not (Path(app.config["UPLOAD_FOLDER"]).parent / "evil.pdf").exists()


def test_at_most_five_per_wish(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    response = new_wish(client, pilot, [(PDF, f"{i}.pdf") for i in range(6)])
    assert response.status_code == 400
    assert "hoogstens 5 bijlagen" in response.get_data(as_text=True)
    assert uploads(app) == []
    response = new_wish(client, pilot, [(PDF, f"{i}.pdf") for i in range(5)])
    assert response.status_code == 302
    wish_id = int(response.headers["Location"].rsplit("/", 1)[1])
    # Editing the concept: no room left for a sixth.
    page = f"/knelpunten/{wish_id}/bewerken"
    version = db.scalar(select(Wish.version).where(Wish.id == wish_id))
    response = client.post(
        page,
        data={
            "title": "Knelpunt met bijlage",
            "urgency": "normaal",
            "action": "concept",
            "version": str(version),
            "csrf_token": csrf_token(client, page),
            "attachments": [(io.BytesIO(PDF), "zes.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert db.scalar(select(Attachment.id).where(Attachment.original_name == "zes.pdf")) is None


def test_files_survive_a_form_with_errors(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    response = new_wish(client, pilot, [(PDF, "bewaard.pdf")], title="")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "bewaard.pdf" in html
    assert "U hoeft ze niet opnieuw te kiezen" in html
    pending = html.split('name="pending" type="hidden" value="')[1].split('"')[0]
    form_id = html.split('name="form_id" type="hidden" value="')[1].split('"')[0]
    assert pending
    response = new_wish(client, pilot, [], title="Nu met titel", pending=pending, form_id=form_id)
    assert response.status_code == 302
    row = db.scalars(select(Attachment)).one()
    assert row.original_name == "bewaard.pdf"
    assert (Path(app.config["UPLOAD_FOLDER"]) / row.stored_name).read_bytes() == PDF


def test_a_kept_file_can_be_dropped(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    html = new_wish(client, pilot, [(PDF, "weg.pdf")], title="").get_data(as_text=True)
    pending = html.split('name="pending" type="hidden" value="')[1].split('"')[0]
    stored = html.split('name="drop_pending" value="')[1].split('"')[0]
    form_id = html.split('name="form_id" type="hidden" value="')[1].split('"')[0]
    response = new_wish(client, pilot, [], pending=pending, drop_pending=stored, form_id=form_id)
    assert response.status_code == 302
    assert db.scalar(select(Attachment.id)) is None
    assert uploads(app) == []


def test_someone_elses_pending_token_is_ignored(
    app: Flask,
    client: FlaskClient,
    db: Session,
    member: tuple[Pilot, User],
    make_user: Callable[..., User],
) -> None:
    pilot, _user = member
    stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, "van-een-ander.pdf")
    other = make_user(Role.PILOT)
    forged = attachments.sign_pending(
        [stored], secret=app.config["SECRET_KEY"], user_id=other.id, form_id="f" * 22
    )
    response = new_wish(client, pilot, [], pending=forged, form_id="f" * 22)
    assert response.status_code == 302
    assert db.scalar(select(Attachment.id)) is None


def test_remove_attachment_while_concept(
    app: Flask, client: FlaskClient, db: Session, member: tuple[Pilot, User]
) -> None:
    pilot, _user = member
    response = new_wish(client, pilot, [(PDF, "weg.pdf")])
    wish_id = int(response.headers["Location"].rsplit("/", 1)[1])
    row = db.scalars(select(Attachment)).one()
    page = f"/knelpunten/{wish_id}/bewerken"
    response = client.post(
        f"/knelpunten/{wish_id}/bijlagen/{row.id}/verwijderen",
        data={"csrf_token": csrf_token(client, page)},
    )
    assert response.status_code == 302
    db.expire_all()
    assert db.scalar(select(Attachment.id)) is None
    assert uploads(app) == []


# -- downloading -------------------------------------------------------------------------------


@pytest.fixture
def stored_wish(
    app: Flask, db: Session, make_pilot: Callable[..., Pilot], make_wish: Callable[..., Wish]
) -> Callable[..., tuple[Wish, Attachment, Pilot, Pilot]]:
    def make(state: WishState) -> tuple[Wish, Attachment, Pilot, Pilot]:
        raiser, supporter = make_pilot(), make_pilot()
        wish = make_wish(raiser, state=state, statute="BWBR0002656")  # JenV
        stored = attachments.store(Path(app.config["UPLOAD_FOLDER"]), PDF, "stuk.pdf")
        row = Attachment(
            wish_id=wish.id,
            original_name="<script>.pdf",
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
        )
        db.add(row)
        db.add(WishSupport(wish_id=wish.id, pilot_id=supporter.id))
        if state is WishState.CONCEPT:  # make_wish links the ministry for other states
            jenv = db.scalar(select(Ministry.id).where(Ministry.code == "JenV"))
            db.execute(wish_ministry.insert().values(wish_id=wish.id, ministry_id=jenv))
        db.commit()
        return wish, row, raiser, supporter

    return make


def test_download_headers(
    client: FlaskClient,
    login: Callable[..., Any],
    make_user: Callable[..., User],
    stored_wish: Callable[..., tuple[Wish, Attachment, Pilot, Pilot]],
) -> None:
    wish, row, raiser, _supporter = stored_wish(WishState.SUBMITTED)
    login(make_user(Role.PILOT, pilots=[raiser]))
    response = client.get(f"/knelpunten/{wish.id}/bijlagen/{row.id}")
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert body == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "script" in response.headers["Content-Disposition"]
    assert "<" not in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("state", "who", "allowed"),
    [
        (WishState.CONCEPT, "raiser", True),
        (WishState.CONCEPT, "supporter", False),
        (WishState.CONCEPT, "office", False),
        (WishState.CONCEPT, "jenv", False),
        (WishState.SUBMITTED, "raiser", True),
        # Not shared with pilots that join (issue 10): a supporter does not see it.
        (WishState.SUBMITTED, "supporter", False),
        (WishState.SUBMITTED, "stranger", False),
        (WishState.SUBMITTED, "office", True),
        (WishState.SUBMITTED, "jenv", False),
        (WishState.ACCEPTED, "jenv", False),
        (WishState.OFFERED, "jenv", True),
        (WishState.OFFERED, "bzk", False),
        (WishState.OFFERED, "admin", False),
    ],
)
def test_download_only_for_those_who_may_see_the_wish(
    client: FlaskClient,
    db: Session,
    login: Callable[..., Any],
    make_user: Callable[..., User],
    make_pilot: Callable[..., Pilot],
    stored_wish: Callable[..., tuple[Wish, Attachment, Pilot, Pilot]],
    state: WishState,
    who: str,
    allowed: bool,
) -> None:
    wish, row, raiser, supporter = stored_wish(state)
    users = {
        "raiser": lambda: make_user(Role.PILOT, pilots=[raiser]),
        "supporter": lambda: make_user(Role.PILOT, pilots=[supporter]),
        "stranger": lambda: make_user(Role.PILOT, pilots=[make_pilot()]),
        "office": lambda: make_user(Role.OFFICE),
        "jenv": lambda: make_user(Role.MINISTRY, ministry="JenV"),
        "bzk": lambda: make_user(Role.MINISTRY, ministry="BZK"),
        "admin": lambda: make_user(Role.ADMIN),
    }
    login(users[who]())
    response = client.get(f"/knelpunten/{wish.id}/bijlagen/{row.id}")
    response.close()
    assert response.status_code == (200 if allowed else 404)


def test_download_of_another_wishes_attachment_is_404(
    client: FlaskClient,
    login: Callable[..., Any],
    make_user: Callable[..., User],
    make_wish: Callable[..., Wish],
    stored_wish: Callable[..., tuple[Wish, Attachment, Pilot, Pilot]],
) -> None:
    _wish, row, raiser, _supporter = stored_wish(WishState.SUBMITTED)
    own = make_wish(raiser)
    login(make_user(Role.PILOT, pilots=[raiser]))
    assert client.get(f"/knelpunten/{own.id}/bijlagen/{row.id}").status_code == 404


def test_anonymous_download_goes_to_login(
    client: FlaskClient, stored_wish: Callable[..., tuple[Wish, Attachment, Pilot, Pilot]]
) -> None:
    wish, row, _raiser, _supporter = stored_wish(WishState.SUBMITTED)
    response = client.get(f"/knelpunten/{wish.id}/bijlagen/{row.id}")
    assert response.status_code == 302
    assert "/aanmelden" in response.headers["Location"]


def test_clean_uploads_command(app: Flask, runner: Any, db: Session) -> None:
    folder = Path(app.config["UPLOAD_FOLDER"])
    orphan = attachments.store(folder, PDF, "a.pdf")
    old = time.time() - 3 * 24 * 3600
    os.utime(folder / orphan.stored_name, (old, old))
    fresh = attachments.store(folder, PDF, "b.pdf")
    result = runner.invoke(args=["clean-uploads"])
    assert result.exit_code == 0, result.output
    assert "1 verweesde" in result.output
    assert [p.name for p in folder.iterdir()] == [fresh.stored_name]
