"""Benchmark package builds: 50, 200 and 1,000 wishes; pages, seconds, peak memory.

For each size the same HTML is rendered twice, each time in a fresh process:
- "bundler": the production path, pdf.render_isolated (a child process under the
  time and memory bounds; PDF/A-3a, tagged, PDF/UA-1 identification, JSON twin embedded,
  safe URL fetcher);
- "plain": one plain WeasyPrint call, HTML(...).write_pdf() with default options.

Then (issue 15, items 2 and 3: parts):
- "--big N" (3,000): the package rendered in parts (bundler.packages.parts: a pool of as many
  bounded, long-lived child processes as there are cores, cold part cache) against one plain
  single-pass WeasyPrint render of the same HTML: seconds, and the memory of the rendering
  processes, sampled from /proc (see ChildMeter: "at once", the peak of their summed RSS,
  and "summed", their own peaks added up); the texts are compared;
- "--republish N" (1,000): the package rendered in parts once, then one wish changed and the
  package republished (HTML shaped again, changed parts rendered by the render children the
  process kept from the first build, merged) against Typst's full
  render of the same content (`typst` from PyPI, bench only; skipped with a note if missing);
- "--build-all N" (5,000; bench/buildall.py): a throwaway app holding N accepted/offered wishes
  over the ministries; "build all" as the office queues it and the worker runs it (parts and a
  cold cache, or one child per package with --build-all-parts off) against every package
  rendered by plain WeasyPrint one after another; again with nothing changed (no PDF rendered);
  again after one wish changed (only its packages rebuilt).

Run:  .venv/bin/python bench/packages.py [--sizes 50,200,1000] [--repeat 1]
                                           [--big 3000] [--republish 1000] [--build-all 5000]
(`--sizes ""` skips the size table; 0 skips the other cases.)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCE = (
    "de gemeente kan de aanvraag niet digitaal afhandelen omdat de wet een handtekening op "
    "papier vraagt en een persoonlijke verschijning aan het loket voorschrijft terwijl de "
    "gegevens al in de basisregistratie staan en de uitvoeringsorganisatie ze kan leveren"
)
WORDS = SENTENCE.split()
STATUTES = [
    ("BWBR0002656", "Burgerlijk Wetboek Boek 1"),
    ("BWBR0005537", "Algemene wet bestuursrecht"),
    ("BWBR0034925", "Jeugdwet"),
    ("BWBR0005416", "Gemeentewet"),
    ("BWBR0033715", "Wet basisregistratie personen"),
    ("BWBR0015703", "Participatiewet"),
]


def text(n: int, seed: int) -> str:
    """Return n words of Dutch-looking text."""
    return " ".join(WORDS[(seed + i * 7) % len(WORDS)] for i in range(n)).capitalize() + "."


def make_html(
    size: int,
    *,
    version: int = 1,
    changed: int | None = None,
    keep: dict[str, object] | None = None,
) -> tuple[str, bytes, float]:
    """Shape a package of `size` wishes (about 250 words each); return html, twin, seconds.

    `changed`: the wish whose problem text is longer than in version 1. `keep` receives the
    shaped content (for the Typst comparison).
    """
    from bundler import pdf
    from bundler.grouping import PilotInfo, WishItem
    from bundler.juriconnect import link
    from bundler.package_content import (
        Changes,
        MinistryInfo,
        WishDetail,
        build_content,
        canonical_json,
        document_context,
        twin,
    )

    started = time.perf_counter()
    pilots = [
        PilotInfo(
            f"Pilot {p}",
            tuple((f"GM{p * 5 + m:04d}", f"Gemeente {p * 5 + m}") for m in range(5)),
            "Rijksdienst voor Identiteitsgegevens",
            raising=True,
        )
        for p in range(12)
    ]
    items, details = [], {}
    for n in range(1, size + 1):
        bwb, title = STATUTES[n % len(STATUTES)]
        article = f"{n % 40 + 1}{'a' if n % 3 == 0 else ''}"
        supporters = tuple(
            PilotInfo(pilots[(n + k) % 12].name, pilots[(n + k) % 12].municipalities, "RDW")
            for k in (1, 2)
        )
        items.append(
            WishItem(
                n,
                f"KN-2026-{n:04d}",
                f"Knelpunt {n}: {text(8, n)}",
                "geaccepteerd",
                ("JenV",),
                bwb,
                title,
                article,
                "2",
                (pilots[n % 12], *supporters),
            )
        )
        details[n] = WishDetail(
            problem=text(120, n) + (" " + text(40, n + 5) if n == changed else ""),
            proposed_change=text(60, n + 1),
            benefit_who="Inwoners en burgerzaken",
            benefit_cases_per_year=1000 + n,
            benefit_savings=text(20, n + 2),
            urgency="normaal",
            urgency_label="Normaal",
            urgency_reason=text(15, n + 3),
            law_link=link(bwb, article, "2"),
        )
    ministry = MinistryInfo("JenV", "Justitie en Veiligheid", "https://example.invalid/mnre1058")
    content = build_content(items, details, ministry, "Geachte minister,\n\n" + text(150, 1))
    created = dt.datetime(2026, 3, version, 9, 0, tzinfo=dt.UTC)
    changes = Changes()
    if changed is not None:
        changes = Changes(changed=[(items[changed - 1].reference, items[changed - 1].title)])
    if keep is not None:
        keep.update(items=items, details=details)
    context = document_context(
        content,
        number="JenV-2026-01",
        version=version,
        created=created,
        changes=changes,
        previous_version=version - 1 or None,
        office="Programmabureau",
        twin_name=f"JenV-2026-01-v{version}.json",
    )
    html = pdf.render_html("package.html", **context)
    document = twin(
        content,
        number="JenV-2026-01",
        version=version,
        created=created,
        changes=changes,
        office="Programmabureau",
    )
    return html, canonical_json(document), time.perf_counter() - started


def measure(mode: str, html_path: str, twin_path: str) -> dict[str, float]:
    """Render once in this (fresh) process and report pages, seconds and peak memory."""
    html = Path(html_path).read_text(encoding="utf-8")
    started = time.perf_counter()
    if mode == "bundler":
        from bundler import pdf

        attachment = pdf.PdfAttachment("JenV-2026-01-v1.json", Path(twin_path).read_bytes())
        result = pdf.render_isolated(html, [attachment], timeout=3600, memory_mb=8192)
        pages = result.pages
        # The render ran in a child: its peak is the children's maximum resident set.
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    else:
        from weasyprint import HTML

        from bundler import pdf

        document = HTML(string=html, base_url=str(pdf.ASSET_DIR) + "/").render()
        Path(html_path).with_suffix(".plain.pdf").write_bytes(document.write_pdf())
        pages = len(document.pages)
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a process started by a
        # big bench process would report at least that process's size.
        status = Path("/proc/self/status").read_text().splitlines()
        peak_kb = next(int(row.split()[1]) for row in status if row.startswith("VmHWM:"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pages": pages,
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_kb / 1024,
        # CPU time, which does not depend on how busy the machine's cores were.
        "cpu": usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime,
    }


def run_measure(mode: str, html_path: Path, twin_path: Path) -> dict[str, float]:
    """Measure in a fresh interpreter, so no render inherits another's memory."""
    output = subprocess.run(
        [sys.executable, __file__, "--measure", mode, str(html_path), str(twin_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


class ChildMeter:
    """Sample the memory of every rendering process (the children of this process) from /proc.

    Every 20 ms it reads each child's VmRSS (resident now) and VmHWM (its own peak so far).
    Two readings of "peak memory summed over all rendering processes":
    - at once: the most the children held together at one moment (the largest sum of the
      samples' VmRSS), which is what the machine must hold;
    - summed: the sum of every child's own peak (VmHWM), whenever it came, which counts a
      process's peak even when no other process was alive then (an upper bound).
    Only render processes count (`python -m bundler.pdf...`): a child caught between its
    vfork and its exec shows this process's memory (and command line) as its own, the
    likely cause of one run in which both render children "peaked" at about 600 MB
    (0.58x plain) where every other run of the same render measured 0.13x.
    """

    def __init__(self) -> None:
        import threading

        self.peaks: dict[int, float] = {}
        self.cpu: dict[int, float] = {}  # CPU seconds (user + system) of each process
        self.at_once = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _children() -> list[int]:
        import os

        me, found = os.getpid(), []
        for task in Path(f"/proc/{me}/task").iterdir():
            try:
                found += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
        return found

    def _run(self) -> None:
        import os

        while not self._stop.is_set():
            now = 0.0
            for pid in self._children():
                try:
                    if b"bundler.pdf" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue  # not (yet) a render process
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(
                    row.split(":", 1) for row in status.splitlines() if row.startswith("Vm")
                )
                if "VmRSS" not in fields:
                    continue
                now += int(fields["VmRSS"].split()[0]) / 1024
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    self.cpu[pid] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
                except (OSError, IndexError, ValueError):
                    pass
                peak = int(fields["VmHWM"].split()[0]) / 1024
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), peak)
            self.at_once = max(self.at_once, now)
            self._stop.wait(0.02)

    def install(self) -> None:
        self._thread.start()

    def summary(self) -> tuple[float, float, int]:
        """Stop; return (sum of every process's peak, most at one time, processes)."""
        self._stop.set()
        self._thread.join()
        return sum(self.peaks.values()), self.at_once, len(self.peaks)


def _pdftext(path: Path) -> list[str]:
    import re

    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout
    return [re.sub(r"\s+", " ", p).strip() for p in out.decode().split("\f")]


def bench_big(size: int, folder: Path) -> list[str]:
    """3,000 wishes: parts (cold cache) against one plain single-pass render."""
    from bundler import pdf
    from bundler.packages import parts

    html, twin_bytes, _ = make_html(size)
    html_path, twin_path = folder / "big.html", folder / "big.json"
    html_path.write_text(html, encoding="utf-8")
    twin_path.write_bytes(twin_bytes)
    plain = run_measure("plain", html_path, twin_path)
    print(f"  {size} wishes, plain single pass: done", file=sys.stderr)
    meter = ChildMeter()
    meter.install()
    attachment = pdf.PdfAttachment("JenV-2026-01-v1.json", twin_bytes)
    started = time.perf_counter()
    done = parts.render_in_parts(
        html,
        [attachment],
        dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
        cache=parts.PartCache(folder / "cache-big"),
        timeout=3600,
        memory_mb=8192,
    )
    seconds = time.perf_counter() - started
    summed, at_once, count = meter.summary()
    merged = folder / "big.parts.pdf"
    merged.write_bytes(done.result.pdf)
    same = _pdftext(merged) == _pdftext(html_path.with_suffix(".plain.pdf"))
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(f"{size} wishes in one package ({done.result.pages} pages; plain {int(plain['pages'])})")
    print(f"  plain single pass : {plain['seconds']:7.1f} s, peak {plain['peak_mb']:6.0f} MB")
    print(
        f"  parts ({len(done.rendered)} parts rendered by {count} processes, "
        f"{done.rounds} rounds): {seconds:7.1f} s; text equal to plain: {same}"
    )
    print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in done.seconds.items()))
    merging_cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    print(
        f"  CPU seconds (independent of the load on the cores): plain {plain['cpu']:.0f}, "
        f"rendering processes {sum(meter.cpu.values()):.0f} (sampled), "
        f"the bench process since it started (shaping, cutting, merging) {merging_cpu:.0f}"
    )
    print(
        f"  rendering processes' memory: at once (most held together) {at_once:6.0f} MB, "
        f"summed (every process's own peak) {summed:6.0f} MB; merging process {parent:.0f} MB"
    )
    return [
        f"target big-package-time: {seconds / plain['seconds']:.2f} x plain (limit 0.45)",
        f"target big-package-memory-at-once: {at_once / plain['peak_mb']:.2f} x plain "
        "(limit 0.15; peak of the summed RSS of the rendering processes alive together)",
        f"target big-package-memory-summed: {summed / plain['peak_mb']:.2f} x plain "
        "(limit 0.15; every rendering process's own peak, added up)",
        f"target big-package-text-equal: {same} (limit True)",
    ]


