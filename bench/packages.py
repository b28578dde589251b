"""Benchmark package builds: 50, 200 and 1,000 wishes; pages, seconds, peak memory.

For each size the same HTML is rendered twice, each time in a fresh process:
- "bundler": the production path, pdf.render_isolated (a child process under the
  time and memory bounds; PDF/A-3a, tagged, PDF/UA-1 identification, JSON twin embedded,
  safe URL fetcher);
- "plain": one plain WeasyPrint call, HTML(...).write_pdf() with default options.

Run:  .venv/bin/python bench/packages.py [--sizes 50,200,1000] [--repeat 1]
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


def make_html(size: int) -> tuple[str, bytes, float]:
    """Shape a package of `size` wishes (about 250 words each); return html, twin, seconds."""
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
            problem=text(120, n),
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
    created = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    context = document_context(
        content,
        number="JenV-2026-01",
        version=1,
        created=created,
        changes=Changes(),
        previous_version=None,
        office="Programmabureau",
        twin_name="JenV-2026-01-v1.json",
    )
    html = pdf.render_html("package.html", **context)
    document = twin(
        content,
        number="JenV-2026-01",
        version=1,
        created=created,
        changes=Changes(),
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
        document.write_pdf()
        pages = len(document.pages)
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "pages": pages,
        "seconds": time.perf_counter() - started,
        "peak_mb": peak_kb / 1024,
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


def main() -> None:
    """Build each size with both renderers and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,1000")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the median counts")
    parser.add_argument(
        "--measure", nargs=3, metavar=("MODE", "HTML", "TWIN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return

    rows = []
    with tempfile.TemporaryDirectory(prefix="bundler-bench-") as folder:
        for size in (int(s) for s in args.sizes.split(",")):
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
