"""Key user flow in a real browser: a focal point enters a quarter's values, a blocking rule fires,
they fix and submit; the secretariat approves in bulk; the trend chart shows the new point."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring.models import Indicator, Target, ValidationRule, Value
from seccoop.monitoring.periods import Kind, Period

from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def world() -> Indicator:
    ensure_world()
    commission = Organisation.objects.get(code="COMMISSION")
    jam = Party.objects.get(iso3="JAM")
    indicator = Indicator.objects.create(
        owner=commission,
        tlp=TLP.CLEAR,
        code="IIA-SHOOT",
        name="Shooting incidents",
        definition="Shooting incidents recorded by the police in the quarter.",
        unit="incidents",
        period_type=Kind.QUARTER.value,
        direction=Indicator.Direction.DECREASE,
        category=Category.objects.get(code="II.a"),
        decimals=0,
    )
    ValidationRule.objects.create(
        owner=commission,
        indicator=indicator,
        code="RANGE",
        kind="range",
        severity="block",
        minimum=Decimal(0),
        maximum=Decimal(1000),
    )
    earlier = Value(
        indicator=indicator,
        state=jam,
        value=Decimal(310),
        owner_id=jam.organisation_id,
        tlp=TLP.AMBER,
        status=Value.Status.APPROVED,
    )
    earlier.set_period(Period(Kind.QUARTER, 2026, 2))
    earlier.save()
    earlier.releasable_to.add(commission)
    target = Target(
        indicator=indicator,
        state=jam,
        value=Decimal(250),
        owner_id=jam.organisation_id,
        steward=commission,
    )
    target.set_period(Period(Kind.QUARTER, 2026, 3))
    target.save()
    return indicator


def test_focal_point_enters_fixes_and_submits_and_the_secretariat_approves(
    live_server: Any, monkeypatch: Any
) -> None:
    indicator = world()
    base = live_server.url
    with browser_page(monkeypatch) as (page, errors):
        from playwright.sync_api import expect

        sign_in(page, base, "jam_focal")
        page.goto(f"{base}/monitoring/entry/")
        page.get_by_label("State", exact=True).select_option("JAM")
        page.get_by_label("Period", exact=True).fill("2026-Q3")
        page.get_by_role("button", name="Open").click()
        grid = page.get_by_test_id("entry-grid")
        page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads
        row = grid.locator('tr[data-indicator="IIA-SHOOT"]')
        # The columns line up: each cell starts where its column heading starts.
        table = grid.locator("table")
        assert table.evaluate("t => getComputedStyle(t).display") == "table"
        heads = table.locator("thead th")
        cells = row.locator("th, td")
        assert heads.count() == cells.count() == 9
        for i in range(9):
            head_box, cell_box = heads.nth(i).bounding_box(), cells.nth(i).bounding_box()
            assert abs(head_box["x"] - cell_box["x"]) < 1, i
            assert abs(head_box["width"] - cell_box["width"]) < 1, i
        value = row.get_by_label("Value of IIA-SHOOT")
        value.fill("29000")
        row.get_by_label("Quality").fill("B")
        row.get_by_label("Comment").fill("Police statistics, third quarter")
        page.get_by_role("button", name="Save and submit for approval").click()

        # The blocking rule fires, names the rule and the value, and nothing is submitted.
        alert = page.get_by_role("status").first
        expect(alert).to_contain_text("IIA-SHOOT/RANGE")
        expect(alert).to_contain_text("29000")
        expect(alert).to_contain_text("Nothing was submitted")
        # The grid answered in place (htmx swapped the page's main part; no reload).
        assert page.evaluate("window.stillTheSamePage") is True
        assert not Value.objects.filter(indicator=indicator, status="submitted").exists()

        row = page.get_by_test_id("entry-grid").locator('tr[data-indicator="IIA-SHOOT"]')
        expect(row).to_contain_text("Draft")
        row.get_by_label("Value of IIA-SHOOT").fill("290")
        page.get_by_role("button", name="Save and submit for approval").click()
        expect(page.get_by_role("status").first).to_contain_text("done")
        row = page.get_by_test_id("entry-grid").locator('tr[data-indicator="IIA-SHOOT"]')
        expect(row).to_contain_text("Submitted")
        assert page.evaluate("window.stillTheSamePage") is True

        page.get_by_role("button", name="Sign out").click()
        sign_in(page, base, "secretariat")
        page.goto(f"{base}/monitoring/review/")
        form = page.get_by_test_id("review-form")
        expect(form).to_contain_text("IIA-SHOOT")
        expect(form).to_contain_text("2026-Q3")
        boxes = form.get_by_role("checkbox")
        assert boxes.count() >= 1
        for i in range(boxes.count()):  # nothing is ticked until the reviewer ticks it
            assert not boxes.nth(i).is_checked()
            boxes.nth(i).check()
        form.get_by_role("button", name="Approve the selected values").click()
        expect(page.get_by_role("status").first).to_contain_text("done")
        expect(page.get_by_test_id("review-form")).to_have_count(0)

        page.goto(f"{base}/monitoring/indicators/{indicator.pk}/?state=JAM")
        chart = page.get_by_test_id("trend-chart")
        expect(chart).to_be_visible()
        expect(page.get_by_test_id("series")).to_contain_text("2026-Q3")
        svg = page.request.get(f"{base}{chart.get_attribute('src')}")
        assert svg.status == 200
        body = svg.text()
        # The approved point and the earlier one are marks of the chart; so is the target.
        assert 'aria-label="2026-Q3: 290 (Approved)"' in body
        assert 'aria-label="2026-Q2: 310 (Approved)"' in body
        assert 'aria-label="2026-Q3: target 250"' in body
        # The blocked submission answers 400 on purpose; chromium logs that status as an error.
        assert [e for e in errors if "status of 400" not in e] == []
    approved = Value.objects.get(indicator=indicator, period="2026-Q3", state__iso3="JAM")
    assert approved.status == "approved" and approved.value == Decimal(290)