def typst_source(items: list[object], details: dict[int, object]) -> str:
    """The same package content as Typst markup: headings, texts, contents, page x of y."""

    def esc(value: object) -> str:
        out = str(value)
        for char in "\\#*_`$<>@[]=-+/~":
            out = out.replace(char, "\\" + char)
        return out

    lines = [
        '#set page(paper: "a4", margin: (top: 24mm, bottom: 22mm, x: 20mm), '
        "footer: context [#h(1fr) pagina #counter(page).display() van "
        "#counter(page).final().first()])",
        '#set text(size: 10pt, lang: "nl")',
        "= Knelpunten voor het ministerie van Justitie en Veiligheid",
        "#outline(depth: 4)",
        "#pagebreak()",
    ]
    statute = article = None
    for item in sorted(items, key=lambda i: (i.statute_title, i.article)):  # type: ignore[attr-defined]
        if item.statute_title != statute:  # type: ignore[attr-defined]
            statute, article = item.statute_title, None  # type: ignore[attr-defined]
            lines += ["#pagebreak(weak: true)", f"== {esc(statute)}"]
        if item.article != article:  # type: ignore[attr-defined]
            article = item.article  # type: ignore[attr-defined]
            lines.append(f"=== Artikel {esc(article)}")
        d = details[item.id]  # type: ignore[attr-defined]
        lines += [
            f"==== {esc(item.reference)} · {esc(item.title)}",  # type: ignore[attr-defined]
            f"Wettelijke grondslag: {esc(item.statute_title)}, artikel {esc(item.article)}.",  # type: ignore[attr-defined]
            "*Probleem*\n",
            esc(d.problem),  # type: ignore[attr-defined]
            "*Voorgestelde wijziging*\n",
            esc(d.proposed_change),  # type: ignore[attr-defined]
            "*Verwachte opbrengst*\n",
            esc(f"Voor wie: {d.benefit_who}. {d.benefit_savings}"),  # type: ignore[attr-defined]
            "*Urgentie*\n",
            esc(f"{d.urgency_label}: {d.urgency_reason}"),  # type: ignore[attr-defined]
            "*Pilots*\n",
            *(
                f"- {esc(p.name)}: " + esc(", ".join(n for _, n in p.municipalities))
                for p in item.pilots
            ),  # type: ignore[attr-defined]
            "",
        ]
    return "\n".join(lines)


