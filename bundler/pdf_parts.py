"""Cut a package's HTML into parts that render on their own (pure: strings in, strings out).

templates/pdf/package.html marks its parts with comments: the front matter (cover, contents,
letter, summary, changes) comes before `<!--bundler:body-->`; each statute's section starts at
`<!--bundler:part-->`, and so does each further part of a big statute (a continued section,
bundler.package_content.PART_WISHES wishes at most) and of the front matter (the contents,
the letter); the body ends at `<!--bundler:end-->`; the appendix starts at
`<!--bundler:appendix-->`. Every part starts on a new page in the single-pass render too, so
rendering them apart lays out the same pages.

What a part cannot know by itself is filled in by the caller as plain text, so a part's HTML
(and with it its content address) changes only when what it shows changes:
- page numbers of the contents and of "(pagina N)" references: `data-page` attributes;
- the running header's ministry, set on the cover in the single pass;
- the package number and version (top left) and "pagina X van Y" are left out of every part
  and stamped on the merged pages: a part then serves every version of the package.
A link to an element in another part keeps working: the link itself gets that id (a stand-in
anchor, so the renderer keeps the link) and the merge points the name at the real element.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass

BODY, PART, END, APPENDIX = (
    "<!--bundler:body-->",
    "<!--bundler:part-->",
    "<!--bundler:end-->",
    "<!--bundler:appendix-->",
)
_ID = re.compile(r'\sid="([^"]+)"')
_TOC = re.compile(r'<nav class="toc".*?</nav>', re.S)
_TOC_LINK = re.compile(r'<a href="#([^"]+)"')
_PAGE_REF = re.compile(r'<a class="page-ref" href="#([^"]+)"')
_COVER_NUMBER = re.compile(r'<p class="cover-number">(.*?)</p>', re.S)
_COVER_MINISTRY = re.compile(r'<table class="cover-facts">.*?<td>(.*?)</td>', re.S)

# Every part: no "pagina X van Y" and no package number (stamped after the merge).
_ALL_PARTS_CSS = "@page { @bottom-right { content: none; } @top-left { content: none; } }\n"
_FRONT_CSS = '.toc a[data-page]::after { content: leader(".....") " " attr(data-page); }\n'
_BODY_CSS = (
    'a.page-ref[data-page]::after { content: " (pagina " attr(data-page) ")"; }\n'
    # A part's first page is not the document's first page: keep its running header.
    "@page :first {\n"
    '  @top-right { content: string(statute) "\\A" string(wish, start); }\n'
    "}\n"
)


class NotSplittable(ValueError):
    """The HTML lacks the part markers (not made from templates/pdf/package.html)."""


@dataclass(frozen=True)
class Split:
    """The package HTML cut at its markers; `statutes` holds one section each."""

    head: str  # up to and including <body>
    front: tuple[str, ...]  # the cover, the contents, the letter and what follows it
    wishes_open: str  # the body's own section start and heading
    statutes: tuple[str, ...]
    wishes_close: str
    appendix: str
    tail: str  # </body></html>
    package_id: str
    ministry: str


def split(html: str) -> Split:
    """Cut the HTML of a package at its part markers."""
    if html.count(BODY) != 1 or html.count(END) != 1 or html.count(APPENDIX) != 1:
        raise NotSplittable("package HTML without part markers")
    body_at = html.index("<body>") + len("<body>")
    head, rest = html[:body_at], html[body_at:]
    front, rest = rest.split(BODY)
    body, rest = rest.split(END)
    wishes_open, *statutes = body.split(PART)
    wishes_close, rest = rest.split(APPENDIX)
    tail_at = rest.rindex("</body>")
    number = _COVER_NUMBER.search(front.split(PART)[0])
    ministry = _COVER_MINISTRY.search(front.split(PART)[0])
    return Split(
        head=head,
        front=tuple(front.split(PART)),
        wishes_open=wishes_open,
        statutes=tuple(statutes),
        wishes_close=wishes_close,
        appendix=rest[:tail_at],
        tail=rest[tail_at:],
        package_id=html_lib.unescape(number.group(1)).strip() if number else "",
        ministry=html_lib.unescape(ministry.group(1)).strip() if ministry else "",
    )


@dataclass(frozen=True)
class PartSource:
    """One part before page numbers are known: its name, body HTML, and the ids it holds."""

    name: str
    kind: str  # "front", "body" or "appendix"
    body: str
    ids: frozenset[str]
    # Where its outline entries go: 0 top level, 1 under "Knelpunten per wet", 2 under the
    # last statute (a statute continued), 3 under the last article (an article continued).
    depth: int = 0


_FRONT_NAMES = ("front", "contents", "letter")


def parts(doc: Split) -> list[PartSource]:
    """Return the parts in document order: front matter, the statutes' parts, appendix."""
    sections = list(doc.statutes) or [""]
    found = [
        (_FRONT_NAMES[n] if n < len(_FRONT_NAMES) else f"front-{n + 1}", "front", f, 0)
        for n, f in enumerate(doc.front)
    ]
    statute = piece = 0
    for index, section in enumerate(sections):
        opening = doc.wishes_open if index == 0 else '\n<section class="wishes">\n'
        body = opening + section + doc.wishes_close
        continued = section.lstrip().startswith('<section class="statute statute-continued"')
        statute, piece = (statute, piece + 1) if continued else (statute + 1, 1)
        name = f"statute-{statute}" + (f"-{piece}" if continued else "")
        depth = 1 if index and not continued else 0
        if continued:
            depth = 3 if 'class="article article-continued"' in section[:1000] else 2
        found.append((name, "body", body, depth))
    found.append(("appendix", "appendix", doc.appendix, 0))
    return [PartSource(n, k, b, frozenset(_ID.findall(b)), d) for n, k, b, d in found]


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def part_html(doc: Split, part: PartSource, pages: Mapping[str, int]) -> str:
    """Return the full HTML of one part, page numbers of other elements filled in from `pages`.

    `pages` maps an element id to its (1-based) page in the merged document; an id it lacks
    gets page 0, which a second round corrects.
    """
    css = _ALL_PARTS_CSS + _FRONT_CSS
    body = _TOC.sub(lambda m: _number_links(m.group(0), _TOC_LINK, part, pages), part.body)
    body = _number_links(body, _PAGE_REF, part, pages)
    first = part.name == _FRONT_NAMES[0]
    if not first:
        # Not the document's first page, nor the cover that sets the ministry's code.
        css += _BODY_CSS
        css += f"html {{ string-set: ministry-code {_css_string(doc.ministry)}; }}\n"
    head = doc.head if first else _neutral_head(doc.head)
    head = head.replace("</head>", f"<style>\n{css}</style>\n</head>", 1)
    return head + body + doc.tail


