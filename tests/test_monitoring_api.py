"""/api/v1/monitoring through the full stack: reads, the batch push, the workflow, targets,
progress, public figures with small-cell suppression, scope, query counts and the measure blend."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from seccoop.accounts.models import ApiToken, User
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.monitoring import services
from seccoop.monitoring.models import Indicator, Target, ValidationRule, Value
from seccoop.monitoring.periods import Kind, Period
from seccoop.monitoring.reference import DATA, load_homicide_rates
from seccoop.plan.models import Measure, Milestone, PlanVersion

pytestmark = pytest.mark.django_db

VALUES = "/api/v1/monitoring/values"
TRANSITION = "/api/v1/monitoring/values/transition"

#: JAM in the reference file: the first year (the baseline) and 2023.
JAM_2010, JAM_2023 = 52.646, 49.44
#: BRB in the reference file: the first year (the baseline) and 2023.
BRB_2010, BRB_2023 = 11.263, 7.438


# --- helpers ---------------------------------------------------------------------------------


def user(username: str) -> User:
    return User.objects.get(username=username)


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def state(iso3: str) -> Party:
    return Party.objects.get(iso3=iso3)


def bearer(username: str, scope: str = "write") -> dict[str, str]:
    """Request headers carrying a fresh API token of ``username``."""
    _token, raw = ApiToken.issue(user(username), name="national system", scope=scope, days=30)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def post(path: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json", **auth)


def make_indicator(code: str, **fields: Any) -> Indicator:
    """A public (TLP:CLEAR) indicator of the Commission, annual numbers unless told otherwise."""
    values: dict[str, Any] = {
        "name": f"Indicator {code}",
        "definition": f"What {code} counts.",
        "unit": "cases",
        "measure_type": Indicator.MeasureType.UNIT,
        "direction": Indicator.Direction.INCREASE,
        "aggregation": Indicator.Aggregation.SUM,
        "period_type": Indicator.PeriodType.ANNUAL,
        "category": Category.objects.get(code="I.a"),
        "owner": org("COMMISSION"),
        "tlp": TLP.CLEAR,
        **fields,
    }
    return Indicator.objects.create(code=code, **values)


def make_value(
    indicator: Indicator,
    iso3: str,
    period: str,
    number: Any,
    *,
    cell: str = "",
    status: str = Value.Status.APPROVED,
    tlp: str = TLP.CLEAR,
) -> Value:
    value = services.new_value(indicator, state(iso3), indicator.parse_period(period), cell)
    value.value = Decimal(str(number))
    value.status = status
    value.tlp = tlp
    value.save()
    return value


def item(indicator: str = "SEIZ", iso3: str = "JAM", period: str = "2024", **kw: Any) -> dict:
    return {"indicator": indicator, "state": iso3, "period": period, "value": 12.5, **kw}


def error_fields(response: Any) -> dict[str, str]:
    assert response.status_code == 400, response.content
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def csv_rows(iso3: str) -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["iso3"] == iso3]


@pytest.fixture
def homicide(world: None) -> Indicator:
    load_homicide_rates()
    return Indicator.objects.get(code="HOM-RATE")


@pytest.fixture
def seiz(world: None) -> Indicator:
    return make_indicator("SEIZ", name="Cocaine seized", unit="kg")


@pytest.fixture
def pct(world: None) -> Indicator:
    return make_indicator(
        "LAB-PCT", name="Tests completed in time", measure_type="percentage", unit="%"
    )


def test_reference_constants_match_the_file() -> None:
    """The hand figures below are read off the reference file, not off the code under test."""
    jam = {r["year"]: float(r["intentional_homicides_per_100k"]) for r in csv_rows("JAM")}
    brb = {r["year"]: float(r["intentional_homicides_per_100k"]) for r in csv_rows("BRB")}
    assert (min(jam), jam[min(jam)], jam["2023"]) == ("2010", JAM_2010, JAM_2023)
    assert (min(brb), brb[min(brb)], brb["2023"]) == ("2010", BRB_2010, BRB_2023)


# --- reading -----------------------------------------------------------------------------------


def test_indicator_search_finds_the_homicide_rate_anonymously(homicide: Indicator) -> None:
    response = Client().get("/api/v1/monitoring/indicators?q=homicide")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["items"]]
    assert codes == ["HOM-RATE"]
    row = response.json()["items"][0]
    assert (row["direction"], row["period_type"], row["category"]) == ("decrease", "year", "II.a")


def test_values_of_a_state_are_exactly_the_reference_rows(homicide: Indicator) -> None:
    expected = csv_rows("JAM")
    response = Client().get(f"{VALUES}?indicator=HOM-RATE&state=JAM&limit=100")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(expected) == 14
    got = [(r["period"], r["value"]) for r in body["items"]]
    assert got == [(r["year"], float(r["intentional_homicides_per_100k"])) for r in expected]
    assert all(isinstance(p, str) for p, _v in got)
    assert {(r["state"], r["status"], r["tlp"]) for r in body["items"]} == {
        ("JAM", "approved", "CLEAR")
    }


def test_progress_by_hand(homicide: Indicator, users: dict[str, User]) -> None:
    secretariat = users["secretariat"]
    url = "/api/v1/monitoring/progress?indicator=HOM-RATE&period=2023"
    plain = Client().get(url)
    assert plain.status_code == 200
    rows = {r["state"]: r for r in plain.json()["rows"]}
    assert set(rows["JAM"]) == {"state", "actual", "target", "baseline", "pct", "status"}
    assert rows["JAM"] == {
        "state": "JAM",
        "actual": JAM_2023,
        "target": None,
        "baseline": JAM_2010,
        "pct": None,
        "status": "no_target",
    }
    assert plain.json()["direction"] == "decrease"
    p2023 = Period(Kind.YEAR, 2023)
    services.set_target(homicide, state("JAM"), p2023, Decimal("48"), actor=secretariat)
    services.set_target(homicide, state("BRB"), p2023, Decimal("8"), actor=secretariat)
    client = Client()
    client.force_login(secretariat)
    rows = {r["state"]: r for r in client.get(url).json()["rows"]}
    jam_pct = (JAM_2023 - JAM_2010) / (48 - JAM_2010) * 100  # 69.0: at risk (60 to under 90)
    brb_pct = (BRB_2023 - BRB_2010) / (8 - BRB_2010) * 100  # past the target: on track
    assert rows["JAM"]["target"] == 48.0
    assert rows["JAM"]["pct"] == round(jam_pct, 1) == 69.0
    assert rows["JAM"]["status"] == "at_risk"
    assert rows["BRB"]["pct"] == round(brb_pct, 1) == 117.2
    assert rows["BRB"]["status"] == "on_track"
    assert rows["ATG"]["status"] == "no_target"


# --- the batch push ----------------------------------------------------------------------------


def test_batch_creates_drafts_and_is_idempotent(seiz: Indicator) -> None:
    auth = bearer("jam_focal")
    batch = {
        "items": [
            item(period="2023", value=10, quality="A"),
            item(period="2024", value="12.5", comment="from the coast guard"),
        ]
    }
    first = post(VALUES, batch, auth)
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["created"], body["updated"], body["unchanged"], body["submitted"]) == (2, 0, 0, 0)
    assert [(i["period"], i["status"]) for i in body["items"]] == [
        ("2023", "draft"),
        ("2024", "draft"),
    ]
    stored = Value.objects.filter(indicator=seiz).order_by("period")
    assert [(v.period, v.value, v.status, v.tlp) for v in stored] == [
        ("2023", Decimal("10"), "draft", TLP.AMBER),
        ("2024", Decimal("12.5"), "draft", TLP.AMBER),
    ]
    assert {o.code for o in stored[0].releasable_to.all()} == {"COMMISSION"}
    count = Value.objects.count()
    again = post(VALUES, batch, auth)
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        2,
    )
    assert Value.objects.count() == count
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in body["items"]]


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"indicator": "NOPE"}, "items[1].indicator", "Unknown indicator 'NOPE'"),
        ({"state": "XYZ"}, "items[1].state", "Unknown state 'XYZ'"),
        ({"period": "2024-Q2"}, "items[1].period", "takes annual periods"),
        ({"value": "lots"}, "items[1].value", "'lots' is not a number; SEIZ is numeric"),
        (
            {"indicator": "LAB-PCT", "value": 140},
            "items[1].value",
            "140 is not a percentage",
        ),
    ],
)
def test_one_bad_item_refuses_the_whole_batch(
    seiz: Indicator, pct: Indicator, bad: dict[str, Any], field: str, words: str
) -> None:
    auth = bearer("jam_focal")
    before = Value.objects.count()
    batch = {"items": [item(period="2023"), {**item(period="2024"), **bad}, item(period="2025")]}
    errors = error_fields(post(VALUES, batch, auth))
    assert list(errors) == [field]
    assert words in errors[field]
    assert Value.objects.count() == before


def test_a_focal_point_cannot_report_for_another_state(seiz: Indicator) -> None:
    before = Value.objects.count()
    errors = error_fields(post(VALUES, {"items": [item(iso3="BRB")]}, bearer("jam_focal")))
    assert errors == {"items[0].state": "You cannot report values for BRB."}
    assert Value.objects.count() == before


def test_batch_with_submit_submits(seiz: Indicator) -> None:
    response = post(
        VALUES, {"items": [item(), item(period="2025")], "submit": True}, bearer("jam_focal")
    )
    assert response.status_code == 200, response.content
    assert response.json()["submitted"] == 2
    assert {i["status"] for i in response.json()["items"]} == {"submitted"}
    assert set(Value.objects.filter(indicator=seiz).values_list("status", flat=True)) == {
        "submitted"
    }


def test_a_blocking_rule_refuses_submission_and_writes_nothing(seiz: Indicator) -> None:
    ValidationRule.objects.create(
        indicator=seiz,
        code="MAX",
        kind=ValidationRule.RuleKind.RANGE,
        maximum=Decimal("100"),
        severity=ValidationRule.Severity.BLOCK,
        owner=org("COMMISSION"),
    )
    before = Value.objects.count()
    batch = {"items": [item(period="2023", value=50), item(value=150)], "submit": True}
    response = post(VALUES, batch, bearer("jam_focal"))
    assert response.status_code == 400, response.content
    messages = [e["message"] for e in response.json()["errors"]]
    assert messages == ["SEIZ/MAX: SEIZ JAM 2024 is 150, above the maximum 100."]
    assert Value.objects.count() == before
    # Without submitting, the same figures are saved as drafts (the rules run on submission).
    saved = post(VALUES, {"items": batch["items"]}, bearer("jam_focal"))
    assert saved.status_code == 200
    assert Value.objects.count() == before + 2


# --- the workflow ------------------------------------------------------------------------------


def pushed(indicator: Indicator, periods: list[str], submit: bool = True) -> list[int]:
    response = post(
        VALUES,
        {"items": [item(indicator.code, period=p) for p in periods], "submit": submit},
        bearer("jam_focal"),
    )
    assert response.status_code == 200, response.content
    return [i["id"] for i in response.json()["items"]]


def test_secretariat_approves_in_bulk_and_a_focal_point_cannot(seiz: Indicator) -> None:
    ids = pushed(seiz, ["2022", "2023", "2024"])
    refused = post(TRANSITION, {"ids": ids, "action": "approve"}, bearer("jam_focal"))
    assert refused.status_code in (403, 404)
    assert set(Value.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"submitted"}
    done = post(TRANSITION, {"ids": ids, "action": "approve"}, bearer("secretariat"))
    assert done.status_code == 200, done.content
    assert done.json() == {"count": 3, "status": "approved", "warnings": []}
    secretariat = user("secretariat")
    for v in Value.objects.filter(pk__in=ids):
        assert (v.status, v.approved_by, v.approved_at is not None) == (
            "approved",
            secretariat,
            True,
        )


def test_workflow_conflicts_and_reasons(seiz: Indicator) -> None:
    draft = pushed(seiz, ["2021"], submit=False)
    submitted = pushed(seiz, ["2022"])
    reviewer = bearer("secretariat")
    conflict = post(TRANSITION, {"ids": draft, "action": "approve"}, reviewer)
    assert conflict.status_code == 409
    assert Value.objects.get(pk=draft[0]).status == "draft"
    no_reason = post(TRANSITION, {"ids": submitted, "action": "return"}, reviewer)
    assert error_fields(no_reason) == {"reason": "Give a reason."}
    assert Value.objects.get(pk=submitted[0]).status == "submitted"
    returned = post(
        TRANSITION,
        {"ids": submitted, "action": "return", "reason": "Check the 2022 figure"},
        reviewer,
    )
    assert returned.status_code == 200
    value = Value.objects.get(pk=submitted[0])
    assert (value.status, value.return_reason) == ("returned", "Check the 2022 figure")
    # Resubmitted and approved, then reopened by the state with a reason.
    resubmitted = post(TRANSITION, {"ids": submitted, "action": "submit"}, bearer("jam_focal"))
    assert resubmitted.json()["status"] == "submitted"
    assert post(TRANSITION, {"ids": submitted, "action": "approve"}, reviewer).status_code == 200
    editor = bearer("jam_focal")
    assert error_fields(post(TRANSITION, {"ids": submitted, "action": "revise"}, editor)) == {
        "reason": "Give a reason."
    }
    revised = post(
        TRANSITION,
        {"ids": submitted, "action": "revise", "reason": "The ministry corrected it"},
        editor,
    )
    assert revised.status_code == 200
    value.refresh_from_db()
    assert (value.status, value.return_reason) == ("submitted", "")
    assert value.history.first().history_change_reason == "The ministry corrected it"


def test_a_reopened_value_is_no_longer_marked_approved(seiz: Indicator) -> None:
    """Revise sends an approved value back to submitted: it must not keep its approval stamp
    (a locked edit through the batch or the value form clears it)."""
    ids = pushed(seiz, ["2022"])
    assert (
        post(TRANSITION, {"ids": ids, "action": "approve"}, bearer("secretariat")).status_code
        == 200
    )
    revised = post(
        TRANSITION, {"ids": ids, "action": "revise", "reason": "corrected"}, bearer("jam_focal")
    )
    assert revised.status_code == 200
    value = Value.objects.get(pk=ids[0])
    assert (value.status, value.approved_by, value.approved_at) == ("submitted", None, None)


def test_conflict_message_spells_the_action(seiz: Indicator) -> None:
    """Submitting an approved value is a 409 whose message reads as English."""
    ids = pushed(seiz, ["2022"])
    assert (
        post(TRANSITION, {"ids": ids, "action": "approve"}, bearer("secretariat")).status_code
        == 200
    )
    again = post(TRANSITION, {"ids": ids, "action": "submit"}, bearer("jam_focal"))
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "Some of these values do not allow 'submit' in their current status."
    )


def test_an_approved_value_is_locked_in_the_batch(homicide: Indicator) -> None:
    value = Value.objects.get(indicator=homicide, state__iso3="JAM", period="2023")
    auth = bearer("jam_focal")
    change = item("HOM-RATE", period="2023", value=50.1)
    errors = error_fields(post(VALUES, {"items": [change]}, auth))
    assert list(errors) == ["items[0].reason"]
    assert "approved and locked" in errors["items[0].reason"]
    value.refresh_from_db()
    assert (value.value, value.status) == (Decimal("49.44"), "approved")
    history = value.history.count()
    done = post(VALUES, {"items": [{**change, "reason": "UNODC revised 2023"}]}, auth)
    assert done.status_code == 200, done.content
    assert done.json()["updated"] == 1
    assert done.json()["items"][0]["status"] == "submitted"
    value.refresh_from_db()
    assert (value.value, value.status, value.approved_by) == (Decimal("50.1"), "submitted", None)
    assert value.history.count() == history + 1
    assert "UNODC revised 2023" in value.history.first().history_change_reason


# --- targets -----------------------------------------------------------------------------------


def test_a_target_revision_needs_a_reason_and_keeps_the_old_value(
    seiz: Indicator, users: dict[str, User]
) -> None:
    actor = users["secretariat"]
    jam, p2025 = state("JAM"), Period(Kind.YEAR, 2025)
    target = services.set_target(seiz, jam, p2025, Decimal("900"), actor=actor)
    with pytest.raises(ValidationError) as refused:
        services.set_target(seiz, jam, p2025, Decimal("950"), actor=actor)
    assert "change_reason" in refused.value.message_dict
    target.refresh_from_db()
    assert target.value == Decimal("900")
    services.set_target(seiz, jam, p2025, Decimal("950"), actor=actor, reason="budget cut")
    target.refresh_from_db()
    assert (target.value, target.version) == (Decimal("950"), 2)
    rows = list(target.history.order_by("history_date"))
    assert len(rows) == 2
    assert [r.value for r in rows] == [Decimal("900"), Decimal("950")]
    assert rows[-1].history_change_reason == "budget cut"
    assert rows[-1].history_user == actor
    assert Target.objects.filter(indicator=seiz).count() == 1


# --- public figures ----------------------------------------------------------------------------


@pytest.fixture
def victims(world: None) -> Indicator:
    return make_indicator(
        "TIP-VICT", name="Victims identified, by sex", disaggregations={"sex": ["female", "male"]}
    )


def published(body: dict[str, Any]) -> tuple[dict[tuple[str, str], Any], set[tuple[str, str]]]:
    cells = {(c["state"], c["disaggregation"]): c for c in body["cells"]}
    hidden = {k for k, c in cells.items() if c["suppressed"]}
    for key in hidden:
        assert cells[key]["value"] is None, key
    for key, c in cells.items():
        if key not in hidden:
            assert c["value"] is not None, key
    return cells, hidden


def lone_hidden(
    cells: dict[tuple[str, str], Any], hidden: set[tuple[str, str]], body: dict[str, Any]
) -> list[tuple[str, str]]:
    """Hidden cells alone in a row or column whose total is published: each can be solved for."""
    exposed = []
    for iso3, total in body["row_totals"].items():
        row = [k for k in cells if k[0] == iso3 and k in hidden]
        if len(row) == 1 and total is not None:
            exposed.append(row[0])
    for key, total in body["column_totals"].items():
        column = [k for k in cells if k[1] == key and k in hidden]
        if len(column) == 1 and total is not None:
            exposed.append(column[0])
    return exposed


def test_public_figures_suppress_small_cells_beyond_recovery(victims: Indicator) -> None:
    figures = {
        "JAM": (3, 20),
        "BRB": (12, 25),
        "DOM": (9, 30),
        "TTO": (15, 18),
    }
    for iso3, (female, male) in figures.items():
        make_value(victims, iso3, "2024", female, cell="sex=female")
        make_value(victims, iso3, "2024", male, cell="sex=male")
    response = Client().get("/api/v1/monitoring/public?indicator=TIP-VICT&period=2024")
    assert response.status_code == 200
    body = response.json()
    assert body["threshold"] == 5
    cells, hidden = published(body)
    assert len(cells) == 8
    assert ("JAM", "sex=female") in hidden
    assert len(hidden) >= 4  # a lone small cell needs three partners to hide it
    assert lone_hidden(cells, hidden, body) == []
    # What is published is true: totals add the real figures.
    assert body["row_totals"] == {k: float(sum(v)) for k, v in figures.items()}
    assert body["column_totals"] == {
        "sex=female": float(sum(f for f, _m in figures.values())),
        "sex=male": float(sum(m for _f, m in figures.values())),
    }


def test_public_figures_of_a_single_state_do_not_reveal_a_small_cell(victims: Indicator) -> None:
    """With one state, each column total is that state's cell: it must not be published."""
    make_value(victims, "JAM", "2024", 3, cell="sex=female")
    make_value(victims, "JAM", "2024", 20, cell="sex=male")
    body = Client().get("/api/v1/monitoring/public?indicator=TIP-VICT&period=2024").json()
    cells, hidden = published(body)
    assert ("JAM", "sex=female") in hidden
    assert 3.0 not in body["column_totals"].values()
    assert lone_hidden(cells, hidden, body) == []


