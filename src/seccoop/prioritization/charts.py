"""The ranking page's charts, drawn by ``seccoop.core.charts``: the contribution of each criterion
to each measure's score, the rank-acceptability heat map and the sensitivity charts.

Each function maps a run's results to rows and words; the look, the legend, the number format and
the accessible title and description come from the core module. One chart covers the whole
ranking (never one per row), and the table beside it carries the same figures as text.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from seccoop.core import charts
from seccoop.core.numbers import format_percent, format_rate

#: Rows drawn in the contribution chart and the heat map (the table lists every measure).
LIMIT = 40


def contributions_text(contributions: dict[str, float]) -> str:
    """``a: 2.250 · b: 1.100 · c: 0.400``, for the table cell beside the chart."""
    return " · ".join(f"{code}: {format_rate(value, 3)}" for code, value in contributions.items())


def contribution_chart(rows: list[dict[str, Any]], criteria: list[str]) -> str:
    """Stacked bars: each measure's weighted-sum score split by the criterion that brings it."""
    shown = [r for r in rows if "contributions" in r][:LIMIT]
    if not shown:
        return ""
    data = [
        {
            "category": r["code"],
            "series": code,
            "value": float(value),
            "label": _("{measure}, criterion {criterion}: {value}").format(
                measure=r["code"], criterion=code, value=format_rate(value, 3)
            ),
        }
        for r in shown
        for code, value in r["contributions"].items()
    ]
    spec = charts.bar(
        data,
        category_title=_("Measure"),
        value_title=_("Weighted score"),
        series_title=_("Criterion"),
        series_order=criteria,
        value_format=",.1~f",
    )
    return charts.render_svg(
        spec,
        title=ngettext(
            "Contribution of each criterion to the score of the leading measure",
            "Contribution of each criterion to the score of the {count} leading measures",
            len(shown),
        ).format(count=len(shown)),
        description=_(
            "One bar per measure, in rank order, split by criterion; the table gives the "
            "same figures."
        ),
        css_class="chart contributions",
    )


def acceptability_heatmap(rows: list[dict[str, Any]], label: str) -> str:
    """Measures (rows) by rank (columns): the share of draws in which the measure takes the rank."""
    shown = rows[:LIMIT]
    if not shown:
        return ""
    ranks = len(shown[0]["rank_acceptability"])
    cells = [
        {
            "x": str(rank + 1),
            "y": row["code"],
            "value": float(share),
            "label": _("{measure}: rank {rank}, {share}").format(
                measure=row["code"], rank=rank + 1, share=format_percent(float(share) * 100)
            ),
        }
        for row in shown
        for rank, share in enumerate(row["rank_acceptability"])
        if share > 0
    ]
    step = max(4, min(24, 640 // max(ranks, 1)))
    spec = charts.heatmap(
        cells,
        x_title=_("Rank"),
        y_title=_("Measure"),
        value_title=_("Share of draws"),
        x_order=[str(r + 1) for r in range(ranks)],
        y_order=[row["code"] for row in shown],
        value_format=".0%",
        cell=(step, 16),
        x_labels_every=max(1, 24 // step),
    )
    return charts.render_svg(
        spec,
        title=label,
        description=_(
            "Measures in rank order, ranks from left to right; a darker cell means more draws "
            "in which the measure takes that rank."
        ),
        css_class="chart heatmap",
    )


def sensitivity_chart(weights: np.ndarray, ranks: np.ndarray, codes: list[str], label: str) -> str:
    """Rank (y, 1 at the top) of each measure as one criterion's weight goes from 0 to 1 (x)."""
    data = [
        {"x": float(w), "y": int(r), "series": code}
        for j, code in enumerate(codes)
        for w, r in zip(weights, ranks[:, j], strict=True)
    ]
    spec = charts.line(
        data,
        x_title=_("Weight of the criterion"),
        y_title=_("Rank"),
        series_title=_("Measure"),
        series_order=codes,
        y_reverse=True,
        y_integer=True,
        y_domain=(1, max(int(ranks.max()) if ranks.size else 1, 2)),
    )
    return charts.render_svg(
        spec,
        title=label,
        description=_(
            "One line per measure: its rank (1 at the top) as the weight goes from 0 to 1, "
            "the other weights keeping their proportions."
        ),
        css_class="chart sensitivity",
    )