def _neutral_head(head: str) -> str:
    # A body part's own title and dates never reach the merged PDF; leaving them out lets
    # the same part serve every version of the package.
    links = "\n".join(re.findall(r"<link [^>]*>", head))
    return (
        '<!doctype html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Deel van een pakket</title>\n{links}\n</head>\n<body>"
    )


def stamp_html(doc: Split, text: str) -> str:
    """Return a one-page document whose footer shows `text` in the package's page style.

    Its running header shows the package number and version, as on every page but the cover.
    """
    number = _css_string(doc.package_id)
    css = f"@page {{ @bottom-right {{ content: {_css_string(text)}; }} }}\n"
    css += f"@page {{ @top-left {{ content: {number}; }} }}\n"
    css += f"@page :first {{ @top-left {{ content: {number}; }} }}\n"
    head = _neutral_head(doc.head).replace("</head>", f"<style>\n{css}</style>\n</head>", 1)
    return head + doc.tail


def _number_links(
    text: str, pattern: re.Pattern[str], part: PartSource, pages: Mapping[str, int]
) -> str:
    stand_ins: set[str] = set()

    def number(match: re.Match[str]) -> str:
        target = match.group(1)
        extra = f' data-page="{pages.get(target, 0)}"'
        if target not in part.ids and target not in stand_ins:
            stand_ins.add(target)
            extra += f' id="{target}"'
        return match.group(0) + extra

    return pattern.sub(number, text)


def references(text: str) -> set[str]:
    """Return the ids the page numbers of a part's HTML refer to."""
    return set(_TOC_LINK.findall(text)) | set(_PAGE_REF.findall(text))
