"""The home page shows each role its monitoring work: what to correct, what waits for approval."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from seccoop.accounts.models import User
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring.models import Indicator
from seccoop.monitoring.periods import Kind, Period
from seccoop.monitoring.services import new_value, save_value, transition

pytestmark = pytest.mark.django_db


def test_home_lists_returned_drafts_and_values_waiting_for_approval(client_for: Any) -> None:
    commission = Organisation.objects.get(code="COMMISSION")
    indicator = Indicator.objects.create(
        owner=commission,
        tlp=TLP.CLEAR,
        code="HOME-1",
        name="Officers trained",
        definition="Officers trained in the year.",
        category=Category.objects.get(code="II.a"),
    )
    jam = Party.objects.get(iso3="JAM")
    focal = User.objects.get(username="jam_focal")
    values = []
    for year in (2021, 2022, 2023):
        v = new_value(indicator, jam, Period(Kind.YEAR, year))
        v.value = Decimal(10 + year % 10)
        values.append(save_value(v, actor=focal))
    transition(values[:2], "submit", actor=focal)
    transition(values[:1], "return", actor=User.objects.get(username="secretariat"), reason="Check")

    page = client_for("jam_focal").get("/").content.decode()
    assert 'data-testid="panel-monitoring"' in page
    assert 'Values returned to you for correction</a> <span class="badge">1</span>' in page
    assert 'Draft values not yet submitted</a> <span class="badge">1</span>' in page
    assert "waiting for your approval" not in page

    page = client_for("secretariat").get("/").content.decode()
    assert 'Values waiting for your approval</a> <span class="badge">1</span>' in page
    assert "Enter values" not in page

    assert 'data-testid="panel-monitoring"' not in client_for("viewer").get("/").content.decode()
