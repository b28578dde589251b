"""What a ministry package says, as plain data: which wishes, their JSON twin, what changed.

Pure functions over plain values: no Flask, no database. bundler.packages loads the rows,
this module decides and describes, pdf.py renders.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from bundler.charts import bar_chart
from bundler.enums import AnswerStatus, WishState
from bundler.grouping import MinistryGroup, WishItem, count, group_wishes
from bundler.package_parts import AttachmentInfo, LetterInfo, file_size, plan_attachments

SCHEMA = "https://bundler.example/schema/pakket/1"
# A ministry's answer that still leaves the wish open: the wish stays in its next package.
OPEN_ANSWERS = frozenset(
    {AnswerStatus.RECEIVED, AnswerStatus.IN_PROGRESS, AnswerStatus.IN_LEGISLATION}
)
PACKAGE_STATES = (WishState.ACCEPTED, WishState.OFFERED)
# Default for PACKAGE_ATTACHMENTS_MAX_MB: the attachments one package PDF may embed in total.
ATTACHMENT_LIMIT = 20 * 1024 * 1024
# The most wishes one part of a package holds when it is rendered in parts (bundler.pdf_parts):
# a bigger statute is cut, at an article where it can, and each cut starts a new page (in the
# single-pass render too, so both lay out the same pages).
PART_WISHES = 30
# Above this many wishes the contents list the statutes and articles, not every wish: a
# 3,000-wish package's contents took 65 pages, the slowest and most memory-hungry pages to
# render (24 s and 350 MB, against 2 s and no growth for 20 pages of wishes). Every wish keeps
# its bookmark in the outline and its heading under its article.
CONTENTS_WISHES = 500


def is_included(state: str, latest_answer: str | None) -> bool:
    """Tell whether a wish belongs in its ministry's next package.

    Accepted wishes do; offered ones do while the ministry's latest answer is still open.
    """
    if state == WishState.ACCEPTED:
        return True
    if state == WishState.OFFERED:
        return latest_answer is None or latest_answer in OPEN_ANSWERS
    return False


@dataclass(frozen=True)
class AnswerInfo:
    """A ministry's answer on a wish, as the package shows it."""

    status: str
    label: str
    answered_at: dt.datetime
    link: str = ""
    effective_date: dt.date | None = None
    reasons: str = ""


@dataclass(frozen=True)
class RelatedInfo:
    """A wish this one depends on or follows from, and where that wish stands."""

    kind: str
    label: str
    reference: str
    title: str
    status: str = ""
    anchor: str = ""  # the related wish's anchor when it is in this package


@dataclass(frozen=True)
class WishDetail:
    """The text of a wish that the PDF shows next to what grouping knows (WishItem)."""

    problem: str = ""
    proposed_change: str = ""
    benefit_who: str = ""
    benefit_cases_per_year: int | None = None
    benefit_savings: str = ""
    urgency: str = ""
    urgency_label: str = ""
    urgency_reason: str = ""
    law_link: str = ""
    related: tuple[RelatedInfo, ...] = ()
    previous_answer: AnswerInfo | None = None
    attachments: tuple[AttachmentInfo, ...] = ()


@dataclass(frozen=True)
class MinistryInfo:
    """A ministry as it is when the package is made; versions keep it so."""

    code: str
    name: str
    tooi: str


