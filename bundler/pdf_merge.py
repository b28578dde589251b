"""Merge separately rendered parts of a package into one tagged PDF/A-3a (pikepdf).

The first part (the front matter) gives the document its catalog: XMP metadata with the
PDF/A-3a and PDF/UA-1 identification, output intent, language, viewer preferences and the
embedded JSON twin. The other parts' pages are appended and:
- their structure elements become kids of the front's Document element (one structure tree),
  their ParentTree keys and the pages' /StructParents and annotations' /StructParent shifted
  past the keys already used;
- their outline entries are appended to the outline;
- named destinations are merged, each name pointing into the part that holds the element
  (a part's stand-in anchors for links to other parts are dropped);
- embedded files are merged into one EmbeddedFiles name tree (each stays on its page's /AF);
- "pagina X van Y" is stamped on every page, and the running header's package number and
  version on every page but the cover, as artifacts, in the font and place of a one-page
  reference render of the same page style (so a part serves every version of the package).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

import pikepdf

STAMP_TEXT = "pagina 0123456789 van 0123456789"
STAMP_FONT = pikepdf.Name("/BundlerPageNumber")
HEADER_FONT = pikepdf.Name("/BundlerHeader")


@dataclass(frozen=True)
class PartInfo:
    """What a rendered part tells the next round: its page count and its elements' pages."""

    pages: int
    anchors: dict[str, int]  # id -> 0-based page within the part


def read_part(data: bytes) -> PartInfo:
    """Read a part's page count and the page of every named destination in it."""
    with pikepdf.open(BytesIO(data)) as part:
        index = {page.objgen: n for n, page in enumerate(part.pages)}
        anchors: dict[str, int] = {}
        for name, dest in _name_pairs(part, "/Dests"):
            anchors[name] = index[dest[0].objgen]
        return PartInfo(pages=len(part.pages), anchors=anchors)


def _name_pairs(pdf: pikepdf.Pdf, tree: str) -> list[tuple[str, Any]]:
    names = pdf.Root.get("/Names")
    if names is None or tree not in names:
        return []
    return [(str(k), v) for k, v in pikepdf.NameTree(names[tree]).items()]


