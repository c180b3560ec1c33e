"""Charts: Vega-Lite specifications, rendered to SVG on the server, with one look for every chart.

An app builds a chart in two steps (see ``docs/development/charts.md``):

1. A **builder** here turns plain rows (dicts) into a Vega-Lite specification (a dict): ``bar``
   (stacked when the rows have a series), ``heatmap`` (cells may be links), ``line`` (one line
   per series, labelled at its end) and ``trend`` (values with their uncertainty ranges, and
   targets). The app's ``charts.py`` only maps its records to rows and writes the words.
2. ``render_svg(spec, title=..., description=...)`` renders it with vl-convert-python, which
   ships the Vega runtime in its wheel (nothing is fetched at run time, no script reaches the
   page), and returns SVG markup that works without JavaScript, inline or served as an image.

What every chart gets from ``render_svg`` (decision 0019):

* ``<title>`` and ``<desc>`` as the SVG's first children, named by ``aria-labelledby``;
  ``role="img"``, or ``role="group"`` when its marks are links, so that they stay reachable by
  keyboard and screen reader. Each mark's ``label`` is its ``aria-label`` and, in an image, its
  hover text (a ``<title>``), since the page runs no chart script.
* The Okabe–Ito colour-blind-safe palette for series (lines without its faint yellow, and with
  dash patterns past seven series), the single-hue "blues" ramp for quantities, the house font, and a legend wherever colour carries a series or a quantity.
* The active language's number format (``core/data/chart-locales.json``: d3-format locales whose
  separators are Django's, as ``core.numbers`` writes them: 1,234.5 in English, 1.234,5 in Dutch,
  1 234,5 in Spanish and French).
* Element ids made unique per chart, so that several charts can share a page.

Rendering costs from a tenth of a second to most of one (a second more for the first chart a
process draws), so the SVG is kept in an in-process cache, bounded in count and size, keyed by a
hash of the specification, the language and the words: the same data drawn again costs nothing,
and changed data is a different key. Draw one chart per table, never one per row.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
#: deficiency. Ordered by contrast against white; yellow, the faintest, comes last.
PALETTE = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
]
#: Quantities (heat maps): one hue from light to dark, read by lightness alone.
SEQUENTIAL = "blues"
#: The part of that ramp on which dark text keeps a contrast of 4.5:1 (heat maps with words on
#: their cells).
SEQUENTIAL_UNDER_TEXT = {"name": SEQUENTIAL, "extent": [0, 0.6]}
#: Lines leave out the palette's yellow, too faint on white for a thin stroke.
LINE_COLOURS = PALETTE[:7]
#: Dash patterns that go with the palette when a chart has more series than colours.
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]]
INK = "#0b2545"
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

CONFIG: dict[str, Any] = {
    "font": FONT,
    "background": "white",
    "padding": 8,
    "view": {"stroke": None},
    "range": {"category": PALETTE, "heatmap": {"scheme": SEQUENTIAL}},
    "axis": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 11,
        "titleFontSize": 12,
        "domainColor": "#9aa8b6",
        "tickColor": "#9aa8b6",
        "gridColor": "#e5e9ef",
    },
    "legend": {
        "labelColor": INK,
        "titleColor": INK,
        "labelFontSize": 11,
        "titleFontSize": 12,
        "labelLimit": 240,
    },
    "title": {"color": INK, "fontSize": 14, "anchor": "start"},
}

#: Links in a chart are written against this origin (a reserved name that resolves nowhere), so
#: that Vega keeps them as they are; ``render_svg`` turns them back into paths on this site.
LINK_ORIGIN = "https://seccoop.invalid"
#: The renderer's version of the look: part of every cache key.
STYLE_VERSION = "1"
#: The cache's bounds: at most this many charts and this many characters of SVG (an SMAA-2 heat
#: map of 40 measures by 150 ranks is about 330,000).
CACHE_SIZE = 256
CACHE_CHARS = 32_000_000

_LOCALES = Path(__file__).parent / "data" / "chart-locales.json"
_cache: OrderedDict[str, str] = OrderedDict()
_cache_lock = threading.Lock()


@cache
def _locales() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(_LOCALES.read_text(encoding="utf-8"))
    return data


def chart_locale(language: str | None = None) -> dict[str, Any]:
    """The d3 number and time format locales of ``language`` (the active one by default)."""
    locales = _locales()
    code = (language or get_language() or "en")[:2]
    return locales.get(code, locales["en"])


def link(path: str) -> str:
    """A site path (``/needs/?state=JAM``) as a chart's ``href`` value."""
    if not path.startswith("/") or path.startswith("//"):
        raise ValueError(f"a chart links to a path on this site, not {path!r}")
    return LINK_ORIGIN + path