@dataclass
class Changes:
    """What a version adds, changes and no longer includes since the previous one."""

    new: list[tuple[str, str]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.new or self.changed or self.removed)

    def as_json(self) -> dict[str, list[list[str]]]:
        return {
            "new": [list(p) for p in self.new],
            "changed": [list(p) for p in self.changed],
            "removed": [list(p) for p in self.removed],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Changes:
        data = data or {}
        return cls(
            new=[(r, t) for r, t in data.get("new", [])],
            changed=[(r, t) for r, t in data.get("changed", [])],
            removed=[(r, t) for r, t in data.get("removed", [])],
        )


@dataclass
class PackageContent:
    """Everything a package version says, before it has a number."""

    ministry: MinistryInfo
    tree: MinistryGroup | None
    details: dict[int, WishDetail]
    cover_letter: str = ""
    attachment_limit: int = 0
    letter: LetterInfo = field(default_factory=LetterInfo)
    logo: tuple[str, bytes] | None = None  # (content type, cleaned bytes) of the office's logo

    @property
    def attachments(self) -> list[tuple[WishItem, AttachmentInfo]]:
        """Every wish's attachments, in package order."""
        return [
            (item, info)
            for item in self.items
            for info in self.details.get(item.id, WishDetail()).attachments
        ]

    @property
    def items(self) -> list[WishItem]:
        return self.tree.wishes if self.tree else []

    def wish_records(self) -> list[dict[str, Any]]:
        """Describe every wish as JSON-ready data, in the order of the PDF."""
        return [wish_record(item, self.details.get(item.id, WishDetail())) for item in self.items]

    def content_hash(self) -> str:
        """Hash what the package says; equal hashes mean nothing changed."""
        digest = content_hash(self.ministry, self.cover_letter, self.wish_records(), self.letter)
        if self.logo is None:
            return digest
        # A new logo makes a new version too; without one the hash is as it always was.
        return hashlib.sha256(
            f"{digest}:{hashlib.sha256(self.logo[1]).hexdigest()}".encode()
        ).hexdigest()


def build_content(
    items: Iterable[WishItem],
    details: Mapping[int, WishDetail],
    ministry: MinistryInfo,
    cover_letter: str = "",
    attachment_limit: int = ATTACHMENT_LIMIT,
    letter: LetterInfo | None = None,
) -> PackageContent:
    """Group the included wishes of one ministry exactly as the office overview does.

    Attachments are embedded in package order while their total stays within the limit.
    """
    groups = group_wishes(items, states=PACKAGE_STATES, ministry=ministry.code)
    tree = groups[0] if groups else None
    ordered = tree.wishes if tree else []
    kept = [details.get(i.id, WishDetail()) for i in ordered]
    planned = plan_attachments(
        [i.reference for i in ordered], [d.attachments for d in kept], attachment_limit
    )
    return PackageContent(
        ministry=ministry,
        tree=tree,
        details={
            i.id: replace(d, attachments=files)
            for i, d, files in zip(ordered, kept, planned, strict=True)
            if i.id in details
        },
        cover_letter=cover_letter,
        attachment_limit=attachment_limit,
        letter=letter or LetterInfo(),
    )


def _answer_record(answer: AnswerInfo | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {
        "status": answer.status,
        "label": answer.label,
        "answeredAt": answer.answered_at.date().isoformat(),
        "link": answer.link,
        "effectiveDate": answer.effective_date.isoformat() if answer.effective_date else None,
        "reasons": answer.reasons,
    }


def wish_record(item: WishItem, detail: WishDetail) -> dict[str, Any]:
    """Describe one wish for the JSON twin (and for comparing versions)."""
    municipalities = sorted(
        {(code, name) for p in item.pilots for code, name in p.municipalities},
        key=lambda m: (m[1].lower(), m[0]),
    )
    return {
        "reference": item.reference,
        "title": item.title,
        "statute": item.statute_bwb_id,
        "statuteTitle": item.statute_title,
        "article": item.article,
        "paragraph": item.paragraph,
        "lawLink": detail.law_link,
        "ministries": list(item.ministries),
        "shared": item.shared,
        "problem": detail.problem,
        "proposedChange": detail.proposed_change,
        "benefit": {
            "who": detail.benefit_who,
            "casesPerYear": detail.benefit_cases_per_year,
            "savings": detail.benefit_savings,
        },
        "urgency": detail.urgency,
        "urgencyReason": detail.urgency_reason,
        "pilots": [
            {
                "name": p.name,
                "role": "indiener" if p.raising else "ondersteuner",
                "note": p.note,
                "municipalities": [{"cbsCode": c, "name": n} for c, n in p.municipalities],
                "executingOrganisation": p.executing_organisation,
            }
            for p in item.pilots
        ],
        "municipalities": [{"cbsCode": c, "name": n} for c, n in municipalities],
        "related": [
            {"kind": r.kind, "reference": r.reference, "title": r.title, "status": r.status}
            for r in detail.related
        ],
        "previousAnswer": _answer_record(detail.previous_answer),
        "attachments": [a.record() for a in detail.attachments],
    }


def canonical_json(value: Any) -> bytes:
    """Serialise JSON the same way every time, so equal content gives equal bytes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_hash(
    ministry: MinistryInfo,
    cover_letter: str,
    wishes: Sequence[Mapping[str, Any]],
    letter: LetterInfo | None = None,
) -> str:
    """Hash the ministry, the cover letter (body and fields) and the wishes in order."""
    payload: dict[str, Any] = {
        "ministry": [ministry.code, ministry.name, ministry.tooi],
        "coverLetter": cover_letter.strip(),
        "wishes": list(wishes),
    }
    if letter:  # only when filled in, so packages made before the fields keep their hash
        payload["letterFields"] = letter.record()
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def diff_wishes(
    previous: Sequence[Mapping[str, Any]], current: Sequence[Mapping[str, Any]]
) -> Changes:
    """Compare the wishes of two versions by reference: new, changed and removed."""
    before = {w["reference"]: w for w in previous}
    after = {w["reference"]: w for w in current}
    changes = Changes()
    for reference, wish in after.items():
        if reference not in before:
            changes.new.append((reference, wish["title"]))
        elif before[reference] != wish:
            changes.changed.append((reference, wish["title"]))
    for reference, wish in before.items():
        if reference not in after:
            changes.removed.append((reference, wish["title"]))
    return changes


def twin(
    content: PackageContent,
    *,
    number: str,
    version: int,
    created: dt.datetime,
    changes: Changes,
    office: str,
) -> dict[str, Any]:
    """Return the machine-readable twin of a package version: exactly the wishes in the PDF."""
    wishes = content.wish_records()
    totals = count(content.items)
    return {
        "$schema": SCHEMA,
        "package": {
            "number": number,
            "version": version,
            "created": created.isoformat(timespec="seconds"),
            "programmeOffice": office,
            "ministry": {
                "code": content.ministry.code,
                "name": content.ministry.name,
                "tooi": content.ministry.tooi,
            },
        },
        "totals": {
            "wishes": totals.wishes,
            "pilots": totals.pilots,
            "municipalities": totals.municipalities,
            "executingOrganisations": totals.executing_organisations,
        },
        "changes": changes.as_json(),
        "wishes": wishes,
    }


# The cover letter: Markdown without raw HTML, then sanitised; headings sit below the letter's own.
LETTER_TAGS = frozenset(
    {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "h2", "h3", "h4", "a", "hr"}
)


def letter_html(text: str) -> str:
    """Render the office's Markdown cover letter to safe HTML (no raw HTML, no images)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
    tokens = md.parse(text or "")
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 4)}"
    html = md.renderer.render(tokens, md.options, {})
    return nh3.clean(
        html,
        tags=set(LETTER_TAGS),
        attributes={"a": {"href"}},
        url_schemes={"https", "mailto"},
        link_rel=None,
    )