def test_public_figures_of_a_state_with_one_cell_do_not_reveal_it(victims: Indicator) -> None:
    """A state that reported only one small cell: its row total is that cell."""
    make_value(victims, "JAM", "2024", 3, cell="sex=female")
    for iso3, (female, male) in {"BRB": (12, 25), "DOM": (9, 30), "TTO": (15, 18)}.items():
        make_value(victims, iso3, "2024", female, cell="sex=female")
        make_value(victims, iso3, "2024", male, cell="sex=male")
    body = Client().get("/api/v1/monitoring/public?indicator=TIP-VICT&period=2024").json()
    cells, hidden = published(body)
    assert ("JAM", "sex=female") in hidden
    assert body["row_totals"].get("JAM") != 3.0
    assert lone_hidden(cells, hidden, body) == []


def test_anonymous_callers_see_approved_values_only(seiz: Indicator) -> None:
    approved = make_value(seiz, "JAM", "2023", 40)
    submitted = make_value(seiz, "JAM", "2024", 41, status=Value.Status.SUBMITTED)
    url = f"{VALUES}?indicator=SEIZ"
    anonymous = [r["id"] for r in Client().get(url).json()["items"]]
    assert anonymous == [approved.pk]
    assert Client().get(f"{VALUES}/{submitted.pk}").status_code == 404
    client = Client()
    client.force_login(user("secretariat"))
    assert [r["id"] for r in client.get(url).json()["items"]] == [approved.pk, submitted.pk]


