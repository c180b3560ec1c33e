"""The one chart module (``seccoop.core.charts``): every chart is named and described for a screen
reader, has a legend when colour carries a series or a quantity, writes numbers in the reader's
language, uses the colour-blind-safe palette, keeps a heat map's cells as links, and is drawn
once per distinct chart (the cache)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.utils import translation

from seccoop.core import charts

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    charts.clear_cache()
    yield
    charts.clear_cache()


def render(spec: dict[str, Any], language: str = "en", **words: str) -> str:
    with translation.override(language):
        return charts.render_svg(
            spec,
            title=words.get("title", "A chart"),
            description=words.get("description", "What it shows."),
        )


def stacked_bars() -> dict[str, Any]:
    return charts.bar(
        [
            {"category": "M-1", "series": "a", "value": 700.0, "label": "M-1, a: 700"},
            {"category": "M-1", "series": "b", "value": 534.5, "label": "M-1, b: 534.5"},
            {"category": "M-2", "series": "a", "value": 300.0, "label": "M-2, a: 300"},
        ],
        category_title="Measure",
        value_title="Score",
        series_title="Criterion",
    )


def linked_heatmap() -> dict[str, Any]:
    return charts.heatmap(
        [
            {
                "x": "I.a",
                "y": "JAM",
                "value": 3000.0,
                "text": "3k·2",
                "label": "Jamaica, I.a: 2 needs",
                "href": "/needs/?cycle=2030&state=JAM&category=I.a",
            },
            {
                "x": "II.a",
                "y": "BRB",
                "value": 100.0,
                "text": "100·1",
                "label": "Barbados, II.a: 1 need",
                "href": "/needs/?cycle=2030&state=BRB&category=II.a",
            },
        ],
        x_title="Category",
        y_title="State",
        value_title="USD total",
        x_order=["I.a", "II.a"],
        y_order=["JAM", "BRB"],
    )


def sensitivity_lines(series: int = 10) -> dict[str, Any]:
    rows = [
        {"x": step / 4, "y": (step + j) % series + 1, "series": f"M-{j}"}
        for j in range(series)
        for step in range(5)
    ]
    return charts.line(
        rows,
        x_title="Weight",
        y_title="Rank",
        series_title="Measure",
        y_reverse=True,
        y_integer=True,
    )


def trend_with_ranges() -> dict[str, Any]:
    return charts.trend(
        [
            {
                "x": "2025",
                "value": 310.0,
                "low": 300.0,
                "high": 320.0,
                "series": "Approved",
                "label": "2025: 310 (Approved)",
            },
            {
                "x": "2026",
                "value": 290.0,
                "low": None,
                "high": None,
                "series": "Submitted",
                "label": "2026: 290 (Submitted)",
            },
        ],
        [{"x": "2027", "target": 250.0, "series": "Target", "label": "2027: target 250"}],
        x_order=["2025", "2026", "2027"],
        x_title="Period",
        y_title="Rate",
        series_title="Series",
        target_series="Target",
        range_series="Uncertainty range",
        title="HOM-1 · JAM · TLP:GREEN",
    )


def legend_labels(svg: str) -> list[str]:
    legends = re.findall(r'aria-roledescription="legend" aria-label="([^"]+)"', svg)
    return legends


# --- names, descriptions and roles ---------------------------------------------------------------


@pytest.mark.parametrize(
    "build", [stacked_bars, sensitivity_lines, trend_with_ranges], ids=["bar", "line", "trend"]
)
def test_every_chart_is_an_image_named_by_its_title_and_description(build: Any) -> None:
    svg = render(build(), title="Scores <by> criterion", description="Bars & lines.")
    head = svg[: svg.index(">") + 1]
    match = re.search(r'aria-labelledby="(\S+) (\S+)"', head)
    assert match and 'role="img"' in head
    title_id, desc_id = match.groups()
    assert f'<title id="{title_id}">Scores &lt;by&gt; criterion</title>' in svg
    assert f'<desc id="{desc_id}">Bars &amp; lines.</desc>' in svg
    # Served inline under the pages' Content-Security-Policy: no script, no inline style.
    assert "<script" not in svg and "style=" not in svg


def test_a_heat_map_of_links_is_a_group_whose_cells_link_to_their_paths() -> None:
    svg = render(linked_heatmap())
    head = svg[: svg.index(">") + 1]
    assert 'role="group"' in head and 'role="img"' not in head  # its links stay reachable
    links = re.findall(r'<a href="([^"]+)"><path aria-label="([^"]+)"', svg)
    assert links == [
        ("/needs/?cycle=2030&amp;state=JAM&amp;category=I.a", "Jamaica, I.a: 2 needs"),
        ("/needs/?cycle=2030&amp;state=BRB&amp;category=II.a", "Barbados, II.a: 1 need"),
    ]
    assert charts.LINK_ORIGIN not in svg and "vega.github.io" not in svg
    assert "3k·2" in svg and "100·1" in svg
    # The words on a cell repeat its link's name: hidden from screen readers, not a second link.
    assert svg.count("<a ") == 2
    assert re.search(
        r'<g class="mark-text role-mark [^"]*" aria-hidden="true"><text [^>]*>3k·2<', svg
    )


def test_an_image_shows_each_marks_label_on_hover_and_a_group_of_links_does_not_repeat_it() -> None:
    bars = render(stacked_bars())
    assert re.search(
        r'<path aria-label="M-1, a: 700" [^>]*><title>M-1, a: 700</title></path>', bars
    )
    heatmap = render(linked_heatmap())
    assert "<title>Jamaica, I.a: 2 needs</title>" not in heatmap  # the link's name already


def test_a_chart_links_only_to_paths_on_this_site() -> None:
    assert charts.link("/needs/?state=JAM") == charts.LINK_ORIGIN + "/needs/?state=JAM"
    for bad in ("https://example.org/", "//example.org/x", "javascript:alert(1)", "needs/"):
        with pytest.raises(ValueError):
            charts.link(bad)


# --- legends and the palette ---------------------------------------------------------------------


def test_charts_with_more_than_one_series_or_a_quantity_have_a_legend() -> None:
    assert legend_labels(render(stacked_bars())) == [
        "Symbol legend titled 'Criterion' for fill color with 2 values: a, b"
    ]
    assert legend_labels(render(linked_heatmap()))[0].startswith(
        "Gradient legend titled 'USD total'"
    )
    (lines,) = legend_labels(render(sensitivity_lines()))
    assert lines.startswith("Symbol legend titled 'Measure'") and "10 values" in lines
    (trend,) = legend_labels(render(trend_with_ranges()))  # one legend names every series
    assert "4 values: Approved, Submitted, Target, Uncertainty range" in trend


def test_a_single_series_bar_chart_needs_no_legend() -> None:
    spec = charts.bar(
        [{"category": "A", "value": 1.0, "label": "A: 1"}],
        category_title="Thing",
        value_title="Count",
    )
    assert legend_labels(render(spec)) == []


def test_series_take_the_okabe_ito_palette_in_order() -> None:
    assert charts.PALETTE[:3] == ["#0072B2", "#D55E00", "#009E73"]
    bars = render(stacked_bars())
    assert f'fill="{charts.PALETTE[0]}"' in bars and f'fill="{charts.PALETTE[1]}"' in bars
    lines = render(sensitivity_lines())
    for colour in charts.LINE_COLOURS:
        assert f'stroke="{colour}"' in lines
    assert f'stroke="{charts.PALETTE[7]}"' not in lines  # the yellow is too faint for a line
    # Past the seventh series, the colours come round again with a dash pattern.
    assert 'stroke-dasharray="6,3"' in lines
    trend = render(trend_with_ranges())
    assert f'fill="{charts.PALETTE[0]}"' in trend  # the values
    assert f'stroke="{charts.PALETTE[1]}"' in trend  # the target, hollow


def test_a_heat_map_reads_by_lightness_on_one_hue() -> None:
    svg = render(linked_heatmap())
    fills = re.findall(
        r'<path aria-label="[^"]+" role="graphics-symbol"[^>]* fill="rgb\(([^)]+)\)"', svg
    )
    dark, light = (sum(int(c) for c in fill.split(",")) for fill in fills)
    assert dark < light  # USD 3,000 darker than USD 100


# --- numbers in the reader's language ------------------------------------------------------------


def formatted(value: float, fmt: str) -> dict[str, Any]:
    return charts._spec(
        data={"values": [{"v": value}]},
        mark={"type": "text"},
        encoding={"text": {"field": "v", "type": "quantitative", "format": fmt}},
    )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,234.5"), ("nl", "1.234,5"), ("es", f"1{NBSP}234,5"), ("fr", f"1{NBSP}234,5")],
)
def test_numbers_in_a_chart_follow_the_language(language: str, expected: str) -> None:
    svg = render(formatted(1234.5, ",.1f"), language)
    assert f">{expected}</text>" in svg
    # Axis labels too: the trend's value axis runs to 350 (no grouping), the bars' to 1,200.
    bars = render(stacked_bars(), language)
    thousands = {"en": "1,200", "nl": "1.200", "es": f"1{NBSP}200", "fr": f"1{NBSP}200"}
    assert f">{thousands[language]}</text>" in bars


def test_the_chart_locales_agree_with_the_pages_number_format() -> None:
    """Each language's chart separators are Django's, which ``core.numbers`` writes on pages."""
    for code, _name in settings.LANGUAGES:
        formats = import_module(f"django.conf.locale.{code}.formats")
        number = charts.chart_locale(code)["number"]
        assert number["decimal"] == formats.DECIMAL_SEPARATOR, code
        assert number["thousands"] == formats.THOUSAND_SEPARATOR, code
        assert number["grouping"] == [formats.NUMBER_GROUPING], code
    assert charts.chart_locale("xx") == charts.chart_locale("en")


def test_a_trend_marks_every_point_and_target_for_a_screen_reader() -> None:
    svg = render(trend_with_ranges())
    for label in ("2025: 310 (Approved)", "2026: 290 (Submitted)", "2027: target 250"):
        assert f'aria-label="{label}"' in svg
    assert "HOM-1 · JAM · TLP:GREEN" in svg  # the visible title, with the marking


# --- ids, the cache ------------------------------------------------------------------------------


def test_two_charts_on_one_page_share_no_element_id() -> None:
    one, two = render(linked_heatmap()), render(sensitivity_lines())
    ids_one = set(re.findall(r'\bid="([^"]+)"', one))
    ids_two = set(re.findall(r'\bid="([^"]+)"', two))
    assert ids_one and ids_two and not ids_one & ids_two
    for ref in re.findall(r"url\(#([^)]+)\)", one):
        assert ref in ids_one  # gradients are referenced by their new ids


def test_the_same_chart_is_drawn_once_and_a_changed_one_again(monkeypatch: Any) -> None:
    drawn: list[str] = []
    draw = charts._draw

    def counting(spec: dict[str, Any], language: str) -> str:
        drawn.append(language)
        return draw(spec, language)

    monkeypatch.setattr(charts, "_draw", counting)
    first = render(stacked_bars())
    assert render(stacked_bars()) == first
    assert drawn == ["en"]
    render(stacked_bars(), "nl")  # another language is another chart
    changed = stacked_bars()
    changed["data"]["values"][0]["value"] = 701.0
    render(changed)
    assert drawn == ["en", "nl", "en"]


def test_the_cache_is_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(charts, "CACHE_SIZE", 2)
    monkeypatch.setattr(charts, "_draw", lambda spec, language: '<svg class="marks">x</svg>')
    for value in range(5):
        render(formatted(value, "d"))
    assert len(charts._cache) == 2
    charts.clear_cache()
    monkeypatch.setattr(charts, "CACHE_SIZE", 100)
    monkeypatch.setattr(charts, "CACHE_CHARS", 1000)
    for value in range(5):
        render(formatted(value, "d"))
    assert 1 <= len(charts._cache) < 5
    assert sum(map(len, charts._cache.values())) <= 1000


def test_words_from_the_data_are_escaped_in_the_markup() -> None:
    """Charts go into pages unescaped (``|safe``): every word from the data is escaped by Vega."""
    hostile = '"><script>alert(1)</script>'
    spec = charts.bar(
        [
            {"category": hostile, "series": hostile, "value": 1.0, "label": hostile},
            {"category": "B", "series": "b", "value": 2.0, "label": "B"},
        ],
        category_title=hostile,
        value_title="Score",
        series_title=hostile,
    )
    svg = render(spec, title=hostile, description=hostile)
    assert "<script" not in svg and "&lt;script&gt;" in svg
    heat = charts.heatmap(
        [{"x": hostile, "y": "A", "value": 1.0, "text": hostile, "label": hostile, "href": "/x"}],
        x_title="X",
        y_title="Y",
        value_title="V",
        x_order=[hostile],
        y_order=["A"],
    )
    assert "<script" not in render(heat)
