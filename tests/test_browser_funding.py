"""Key user flow in a real browser: a partner officer records a commitment against a measure; the
secretariat sees Jamaica's funding gap shrink on the coverage page, and the Resource Mobilization
Committee's list drops the measure that is now fully funded."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from seccoop.accounts.models import User
from seccoop.framework.models import Category, Organisation
from seccoop.funding.models import Transaction
from seccoop.plan.models import Measure, PlanVersion

from . import needs_helpers as nh
from .browser import browser_page
from .conftest import PASSWORD, ensure_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2030


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/sign-in/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def world() -> dict[str, Measure]:
    """Two JAM needs of the 2030 cycle (USD 1,000 in I.a and USD 2,000 in I.b, released to the
    Commission) and an adopted plan whose measures B-1 and B-2 address one each, in that order."""
    ensure_world()
    focal = User.objects.get(username="jam_focal")
    cycle = nh.make_cycle(YEAR)
    first = nh.make_need(cycle, focal, reference="B-1", amount=1000, currency="USD")
    second = nh.make_need(
        cycle, focal, category="I.b", reference="B-2", amount=2000, currency="USD"
    )
    commission = Organisation.objects.get(code="COMMISSION")
    plan = PlanVersion.objects.create(
        year=YEAR,
        label="Plan of Action 2030 (browser)",
        status=PlanVersion.Status.ADOPTED,
        adopted_on=date(YEAR, 1, 15),
        adopted_by=Organisation.objects.get(code="DIALOGUE"),
        owner=commission,
        tlp="CLEAR",
    )
    measures = {}
    for order, (code, need) in enumerate((("B-1", first), ("B-2", second)), start=1):
        measures[code] = Measure.objects.create(
            plan=plan,
            code=code,
            title=f"Interdiction measure {code}",
            category=need.category,
            status=Measure.Status.IMPLEMENTATION,
            owner=commission,
            tlp="CLEAR",
            order=order,
        )
        measures[code].needs.add(need)
    assert Category.objects.filter(code__in=["I.a", "I.b"]).count() == 2
    return measures


def read_gap(page: Any, base: str) -> int:
    page.goto(f"{base}/funding/?by=state&cycle={YEAR}")
    cell = page.get_by_test_id("coverage-JAM").get_by_test_id("gap")
    return int(cell.inner_text().replace(",", "").strip())


def committee_codes(page: Any, base: str) -> list[str]:
    page.goto(f"{base}/funding/committee/")
    rows = page.get_by_test_id("committee-row")
    return [rows.nth(i).locator("a").first.inner_text().strip() for i in range(rows.count())]


def test_a_partners_commitment_shrinks_the_gap_and_reorders_the_committee_list(
    live_server: Any, monkeypatch: Any
) -> None:
    measures = world()
    base = live_server.url
    with browser_page(monkeypatch) as (page, errors):
        from playwright.sync_api import expect

        sign_in(page, base, "secretariat")
        gap_before = read_gap(page, base)
        assert gap_before == 3000
        assert committee_codes(page, base) == ["B-1", "B-2"]
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, base, "inl_partner")
        page.goto(f"{base}/funding/transactions/new/")
        inl = Organisation.objects.get(code="US-INL")
        page.get_by_label("Provider (your organisation)").select_option(str(inl.pk))
        page.get_by_label("Type", exact=True).select_option(label="Outgoing commitment")
        page.get_by_label("Measure", exact=True).select_option(str(measures["B-1"].pk))
        page.get_by_label("Value date").fill(f"{YEAR}-03-01")
        page.get_by_label("Amount", exact=True).fill("1000")
        page.get_by_label("Currency", exact=True).select_option("USD")
        page.get_by_label("Recipient shares").fill("JAM 100")
        page.get_by_label("Reference").fill("INL-2030-B1")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Outgoing commitment")
        expect(page.locator("body")).to_contain_text("INL-2030-B1")
        expect(page.locator("body")).to_contain_text("Jamaica (JAM) 100%")  # the State's name
        page.get_by_role("button", name="Sign out").click()

        sign_in(page, base, "secretariat")
        gap_after = read_gap(page, base)
        assert gap_after < gap_before
        assert gap_after == 2000
        row = page.get_by_test_id("coverage-JAM")
        expect(row).to_contain_text("33%")  # percentages from 10 up: no decimal
        # B-1 was first; fully funded now, it leaves the list and B-2 comes first.
        assert committee_codes(page, base) == ["B-2"]
        assert errors == []
    tx = Transaction.objects.get(reference="INL-2030-B1")
    assert (tx.owner.code, tx.provider.code, tx.type, tx.measure.code) == (
        "US-INL",
        "US-INL",
        "2",
        "B-1",
    )
    assert tx.amount_usd == Decimal(1000)
    assert [(s.state.iso3, s.percentage) for s in tx.shares.select_related("state")] == [
        ("JAM", Decimal(100))
    ]
