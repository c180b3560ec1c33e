"""Trend charts: a Vega-Lite specification per indicator and state, rendered to SVG on the server.

The specification is plain data (``trend_spec``); ``render_svg`` turns it into SVG with
vl-convert-python, which ships the Vega runtime in its wheel (nothing is fetched at run time). The
SVG is served as an image, so the page itself runs no chart script.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def trend_spec(
    indicator: Any, state: Any, values: list[Any], targets: list[Any], marking: str = ""
) -> dict[str, Any]:
    """Approved (filled) and submitted (hollow) values, their uncertainty ranges, and targets."""
    actual = [
        {
            "period": v.period,
            "start": v.period_start.isoformat(),
            "value": float(v.value),
            "low": float(v.low) if v.low is not None else None,
            "high": float(v.high) if v.high is not None else None,
            "status": str(v.get_status_display()),
            "label": _("{period}: {value} ({status})").format(
                period=v.period,
                value=f"{v.value.normalize():f}",
                status=v.get_status_display(),
            ),
        }
        for v in values
        if v.value is not None
    ]
    target = [
        {
            "period": t.period,
            "start": t.period_start.isoformat(),
            "target": float(t.value),
            "label": _("{period}: target {value}").format(
                period=t.period, value=f"{t.value.normalize():f}"
            ),
        }
        for t in targets
    ]
    order = sorted(
        {row["period"]: row["start"] for row in actual + target}.items(), key=lambda kv: kv[1]
    )
    x = {
        "field": "period",
        "type": "ordinal",
        "title": _("Period"),
        "sort": [p for p, _s in order],
    }
    value_title = indicator.unit or _("Value")
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": actual},
            "mark": {"type": "line", "color": "#1f4e79", "aria": False},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": value_title},
            },
        },
        {
            "data": {
                "values": [r for r in actual if r["low"] is not None and r["high"] is not None]
            },
            "mark": {"type": "rule", "color": "#7f9cbf", "aria": False},
            "encoding": {
                "x": x,
                "y": {"field": "low", "type": "quantitative"},
                "y2": {"field": "high"},
            },
        },
        {
            "data": {"values": actual},
            "mark": {"type": "point", "filled": True, "size": 60, "color": "#1f4e79"},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "shape": {"field": "status", "type": "nominal", "title": _("Status")},
                "description": {"field": "label"},
                "tooltip": [
                    {"field": "period", "title": _("Period")},
                    {"field": "value", "title": _("Value")},
                    {"field": "status", "title": _("Status")},
                ],
            },
        },
    ]
    if target:
        layers.append(
            {
                "data": {"values": target},
                "mark": {
                    "type": "point",
                    "shape": "diamond",
                    "size": 80,
                    "color": "#b03a2e",
                    "filled": False,
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "target", "type": "quantitative"},
                    "description": {"field": "label"},
                    "tooltip": [
                        {"field": "period", "title": _("Period")},
                        {"field": "target", "title": _("Target")},
                    ],
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": f"{indicator.code} · {state.iso3}" + (f" · TLP:{marking}" if marking else ""),
        "width": 560,
        "height": 240,
        "background": "white",
        "layer": layers,
    }


def render_svg(spec: dict[str, Any]) -> str:
    import vl_convert

    return str(vl_convert.vegalite_to_svg(spec))
