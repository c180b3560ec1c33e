"""Derived outputs: marked at least as restrictively as every record they come from, hidden inputs
said (never a zero), and one audit event for every export and download.

The world: JAM's need of USD 1,000 (TLP:AMBER, released to the Commission) addressed by the CLEAR
measure D-1 of the current plan, with a CLEAR commitment of 100 and an AMBER+STRICT commitment of
USD 7,777 by US-INL.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from seccoop.accounts.models import User
from seccoop.core.markings import TLP, derived_marking, not_shared_text
from seccoop.core.models import AuditEvent
from seccoop.core.views import ObjectListView
from seccoop.framework.models import Body, Party
from seccoop.meetings import services as meeting_services
from seccoop.meetings.models import Meeting
from seccoop.needs.models import Need

from . import needs_helpers as nh
from .test_funding import COMMITMENT, YEAR, make_measure, make_plan, record
from .test_hardening import _patterns

pytestmark = pytest.mark.django_db

SECRET_USD = 7777


@pytest.fixture
def funded(users: dict[str, User]) -> dict[str, Any]:
    cycle = nh.make_cycle(YEAR)
    need = nh.make_need(cycle, users["jam_focal"], reference="D-1", amount=1000, currency="USD")
    assert need.tlp == TLP.AMBER
    plan = make_plan("Derived outputs plan")
    measure = make_measure(plan, "D-1", 1, [need])
    record(COMMITMENT, 100, measure)
    record(COMMITMENT, SECRET_USD, measure, tlp="AMBER+STRICT", reference="secret")
    return {"need": need, "measure": measure}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- one rule for every derived marking ------------------------------------------------------


def test_derived_marking_is_the_most_restrictive_of_every_input(funded: dict[str, Any]) -> None:
    assert derived_marking() == TLP.CLEAR
    assert derived_marking("CLEAR", ["GREEN", "CLEAR"], None) == TLP.GREEN
    assert derived_marking(funded["measure"], Need.objects.filter(pk=funded["need"].pk)) == (
        TLP.AMBER
    )
    assert derived_marking("AMBER", "AMBER+STRICT", "GREEN") == TLP.AMBER_STRICT
    assert derived_marking(Party.objects.all()) == TLP.CLEAR  # reference data is public


# --- the Committee list ----------------------------------------------------------------------


def test_the_committee_list_is_marked_from_its_needs_and_transactions(
    funded: dict[str, Any],
) -> None:
    jam = signed_in("jam_focal")  # sees the AMBER need, not US-INL's AMBER+STRICT commitment
    page = jam.get("/funding/committee/").content.decode()
    assert 'class="tlp tlp-amber">TLP:AMBER<' in page
    [row] = jam.get("/api/v1/funding/committee").json()
    assert row["tlp"] == "TLP:AMBER" and row["committed_usd"] == 100.0
    partner = signed_in("inl_partner")  # sees its own AMBER+STRICT commitment, not the need
    [row] = partner.get("/api/v1/funding/committee").json()
    assert row["tlp"] == "TLP:AMBER+STRICT"
    for fmt in ("csv", "xlsx"):
        response = partner.get(f"/funding/committee/?format={fmt}")
        assert response["X-TLP"] == "TLP:AMBER+STRICT"
        assert "committee-tlp-amberstrict" in response["Content-Disposition"]
    rows = csv_rows(partner.get("/funding/committee/?format=csv"))
    assert rows[0][0].startswith("TLP:AMBER+STRICT") and rows[-1] == ["TLP:AMBER+STRICT"]


def test_a_committee_row_whose_needs_are_hidden_says_so(funded: dict[str, Any]) -> None:
    partner = signed_in("inl_partner")
    [row] = partner.get("/api/v1/funding/committee").json()
    assert row["not_shared"] == 1
    assert row["not_shared_text"] == "1 record not shared with you"
    assert row["gap_usd"] is None and row["funded_pct"] is None
    page = partner.get("/funding/committee/").content.decode()
    assert "1 record not shared with you" in page
    cell = page.split('data-testid="requirement">')[1].split("</td>")[0]
    assert cell == '<span data-testid="not-shared">1 record not shared with you</span>'
    gap = page.split(cell)[1].split("</tr>")[0]
    assert gap.count("1 record not shared with you") == 2  # the gap and the status


# --- coverage --------------------------------------------------------------------------------


def test_coverage_is_marked_from_its_needs_and_transactions(funded: dict[str, Any]) -> None:
    jam = signed_in("jam_focal")
    body = jam.get(f"/api/v1/funding/coverage?by=state&cycle={YEAR}").json()
    assert body["tlp"] == "TLP:AMBER"
    assert body["flows_not_shared"] == 1  # US-INL's AMBER+STRICT commitment
    page = jam.get(f"/funding/?by=state&cycle={YEAR}").content.decode()
    assert "TLP:AMBER<" in page and "1 record not shared with you" in page
    for fmt in ("csv", "xlsx"):
        response = jam.get(f"/funding/?by=state&cycle={YEAR}&format={fmt}")
        assert response.status_code == 200
        assert response["X-TLP"] == "TLP:AMBER"
        assert "coverage-tlp-amber" in response["Content-Disposition"]
    rows = csv_rows(jam.get(f"/funding/?by=state&cycle={YEAR}&format=csv"))
    assert rows[0][0].startswith("TLP:AMBER") and rows[-1] == ["TLP:AMBER"]
    assert str(SECRET_USD) not in "".join(",".join(r) for r in rows)
    # Cut by partner, no need counts: the figures come from CLEAR transactions only.
    assert jam.get(f"/api/v1/funding/coverage?by=partner&cycle={YEAR}").json()["tlp"] == (
        "TLP:CLEAR"
    )


def test_coverage_says_how_many_needs_are_not_shared_never_zero(funded: dict[str, Any]) -> None:
    partner = signed_in("inl_partner")
    body = partner.get(f"/api/v1/funding/coverage?by=state&cycle={YEAR}").json()
    jam = next(r for r in body["rows"] if r["key"] == "JAM")
    assert jam["not_shared"] == 1
    assert jam["not_shared_text"] == not_shared_text(1) == "1 record not shared with you"
    assert jam["gap_usd"] is None and jam["coverage_pct"] is None
    assert body["total"]["not_shared"] == 1
    page = partner.get(f"/funding/?by=state&cycle={YEAR}").content.decode()
    row = page.split('data-testid="coverage-JAM"')[1].split("</tr>")[0]
    assert "1 record not shared with you" in row
    # The measure cut too.
    body = partner.get(f"/api/v1/funding/coverage?by=measure&cycle={YEAR}").json()
    assert sum(r["not_shared"] for r in body["rows"]) == 1
    # Who sees the need is told nothing is missing.
    jam_view = signed_in("jam_focal").get(f"/api/v1/funding/coverage?by=state&cycle={YEAR}")
    assert all(r["not_shared"] == 0 for r in jam_view.json()["rows"])


# --- IATI publishes CLEAR only -----------------------------------------------------------------


def test_the_iati_file_has_no_figure_from_a_non_clear_record(funded: dict[str, Any]) -> None:
    for client in (signed_in("secretariat"), signed_in("inl_partner")):
        response = client.get("/api/v1/funding/iati.xml")
        assert response.status_code == 200
        assert response["X-TLP"] == "TLP:CLEAR"
        text = response.content.decode()
        assert "D-1" in text and "100.00" in text  # the CLEAR measure and commitment
        assert str(SECRET_USD) not in text  # the AMBER+STRICT commitment
        assert "1000" not in text and "1,000" not in text  # the AMBER need's requirement


# --- every export and download writes one audit event ----------------------------------------


def list_export_urls() -> list[str]:
    urls = []
    for route, pattern in _patterns(get_resolver().url_patterns):
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and issubclass(view, ObjectListView) and "<" not in route:
            urls += [f"/{route}?export=csv", f"/{route}?export=xlsx"]
    return urls


DOWNLOAD = re.compile(r"\.(ics|xlsx|xml|csv|pdf|docx)|pack\.")


def test_every_export_and_download_writes_one_audit_event(
    funded: dict[str, Any], users: dict[str, User]
) -> None:
    secretariat = users["secretariat"]
    start = meeting_services.local_to_utc(date(YEAR, 9, 15), 10, 0, "America/Port_of_Spain")
    meeting = meeting_services.schedule(
        Meeting(
            body=Body.objects.get(organisation__code="COMMISSION"),
            title="Audit meeting",
            start=start,
            end=start + timedelta(hours=8),
            time_zone="America/Port_of_Spain",
            venue_city="Port of Spain",
            host=Party.objects.get(iso3="TTO"),
            tlp="GREEN",
        ),
        actor=secretariat,
    )
    _feed, raw = meeting_services.create_feed(secretariat)
    downloads = (
        [f"/funding/committee/?format={f}" for f in ("csv", "xlsx")]
        + [f"/funding/?by=state&cycle={YEAR}&format={f}" for f in ("csv", "xlsx")]
        + [
            "/api/v1/funding/iati.xml",
            f"/meetings/{meeting.pk}/calendar.ics",
            f"/meetings/feed/{raw}.ics",
            f"/meetings/{meeting.pk}/pack.docx",
            "/monitoring/template.xlsx",
            "/monitoring/import/errors.xlsx",
            "/needs/template.xlsx",
            "/needs/import/errors.xlsx",
            "/rates/import/errors.xlsx",
        ]
    )
    exports = list_export_urls()
    assert len(exports) > 20
    # Every download route is walked: a new one fails here until it is added above.
    walked = {
        re.sub(r"\d+", "", re.sub(r"[0-9a-zA-Z_-]{20,}", "", u.split("?")[0])) for u in downloads
    }
    for route, _pattern in _patterns(get_resolver().url_patterns):
        if DOWNLOAD.search(route) and "admin" not in route and "api/v1" not in route:
            shape = re.sub(r"<[^>]+>", "", "/" + route)
            assert shape in walked or shape.replace("pack.", "pack.docx") in walked, route
    client = Client()
    client.force_login(secretariat)
    for url in exports + downloads:
        before = AuditEvent.objects.filter(action="export").count()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        events = list(AuditEvent.objects.filter(action="export").order_by("-pk")[:2])
        assert AuditEvent.objects.filter(action="export").count() == before + 1, url
        event = events[0]
        assert event.actor_id == secretariat.pk, url
        assert event.detail["marking"] in TLP.values, url
        assert event.detail["what"] and event.detail["format"], url
        assert isinstance(event.detail["filters"], dict), url
    coverage = AuditEvent.objects.filter(action="export", detail__what="funding.coverage").first()
    assert coverage is not None
    assert coverage.detail["filters"] == {"by": "state", "cycle": str(YEAR)}
    assert coverage.detail["marking"] == TLP.AMBER


def test_a_trend_chart_is_marked_from_what_it_draws(world: None) -> None:
    from .test_publication import make_indicator, plant

    indicator = make_indicator("CHART-1")
    value = plant(indicator, "JAM", 40)
    value.tlp = TLP.GREEN
    value.save()
    response = signed_in("jam_focal").get(
        f"/monitoring/indicators/{indicator.pk}/chart.svg?state=JAM"
    )
    assert response.status_code == 200
    assert response["X-TLP"] == "TLP:GREEN"
    assert "TLP:GREEN" in response.content.decode()
    anonymous = Client().get(f"/monitoring/indicators/{indicator.pk}/chart.svg?state=JAM")
    assert anonymous["X-TLP"] == "TLP:CLEAR"  # the GREEN value is not drawn for the public