def bench_republish(size: int, folder: Path) -> list[str]:
    """1,000 wishes: republish after one wish changed, against Typst's full render."""
    from bundler import pdf
    from bundler.packages import parts

    cache = parts.PartCache(folder / "cache-republish")
    created = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    keep: dict[str, object] = {}
    html, twin_bytes, _ = make_html(size, keep=keep)
    started = time.perf_counter()
    first = parts.render_in_parts(
        html,
        [pdf.PdfAttachment("v1.json", twin_bytes)],
        created,
        cache=cache,
        timeout=3600,
        memory_mb=8192,
    )
    cold = time.perf_counter() - started
    started = time.perf_counter()
    html2, twin2, _ = make_html(size, version=2, changed=size // 2)
    again = parts.render_in_parts(
        html2,
        [pdf.PdfAttachment("v2.json", twin2)],
        created,
        cache=cache,
        timeout=3600,
        memory_mb=8192,
    )
    republish = time.perf_counter() - started
    print()
    print(
        f"{size} wishes ({first.result.pages} pages), rendered in parts, cold cache: {cold:.1f} s"
    )
    print(
        f"  republish after one wish changed (render children kept from the first build, "
        f"as a worker keeps them): {republish:.1f} s "
        f"(rendered {again.rendered}, reused {len(again.reused)}, {again.rounds} rounds; "
        + ", ".join(f"{k} {v:.1f} s" for k, v in again.seconds.items())
        + ")"
    )
    try:
        import typst
    except ImportError:
        print("  typst not installed (pip install typst, bench only): comparison skipped")
        return [f"target republish-one-wish: {republish:.1f} s (limit typst: not measured)"]
    source = folder / "package.typ"
    source.write_text(typst_source(keep["items"], keep["details"]), encoding="utf-8")  # type: ignore[arg-type]
    started = time.perf_counter()
    data = typst.compile(str(source))
    typst_seconds = time.perf_counter() - started
    import io

    import pikepdf

    typst_pages = len(pikepdf.open(io.BytesIO(data)).pages)  # type: ignore[arg-type]
    print(
        f"  typst {getattr(typst, '__version__', '?')} full render of the same content: "
        f"{typst_seconds:.1f} s ({typst_pages} pages)"
    )
    return [
        f"target republish-one-wish: {republish:.1f} s "
        f"(limit {typst_seconds:.1f} s, typst full render)"
    ]


def main() -> None:
    """Build each size with both renderers and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,1000")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the median counts")
    parser.add_argument("--big", type=int, default=3000, help="wishes of the parts bench (0: skip)")
    parser.add_argument(
        "--republish", type=int, default=1000, help="wishes of the republish bench (0: skip)"
    )
    parser.add_argument(
        "--build-all", type=int, default=5000, help="wishes of the build-all bench (0: skip)"
    )
    parser.add_argument(
        "--build-all-parts", choices=("on", "off"), default="on", help="PDF_RENDER_PARTS there"
    )
    parser.add_argument(
        "--measure", nargs=3, metavar=("MODE", "HTML", "TWIN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return

    rows = []
    with tempfile.TemporaryDirectory(prefix="bundler-bench-") as folder:
        for size in (int(s) for s in args.sizes.split(",") if s):
            html, twin_bytes, html_seconds = make_html(size)
            html_path, twin_path = Path(folder) / "p.html", Path(folder) / "p.json"
            html_path.write_text(html, encoding="utf-8")
            twin_path.write_bytes(twin_bytes)
            for mode in ("bundler", "plain"):
                runs = [run_measure(mode, html_path, twin_path) for _ in range(args.repeat)]
                rows.append(
                    (
                        size,
                        mode,
                        int(runs[0]["pages"]),
                        statistics.median(r["seconds"] for r in runs),
                        max(r["peak_mb"] for r in runs),
                        html_seconds,
                    )
                )
                print(f"  {size} wishes, {mode}: done", file=sys.stderr)

    if rows:
        print_table(rows)
    targets: list[str] = []
    from bundler import pdf_pool

    # Each bench starts with no render children: the pool a process keeps for its builds is
    # ended after each, so no bench finds another's children started (or counts their memory).
    with tempfile.TemporaryDirectory(prefix="bundler-bench-") as folder:
        if args.republish:
            targets += bench_republish(args.republish, Path(folder))
            pdf_pool.close_shared()
        if args.big:
            targets += bench_big(args.big, Path(folder))
            pdf_pool.close_shared()
    if args.build_all:
        import buildall

        with tempfile.TemporaryDirectory(prefix="bundler-bench-") as folder:
            parts = args.build_all_parts == "on"
            targets += buildall.run(args.build_all, Path(folder), run_measure, ChildMeter, parts)
            pdf_pool.close_shared()
    print()
    for line in targets:
        print(line)


def print_table(rows: list[tuple[int, str, int, float, float, float]]) -> None:
    """The size table: pages, seconds, peak MB and shaping seconds per size and renderer."""
    print()
    print(f"{'wishes':>7} {'renderer':<9} {'pages':>6} {'seconds':>8} {'peak MB':>8} {'html s':>7}")
    for size, mode, pages, seconds, peak, html_seconds in rows:
        print(f"{size:>7} {mode:<9} {pages:>6} {seconds:>8.1f} {peak:>8.0f} {html_seconds:>7.2f}")
    print()
    print("bundler = render_isolated: child process, PDF/A-3a tagged + PDF/UA-1 id + JSON twin;")
    print("plain   = HTML(...).write_pdf() with WeasyPrint's defaults, same HTML, fresh process.")
    print("html s  = shaping the package and rendering the template (shared by both).")


if __name__ == "__main__":
    main()
