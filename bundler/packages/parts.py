"""Render a package in parts, in parallel, reusing every part that has not changed.

A package's HTML is cut into parts (bundler.pdf_parts): the front matter (three parts), the
statutes (a big one cut into parts of at most PART_WISHES wishes), and the appendix. The parts
render in a pool of bounded long-lived child processes (bundler.pdf_pool), one per worker.
A part is content-addressed by the hash of its HTML, its embedded files and the renderer's
version, and kept in the part cache (a folder); a part whose address is cached is not
rendered again, in this build or any later version of any package.

Page numbers settle in rounds: the first round renders with the numbers known so far (those
the same ministry's package ended with last time, kept in the cache as a hint, or none),
which gives every part's page count and the page of every element; the next round renders
again only the parts whose page numbers changed (the front matter's contents, and parts with
"(pagina N)" references). The parts are then merged into one PDF (bundler.pdf_merge).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from bundler import pdf, pdf_merge, pdf_parts, pdf_pool

# Part of every part's address: a new renderer (or a new way of cutting) renders anew.
PARTS_FORMAT = "2"
MAX_ROUNDS = 4

PartRenderer = Callable[[str, Sequence[pdf.PdfAttachment], dt.datetime], pdf.RenderResult]


def renderer_version() -> str:
    """Return the version string that is part of every part's content address."""
    return f"{_library_versions()}; parts {PARTS_FORMAT}"


@functools.cache
def _library_versions() -> str:
    # Read once per process: package metadata took 0.2 s of each 1,000-wish republish.
    return f"weasyprint {version('weasyprint')}; pydyf {version('pydyf')}"


