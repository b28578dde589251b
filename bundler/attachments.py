"""Attachment files: type checked from the bytes, stored outside the web root, written atomically.

No Flask and no database here: the view hands over bytes and a folder, the operations in
`wish_ops` turn a stored file into an `Attachment` row.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import tempfile
import time
import unicodedata
import warnings
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as safe_xml
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from PIL import Image, UnidentifiedImageError

from bundler.cleaning import strip_bidi
from bundler.rules import RuleError

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_WISH = 5
# Far below Pillow's own bomb limit (~179 Mpx): a 9000x9000 image already costs 680 MB to render.
MAX_PIXELS = 40_000_000

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"

EXTENSIONS = {PDF: ".pdf", ODT: ".odt", DOCX: ".docx", XLSX: ".xlsx", PNG: ".png", JPEG: ".jpg"}
KIND_NAMES = "PDF, ODT, DOCX, XLSX, PNG of JPEG"

# The main part an OOXML package must declare; macro-enabled variants (docm, xlsm) differ.
_OOXML_MAIN = {
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_SMALL_ENTRY = 1024 * 1024
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\"<>:|?*]")


class TooLarge(RuleError):
    """A file over MAX_BYTES (answered with 413)."""


@dataclass(frozen=True)
class StoredFile:
    """A checked file in the upload folder, not yet (or no longer) tied to a wish."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def read_capped(stream: IO[bytes], limit: int = MAX_BYTES) -> bytes:
    """Read an upload, raising TooLarge as soon as it passes the limit."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            _l(
                "Het bestand is groter dan %(mb)s MB. Maak het kleiner of deel het op.",
                mb=limit // (1024 * 1024),
            ),
            "attachments",
        )
    return data


def content_type_of(data: bytes) -> str:
    """Tell the file's type from its bytes, or raise RuleError if it is not allowed."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(data, "PNG")
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        _check_image(data, "JPEG")
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        kind = _office_kind(data)
        if kind:
            return kind
    raise RuleError(
        _l(
            "Dit soort bestand kunt u niet toevoegen. Kies een %(kinds)s-bestand.", kinds=KIND_NAMES
        ),
        "attachments",
    )


def _check_image(data: bytes, expected: str) -> None:
    # Image.open reads only the header; the pixels are never decoded here.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                actual = image.format
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise RuleError(_l("Deze afbeelding is beschadigd of onleesbaar."), "attachments") from None
    if actual != expected:
        raise RuleError(_l("Deze afbeelding is beschadigd of onleesbaar."), "attachments")
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> RuleError:
    return RuleError(
        _l(
            "Deze afbeelding is te groot (meer dan %(mp)s megapixel). "
            "Verklein de afbeelding en probeer het opnieuw.",
            mp=MAX_PIXELS // 1_000_000,
        ),
        "attachments",
    )


