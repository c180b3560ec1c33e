"""Server-side SVG for the ranking pages: contribution bars, the rank-acceptability heat map and the
sensitivity chart. Plain SVG with titles for screen readers; no script."""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np

COLOURS = ["#1d7874", "#13315c", "#ffbf47", "#a4161a"]


def contribution_bar(contributions: dict[str, float], maximum: float, width: int = 220) -> str:
    x, parts = 0.0, []
    for i, (code, value) in enumerate(contributions.items()):
        w = width * value / maximum if maximum else 0
        parts.append(
            f'<rect x="{x:.1f}" y="2" width="{w:.1f}" height="14" fill="{COLOURS[i % 4]}">'
            f"<title>{escape(code)}: {value:.3f}</title></rect>"
        )
        x += w
    return f'<svg class="bar" viewBox="0 0 {width} 18" width="{width}" height="18" role="img">{"".join(parts)}</svg>'


def acceptability_heatmap(rows: list[dict[str, Any]], label: str, limit: int = 40) -> str:
    shown = rows[:limit]
    if not shown:
        return ""
    ranks = len(shown[0]["rank_acceptability"])
    cell, left, top = max(2, min(14, 700 // max(ranks, 1))), 90, 22
    width, height = left + cell * ranks + 10, top + 14 * len(shown) + 10
    parts = [
        f'<text x="{left}" y="14" class="head">1</text>',
        f'<text x="{left + cell * (ranks - 1)}" y="14" class="head">{ranks}</text>',
    ]
    for i, row in enumerate(shown):
        y = top + 14 * i
        parts.append(
            f'<text x="{left - 6}" y="{y + 11}" text-anchor="end" class="head">{escape(row["code"])}</text>'
        )
        for r, p in enumerate(row["rank_acceptability"]):
            if p <= 0:
                continue
            shade = int(240 - 200 * min(1.0, p * 2))
            parts.append(
                f'<rect x="{left + r * cell}" y="{y}" width="{cell}" height="12" '
                f'fill="rgb({shade},{int(245 - 130 * min(1.0, p * 2))},{int(250 - 80 * min(1.0, p * 2))})">'
                f"<title>{escape(row['code'])}: rank {r + 1}, {p:.1%}</title></rect>"
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="heatmap" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>{"".join(parts)}</svg>'
    )


def sensitivity_chart(weights: np.ndarray, ranks: np.ndarray, codes: list[str], label: str) -> str:
    """Rank (y, 1 at the top) of each measure as one criterion's weight goes from 0 to 1 (x)."""
    width, height, left, top = 640, 300, 40, 20
    plot_w, plot_h = width - left - 110, height - top - 30
    worst = int(ranks.max()) if ranks.size else 1
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" class="axis"/>',
        f'<text x="{left}" y="{height - 6}" class="head">0</text>',
        f'<text x="{left + plot_w}" y="{height - 6}" class="head">1</text>',
        f'<text x="{left - 8}" y="{top + 4}" text-anchor="end" class="head">1</text>',
        f'<text x="{left - 8}" y="{top + plot_h}" text-anchor="end" class="head">{worst}</text>',
    ]
    for j, code in enumerate(codes):
        points = " ".join(
            f"{left + plot_w * float(w):.1f},{top + plot_h * (int(r) - 1) / max(worst - 1, 1):.1f}"
            for w, r in zip(weights, ranks[:, j], strict=True)
        )
        colour = COLOURS[j % 4]
        last_y = top + plot_h * (int(ranks[-1, j]) - 1) / max(worst - 1, 1)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(code)}</title></polyline>"
        )
        parts.append(
            f'<text x="{left + plot_w + 6}" y="{last_y + 4:.1f}" class="head" fill="{colour}">{escape(code)}</text>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="chart" role="img" '
        f'aria-label="{escape(label)}"><title>{escape(label)}</title>{"".join(parts)}</svg>'
    )
