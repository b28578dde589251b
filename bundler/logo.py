"""The office's logo: checked, cleaned and stored (operations: add and flush, no commit).

Only two kinds are accepted, and neither is kept as uploaded: a PNG is decoded and written
anew (no metadata, no extra chunks); an SVG is parsed without DTDs or entities and rebuilt
from an allowlist of shape elements and presentation attributes, so no script, event handler,
style sheet, external reference or embedded image survives.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

import defusedxml.ElementTree as SafeXML
from defusedxml import DefusedXmlException
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bundler import audit
from bundler.models import OfficeLogo, User
from bundler.rules import RuleError

MAX_BYTES = 512 * 1024
MAX_PIXELS = 4_000_000
PNG = "image/png"
SVG = "image/svg+xml"
SVG_NS = "http://www.w3.org/2000/svg"

ELEMENTS = frozenset(
    {
        "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "title", "desc", "defs", "linearGradient", "radialGradient", "stop",
    }
)  # fmt: skip
ATTRIBUTES = frozenset(
    {
        "id", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
        "rx", "ry", "d", "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke",
        "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin", "opacity",
        "font-family", "font-size", "font-weight", "text-anchor", "offset", "stop-color",
        "stop-opacity", "gradientUnits", "gradientTransform", "preserveAspectRatio", "dx", "dy",
    }
)  # fmt: skip
# A value may point only inside the file (fill="url(#verloop)"), never elsewhere.
_URL = re.compile(r"url\s*\(", re.IGNORECASE)
_LOCAL_URL = re.compile(r"^url\(#[A-Za-z][\w.-]*\)$")
_UNSAFE = re.compile(r"javascript:|expression\s*\(|@import|data:", re.IGNORECASE)


def _refused() -> RuleError:
    return RuleError(_l("Kies een PNG- of SVG-bestand met een logo."), "logo")


def clean_png(data: bytes) -> bytes:
    """Decode a PNG within the pixel limit and write it anew, without metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format != "PNG":
                raise _refused()
            if image.width * image.height > MAX_PIXELS:
                raise RuleError(
                    _l("Het logo heeft te veel pixels (hoogstens 4 megapixel)."), "logo"
                )
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning) as error:
        raise _refused() from error
    clean: Image.Image = image
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        clean = image.convert("RGBA")
    out = io.BytesIO()
    clean.save(out, "PNG", optimize=True)
    return out.getvalue()


def _copy(source: Element, target: Element | None) -> Element:
    tag = source.tag.rpartition("}")[2] if source.tag.startswith(f"{{{SVG_NS}}}") else ""
    if tag not in ELEMENTS:
        raise _refused()
    attributes = {}
    for name, value in source.attrib.items():
        if name not in ATTRIBUTES:
            continue  # event handlers, style, href, foreign namespaces: dropped
        if _UNSAFE.search(value) or (_URL.search(value) and not _LOCAL_URL.match(value.strip())):
            continue
        attributes[name] = value
    element = (
        Element(f"{{{SVG_NS}}}{tag}", attributes)
        if target is None
        else SubElement(target, f"{{{SVG_NS}}}{tag}", attributes)
    )
    if tag in ("text", "tspan", "title", "desc"):
        element.text = source.text
    for child in source:
        if child.tag.rpartition("}")[2] not in ELEMENTS or not child.tag.startswith(
            f"{{{SVG_NS}}}"
        ):
            continue  # script, style, foreignObject, image, use, ...: dropped with their content
        _copy(child, element)
        if tag in ("text", "tspan"):
            element[-1].tail = child.tail
    return element


def clean_svg(data: bytes) -> bytes:
    """Rebuild an SVG from allowed elements and attributes; refuse anything else."""
    try:
        root = SafeXML.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, SyntaxError, ValueError) as error:
        raise _refused() from error
    if root.tag != f"{{{SVG_NS}}}svg":
        raise _refused()
    register_namespace("", SVG_NS)
    return bytes(tostring(_copy(root, None), encoding="utf-8"))


def clean_logo(data: bytes) -> tuple[str, bytes]:
    """Return the kind and the cleaned bytes of an uploaded logo, or raise RuleError."""
    if not data:
        raise RuleError(_l("Kies een bestand."), "logo")
    if len(data) > MAX_BYTES:
        raise RuleError(_l("Het logo mag hoogstens 512 kB zijn."), "logo")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG, clean_png(data)
    if b"<svg" in data[:4096]:
        return SVG, clean_svg(data)
    raise _refused()


def current_logo(session: Session) -> OfficeLogo | None:
    """Return the logo in use, if any."""
    return session.scalar(select(OfficeLogo).order_by(OfficeLogo.id.desc()).limit(1))


def set_logo(session: Session, data: bytes, *, actor: User | None) -> OfficeLogo:
    """Clean and store a new logo in place of the old one."""
    kind, clean = clean_logo(data)
    session.execute(delete(OfficeLogo))
    logo = OfficeLogo(
        content_type=kind,
        data=clean,
        sha256=hashlib.sha256(clean).hexdigest(),
        uploaded_by_id=actor.id if actor else None,
    )
    session.add(logo)
    session.flush()
    audit.record(
        session,
        "office.logo",
        actor=actor,
        obj=logo,
        after={"contentType": kind, "size": len(clean), "sha256": logo.sha256},
        summary=kind,
    )
    return logo


def remove_logo(session: Session, *, actor: User | None) -> None:
    """Stop using a logo."""
    session.execute(delete(OfficeLogo))
    audit.record(session, "office.logo_removed", actor=actor, summary="logo")
    session.flush()