@dataclass(frozen=True)
class AppendixPilot:
    """A pilot in the package's appendix, with its municipalities and its wishes here."""

    name: str
    executing_organisation: str | None
    municipalities: tuple[tuple[str, str], ...]
    references: tuple[str, ...]


def appendix(items: Sequence[WishItem]) -> list[AppendixPilot]:
    """List every pilot behind the package's wishes, by name."""
    pilots: dict[str, AppendixPilot] = {}
    references: dict[str, list[str]] = {}
    for item in items:
        for pilot in item.pilots:
            pilots.setdefault(
                pilot.name,
                AppendixPilot(pilot.name, pilot.executing_organisation, pilot.municipalities, ()),
            )
            references.setdefault(pilot.name, []).append(item.reference)
    return [
        AppendixPilot(p.name, p.executing_organisation, p.municipalities, tuple(references[name]))
        for name, p in sorted(pilots.items(), key=lambda kv: kv[0].lower())
    ]


def part_cuts(sizes: Sequence[int], limit: int = 0) -> list[list[int]]:
    """Where a statute's wishes are cut into parts of at most `limit` wishes.

    `sizes`: the number of wishes of each article, in order. Returns, per article, the
    indexes of the wishes a new part starts with (0: the part starts with the article);
    never the statute's first wish. A cut falls between articles unless an article alone
    holds more than `limit` wishes.
    """
    limit = limit or PART_WISHES
    cuts: list[list[int]] = []
    filled = 0
    for size in sizes:
        here: list[int] = []
        if filled and filled + size > limit:
            here.append(0)
            filled = 0
        for index in range(size):
            if filled >= limit:
                here.append(index)
                filled = 0
            filled += 1
        cuts.append(here)
    return cuts


