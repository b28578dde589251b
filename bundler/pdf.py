"""HTML + CSS -> PDF bytes with WeasyPrint, safely.

- Templates in templates/pdf/ are rendered with autoescaping; no user-supplied CSS.
- The URL fetcher serves only the app's own PDF assets (under ASSET_PREFIX) and `data:` URLs;
  files, loopback, other hosts and redirects are refused.
- The output is PDF/A-3a (tagged, with the JSON twin embedded) and carries the PDF/UA-1
  identification in its XMP metadata.
- `render_isolated` runs WeasyPrint in a short-lived child process (`python -m bundler.pdf`)
  with a wall-clock timeout and an address-space cap, so a huge or hostile package cannot
  take the worker down and memory is returned to the system after each render.

WeasyPrint is imported inside the functions that use it, never at module import.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import json
import mimetypes
import os
import re
import resource
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import SubElement, fromstring, register_namespace, tostring

import pydyf
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bundler import PROJECT_ROOT

ASSET_DIR = PROJECT_ROOT / "templates" / "pdf"
# A host under the reserved .invalid TLD: it never resolves, and the fetcher never asks the
# network anyway; it only maps this prefix to files in ASSET_DIR.
ASSET_PREFIX = "https://assets.bundler.invalid/pdf/"
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(?:css|svg|png)$")
PDF_VARIANT = "pdf/a-3a"
OUTPUT_INTENT = "bundler-srgb"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"


# How running out of the address-space cap shows in the child's output.
MEMORY_SIGNS = (
    "MemoryError",
    "failed to map segment",
    "Cannot allocate memory",
    "bad_alloc",
    "out of memory",
)


class RenderError(Exception):
    """Rendering failed: timeout, memory cap, or an error inside WeasyPrint."""


@dataclass(frozen=True)
class PdfAttachment:
    """A file embedded in the PDF (PDF/A-3 associated file)."""

    name: str
    data: bytes
    description: str = ""
    relationship: str = "Alternative"
    # The id of the element whose page the file belongs to; empty: the whole document.
    anchor: str = ""
    content_type: str = ""


@dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int


def asset_path(url: str) -> Path | None:
    """Map an asset URL to a file of ours, or None when the URL is not one of ours."""
    if not url.startswith(ASSET_PREFIX):
        return None
    name = url[len(ASSET_PREFIX) :]
    if not _ASSET_NAME.match(name):
        return None
    path = ASSET_DIR / name
    return path if path.is_file() else None


@functools.cache
def _fetcher_class() -> type:
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class SafeURLFetcher(URLFetcher):  # type: ignore[misc]
        """Serve our own assets and data: URLs; refuse everything else, without a request."""

        def __init__(self) -> None:
            # The base opener only ever sees data: URLs; no redirects in any case.
            super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=1)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = asset_path(url)
            if path is None:
                self.refused.append(url)
                raise ValueError(f"URL refused by the PDF renderer: {url[:200]}")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return SafeURLFetcher


def make_fetcher() -> Any:
    """Return a new safe URL fetcher (it records the URLs it refused in `.refused`)."""
    return _fetcher_class()()


@functools.cache
def template_env() -> Environment:
    """Return the Jinja environment of the PDF templates: autoescaped, strict."""
    # Imported here: the render child process needs none of it under its memory cap.
    from bundler.package_parts import nl_date, note_parts

    env = Environment(
        loader=FileSystemLoader(str(ASSET_DIR)),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nl_date"] = nl_date
    env.filters["note_parts"] = note_parts
    env.globals["ASSET_PREFIX"] = ASSET_PREFIX
    return env


def render_html(template: str, **context: Any) -> str:
    """Render a template from templates/pdf/ to an HTML string."""
    return template_env().get_template(template).render(**context)


def _ua_metadata_class() -> type:
    from weasyprint.pdf.metadata import DocumentMetadata

    # PDF/A fixes these prefixes for the extension schema container (ISO 19005-1, 6.7.2.2).
    for prefix, uri in (
        ("pdfuaid", PDFUAID),
        ("pdfaExtension", PDFA_EXTENSION),
        ("pdfaSchema", PDFA_SCHEMA),
        ("pdfaProperty", PDFA_PROPERTY),
    ):
        register_namespace(prefix, uri)

    class UAMetadata(DocumentMetadata):  # type: ignore[misc]
        """Add the PDF/UA-1 identification, declared as a PDF/A extension schema."""

        def generate_rdf_metadata(self, variant: str, version: int, conformance: str) -> bytes:
            # Our own WeasyPrint-made XML, not untrusted input.
            own = super().generate_rdf_metadata(variant, version, conformance)
            rdf = fromstring(own)  # noqa: S314
            ua = SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
            SubElement(ua, f"{{{PDFUAID}}}part").text = "1"
            # PDF/A allows only known XMP schemas, so describe pdfuaid in an extension schema.
            ext = SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
            bag = SubElement(SubElement(ext, f"{{{PDFA_EXTENSION}}}schemas"), f"{{{RDF}}}Bag")
            schema = SubElement(bag, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
            SubElement(schema, f"{{{PDFA_SCHEMA}}}schema").text = "PDF/UA identification schema"
            SubElement(schema, f"{{{PDFA_SCHEMA}}}namespaceURI").text = PDFUAID
            SubElement(schema, f"{{{PDFA_SCHEMA}}}prefix").text = "pdfuaid"
            seq = SubElement(SubElement(schema, f"{{{PDFA_SCHEMA}}}property"), f"{{{RDF}}}Seq")
            prop = SubElement(seq, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
            SubElement(prop, f"{{{PDFA_PROPERTY}}}name").text = "part"
            SubElement(prop, f"{{{PDFA_PROPERTY}}}valueType").text = "Integer"
            SubElement(prop, f"{{{PDFA_PROPERTY}}}category").text = "internal"
            SubElement(prop, f"{{{PDFA_PROPERTY}}}description").text = "PDF/UA version identifier"
            return bytes(tostring(rdf, encoding="utf-8"))

    return UAMetadata


def _srgb_profile() -> Any:
    from weasyprint.css import ColorProfile

    icc = (resources.files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()
    return ColorProfile(
        BytesIO(icc), "sRGB2014.icc", "relative-colorimetric", (["r"], ["g"], ["b"])
    )


def _finish(document: Any, pdf: Any) -> None:
    # PDF/UA-1 (7.1): viewers show the title, not the file name.
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})

    # PDF/UA-1 (7.5): WeasyPrint links cells to headers by /Headers; also give each header
    # cell its /Scope (a header in <thead> heads a column, any other one its row).
    def parent(element: Any) -> Any:
        reference = element.get("P") if isinstance(element, dict) else None
        if not isinstance(reference, str) or not reference.endswith(" 0 R"):
            return None
        return pdf.objects[int(reference.split()[0])]

    for element in pdf.objects:
        if isinstance(element, dict) and element.get("S") == "/TH" and "A" in element:
            section = parent(parent(element))
            in_head = isinstance(section, dict) and section.get("S") == "/THead"
            element["A"]["Scope"] = "/Column" if in_head else "/Row"


def _attach_to_pages(
    document: Any, pdf: Any, files: Sequence[PdfAttachment], moment: dt.datetime
) -> None:
    """Embed files as associated files of the page that holds their anchor (PDF/A-3, 14.13).

    Each file is also named in the document's EmbeddedFiles, so PDF readers list it.
    """
    if not files:
        return
    page_of: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            page_of.setdefault(anchor, index)
    kids = pdf.pages["Kids"]
    stamp = pydyf.String(moment.strftime("D:%Y%m%d%H%M%SZ"))
    named: list[tuple[str, Any, bytes]] = []
    for file in files:
        mime = file.content_type or "application/octet-stream"
        checksum = hashlib.md5(file.data, usedforsecurity=False).hexdigest()
        stream = pydyf.Stream(
            [file.data],
            pydyf.Dictionary(
                {
                    "Type": "/EmbeddedFile",
                    "Subtype": "/" + mime.replace("/", "#2f"),
                    "Params": pydyf.Dictionary(
                        {
                            "CheckSum": f"<{checksum}>",
                            "Size": len(file.data),
                            "CreationDate": stamp,
                            "ModDate": stamp,
                        }
                    ),
                }
            ),
            compress=True,
        )
        pdf.add_object(stream)
        spec = pydyf.Dictionary(
            {
                "Type": "/Filespec",
                "F": pydyf.String(file.name.encode(errors="ignore")),
                "UF": pydyf.String(file.name),
                "EF": pydyf.Dictionary({"F": stream.reference}),
                "Desc": pydyf.String(file.description),
                "AFRelationship": f"/{file.relationship}",
            }
        )
        pdf.add_object(spec)
        page = pdf.objects[kids[3 * page_of.get(file.anchor, 0)]]
        if "AF" not in page:
            page["AF"] = pydyf.Array()
        page["AF"].append(spec.reference)
        named.append((file.name, spec.reference, b""))
    # Merge with WeasyPrint's EmbeddedFiles name tree (the document's own files); keys sorted.
    names = pdf.catalog.setdefault("Names", pydyf.Dictionary())
    existing: list[tuple[str, Any, Any]] = []
    if "EmbeddedFiles" in names:
        tree = pdf.objects[int(names["EmbeddedFiles"].split()[0])]
        pairs = list(tree["Names"])
        for key, reference in zip(pairs[0::2], pairs[1::2], strict=True):
            existing.append((_string_text(key), reference, key))
    entries = sorted(
        [*existing, *((n, r, pydyf.String(n)) for n, r, _ in named)], key=lambda e: e[0]
    )
    tree = pydyf.Dictionary({"Names": pydyf.Array()})
    for _, reference, key in entries:
        tree["Names"].extend([key, reference])
    pdf.add_object(tree)
    names["EmbeddedFiles"] = tree.reference


def _string_text(value: Any) -> str:
    raw = getattr(value, "string", value)
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _page_references(pdf: pydyf.PDF) -> tuple[bytes, ...]:
    """pydyf's `PDF.page_references`, built once per page count instead of on every read.

    WeasyPrint's tags read `pdf.page_references[n]` for every tagged box, and pydyf builds
    the whole tuple on every read: boxes x pages, 30,000 reads of 247 pages for a 200-wish
    package (about 1 s), a quarter of the CPU (32 of 143 s) of a 1,528-wish package. pydyf
    only ever appends to the page tree's Kids: the tuple is valid while that list and its
    length are the same.
    """
    kids = pdf.pages["Kids"]
    known = pdf.__dict__.get("_bundler_page_references")
    if known is None or known[0] is not kids or known[1] != len(kids):
        references = tuple(f"{number} 0 R".encode("ascii") for number in kids[::3])
        known = pdf.__dict__["_bundler_page_references"] = (kids, len(kids), references)
    result: tuple[bytes, ...] = known[2]
    return result


def use_cached_page_references() -> None:
    """Give pydyf's PDF the cached `page_references` (idempotent; called before a render)."""
    if not isinstance(pydyf.PDF.__dict__.get("page_references"), _CachedReferences):
        pydyf.PDF.page_references = _CachedReferences(_page_references)


