"""Small accessible SVG bar charts for pages and PDFs; pure string building, no libraries."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

# Fill colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by the legend too.
COLOURS = ("#154273", "#b35c00", "#1e6b35", "#6b6b6b")
ROW = 28
LABEL_WIDTH = 230
LABEL_CHARS = 34
CHAR_WIDTH = 8  # generous width of one character at 13px, so text never runs off the chart


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _legend(series: Sequence[str], width: int) -> list[tuple[str, int, int]]:
    """Place the legend's entries (name, x, line) in lines that stay inside the width."""
    placed, x, line = [], 8, 0
    for name in series:
        needed = 20 + CHAR_WIDTH * len(name) + 16
        if x > 8 and x + needed > width:
            x, line = 8, line + 1
        placed.append((name, x, line))
        x += needed
    return placed


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[str],
    *,
    chart_id: str = "grafiek",
    width: int = 640,
) -> str:
    """Draw stacked horizontal bars, one row per label, with a title, description and legend."""
    legend = _legend(series, width) if len(series) > 1 else []
    top = 8 + ROW * (max(line for _, _, line in legend) + 1 if legend else 0)
    height = top + ROW * max(len(rows), 1) + 8
    bar_space = width - LABEL_WIDTH - 60
    largest = max((sum(values) for _, values in rows), default=0) or 1
    desc = "; ".join(
        f"{label}: "
        + ", ".join(f"{name} {value}" for name, value in zip(series, values, strict=True))
        for label, values in rows
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bundler-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for index, (name, legend_x, line) in enumerate(legend):
        colour, y = COLOURS[index % len(COLOURS)], 6 + line * ROW
        parts.append(f'<rect x="{legend_x}" y="{y}" width="14" height="14" fill="{colour}"/>')
        parts.append(
            f'<text x="{legend_x + 20}" y="{y + 12}" font-size="13" fill="#1a1a1a" '
            f'font-family="Liberation Sans, DejaVu Sans, sans-serif">{escape(name)}</text>'
        )
    for row, (label, values) in enumerate(rows):
        y = top + row * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 18}" font-size="13" text-anchor="end" '
            f'fill="#1a1a1a" font-family="Liberation Sans, DejaVu Sans, sans-serif">'
            f"{escape(_short(label))}</text>"
        )
        x = float(LABEL_WIDTH)
        for index, value in enumerate(values):
            length = bar_space * value / largest
            if length > 0:
                colour = COLOURS[index % len(COLOURS)]
                parts.append(
                    f'<rect x="{x:.1f}" y="{y + 5}" width="{length:.1f}" height="{ROW - 10}" '
                    f'fill="{colour}"/>'
                )
            x += length
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 18}" font-size="13" fill="#1a1a1a" '
            f'font-family="Liberation Sans, DejaVu Sans, sans-serif">{sum(values)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