def merge(
    parts: Sequence[bytes],
    owners: Mapping[str, int],
    stamp: bytes,
    depths: Sequence[int] = (),
) -> bytes:
    """Merge rendered parts in order; `owners` maps an element id to the part that holds it.

    A part with a depth in `depths` has its outline entries placed that many levels down,
    under the last entry of each level (1: a statute's entries under "Knelpunten per wet";
    2: a continued statute's articles under the statute; 3: a continued article's wishes).
    """
    out = pikepdf.open(BytesIO(parts[0]))
    root = out.Root.StructTreeRoot
    document = root.K
    if isinstance(document, pikepdf.Array):  # WeasyPrint writes one Document element
        document = document[0]
    nums = list(root.ParentTree.Nums)
    parent_tree = dict(zip((int(k) for k in nums[0::2]), nums[1::2], strict=True))
    next_key = max(parent_tree, default=-1) + 1
    dests = {n: d for n, d in _name_pairs(out, "/Dests") if owners.get(n, 0) == 0}
    files = dict(_name_pairs(out, "/EmbeddedFiles"))
    role_map: Any = root.get("/RoleMap")
    sources = []
    # The element later statutes' elements join (the first statute part's section).
    container: Any = None
    for number, data in enumerate(parts[1:], start=1):
        source = pikepdf.open(BytesIO(data))
        sources.append(source)
        first = len(out.pages)
        shift = next_key
        for page in source.pages:
            out.pages.append(page)
        for page in out.pages[first:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + shift
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + shift
        source_root = source.Root.StructTreeRoot
        source_doc = source_root.K
        if isinstance(source_doc, pikepdf.Array):
            source_doc = source_doc[0]
        kids = pikepdf.Array(_copy_many(out, source, _items(source_doc.K)))
        depth = depths[number] if number < len(depths) else 0
        nest = depth > 0
        source_nums = list(source_root.ParentTree.Nums)
        if nest and container is not None and len(kids) == 1 and "/K" in kids[0]:
            # A statute after the first: its section's elements join the first statute's
            # section ("Knelpunten per wet"), as in the single pass, if nothing else refers
            # to this part's own section element.
            own = _items(source_doc.K)[0]
            if not any(_refers_to(v, own.objgen) for v in source_nums[1::2]):
                kids = pikepdf.Array(_items(kids[0].K))
                _append_kids(container, kids)
                kids = pikepdf.Array()
        _append_kids(document, kids)
        if not nest and len(kids):
            container = kids[-1]
        values = _copy_many(out, source, source_nums[1::2])
        for key, value in zip(source_nums[0::2], values, strict=True):
            parent_tree[int(key) + shift] = value
        next_key = max(parent_tree, default=-1) + 1
        if role_map is not None and "/RoleMap" in source_root:
            for role, value in source_root.RoleMap.items():
                role_map[role] = value
        owned = [
            (n, d) for n, d in _name_pairs(source, "/Dests") if owners.get(n, number) == number
        ]
        dests.update(_copy_named(out, source, owned))
        files.update(_copy_named(out, source, _name_pairs(source, "/EmbeddedFiles")))
        _append_outline(out, source, depth)
    root.ParentTree = out.make_indirect(
        pikepdf.Dictionary(Nums=pikepdf.Array(_flatten(sorted(parent_tree.items()))))
    )
    root.ParentTreeNextKey = next_key
    if "/Names" not in out.Root:
        out.Root.Names = pikepdf.Dictionary()
    names = out.Root.Names
    names.Dests = out.make_indirect(
        pikepdf.Dictionary(Names=pikepdf.Array(_flatten(sorted(dests.items()))))
    )
    if files:
        names.EmbeddedFiles = out.make_indirect(
            pikepdf.Dictionary(Names=pikepdf.Array(_flatten(sorted(files.items()))))
        )
    _stamp(out, stamp)
    buffer = BytesIO()
    # Object streams: the parts' many small structure objects, written loose, tripled the
    # file (13 MB instead of 4.5 MB for 823 pages) and doubled the time to write it.
    out.save(
        buffer,
        fix_metadata_version=False,
        deterministic_id=True,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    for source in sources:
        source.close()
    out.close()
    return buffer.getvalue()


def _append_kids(parent: Any, kids: Any) -> None:
    if "/K" not in parent:
        parent.K = pikepdf.Array()
    elif not isinstance(parent.K, pikepdf.Array):
        parent.K = pikepdf.Array([parent.K])
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary):
            kid.P = parent
        parent.K.append(kid)


def _refers_to(value: Any, objgen: tuple[int, int]) -> bool:
    if isinstance(value, pikepdf.Array):
        return any(_refers_to(v, objgen) for v in value)
    return isinstance(value, pikepdf.Object) and value.is_indirect and value.objgen == objgen


def _items(value: Any) -> list[Any]:
    """The entries of a /K that holds one kid or an array of them."""
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _copy_many(out: pikepdf.Pdf, source: pikepdf.Pdf, objects: Sequence[Any]) -> list[Any]:
    """Copy many objects of `source` into `out` at once: qpdf copies the whole graph in one
    call (copying a big structure tree object by object took a fifth of a merge)."""
    if not objects:
        return []
    return list(out.copy_foreign(source.make_indirect(pikepdf.Array(objects))))


def _copy_named(
    out: pikepdf.Pdf, source: pikepdf.Pdf, pairs: Sequence[tuple[str, Any]]
) -> dict[str, Any]:
    values = _copy_many(out, source, [value for _, value in pairs])
    return dict(zip((name for name, _ in pairs), values, strict=True))


def _flatten(pairs: Sequence[tuple[Any, Any]]) -> list[Any]:
    flat: list[Any] = []
    for key, value in pairs:
        flat += [pikepdf.String(key) if isinstance(key, str) else key, value]
    return flat


def _append_outline(out: pikepdf.Pdf, source: pikepdf.Pdf, depth: int) -> None:
    if "/Outlines" not in source.Root or "/First" not in source.Root.Outlines:
        return
    outlines = out.Root.get("/Outlines")
    if outlines is None:
        outlines = out.Root.Outlines = out.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=0)
        )
    items = []
    item = source.Root.Outlines.First
    while True:
        items.append(item)
        if "/Next" not in item:
            break
        item = item.Next
    copied = _copy_many(out, source, items)
    added = int(source.Root.Outlines.get("/Count", len(items)))
    for _ in range(depth):
        if "/Last" not in outlines:
            break
        outlines.Count = int(outlines.get("/Count", 0)) + added
        outlines = outlines.Last
    last: Any = outlines.get("/Last")
    for entry in copied:
        entry.Parent = outlines
        if last is None:
            outlines.First = entry
            if "/Prev" in entry:
                del entry.Prev
        else:
            last.Next = entry
            entry.Prev = last
        last = entry
    if "/Next" in last:
        del last.Next
    outlines.Last = last
    outlines.Count = int(outlines.get("/Count", 0)) + added


@dataclass(frozen=True)
class _Stamp:
    matrices: list[list[Any]]  # the page's own cm operands before the text
    color: list[Any]
    x_right: float  # right edge of the reference text in text space
    y: Any
    size: Any
    codes: dict[str, bytes]
    widths: dict[str, float]
    header: list[tuple[list[Any], str]]  # the running header's text, drawn as in the reference