class _CachedReferences(property):
    """Marks the property installed by use_cached_page_references."""


def write_pdf(
    html: str,
    attachments: Sequence[PdfAttachment] = (),
    *,
    created: dt.datetime | None = None,
    pdf_ua: bool = True,
) -> RenderResult:
    """Render HTML to a tagged PDF/A-3a in this process; return the bytes and page count."""
    from weasyprint import HTML, Attachment

    use_cached_page_references()
    fetcher = make_fetcher()
    document = HTML(string=html, base_url=ASSET_PREFIX, url_fetcher=fetcher).render(
        presentational_hints=False
    )
    if pdf_ua:
        metadata = document.metadata
        document.metadata = _ua_metadata_class()(**vars(metadata))
    # PDF/A's output intent: the same sRGB profile WeasyPrint would load for "srgb", read
    # here from bytes because WeasyPrint 70 leaves that file open (a ResourceWarning).
    document.color_profiles[OUTPUT_INTENT] = _srgb_profile()
    document.output_intent = OUTPUT_INTENT
    moment = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    files = [
        Attachment(
            string=a.data,
            name=a.name,
            description=a.description,
            relationship=a.relationship,
            created=moment,
            modified=moment,
            url_fetcher=fetcher,
        )
        for a in attachments
        if not a.anchor
    ]
    on_pages = [a for a in attachments if a.anchor]

    def finish(document: Any, pdf: Any) -> None:
        if pdf_ua:
            _finish(document, pdf)
        _attach_to_pages(document, pdf, on_pages, moment)

    pdf = document.write_pdf(
        pdf_variant=PDF_VARIANT,
        output_intent=OUTPUT_INTENT,
        attachments=files,
        finisher=finish,
    )
    return RenderResult(pdf=bytes(pdf), pages=len(document.pages))