def _office_kind(data: bytes) -> str | None:
    """Recognise ODT, DOCX and XLSX by parsing the package's own declaration.

    OOXML: `[Content_Types].xml` must name exactly one main part of a DOCX or XLSX, present
    in the archive; ODT: the `mimetype` entry and `META-INF/manifest.xml` must both say ODT.
    Macro-enabled content types (docm, xlsm, xlsb), a `vbaProject.bin` or ODF macro storage
    (`Basic/`, `Scripts/`) refuse the file. Only small entries are read.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            if any(_is_macro_part(name) for name in names):
                return None
            if infos and infos[0].filename == "mimetype":
                return _odt_kind(archive, infos[0])
            declared = _small_entry(archive, "[Content_Types].xml")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, NotImplementedError, ValueError):
        return None
    if declared is None:
        return None
    types = _content_types(declared)
    if types is None or any(_is_macro_type(t) for t in types.values()):
        return None
    mains = [
        (part, kind) for part, t in types.items() for kind, main in _OOXML_MAIN.items() if t == main
    ]
    if len(mains) != 1 or mains[0][0].lstrip("/") not in names:
        return None
    return mains[0][1]


_MACRO_TYPES = ("macroenabled", "vbaproject", "ms-excel.sheet.binary", "activex")


def _is_macro_type(content_type: str) -> bool:
    return any(marker in content_type.lower() for marker in _MACRO_TYPES)


def _is_macro_part(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered.rsplit("/", 1)[-1] == "vbaproject.bin"
        or lowered.startswith(("basic/", "scripts/"))
        or "/activex/" in f"/{lowered}"
    )


def _small_entry(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= _SMALL_ENTRY else None


def _content_types(declared: bytes) -> dict[str, str] | None:
    """Read `[Content_Types].xml`: part name (or `*.ext`) -> content type; None if broken."""
    try:
        root = safe_xml.fromstring(declared)
    except (safe_xml.ParseError, DefusedXmlException, ValueError):
        return None
    if root.tag != f"{{{_CT_NS}}}Types":
        return None
    types: dict[str, str] = {}
    for element in root:
        content_type = element.get("ContentType", "")
        if element.tag == f"{{{_CT_NS}}}Override":
            types[element.get("PartName", "")] = content_type
        elif element.tag == f"{{{_CT_NS}}}Default":
            types["*." + element.get("Extension", "").lower()] = content_type
    return types


def _odt_kind(archive: zipfile.ZipFile, first: zipfile.ZipInfo) -> str | None:
    if first.file_size >= 100 or archive.read(first).strip() != ODT.encode():
        return None
    manifest = _small_entry(archive, "META-INF/manifest.xml")
    if manifest is None:
        return None
    try:
        root = safe_xml.fromstring(manifest)
    except (safe_xml.ParseError, DefusedXmlException, ValueError):
        return None
    entries = {
        e.get(f"{{{_MANIFEST_NS}}}full-path", ""): e.get(f"{{{_MANIFEST_NS}}}media-type", "")
        for e in root
        if e.tag == f"{{{_MANIFEST_NS}}}file-entry"
    }
    if entries.get("/") != ODT or any(_is_macro_part(path) for path in entries):
        return None
    return ODT


def clean_name(name: str) -> str:
    """Keep the last path component of a file name, without control, bidi or reserved
    characters."""
    name = strip_bidi(unicodedata.normalize("NFC", name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE_CHARS.sub("", name).strip().lstrip(".").strip()
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "bijlage"


def download_name(original_name: str, content_type: str) -> str:
    """Return the name to download a file under: its own name with the right extension."""
    name = clean_name(original_name)
    wanted = EXTENSIONS.get(content_type, "")
    stem, dot, ext = name.rpartition(".")
    if dot and stem and f".{ext.lower()}" in {wanted, ".jpeg" if wanted == ".jpg" else wanted}:
        return name
    return name + wanted


def store(folder: Path, data: bytes, original_name: str) -> StoredFile:
    """Check a file and write it under a generated name, atomically; return what was stored."""
    if len(data) > MAX_BYTES:
        raise TooLarge(_l("Het bestand is groter dan 10 MB."), "attachments")
    if not data:
        raise RuleError(_l("Het bestand is leeg."), "attachments")
    kind = content_type_of(data)
    _private_mkdir(folder)
    stored_name = secrets.token_hex(16) + EXTENSIONS[kind]
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place below
        dir=folder, prefix=".upload-", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o600)  # the app user only (issue 10)
        os.replace(handle.name, folder / stored_name)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return StoredFile(
        stored_name=stored_name,
        original_name=clean_name(original_name),
        content_type=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _private_mkdir(folder: Path) -> None:
    """Create a folder and its missing parents for the app user only (0700)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def path_of(folder: Path, stored_name: str) -> Path:
    """Return the path of a stored file; refuse any name this module did not generate."""
    if not _STORED_NAME.match(stored_name):
        raise RuleError(_l("Onbekende bijlage."), "attachments")
    return folder / stored_name


def remove(folder: Path, stored_name: str) -> None:
    """Delete a stored file if it is there."""
    path_of(folder, stored_name).unlink(missing_ok=True)