def _spec(**parts: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, **parts}


def _legend(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": title, **extra}


# --- builders --------------------------------------------------------------------------------------


def bar(
    rows: Sequence[dict[str, Any]],
    *,
    category_title: str,
    value_title: str,
    series_title: str = "",
    series_order: Sequence[str] = (),
    value_format: str = ",.2~f",
    horizontal: bool = True,
    step: int = 18,
) -> dict[str, Any]:
    """Bars, one per ``category`` (in the rows' order), of length ``value``; stacked by ``series``
    when the rows carry one (then with a legend). ``label`` is what a screen reader hears."""
    categories = list(dict.fromkeys(str(r["category"]) for r in rows))
    cat = {"field": "category", "type": "nominal", "title": category_title, "sort": categories}
    val = {
        "field": "value",
        "type": "quantitative",
        "title": value_title,
        "stack": "zero",
        "axis": {"format": value_format},
    }
    encoding: dict[str, Any] = {"y": cat, "x": val} if horizontal else {"x": cat, "y": val}
    encoding["description"] = {"field": "label"}
    if any("series" in r for r in rows):
        order = list(series_order) or list(dict.fromkeys(str(r["series"]) for r in rows))
        encoding["color"] = {
            "field": "series",
            "type": "nominal",
            "title": series_title,
            "scale": {"domain": order},
            "legend": _legend(series_title, orient="top", direction="horizontal"),
        }
        encoding["order"] = {"field": "series_index", "type": "quantitative"}
        rows = [{**r, "series_index": order.index(str(r["series"]))} for r in rows]
    else:
        encoding["color"] = {"value": PALETTE[0]}
    size = {"height": {"step": step}, "width": 520} if horizontal else {"width": {"step": step}}
    return _spec(data={"values": list(rows)}, mark={"type": "bar"}, encoding=encoding, **size)


def heatmap(
    cells: Sequence[dict[str, Any]],
    *,
    x_title: str,
    y_title: str,
    value_title: str,
    x_order: Sequence[str],
    y_order: Sequence[str],
    value_format: str = ",.0f",
    cell: tuple[int, int] = (56, 26),
    x_labels_every: int = 1,
) -> dict[str, Any]:
    """One rect per cell (``x``, ``y``), darker for a larger ``value``, with a gradient legend.
    A cell may carry ``text`` (printed on it in dark ink, so the ramp stops where that ink keeps
    its contrast), ``label`` (what a screen reader hears) and ``href`` (a path on this site: the
    cell becomes a link)."""
    rows = [{**c, "href": link(c["href"])} if c.get("href") else dict(c) for c in cells]
    linked = any("href" in r for r in rows)
    worded = any("text" in r for r in rows)
    x_axis: dict[str, Any] = {"orient": "top", "labelAngle": 0, "labelOverlap": True}
    if x_labels_every > 1:
        x_axis["values"] = [v for i, v in enumerate(x_order) if i % x_labels_every == 0]
    encoding = {
        "x": {"field": "x", "type": "ordinal", "title": x_title, "sort": list(x_order)},
        "y": {"field": "y", "type": "ordinal", "title": y_title, "sort": list(y_order)},
    }
    rect: dict[str, Any] = {
        "mark": {"type": "rect", "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "color": {
                "field": "value",
                "type": "quantitative",
                "title": value_title,
                "scale": {"scheme": SEQUENTIAL_UNDER_TEXT if worded else SEQUENTIAL, "zero": True},
                "legend": _legend(value_title, format=value_format, orient="right"),
            },
            "description": {"field": "label"},
            **({"href": {"field": "href"}} if linked else {}),
        },
    }
    layers = [rect]
    if worded:
        layers.append(
            {
                # The words on a cell repeat its label: hidden from screen readers, and clicks
                # pass through them to the cell's link (the stylesheet's pointer-events).
                "mark": {"type": "text", "fontSize": 10.5, "color": INK, "aria": False},
                "encoding": {"text": {"field": "text"}},
            }
        )
    return _spec(
        data={"values": rows},
        encoding={**encoding, "x": {**encoding["x"], "axis": x_axis}},
        width={"step": cell[0]},
        height={"step": cell[1]},
        layer=layers,
    )