def render(
    template: str,
    context: Mapping[str, Any],
    attachments: Sequence[PdfAttachment] = (),
    *,
    created: dt.datetime | None = None,
) -> tuple[str, bytes]:
    """Render a PDF template in this process and return (html, pdf) so tests can see both."""
    html = render_html(template, **context)
    return html, write_pdf(html, attachments, created=created).pdf


def render_isolated(
    html: str,
    attachments: Sequence[PdfAttachment] = (),
    *,
    created: dt.datetime | None = None,
    timeout: float = 300,
    memory_mb: int = 3072,
) -> RenderResult:
    """Render in a short-lived child process with a wall-clock timeout and a memory cap."""
    with tempfile.TemporaryDirectory(prefix="bundler-pdf-") as folder:
        job_path = Path(folder) / "job.json"
        out_path = Path(folder) / "out.pdf"
        job_path.write_text(json.dumps(job(html, attachments, created)), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "bundler.pdf",
            str(job_path),
            str(out_path),
            str(memory_mb),
        ]
        try:
            done = subprocess.run(  # noqa: S603 - our own interpreter and module
                command, capture_output=True, timeout=timeout, check=False, env=os.environ.copy()
            )
        except subprocess.TimeoutExpired as error:
            raise RenderError(
                f"Het maken van de PDF duurde langer dan {timeout:g} seconden en is gestopt."
            ) from error
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip().splitlines()
            last = message[-1] if message else f"exit code {done.returncode}"
            text = "\n".join(message)
            if done.returncode < 0 or any(sign in text for sign in MEMORY_SIGNS):
                raise RenderError(
                    f"Het maken van de PDF had meer dan {memory_mb} MB geheugen nodig "
                    f"en is gestopt ({last[:200]})."
                )
            raise RenderError(f"Het maken van de PDF mislukte: {last[:500]}")
        pages = int(json.loads(done.stdout.decode() or "{}").get("pages", 0))
        return RenderResult(pdf=out_path.read_bytes(), pages=pages)


