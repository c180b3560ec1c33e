"""Trend charts: one indicator's values for one state against its targets, drawn by
``seccoop.core.charts`` and served as an SVG image (the page itself runs no chart script).

``trend_spec`` maps the values and targets a reader may see to the core ``trend`` builder's rows;
``render_trend`` renders it with the accessible title and description.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from seccoop.core import charts
from seccoop.core.numbers import format_rate


def trend_spec(
    indicator: Any, state: Any, values: list[Any], targets: list[Any], marking: str = ""
) -> dict[str, Any]:
    """Approved and submitted values (shaped by status), their uncertainty ranges, and targets."""
    points = [
        {
            "x": v.period,
            "start": v.period_start.isoformat(),
            "value": float(v.value),
            "low": float(v.low) if v.low is not None else None,
            "high": float(v.high) if v.high is not None else None,
            "series": str(v.get_status_display()),
            "label": _("{period}: {value} ({status})").format(
                period=v.period, value=format_rate(v.value), status=v.get_status_display()
            ),
        }
        for v in values
        if v.value is not None
    ]
    goals = [
        {
            "x": t.period,
            "start": t.period_start.isoformat(),
            "target": float(t.value),
            "series": _("Target"),
            "label": _("{period}: target {value}").format(
                period=t.period, value=format_rate(t.value)
            ),
        }
        for t in targets
    ]
    order = sorted({row["x"]: row["start"] for row in points + goals}.items(), key=lambda kv: kv[1])
    return charts.trend(
        points,
        goals,
        x_order=[period for period, _start in order],
        x_title=_("Period"),
        y_title=indicator.unit or _("Value"),
        series_title=_("Series"),
        target_series=_("Target"),
        range_series=_("Uncertainty range"),
        title=f"{indicator.code} · {state.iso3}" + (f" · TLP:{marking}" if marking else ""),
    )


def render_trend(spec: dict[str, Any], indicator: Any, state: Any) -> str:
    return charts.render_svg(
        spec,
        title=_("Trend of %(code)s for %(iso)s against its targets")
        % {"code": indicator.code, "iso": state.iso3},
        description=_(
            "Reported values by period (a point per value, shaped by its status, with its "
            "uncertainty range), joined by a line, and the targets as hollow diamonds."
        ),
    )
