"""Reviewing and reading values as people work: review filters with nothing pre-ticked, the
dashboard on the current cycle's year, status words in the reader's language."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from seccoop.accounts.models import User
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring import services
from seccoop.monitoring.models import Indicator, Value
from seccoop.monitoring.periods import Kind, Period
from seccoop.needs.models import AssessmentCycle

pytestmark = pytest.mark.django_db


def indicator(code: str) -> Indicator:
    return Indicator.objects.create(
        owner=Organisation.objects.get(code="COMMISSION"),
        tlp=TLP.CLEAR,
        code=code,
        name=f"Indicator {code}",
        definition=f"What {code} counts.",
        category=Category.objects.get(code="I.a"),
    )


def value(ind: Indicator, iso3: str, year: int, number: int, status: str) -> Value:
    v = services.new_value(ind, Party.objects.get(iso3=iso3), Period(Kind.YEAR, year))
    v.value = Decimal(number)
    v.status = status
    v.tlp = TLP.CLEAR
    v.save()
    v.releasable_to.add(Organisation.objects.get(code="COMMISSION"))  # as submitting does
    return v


def test_review_filters_by_state_indicator_and_period_and_ticks_nothing(
    world: None, client_for: Any
) -> None:
    first, second = indicator("REV-A"), indicator("REV-B")
    value(first, "JAM", 2024, 10, Value.Status.SUBMITTED)
    value(first, "BRB", 2024, 11, Value.Status.SUBMITTED)
    value(second, "JAM", 2025, 12, Value.Status.SUBMITTED)
    client = client_for("secretariat")

    page = client.get("/monitoring/review/").content.decode()
    assert page.count('name="ids"') == 3
    assert not re.search(r"<input[^>]*\bchecked\b", page)
    assert 'data-testid="review-filters"' in page

    page = client.get("/monitoring/review/?state=JAM").content.decode()
    assert page.count('name="ids"') == 2
    page = client.get("/monitoring/review/?indicator=rev-a&period=2024").content.decode()
    assert page.count('name="ids"') == 2
    assert "2 values match the filter." in page
    page = client.get("/monitoring/review/?state=JAM&indicator=REV-B&period=2025").content.decode()
    assert page.count('name="ids"') == 1

    # Approving from a filtered list comes back to the same filter.
    only = Value.objects.get(indicator=second)
    response = client.post(
        "/monitoring/review/",
        {"ids": [only.pk], "action": "approve", "state": "JAM", "indicator": "REV-B"},
    )
    assert response["Location"] == "/monitoring/review/?state=JAM&indicator=REV-B"
    assert Value.objects.get(pk=only.pk).status == Value.Status.APPROVED
    assert Value.objects.filter(status=Value.Status.SUBMITTED).count() == 2


def test_the_dashboard_opens_on_the_current_cycles_year_with_data(
    world: None, client_for: Any
) -> None:
    ind = indicator("DASH-Y")
    value(ind, "JAM", 2022, 5, Value.Status.APPROVED)
    value(ind, "JAM", 2024, 6, Value.Status.APPROVED)
    value(ind, "JAM", 2030, 7, Value.Status.DRAFT)  # not approved: does not count
    AssessmentCycle.objects.create(
        year=2025,
        valuation_date=date(2025, 1, 1),
        owner=Organisation.objects.get(code="COMMISSION"),
    )
    page = client_for("secretariat").get("/monitoring/dashboard/").content.decode()
    assert 'name="period" value="2024"' in page
    AssessmentCycle.objects.filter(year=2025).update(status=AssessmentCycle.Status.CLOSED)
    AssessmentCycle.objects.create(
        year=2023,
        valuation_date=date(2023, 1, 1),
        owner=Organisation.objects.get(code="COMMISSION"),
    )
    page = client_for("secretariat").get("/monitoring/dashboard/").content.decode()
    assert 'name="period" value="2022"' in page
    asked = client_for("secretariat").get("/monitoring/dashboard/?period=2024").content.decode()
    assert 'name="period" value="2024"' in asked


def test_status_words_are_in_the_readers_language(world: None, client_for: Any) -> None:
    ind = indicator("ST-ES")
    value(ind, "JAM", 2024, 6, Value.Status.APPROVED)
    services.set_target(
        ind,
        Party.objects.get(iso3="JAM"),
        Period(Kind.YEAR, 2024),
        Decimal("6"),
        actor=User.objects.get(username="secretariat"),
    )
    english = client_for("secretariat").get("/monitoring/dashboard/?period=2024")
    assert "On track: 1" in english.content.decode()
    spanish = client_for("secretariat").get("/es/monitoring/dashboard/?period=2024")
    page = spanish.content.decode()
    assert "En buen camino: 1" in page and "On track" not in page
    detail = client_for("secretariat").get(f"/es/monitoring/indicators/{ind.pk}/?state=JAM")
    assert "En buen camino" in detail.content.decode()


def test_the_entry_grid_is_a_table_not_a_card_grid(world: None, client_for: Any) -> None:
    indicator("GRID-1")
    page = client_for("jam_focal").get("/monitoring/entry/?state=JAM&period=2024").content.decode()
    assert '<table class="table entry-grid">' in page
    assert 'class="table grid"' not in page