def _address_space() -> int:
    """This process's virtual memory size in bytes (what RLIMIT_AS caps), 0 where unknown."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def job(
    html: str, attachments: Sequence[PdfAttachment], created: dt.datetime | None
) -> dict[str, Any]:
    """Return a render job as JSON-ready data (what a render child reads)."""
    return {
        "html": html,
        "created": created.isoformat() if created else None,
        "attachments": [
            {
                "name": a.name,
                "description": a.description,
                "relationship": a.relationship,
                "anchor": a.anchor,
                "contentType": a.content_type,
                "data": base64.b64encode(a.data).decode(),
            }
            for a in attachments
        ],
    }


def load_renderer() -> int:
    """Load WeasyPrint and its libraries; return the address space then in use (bytes).

    A render child calls this before it caps its address space: under the cap, a failed dlopen
    or import reads like a missing library ("cannot open shared object file"), not like the
    lack of memory it is.
    """
    import PIL.Image
    import weasyprint

    PIL.Image.init()
    weasyprint.HTML(string="<p>.</p>").render()
    return _address_space()


def _child_main(argv: Sequence[str]) -> int:
    """Render one job file to a PDF file under an address-space cap (the child process)."""
    job_path, out_path, memory_mb = argv[0], argv[1], int(argv[2])
    limit = memory_mb * 1024 * 1024
    in_use = load_renderer()
    if in_use >= limit:  # the renderer alone does not fit under the cap
        sys.stderr.write(f"MemoryError: {in_use // 2**20} MB in gebruik vóór het renderen\n")
        return 1
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    pages = run_job(job_path, out_path)
    sys.stdout.write(json.dumps({"pages": pages}))
    return 0


def run_job(job_path: str, out_path: str) -> int:
    """Render a job file (see `job`) to a PDF file in this process; return its page count."""
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    attachments = [
        PdfAttachment(
            name=a["name"],
            description=a["description"],
            relationship=a["relationship"],
            anchor=a["anchor"],
            content_type=a["contentType"],
            data=base64.b64decode(a["data"]),
        )
        for a in job["attachments"]
    ]
    created = dt.datetime.fromisoformat(job["created"]) if job["created"] else None
    result = write_pdf(job["html"], attachments, created=created)
    Path(out_path).write_bytes(result.pdf)
    return result.pages


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