def document_context(
    content: PackageContent,
    *,
    number: str,
    version: int,
    created: dt.datetime,
    changes: Changes,
    previous_version: int | None,
    office: str,
    twin_name: str,
) -> dict[str, Any]:
    """Shape what templates/pdf/package.html receives: plain data, anchors, chart, appendix."""
    changed = {r for r, _ in changes.changed}
    new = {r for r, _ in changes.new}
    statutes: list[dict[str, Any]] = []
    for s_index, statute in enumerate(content.tree.statutes if content.tree else [], start=1):
        title = (
            f"{statute.title} ({statute.bwb_id})" if statute.bwb_id else "Wet nog niet vastgesteld"
        )
        articles: list[dict[str, Any]] = []
        cuts = part_cuts([len(a.wishes) for a in statute.articles])
        for a_index, article in enumerate(statute.articles, start=1):
            cut = cuts[a_index - 1]
            wishes = [
                {
                    "item": item,
                    "detail": content.details.get(item.id, WishDetail()),
                    "anchor": f"w{item.id}",
                    "change": "Nieuw"
                    if item.reference in new and previous_version is not None
                    else ("Gewijzigd" if item.reference in changed else ""),
                    "cut": w_index in cut and w_index > 0,
                }
                for w_index, item in enumerate(article.wishes)
            ]
            articles.append(
                {
                    "anchor": f"s{s_index}-a{a_index}",
                    "label": f"Artikel {article.article}" if article.article else "Geen artikel",
                    "wishes": wishes,
                    "cut": 0 in cut,
                }
            )
        statutes.append(
            {
                "anchor": f"s{s_index}",
                "title": title,
                "short": statute.title or "Wet nog niet vastgesteld",
                "counts": statute.counts,
                "articles": articles,
            }
        )
    chart = bar_chart(
        "Knelpunten per wet",
        [(s["short"], (s["counts"].wishes,)) for s in statutes],
        ("Knelpunten",),
        chart_id="pakket-grafiek",
    )
    totals = content.tree.counts if content.tree else count([])
    return {
        "number": number,
        "version": version,
        "created": created,
        "office": office,
        "ministry": content.ministry,
        "totals": totals,
        "statutes": statutes,
        "contents_wishes": totals.wishes <= CONTENTS_WISHES,
        "letter": Markup(letter_html(content.cover_letter)) if content.cover_letter.strip() else "",  # noqa: S704 - sanitised by nh3
        "fields": content.letter,
        "logo": (
            f"data:{content.logo[0]};base64,{base64.b64encode(content.logo[1]).decode()}"
            if content.logo
            else ""
        ),
        "letter_date": content.letter.date or created,
        "addressee": [
            line.strip() for line in content.letter.addressee.splitlines() if line.strip()
        ]
        or [f"Aan de minister van {content.ministry.name}"],
        "subject": content.letter.subject.strip()
        or f"Knelpunten in wet- en regelgeving, pakket {number} versie {version}",
        "changes": changes.as_json(),
        "has_changes": bool(changes),
        "previous_version": previous_version,
        "chart": "data:image/svg+xml;base64," + base64.b64encode(chart.encode()).decode(),
        "appendix": appendix(content.items),
        "twin_name": twin_name,
        "attachments": {
            "embedded": sum(1 for _, a in content.attachments if a.embedded),
            "listed": sum(1 for _, a in content.attachments if not a.embedded),
            "limit": file_size(content.attachment_limit),
        },
    }
