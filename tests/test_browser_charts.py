"""The pages with charts, in a real browser: no serious accessibility violation (axe), nothing
scrolls sideways at 390 px, and the needs heat map's cells are links a keyboard reaches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from seccoop.accounts.models import User
from seccoop.monitoring.models import Target
from seccoop.monitoring.periods import Kind, Period
from seccoop.prioritization.services import run_ranking

from . import needs_helpers as nh
from .browser import browser_page
from .conftest import ensure_world
from .test_browser_accessibility import serious_violations, sign_in
from .test_prioritization import make_setup, score_setup
from .test_publication import make_indicator, plant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The name of the focused element when it is a cell of the heat map, else "".
FOCUSED_CELL = """(() => {
  const el = document.activeElement;
  if (!el || !el.closest("svg.heatmap")) return "";
  const mark = el.querySelector("[aria-label]");
  return mark ? mark.getAttribute("aria-label") : "(unnamed)";
})()"""


def chart_pages() -> list[str]:
    """A weighted-sum and an SMAA ranking, the needs matrix and an indicator's trend chart."""
    ensure_world()
    users = {u.username: u for u in User.objects.all()}
    setup = score_setup(make_setup(users))
    wsum = run_ranking(setup.cycle, actor=users["secretariat"], method="wsum")
    smaa = run_ranking(setup.cycle, actor=users["secretariat"], method="smaa", samples=300, seed=5)
    cycle = nh.make_cycle(2026)
    nh.make_need(cycle, users["jam_focal"], reference="CH-1", amount=1000, currency="USD")
    nh.make_need(cycle, users["jam_focal"], category="II.a", reference="CH-2", amount=2500)
    indicator = make_indicator("CHART-A11Y")
    value = plant(indicator, "JAM", 40)
    target = Target(
        indicator=indicator,
        state=value.state,
        value=Decimal(30),
        owner_id=value.state.organisation_id,
        tlp="CLEAR",
    )
    target.set_period(Period(Kind.YEAR, 2025))
    target.save()
    return [
        f"/prioritization/runs/{wsum.pk}/",
        f"/prioritization/runs/{smaa.pk}/",
        "/needs/matrix/?cycle=2026",
        f"/monitoring/indicators/{indicator.pk}/?state=JAM",
    ]


def test_pages_with_charts_have_no_serious_violation_and_fit_a_phone(
    live_server: Any, monkeypatch: Any
) -> None:
    pages = chart_pages()
    problems: dict[str, list[str]] = {}
    wide: dict[str, int] = {}
    with browser_page(monkeypatch) as (page, errors):
        sign_in(page, live_server.url, "secretariat")
        for path in pages:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            assert page.locator("svg.chart, figure.chart img").count() >= 1, path
            found = serious_violations(page)
            if found:
                problems[path] = found
        page.set_viewport_size({"width": 390, "height": 844})
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide[path] = width
        assert errors == []
    assert problems == {}
    assert wide == {}, f"pages wider than 390 px: {wide}"


def test_the_heat_map_cells_are_reached_by_keyboard_and_named(
    live_server: Any, monkeypatch: Any
) -> None:
    chart_pages()
    with browser_page(monkeypatch) as (page, _errors):
        sign_in(page, live_server.url, "secretariat")
        page.goto(f"{live_server.url}/needs/matrix/?cycle=2026")
        heatmap = page.get_by_role("group", name="Needs Assessment Matrix 2026", exact=False)
        assert heatmap.get_by_role("link").count() == 2
        # Tab through the page: both cells are stops, each named for its state and category.
        names: list[str] = []
        for _ in range(80):
            page.keyboard.press("Tab")
            name = page.evaluate(FOCUSED_CELL)
            if name:
                names.append(name)
                if len(names) == 2:
                    break
        assert len(names) == 2
        assert all(n.startswith("Jamaica, ") and ": 1 needs, USD " in n for n in names)
        page.keyboard.press("Enter")  # the focused cell opens its needs
        page.wait_for_url(lambda url: "state=JAM&category=" in url)