def line(
    rows: Sequence[dict[str, Any]],
    *,
    x_title: str,
    y_title: str,
    series_title: str,
    series_order: Sequence[str] = (),
    x_format: str = ",.1~f",
    y_reverse: bool = False,
    y_integer: bool = False,
    y_domain: tuple[float, float] | None = None,
    end_labels: bool = True,
) -> dict[str, Any]:
    """One line per ``series`` through (``x``, ``y``), with a legend (colour and dash pattern
    together, so that more series than colours stay apart) and each line's name at its end."""
    order = list(series_order) or list(dict.fromkeys(str(r["series"]) for r in rows))
    dashes = [DASHES[(i // len(LINE_COLOURS)) % len(DASHES)] for i in range(len(order))]
    colours = [LINE_COLOURS[i % len(LINE_COLOURS)] for i in range(len(order))]
    y_scale: dict[str, Any] = {"reverse": y_reverse, "zero": False}
    if y_domain is not None:
        y_scale.update(domain=list(y_domain), nice=False)
    y_axis: dict[str, Any] = {"tickMinStep": 1, "format": "d"} if y_integer else {}
    # Colour and dash pattern on one field with one title: Vega-Lite draws one legend for both.
    legend = _legend(series_title, orient="right", offset=48, symbolType="stroke")
    key = {"field": "series", "type": "nominal", "title": series_title, "legend": legend}
    encoding = {
        "x": {"field": "x", "type": "quantitative", "title": x_title, "axis": {"format": x_format}},
        "y": {
            "field": "y",
            "type": "quantitative",
            "title": y_title,
            "scale": y_scale,
            "axis": y_axis,
        },
        "color": {**key, "scale": {"domain": order, "range": colours}},
        "strokeDash": {**key, "scale": {"domain": order, "range": dashes}},
    }
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "strokeWidth": 2},
            "encoding": {"description": {"field": "series"}},
        }
    ]
    if end_labels:
        last: dict[str, dict[str, Any]] = {}
        for r in rows:
            if str(r["series"]) not in last or r["x"] >= last[str(r["series"])]["x"]:
                last[str(r["series"])] = r
        layers.append(
            {
                "data": {"values": list(last.values())},
                "mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 11, "aria": False},
                "encoding": {"text": {"field": "series"}},
            }
        )
    return _spec(
        data={"values": list(rows)}, encoding=encoding, layer=layers, width=520, height=260
    )


def trend(
    points: Sequence[dict[str, Any]],
    targets: Sequence[dict[str, Any]] = (),
    *,
    x_order: Sequence[str],
    x_title: str,
    y_title: str,
    series_title: str,
    target_series: str,
    range_series: str,
    title: str = "",
) -> dict[str, Any]:
    """Values over ordered periods (``x``): a line through ``value``, a point per value shaped by
    its ``series`` (e.g. its status), its uncertainty range from ``low`` to ``high`` when known,
    and targets (``target``) as hollow diamonds; one legend names them all. ``label`` is what a
    screen reader hears for each point and target."""
    statuses = list(dict.fromkeys(str(p["series"]) for p in points))
    ranges = [p for p in points if p.get("low") is not None and p.get("high") is not None]
    domain = [
        *statuses,
        *([target_series] if targets else []),
        *([range_series] if ranges else []),
    ]
    shapes = ["circle", "square", "triangle-up", "cross"]
    shape_range = [shapes[i % len(shapes)] for i in range(len(statuses))]
    shape_range += (["diamond"] if targets else []) + (["M0,-1L0,1"] if ranges else [])
    colour_range = [PALETTE[0]] * len(statuses)
    colour_range += ([PALETTE[1]] if targets else []) + ([PALETTE[6]] if ranges else [])
    key = {"field": "series", "type": "nominal", "title": series_title}
    colour = {**key, "scale": {"domain": domain, "range": colour_range}}
    shape = {**key, "scale": {"domain": domain, "range": shape_range}}
    x = {
        "field": "x",
        "type": "ordinal",
        "title": x_title,
        "sort": list(x_order),
        "scale": {"domain": list(x_order)},
        "axis": {"labelAngle": 0, "labelOverlap": True},
    }
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": list(points)},
            "mark": {"type": "line", "color": PALETTE[0], "aria": False},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative", "title": y_title},
            },
        },
    ]
    if ranges:
        layers.append(
            {
                "data": {"values": [{**p, "series": range_series} for p in ranges]},
                "mark": {"type": "rule", "strokeWidth": 2, "aria": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "low", "type": "quantitative"},
                    "y2": {"field": "high"},
                    "color": colour,
                },
            }
        )
    layers.append(
        {
            "data": {"values": list(points)},
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
            "encoding": {
                "x": x,
                "y": {"field": "value", "type": "quantitative"},
                "color": colour,
                "shape": shape,
                "description": {"field": "label"},
            },
        }
    )
    if targets:
        layers.append(
            {
                "data": {"values": list(targets)},
                "mark": {"type": "point", "size": 90, "filled": False, "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {"field": "target", "type": "quantitative"},
                    "color": colour,
                    "shape": shape,
                    "description": {"field": "label"},
                },
            }
        )
    spec = _spec(layer=layers, width=560, height=240)
    if title:
        spec["title"] = title
    return spec


