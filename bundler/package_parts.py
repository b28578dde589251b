"""The words and small decisions of a package: dates, notes, related wishes, attachments.

Pure functions over plain values, used by bundler.package_content and the PDF templates.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from bundler.enums import AnswerStatus, WishState

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def nl_date(value: dt.date | dt.datetime | None) -> str:
    """Format a date the Dutch way: 1 juli 2026."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(_amsterdam()).date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


@functools.cache
def _amsterdam() -> dt.tzinfo:
    return ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Placement:
    """Where a wish stands with one of its ministries: its latest package and answer."""

    ministry: str  # the ministry's name
    package: str = ""  # number of the latest package that offered it
    answer: str | None = None  # AnswerStatus value of the ministry's latest answer
    effective_date: dt.date | None = None


def _ministries(placements: Sequence[Placement]) -> str:
    names = [f"het ministerie van {p.ministry}" for p in placements]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def related_status(
    state: str,
    *,
    in_package: bool,
    placements: Sequence[Placement] = (),
    merged_into: str = "",
) -> str:
    """Say where a related wish stands, so a reference outside the package never dangles."""
    if in_package:
        return "in dit pakket"
    if state == WishState.WITHDRAWN:
        return "ingetrokken door de pilot"
    if state == WishState.REJECTED:
        return "afgewezen door het programmabureau"
    if state == WishState.MERGED:
        return f"samengevoegd met {merged_into}" if merged_into else "samengevoegd"
    realised = [p for p in placements if p.answer == AnswerStatus.REALISED]
    if realised:
        dates = sorted({p.effective_date for p in realised if p.effective_date})
        when = f" per {nl_date(dates[-1])}" if dates else ""
        return f"gerealiseerd{when} door {_ministries(realised)}"
    declined = [p for p in placements if p.answer == AnswerStatus.DECLINED]
    if declined and len(declined) == len(placements):
        return f"niet overgenomen door {_ministries(declined)}"
    offered = [p for p in placements if p.package]
    if state == WishState.OFFERED and offered:
        parts = [f"het ministerie van {p.ministry} in pakket {p.package}" for p in offered]
        where = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]
        return f"aangeboden aan {where}"
    if state in (WishState.ACCEPTED, WishState.OFFERED) and placements:
        return f"geaccepteerd; komt in het volgende pakket voor {_ministries(placements)}"
    if state == WishState.CONCEPT:
        return "nog niet ingediend"
    return "nog in behandeling bij het programmabureau"


# A merged wish's note starts with its reference and title on a line of their own.
_MERGED_HEADING = re.compile(r"^[A-Z]{2,}-\d{4}-\d+: \S[^\n]*$")


def note_parts(note: str) -> tuple[str, list[str]]:
    """Split a pilot's note into (merged wish heading or "", paragraphs)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", note.strip()) if p.strip()]
    if len(paragraphs) > 1 and _MERGED_HEADING.match(paragraphs[0]):
        return paragraphs[0], paragraphs[1:]
    return "", paragraphs


# Attachment types as the package names them (the same types bundler.attachments accepts).
FILE_KINDS = {
    "application/pdf": "PDF-document",
    "application/vnd.oasis.opendocument.text": "OpenDocument-tekst",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word-document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel-werkblad",
    "image/png": "PNG-afbeelding",
    "image/jpeg": "JPEG-afbeelding",
}


def file_size(size: int) -> str:
    """Format a file size the Dutch way: 512 bytes, 820 kB, 1,2 MB."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} kB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


@dataclass(frozen=True)
class AttachmentInfo:
    """A file that came with a wish, and whether the package PDF carries it."""

    name: str
    content_type: str
    size: int
    sha256: str
    stored_name: str = ""  # where the bytes are; never shown
    available: bool = True  # False when the file is missing from storage
    embedded: bool = False
    file_name: str = ""  # its name inside the PDF, when embedded

    @property
    def kind(self) -> str:
        return FILE_KINDS.get(self.content_type, self.content_type)

    @property
    def size_label(self) -> str:
        return file_size(self.size)

    def record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "contentType": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "embedded": self.embedded,
            "fileName": self.file_name,
        }


def plan_attachments(
    references: Sequence[str],
    attachments: Sequence[Sequence[AttachmentInfo]],
    limit: int,
) -> list[tuple[AttachmentInfo, ...]]:
    """Decide which files the PDF embeds: in package order, while they fit within `limit` bytes.

    A file that would pass the limit is listed, not embedded; a smaller one after it may still
    fit. Embedded files get a name unique in the PDF: the wish's reference and the file's name.
    """
    used = 0
    names: set[str] = set()
    planned: list[tuple[AttachmentInfo, ...]] = []
    for reference, files in zip(references, attachments, strict=True):
        wish_files = []
        for info in files:
            fits = info.available and used + info.size <= limit
            name = ""
            if fits:
                used += info.size
                name = f"{reference} {info.name}"
                stem, dot, ext = name.rpartition(".")
                number = 2
                while name in names:
                    name = f"{stem} ({number}){dot}{ext}" if dot else f"{name} ({number})"
                    number += 1
                names.add(name)
            wish_files.append(replace(info, embedded=fits, file_name=name))
        planned.append(tuple(wish_files))
    return planned


@dataclass(frozen=True)
class LetterInfo:
    """The cover letter's fields as a Dutch government letter lays them out; the body is apart."""

    addressee: str = ""  # lines: the minister, the postal address
    date: dt.date | None = None  # None: the date the version is made
    reference: str = ""  # the office's reference (ons kenmerk)
    subject: str = ""
    signatory_name: str = ""
    signatory_role: str = ""

    def __bool__(self) -> bool:
        return any(
            (
                self.addressee.strip(),
                self.date,
                self.reference.strip(),
                self.subject.strip(),
                self.signatory_name.strip(),
                self.signatory_role.strip(),
            )
        )

    def record(self) -> dict[str, Any]:
        """Describe the fields as JSON-ready data (in the hash and the version's snapshot)."""
        return {
            "addressee": self.addressee.strip(),
            "date": self.date.isoformat() if self.date else None,
            "reference": self.reference.strip(),
            "subject": self.subject.strip(),
            "signatoryName": self.signatory_name.strip(),
            "signatoryRole": self.signatory_role.strip(),
        }