class PartCache:
    """Rendered parts by content address, as files in a folder (written atomically)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pdf"

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def put(self, key: str, data: bytes) -> None:
        _write_atomically(self._path(key), data)

    def get_info(self, key: str) -> pdf_merge.PartInfo | None:
        """Return what a cached part's read-back gave (its pages and anchors), if kept."""
        try:
            found = json.loads(self._path(key).with_suffix(".json").read_text(encoding="utf-8"))
            return pdf_merge.PartInfo(
                pages=int(found["pages"]),
                anchors={str(k): int(v) for k, v in found["anchors"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_info(self, key: str, info: pdf_merge.PartInfo) -> None:
        text = json.dumps({"pages": info.pages, "anchors": info.anchors})
        _write_atomically(self._path(key).with_suffix(".json"), text.encode())

    def _hint_path(self, name: str) -> Path:
        return self.folder / "hints" / f"{hashlib.sha256(name.encode()).hexdigest()}.json"

    def get_hint(self, name: str) -> dict[str, int]:
        """Return the page numbers a package's last render ended with (a first guess only)."""
        try:
            found = json.loads(self._hint_path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): int(v) for k, v in found.items()} if isinstance(found, dict) else {}

    def put_hint(self, name: str, pages: dict[str, int]) -> None:
        _write_atomically(self._hint_path(name), json.dumps(pages).encode())


def _write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that a reader finds the old content or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def part_key(html: str, attachments: Sequence[pdf.PdfAttachment]) -> str:
    """Return a part's content address: its HTML, its embedded files, the renderer's version."""
    digest = hashlib.sha256(renderer_version().encode())
    digest.update(b"\0" + html.encode())
    for a in attachments:
        for value in (a.name, a.description, a.relationship, a.anchor, a.content_type):
            digest.update(b"\0" + value.encode())
        digest.update(b"\0" + hashlib.sha256(a.data).digest())
    return digest.hexdigest()


def _part_info(key: str, data: bytes, cache: PartCache | None) -> pdf_merge.PartInfo:
    """Read a part's pages and anchors, or take them from the cache (opening the 46 parts of
    a 1,000-wish package to read them took 0.2 s of every republish)."""
    info = cache.get_info(key) if cache is not None else None
    if info is None:
        info = pdf_merge.read_part(data)
        if cache is not None:
            cache.put_info(key, info)
    return info


@dataclass
class PartsResult:
    """The merged PDF, and which parts were rendered or reused (by name, per round)."""

    result: pdf.RenderResult
    rendered: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    rounds: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # per round, and the merge


def render_in_parts(
    html: str,
    attachments: Sequence[pdf.PdfAttachment],
    created: dt.datetime,
    *,
    render: PartRenderer | None = None,
    workers: int = 0,
    cache: PartCache | None = None,
    timeout: float = 300,
    memory_mb: int = 3072,
) -> PartsResult:
    """Render the package HTML in parts and merge them; see the module's docstring.

    Without `render`, the parts render in this process's kept pool (`pdf_pool.shared`) of
    `workers` long-lived child processes, each under the address-space cap `memory_mb`, each
    part under the wall-clock `timeout`; concurrent builds share its children.
    """
    workers = workers or os.cpu_count() or 1
    if render is None:
        pool = pdf_pool.shared(workers, timeout=timeout, memory_mb=memory_mb)
        return render_in_parts(
            html, attachments, created, render=pool.render, workers=workers, cache=cache
        )
    doc = pdf_parts.split(html)
    sources = pdf_parts.parts(doc)
    owners = {anchor: n for n, s in enumerate(sources) for anchor in s.ids}
    files: list[list[pdf.PdfAttachment]] = [[] for _ in sources]
    for a in attachments:
        files[owners.get(a.anchor, 0) if a.anchor else 0].append(a)
    done: dict[str, bytes] = {}
    depths = [s.depth for s in sources]
    outcome = PartsResult(result=pdf.RenderResult(b"", 0))

    def fetch(jobs: list[tuple[str, str, str, Sequence[pdf.PdfAttachment]]]) -> None:
        missing = []
        for key, name, part_html, part_files in jobs:
            if key in done:
                continue
            cached = cache.get(key) if cache is not None else None
            if cached is not None:
                done[key] = cached
                outcome.reused.append(name)
            else:
                missing.append((key, name, part_html, part_files))
        # Longest first (by HTML size), so a big part never starts last and runs alone.
        missing.sort(key=lambda job: -len(job[2]))
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(missing) or 1))) as pool:
            results = pool.map(lambda job: render(job[2], job[3], created).pdf, missing)
            for (key, name, _, _), data in zip(missing, results, strict=True):
                done[key] = data
                outcome.rendered.append(name)
                if cache is not None:
                    cache.put(key, data)

    stamp_source = pdf_parts.stamp_html(doc, pdf_merge.STAMP_TEXT)
    stamp_key = part_key(stamp_source, ())
    # Start from the page numbers of the package's last render: after a small change they
    # mostly still hold, and the contents need no second round.
    hint = doc.ministry or doc.package_id
    pages = cache.get_hint(hint) if cache is not None else {}
    infos: dict[str, pdf_merge.PartInfo] = {}
    for round_number in range(1, MAX_ROUNDS + 1):
        outcome.rounds = round_number
        started = time.perf_counter()
        htmls = [pdf_parts.part_html(doc, s, pages) for s in sources]
        keys = [part_key(h, f) for h, f in zip(htmls, files, strict=True)]
        jobs: list[tuple[str, str, str, Sequence[pdf.PdfAttachment]]] = [
            (k, s.name, h, f) for k, s, h, f in zip(keys, sources, htmls, files, strict=True)
        ]
        if round_number == 1:
            jobs.append((stamp_key, "page-numbers", stamp_source, ()))
        fetch(jobs)
        for key in keys:
            if key not in infos:
                infos[key] = _part_info(key, done[key], cache)
        outcome.seconds[f"round {round_number}"] = time.perf_counter() - started
        found: dict[str, int] = {}
        offset = 0
        for n, info in enumerate(infos[k] for k in keys):
            for anchor, page in info.anchors.items():
                if owners.get(anchor) == n:
                    found[anchor] = offset + page + 1
            offset += info.pages
        wanted = set().union(*(pdf_parts.references(h) for h in htmls))
        if all(found.get(a, 0) == pages.get(a, 0) for a in wanted):
            started = time.perf_counter()
            merged = pdf_merge.merge([done[k] for k in keys], owners, done[stamp_key], depths)
            outcome.seconds["merge"] = time.perf_counter() - started
            outcome.result = pdf.RenderResult(pdf=merged, pages=offset)
            if cache is not None:
                cache.put_hint(hint, {a: found.get(a, 0) for a in wanted})
            return outcome
        pages = found
    raise pdf.RenderError("De paginanummers van het pakket kwamen niet vast te liggen.")