def test_an_amber_value_is_seen_by_its_state_and_the_commission_only(
    seiz: Indicator, users: dict[str, User]
) -> None:
    value = services.new_value(seiz, state("JAM"), Period(Kind.YEAR, 2024))
    value.value = Decimal("7")
    services.save_value(value, actor=users["jam_focal"])
    assert value.tlp == TLP.AMBER
    assert {o.code for o in value.releasable_to.all()} == {"COMMISSION"}
    url = f"{VALUES}/{value.pk}"
    for persona, status in [
        ("brb_focal", 404),
        ("outsider", 404),
        (None, 404),
        ("secretariat", 200),
        ("jam_focal", 200),
    ]:
        client = Client()
        if persona:
            client.force_login(users[persona])
        response = client.get(url)
        assert response.status_code == status, persona
        if status == 200:
            assert response.json()["value"] == 7.0
            assert response["ETag"] == 'W/"1"'


# --- query counts ------------------------------------------------------------------------------


def queries_of(client: Client, url: str) -> int:
    """Queries of one request, after a first one (which also saves a fresh session)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(captured.captured_queries)


def test_value_list_queries_do_not_grow(homicide: Indicator) -> None:
    secretariat = Client()
    secretariat.force_login(user("secretariat"))
    one_state = queries_of(secretariat, f"{VALUES}?indicator=HOM-RATE&state=JAM")  # 14 values
    small = queries_of(secretariat, f"{VALUES}?indicator=HOM-RATE&limit=5")
    page = queries_of(secretariat, f"{VALUES}?indicator=HOM-RATE")  # 50 of about 200
    assert secretariat.get(f"{VALUES}?indicator=HOM-RATE").json()["count"] > 150
    # session, user, memberships; then the count and the page (indicator and state joined)
    assert one_state == small == page == 5
    # the anonymous: the publication's figures of count indicators, then the count and the page
    assert queries_of(Client(), f"{VALUES}?indicator=HOM-RATE") == 3


def test_dashboard_queries_do_not_grow(world: None, users: dict[str, User]) -> None:
    client = Client()
    client.force_login(users["secretariat"])
    url = "/monitoring/dashboard/?period=2023"
    make_value(make_indicator("SEIZ"), "JAM", "2023", 40)  # one indicator, one value
    small = queries_of(client, url)
    load_homicide_rates()  # a second indicator, a value for most states, four targets
    indicator = Indicator.objects.get(code="HOM-RATE")
    for iso3 in ("JAM", "BRB", "ATG", "GUY"):
        services.set_target(
            indicator,
            state(iso3),
            Period(Kind.YEAR, 2023),
            Decimal("10"),
            actor=users["secretariat"],
        )
    full = queries_of(client, url)
    page = client.get(url).content.decode()
    assert 'data-testid="dashboard"' in page and ">HOM-RATE<" in page
    # session, user, memberships; indicators, states, approved figures not shared with the
    # reader, approved values (with their target and baseline as subqueries), targets without a
    # value
    assert small == full == 8


# --- the measure progress blend ----------------------------------------------------------------


def test_measure_progress_blends_indicator_and_milestones(
    homicide: Indicator, users: dict[str, User]
) -> None:
    commission = org("COMMISSION")
    plan = PlanVersion(year=2030, label="Plan 2030", owner=commission, tlp="CLEAR")
    plan.save()
    measure = Measure.objects.create(
        plan=plan,
        code="M-1",
        title="Reduce homicides",
        kind=Measure.Kind.PROGRAMME,
        status=Measure.Status.IMPLEMENTATION,
        category=Category.objects.get(code="II.a"),
        owner=commission,
        tlp="CLEAR",
    )
    homicide.measures.add(measure)
    client = Client()
    client.force_login(users["secretariat"])
    url = f"/api/v1/plan/measures/{measure.pk}"
    assert client.get(url).json()["progress"] is None  # no target yet: no indicator part
    services.set_target(
        homicide, state("JAM"), Period(Kind.YEAR, 2023), Decimal("48"), actor=users["secretariat"]
    )
    indicator_part = (JAM_2023 - JAM_2010) / (48 - JAM_2010) * 100
    got = client.get(url).json()["progress"]
    assert got == round(max(0.0, min(100.0, indicator_part))) == 69
    for title, done in (("Plan agreed", date(2024, 1, 1)), ("Units trained", None)):
        Milestone.objects.create(
            measure=measure,
            title=title,
            due=date(2025, 1, 1),
            completed_on=done,
            owner=commission,
            tlp="CLEAR",
        )
    assert client.get(url).json()["progress"] == round((50 + indicator_part) / 2) == 60
    # An indicator past its target counts as 100, never more.
    services.set_target(
        homicide,
        state("JAM"),
        Period(Kind.YEAR, 2023),
        Decimal("50"),
        actor=users["secretariat"],
        reason="agreed again",
    )
    assert client.get(url).json()["progress"] == round((50 + 100) / 2) == 75
