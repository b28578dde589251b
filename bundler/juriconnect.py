"""Links to wetten.overheid.nl following the JuriConnect BWB standard (jci1.3)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

BASE = "https://wetten.overheid.nl/jci1.3:c:"
BWB_ID = re.compile(r"^BWB[RV]\d{7}$")
# Article numbers as statutes write them: 19h, 1:3, 7.2, 2a, 10bis.
ARTICLE = re.compile(r"^[0-9]+[a-z]{0,3}(?:[.:][0-9]+[a-z]{0,3}){0,3}$", re.IGNORECASE)
PARAGRAPH = re.compile(r"^[0-9]+[a-z]?$", re.IGNORECASE)


def is_bwb_id(value: str) -> bool:
    """Tell whether a string is a well-formed BWB id (BWBR0002656)."""
    return bool(BWB_ID.match(value))


def is_article(value: str) -> bool:
    """Tell whether a string looks like an article number (19h, 1:3, 7.2)."""
    return bool(ARTICLE.match(value))


def is_paragraph(value: str) -> bool:
    """Tell whether a string looks like a paragraph (lid) number."""
    return bool(PARAGRAPH.match(value))


def link(
    bwb_id: str,
    article: str = "",
    paragraph: str = "",
    *,
    seen_on: dt.date | None = None,
) -> str:
    """Build the JuriConnect link for a statute, optionally to an article and paragraph."""
    if not is_bwb_id(bwb_id):
        raise ValueError(f"not a BWB id: {bwb_id!r}")
    parts = [BASE + bwb_id]
    if article:
        parts.append("artikel=" + quote(article, safe=""))
        if paragraph:
            parts.append("lid=" + quote(paragraph, safe=""))
    if seen_on is not None:
        parts.append("z=" + seen_on.isoformat())
    return "&".join(parts)


def best_link(bwb_id: str | None, article: str = "", paragraph: str = "") -> str:
    """Link as deep as the parts allow (a malformed article links to the statute); "" without."""
    if not bwb_id or not is_bwb_id(bwb_id):
        return ""
    article = article if is_article(article) else ""
    paragraph = paragraph if article and is_paragraph(paragraph) else ""
    return link(bwb_id, article, paragraph)
