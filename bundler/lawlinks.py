"""Read a pasted law link: wetten.overheid.nl addresses and JuriConnect references.

Pure functions over strings. `parse` accepts what people copy from wetten.overheid.nl:

- `https://wetten.overheid.nl/BWBR0005009/2024-01-01#Hoofdstuk2_Artikel12`
- `https://wetten.overheid.nl/BWBR0002656/2024-01-01#Boek1_Titel4_Afdeling1_Artikel19h`
- `jci1.3:c:BWBR0002656&boek=1&artikel=19h&lid=2`, with or without the site in front.

`jci` and `url` build the same two forms from a `LawReference`, so what is built parses back
to the same structure (the property the tests check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from bundler.juriconnect import is_article, is_bwb_id, is_paragraph

SITE = "https://wetten.overheid.nl/"
_BWB = re.compile(r"(?<![A-Z0-9])(BWB[RV]\d{7})(?!\d)", re.IGNORECASE)
_JCI = re.compile(r"jci1\.\d+:[a-z]:(BWB[RV]\d{7})((?:&[^&#\s]*)*)", re.IGNORECASE)
_ANCHOR_PART = re.compile(r"^([A-Za-z]+?)([0-9].*)?$")
PART = re.compile(r"^[0-9]+[A-Za-z]{0,3}(?:\.[0-9]+[A-Za-z]{0,3}){0,2}$")


@dataclass(frozen=True)
class LawReference:
    """A place in a regulation: its BWB id, and optionally book, chapter, article, lid."""

    bwb_id: str
    book: str = ""
    chapter: str = ""
    article: str = ""
    paragraph: str = ""


def _clean(value: str, valid: bool) -> str:
    return value if value and valid else ""


def _reference(bwb_id: str, parts: dict[str, str]) -> LawReference:
    article = parts.get("artikel", "")
    article = _clean(article, is_article(article))
    paragraph = parts.get("lid", "")
    return LawReference(
        bwb_id=bwb_id.upper(),
        book=_clean(parts.get("boek", ""), bool(PART.match(parts.get("boek", "")))),
        chapter=_clean(parts.get("hoofdstuk", ""), bool(PART.match(parts.get("hoofdstuk", "")))),
        article=article,
        paragraph=_clean(paragraph, bool(article) and is_paragraph(paragraph)),
    )


def _jci_parts(query: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        key = key.strip().lower()
        if key and key not in parts:
            parts[key] = unquote(value).strip()
    return parts


def _anchor_parts(anchor: str) -> dict[str, str]:
    """Read `Boek1_Titel4_Afdeling1_Artikel19h` into {"boek": "1", ..., "artikel": "19h"}."""
    parts: dict[str, str] = {}
    for piece in unquote(anchor).split("_"):
        match = _ANCHOR_PART.match(piece)
        if match and match.group(2):
            parts.setdefault(match.group(1).lower(), match.group(2))
    return parts


def parse(text: str) -> LawReference | None:
    """Read a pasted wetten.overheid.nl link or JuriConnect reference; None if it is neither."""
    text = (text or "").strip()
    if not text or len(text) > 2000:
        return None
    jci = _JCI.search(text)
    if jci:
        return _reference(jci.group(1), _jci_parts(jci.group(2)))
    lowered = text.lower()
    if "wetten.overheid.nl" not in lowered and not _BWB.fullmatch(text):
        return None
    found = _BWB.search(text)
    if not found:
        return None
    _, _, anchor = text.partition("#")
    return _reference(found.group(1), _anchor_parts(anchor))


def jci(ref: LawReference) -> str:
    """Build the JuriConnect reference (without the site) for a place in a regulation."""
    if not is_bwb_id(ref.bwb_id):
        raise ValueError(f"not a BWB id: {ref.bwb_id!r}")
    parts = [f"jci1.3:c:{ref.bwb_id}"]
    for key, value in (
        ("boek", ref.book),
        ("hoofdstuk", ref.chapter),
        ("artikel", ref.article),
        ("lid", ref.paragraph if ref.article else ""),
    ):
        if value:
            parts.append(f"{key}={value}")
    return "&".join(parts)


def url(ref: LawReference, version: str = "") -> str:
    """Build a wetten.overheid.nl address with an anchor, as the site shows one (no lid)."""
    if not is_bwb_id(ref.bwb_id):
        raise ValueError(f"not a BWB id: {ref.bwb_id!r}")
    named = (("Boek", ref.book), ("Hoofdstuk", ref.chapter), ("Artikel", ref.article))
    anchor = [f"{name}{value}" for name, value in named if value]
    address = SITE + ref.bwb_id + (f"/{version}" if version else "")
    return address + ("#" + "_".join(anchor) if anchor else "")