# -- files waiting for their form: one folder per account -----------------------------------------

PENDING = "pending"


def pending_folder(folder: Path, user_id: int) -> Path:
    """Return the folder where an account's uploads wait until they become attachments.

    Files behind an attachment live in `folder` itself; only files in here can be dropped
    from a form, so no form post can delete a file that belongs to an attachment.
    """
    return folder / PENDING / str(int(user_id))


def pending_bytes(folder: Path, user_id: int, *, max_age: float, now: float) -> int:
    """Return how many bytes an account has waiting; expired files are deleted on the way."""
    total = 0
    mine = pending_folder(folder, user_id)
    if not mine.is_dir():
        return 0
    for path in mine.iterdir():
        if not path.is_file():
            continue
        stat = path.stat()
        if now - stat.st_mtime > max_age:
            path.unlink(missing_ok=True)
        else:
            total += stat.st_size
    return total


def is_pending(folder: Path, user_id: int, stored_name: str) -> bool:
    """Tell whether a stored file is still waiting in the account's pending folder."""
    try:
        return path_of(pending_folder(folder, user_id), stored_name).is_file()
    except RuleError:
        return False


def adopt(folder: Path, user_id: int, files: list[StoredFile]) -> None:
    """Move waiting files into the attachment folder (their rows are about to be committed)."""
    for stored in files:
        source = path_of(pending_folder(folder, user_id), stored.stored_name)
        os.replace(source, path_of(folder, stored.stored_name))


def drop_pending(folder: Path, user_id: int, stored_name: str) -> None:
    """Delete a waiting file of the account; files behind attachments are never touched."""
    remove(pending_folder(folder, user_id), stored_name)


def orphans(folder: Path, known: set[str], older_than_seconds: float, now: float) -> list[Path]:
    """List stored files no attachment refers to and older than the given age."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if path.name in known or not path.is_file():
            continue
        is_ours = _STORED_NAME.match(path.name) or path.name.startswith(".upload-")
        if is_ours and now - path.stat().st_mtime > older_than_seconds:
            found.append(path)
    return found


def expired_pending(folder: Path, older_than_seconds: float, now: float) -> list[Path]:
    """List waiting files (of any account) older than the given age."""
    root = folder / PENDING
    if not root.is_dir():
        return []
    return [
        path
        for account in root.iterdir()
        if account.is_dir()
        for path in account.iterdir()
        if path.is_file() and now - path.stat().st_mtime > older_than_seconds
    ]


# -- files kept across a form with errors -------------------------------------------------------


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="bundler.pending-attachments")


def sign_pending(
    files: list[StoredFile],
    *,
    secret: str,
    user_id: int,
    form_id: str,
    issued_at: float | None = None,
) -> str:
    """Encode checked, stored files for a hidden field, bound to the user who uploaded them,
    to one form instance and to the moment they were first kept."""
    if not files:
        return ""
    payload = {
        "u": user_id,
        "i": form_id,
        "t": int(time.time() if issued_at is None else issued_at),
        "f": [asdict(f) for f in files],
    }
    return str(_serializer(secret).dumps(payload))


def load_pending(
    token: str, *, secret: str, user_id: int, form_id: str, max_age: float, now: float | None = None
) -> tuple[list[StoredFile], float | None]:
    """Decode the hidden field: its files and when they were first kept.

    A forged, damaged or expired value, or one of another user or another form instance,
    yields nothing.
    """
    if not token:
        return [], None
    try:
        payload: Any = _serializer(secret).loads(token)
        issued = float(payload["t"])
        if payload.get("u") != user_id or payload.get("i") != form_id or not form_id:
            return [], None
        files = [StoredFile(**item) for item in payload["f"]]
    except (BadSignature, TypeError, KeyError, AttributeError, ValueError):
        return [], None
    age = (time.time() if now is None else now) - issued
    if not 0 <= age <= max_age:
        return [], None
    return [f for f in files if _STORED_NAME.match(f.stored_name)][:MAX_PER_WISH], issued