def _reference(out: pikepdf.Pdf, stamp: bytes) -> _Stamp:
    with pikepdf.open(BytesIO(stamp)) as reference:
        page = reference.pages[0]
        matrices: list[list[Any]] = []
        color: list[Any] = [0, 0, 0]
        last_color: list[Any] = color
        tm: list[Any] = []
        size: Any = 0
        font: Any = None
        found: tuple[Any, ...] | None = None
        blocks: list[tuple[float, Any, list[tuple[list[Any], str]]]] = []
        block: list[tuple[list[Any], str]] = []
        instructions: list[Any] = list(pikepdf.parse_content_stream(page))
        for operands, operator in instructions:
            op = str(operator)
            if op == "BT":
                block = [(last_color, "rg")]
            if block:
                block.append((list(operands), op))
            if op == "ET" and tm:
                blocks.append((float(tm[5]), font, block))
                block = []
            if op == "cm" and not tm:
                matrices.append(list(operands))
            elif op == "rg":
                last_color = list(operands)
            elif op == "Tm":
                tm = list(operands)
            elif op == "Tf":
                font, size = operands
            elif op == "TJ":
                raw = b"".join(bytes(s) for s in operands[0] if isinstance(s, pikepdf.String))
                if len(raw) == 2 * len(STAMP_TEXT):
                    found = (tm, size, font, raw, last_color)
                    block = []  # not the header
        assert found is not None, "reference page without the page number text"
        tm, size, font, raw, color = found
        font_dict: Any = page.Resources.Font[font]
        widths = _widths(font_dict.DescendantFonts[0].get("/W", []))
        codes = {c: raw[2 * i : 2 * i + 2] for i, c in enumerate(STAMP_TEXT)}
        char_widths = {c: widths.get(int.from_bytes(code), 1000.0) for c, code in codes.items()}
        width = sum(char_widths[c] for c in STAMP_TEXT) * float(size) / 1000
        # The running header: the topmost other text of the reference page.
        header: list[tuple[list[Any], str]] = []
        header_font: Any = None
        if len(blocks) > 1:
            _, name, header = min(blocks, key=lambda b: b[0])
            header_font = page.Resources.Font[name]
            header = [([HEADER_FONT, o[1]], p) if p == "Tf" else (o, p) for o, p in header]
        copied_font, *copied_headers = _copy_many(
            out, reference, [font_dict, *([header_font] if header_font is not None else [])]
        )
        copied_header = copied_headers[0] if copied_headers else None
        for page_obj in out.pages:
            resources = page_obj.obj.Resources
            fonts = resources.get("/Font")
            if fonts is None:
                fonts = resources.Font = pikepdf.Dictionary()
            fonts[STAMP_FONT] = copied_font
            if copied_header is not None:
                fonts[HEADER_FONT] = copied_header
        return _Stamp(
            matrices=matrices[:2],
            color=color,
            x_right=float(tm[4]) + width,
            y=tm[5],
            size=size,
            codes=codes,
            widths=char_widths,
            header=header,
        )


def _widths(array: Sequence[Any]) -> dict[int, float]:
    widths: dict[int, float] = {}
    items = list(array)
    i = 0
    while i < len(items):
        start = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for n, w in enumerate(items[i + 1]):
                widths[start + n] = float(w)
            i += 2
        else:
            for code in range(start, int(items[i + 1]) + 1):
                widths[code] = float(items[i + 2])
            i += 3
    return widths


def _stamp(out: pikepdf.Pdf, stamp: bytes) -> None:
    ref = _reference(out, stamp)
    total = len(out.pages)
    for number, page in enumerate(out.pages, start=1):
        text = f"pagina {number} van {total}"
        width = sum(ref.widths[c] for c in text) * float(ref.size) / 1000
        glyphs = b"".join(ref.codes[c] for c in text)
        # The page's own stream changes the matrix outside any q/Q: enclose it first.
        ops: list[tuple[list[Any], str]] = [([], "Q"), ([], "q")]
        ops += [(m, "cm") for m in ref.matrices]
        ops += [
            ([pikepdf.Name.Artifact], "BMC"),
            (ref.color, "rg"),
            ([], "BT"),
            ([1, 0, 0, -1, Decimal(f"{ref.x_right - width:.4f}"), ref.y], "Tm"),
            ([STAMP_FONT, ref.size], "Tf"),
            ([pikepdf.String(glyphs)], "Tj"),
            ([], "ET"),
            ([], "EMC"),
        ]
        if number > 1 and ref.header:  # the cover has no running header
            ops += [([pikepdf.Name.Artifact], "BMC"), *ref.header, ([], "EMC")]
        ops.append(([], "Q"))
        content = pikepdf.unparse_content_stream(
            [pikepdf.ContentStreamInstruction(o, pikepdf.Operator(p)) for o, p in ops]
        )
        page.contents_add(pikepdf.Stream(out, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(out, content), prepend=False)