# --- rendering -------------------------------------------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _has_links(spec: Any) -> bool:
    return LINK_ORIGIN in _canonical(spec)


def _draw(spec: dict[str, Any], language: str) -> str:
    import vl_convert

    locale = chart_locale(language)
    svg = str(
        vl_convert.vegalite_to_svg(
            spec,
            config=CONFIG,
            format_locale=locale["number"],
            time_format_locale=locale["time"],
            allowed_base_urls=[],  # charts draw inline data only; nothing is fetched
        )
    )
    return svg.replace(f'xlink:href="{LINK_ORIGIN}/', 'href="/')


_ID = re.compile(r'\bid="([^"]+)"')
_MARK = re.compile(r'<path aria-label="([^"]*)" role="graphics-symbol"([^>]*)/>')


def _tooltips(svg: str) -> str:
    """Give each labelled mark a ``<title>`` with its label: what a pointer shows on hover, with
    no script. Only in an image (whose marks assistive technology does not read one by one);
    in a group of links the label is the link's name and a title would be read twice."""
    return _MARK.sub(
        r'<path aria-label="\1" role="graphics-symbol"\2><title>\1</title></path>', svg
    )


def _namespace_ids(svg: str, prefix: str) -> str:
    """Prefix every element id (gradients, clip paths) and each reference to it."""
    for name in set(_ID.findall(svg)):
        new = f"{prefix}-{name}"
        svg = svg.replace(f'id="{name}"', f'id="{new}"')
        svg = svg.replace(f"url(#{name})", f"url(#{new})")
        svg = svg.replace(f'href="#{name}"', f'href="#{new}"')
    return svg


def render_svg(
    spec: dict[str, Any], *, title: str, description: str, css_class: str = "chart"
) -> str:
    """The chart as SVG markup, named by ``title`` and described by ``description`` (both plain
    text, escaped here), in the active language's number format, from the cache when the same
    chart was drawn before."""
    language = (get_language() or "en")[:2]
    if language not in _locales():
        language = "en"
    key = hashlib.sha256(
        _canonical([STYLE_VERSION, language, spec, title, description, css_class]).encode()
    ).hexdigest()
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            _cache.move_to_end(key)
            return cached
    svg = _draw(spec, language)
    prefix = f"chart-{key[:10]}"
    svg = _namespace_ids(svg, prefix)
    role = "group" if _has_links(spec) else "img"
    if role == "img":
        svg = _tooltips(svg)
    head, rest = svg.split(">", 1)
    head = head.replace('class="marks"', f'class="{escape(css_class)}"')
    svg = (
        f'{head} role="{role}" aria-labelledby="{prefix}-title {prefix}-desc">'
        f'<title id="{prefix}-title">{escape(title)}</title>'
        f'<desc id="{prefix}-desc">{escape(description)}</desc>{rest}'
    )
    with _cache_lock:
        _cache[key] = svg
        while len(_cache) > CACHE_SIZE or (
            len(_cache) > 1 and sum(map(len, _cache.values())) > CACHE_CHARS
        ):
            _cache.popitem(last=False)
    return svg


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
