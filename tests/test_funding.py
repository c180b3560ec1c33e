"""Resource mobilisation: the counting rule in every cut (service and API), USD conversion, bad
input refused with nothing written, the permission matrix, the Resource Mobilization Committee's
list, the coverage page and its query count, and the funding section of the meeting pack."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import translation
from openpyxl import load_workbook

from seccoop.accounts.models import Membership, Role, User
from seccoop.api import api
from seccoop.framework.models import Body, Category, Criterion, Organisation, Party
from seccoop.funding import services
from seccoop.funding.filters import AccountFilterSet, BudgetFilterSet, TransactionFilterSet
from seccoop.funding.models import FundingAccount, RecipientShare, Transaction
from seccoop.meetings import services as meeting_services
from seccoop.meetings.models import Meeting
from seccoop.meetings.pack import gather
from seccoop.needs.models import AssessmentCycle, Need
from seccoop.plan.models import Measure, PlanVersion
from seccoop.prioritization.models import Assignment, PrioritizationCycle, Run
from seccoop.prioritization.services import run_ranking, save_score, set_weights

from . import needs_helpers as nh
from .matrix import ApiObjectTests, ObjectViewTests

pytestmark = pytest.mark.django_db

YEAR = 2030
DAY = date(YEAR, 3, 1)
PLEDGE, COMMITMENT, DISBURSEMENT, EXPENDITURE = "12", "2", "3", "4"
INCOMING = ("1", "11", "13")
CUTS = ("state", "category", "priority", "partner", "account", "year", "measure")
#: Rates from rates.csv (units per USD): EUR from 2022, 2023 and 2024.
EUR_2022, EUR_2023, EUR_2024 = Decimal("0.951"), Decimal("0.925"), Decimal("0.924")


# --- factories -----------------------------------------------------------------------------------


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def party(iso3: str) -> Party:
    return Party.objects.get(iso3=iso3)


def usd(amount: Decimal | int | str, rate: Decimal) -> Decimal:
    return (Decimal(amount) / rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def make_plan(label: str = "Funding test plan", year: int = YEAR) -> PlanVersion:
    """An adopted plan version, the latest adopted: the committee list's current plan."""
    return PlanVersion.objects.create(
        year=year,
        label=label,
        status=PlanVersion.Status.ADOPTED,
        adopted_on=date(year, 1, 15),
        adopted_by=org("DIALOGUE"),
        owner=org("COMMISSION"),
        tlp="CLEAR",
    )


def make_measure(
    plan: PlanVersion,
    code: str,
    order: int,
    needs: Iterable[Need] = (),
    category: str = "I.a",
) -> Measure:
    measure = Measure.objects.create(
        plan=plan,
        code=code,
        title=f"Measure {code}",
        category=Category.objects.get(code=category),
        status=Measure.Status.IMPLEMENTATION,
        owner=org("COMMISSION"),
        tlp="CLEAR",
        order=order,
    )
    measure.needs.set(list(needs))
    return measure


def shares_of(spec: Iterable[tuple[str, Any]]) -> list[tuple[Party, Decimal]]:
    return [(party(iso3), Decimal(str(pct))) for iso3, pct in spec]


def record(
    kind: str,
    amount: Any,
    measure: Measure,
    *,
    owner: str = "US-INL",
    currency: str = "USD",
    day: date = DAY,
    shares: Iterable[tuple[str, Any]] = (("JAM", 100),),
    account: FundingAccount | None = None,
    tlp: str = "CLEAR",
    reference: str = "",
) -> Transaction:
    provider = org(owner)
    return services.save_transaction(
        Transaction(
            type=kind,
            amount=Decimal(str(amount)),
            currency=currency,
            value_date=day,
            measure=measure,
            owner=provider,
            provider=provider,
            account=account,
            tlp=tlp,
            reference=reference,
        ),
        actor=User.objects.get(username="secretariat"),
        shares=shares_of(shares),
    )


def counts() -> tuple[int, int]:
    return Transaction.objects.count(), RecipientShare.objects.count()


@dataclass
class Ledger:
    cycle: AssessmentCycle
    need: Need
    plan: PlanVersion
    measure: Measure
    account: FundingAccount


@pytest.fixture
def ledger(users: dict[str, User]) -> Ledger:
    """JAM's need of USD 1,000 in I.a (2030), addressed by measure M-1; US-INL pledges 100 from
    its INCLE account, commits 60 of it and disburses 20, all to JAM."""
    cycle = nh.make_cycle(YEAR)
    need = nh.make_need(cycle, users["jam_focal"], amount=1000, currency="USD")
    plan = make_plan()
    measure = make_measure(plan, "M-1", 1, [need])
    account = FundingAccount.objects.create(
        code="US-INCLE", name="INCLE", owner=org("US-INL"), tlp="CLEAR"
    )
    record(PLEDGE, 100, measure, account=account)
    record(COMMITMENT, 60, measure, account=account)
    record(DISBURSEMENT, 20, measure, account=account)
    return Ledger(cycle, need, plan, measure, account)


def api_rows(client: Any, by: str, cycle: int = YEAR) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/v1/funding/coverage?cycle={cycle}&by={by}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["by"] == by and body["cycle"] == cycle
    return {row["key"]: row for row in body["rows"]}


def service_rows(user: User, by: str, cycle: int = YEAR) -> dict[str, dict[str, Any]]:
    return {r.key: r.as_dict() for r in services.coverage(user, by, cycle).rows}


def expected(
    requirements: float | None, pledged: float, committed: float, disbursed: float
) -> dict[str, Any]:
    gap = None if requirements is None else max(0.0, requirements - committed)
    pct = round(committed / requirements * 100, 1) if requirements else None
    return {
        "requirements_usd": requirements,
        "pledged_usd": pledged,
        "committed_usd": committed,
        "disbursed_usd": disbursed,
        "gap_usd": gap,
        "coverage_pct": pct,
    }


def figures(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in expected(0, 0, 0, 0)}


def key_of(by: str, ledger: Ledger) -> str:
    category = ledger.measure.category
    assert category is not None
    return {
        "state": "JAM",
        "category": "I.a",
        "priority": category.priority.code,
        "partner": "US-INL",
        "account": "US-INCLE",
        "year": str(YEAR),
        "measure": "M-1",
    }[by]


# --- 1. the counting rule ------------------------------------------------------------------------


@pytest.mark.parametrize("by", CUTS)
def test_a_pledge_turned_into_a_commitment_counts_once_in_every_cut(
    ledger: Ledger, users: dict[str, User], client_for: Any, by: str
) -> None:
    # Requirements exist by State, category, priority, year and measure, not by partner/account.
    requirements = None if by in ("partner", "account") else 1000.0
    want = expected(requirements, pledged=40.0, committed=60.0, disbursed=20.0)
    if requirements is not None:
        assert want["gap_usd"] == 940.0 and want["coverage_pct"] == 6.0
    key = key_of(by, ledger)
    through_service = service_rows(users["secretariat"], by)
    through_api = api_rows(client_for("secretariat"), by)
    assert list(through_service) == [key]
    assert list(through_api) == [key]
    assert figures(through_service[key]) == want
    assert figures(through_api[key]) == want
    total = services.coverage(users["secretariat"], by, YEAR).total.as_dict()
    assert figures(total) == want


def test_the_hand_case_has_the_right_labels_and_another_cycle_is_empty(
    ledger: Ledger, users: dict[str, User], client_for: Any
) -> None:
    result = services.coverage(users["secretariat"], "state", YEAR)
    assert [(r.key, r.label) for r in result.rows] == [("JAM", "Jamaica")]
    assert api_rows(client_for("secretariat"), "measure")["M-1"]["label"] == "M-1 Measure M-1"
    # Flows are limited to the cycle's year, and needs to the cycle: 2029 shows nothing.
    assert services.coverage(users["secretariat"], "state", YEAR - 1).rows == []
    assert api_rows(client_for("secretariat"), "state", YEAR - 1) == {}


def test_a_disbursement_without_a_commitment_counts_as_committed(
    ledger: Ledger, users: dict[str, User], client_for: Any
) -> None:
    other = make_measure(ledger.plan, "M-2", 2, [ledger.need])
    # Only a disbursement (EU), and a pledge larger than it (CA-GAC pledges 100, disburses 30).
    record(DISBURSEMENT, 50, other, owner="EU")
    record(PLEDGE, 100, other, owner="CA-GAC")
    record(DISBURSEMENT, 30, other, owner="CA-GAC")
    rows = service_rows(users["secretariat"], "partner")
    assert figures(rows["EU"]) == expected(None, 0.0, 50.0, 50.0)
    assert figures(rows["CA-GAC"]) == expected(None, 70.0, 30.0, 30.0)
    assert figures(rows["US-INL"]) == expected(None, 40.0, 60.0, 20.0)
    # The need is shared equally by the two measures that address it.
    by_measure = api_rows(client_for("secretariat"), "measure")
    assert figures(by_measure["M-1"]) == expected(500.0, 40.0, 60.0, 20.0)
    assert figures(by_measure["M-2"]) == expected(500.0, 70.0, 80.0, 80.0)
    assert figures(api_rows(client_for("secretariat"), "state")["JAM"]) == expected(
        1000.0, 110.0, 140.0, 100.0
    )


def test_disbursements_beyond_the_commitments_count_as_committed_once(
    ledger: Ledger, users: dict[str, User]
) -> None:
    record(DISBURSEMENT, 70, ledger.measure, account=ledger.account)  # disbursed 90 > committed 60
    for by in CUTS:
        row = services.coverage(users["secretariat"], by, YEAR).total
        assert (row.pledged_usd, row.committed_usd, row.disbursed_usd) == (
            Decimal(10),
            Decimal(90),
            Decimal(90),
        ), by


def test_incoming_flows_and_expenditure_are_not_counted(
    ledger: Ledger, users: dict[str, User], client_for: Any
) -> None:
    before = {by: service_rows(users["secretariat"], by) for by in CUTS}
    for kind in (*INCOMING, EXPENDITURE):
        record(kind, 10_000, ledger.measure, account=ledger.account)
    assert Transaction.objects.count() == 7
    for by in CUTS:
        assert service_rows(users["secretariat"], by) == before[by], by
        assert {k: figures(v) for k, v in api_rows(client_for("secretariat"), by).items()} == {
            k: figures(v) for k, v in before[by].items()
        }, by


def test_recipient_shares_split_a_transaction_between_states(
    ledger: Ledger, users: dict[str, User], client_for: Any
) -> None:
    tto_need = nh.make_need(
        ledger.cycle,
        users["secretariat"],
        state="TTO",
        reference="TTO-1",
        amount=500,
        currency="USD",
    )
    other = make_measure(ledger.plan, "M-2", 2, [tto_need])
    record(COMMITMENT, 1000, other, owner="EU", shares=(("JAM", 60), ("TTO", 40)))
    rows = api_rows(client_for("secretariat"), "state")
    assert figures(rows["JAM"]) == expected(1000.0, 40.0, 660.0, 20.0)
    assert figures(rows["TTO"]) == expected(500.0, 0.0, 400.0, 0.0)
    assert rows["TTO"]["gap_usd"] == 100.0 and rows["TTO"]["coverage_pct"] == 80.0
    # The split never changes the totals of another cut.
    for by in CUTS:
        total = services.coverage(users["secretariat"], by, YEAR).total
        assert total.committed_usd == Decimal(1060), by


def test_a_regional_transaction_has_its_own_row(ledger: Ledger, users: dict[str, User]) -> None:
    record(COMMITMENT, 25, ledger.measure, owner="EU", shares=())
    rows = service_rows(users["secretariat"], "state")
    assert rows[""]["label"] == "Regional (no State)"
    assert figures(rows[""]) == expected(0.0, 0.0, 25.0, 0.0)
    assert rows["JAM"]["committed_usd"] == 60.0


def test_a_transaction_counts_only_for_those_who_may_see_it(
    ledger: Ledger, users: dict[str, User]
) -> None:
    record(COMMITMENT, 900, ledger.measure, tlp="AMBER", reference="INL-AMBER")
    secretariat = service_rows(users["secretariat"], "partner")["US-INL"]
    assert secretariat["committed_usd"] == 60.0 and secretariat["pledged_usd"] == 40.0
    partner = service_rows(users["inl_partner"], "partner")["US-INL"]
    assert partner["committed_usd"] == 960.0 and partner["pledged_usd"] == 0.0


def test_coverage_refuses_an_unknown_cut(ledger: Ledger, client_for: Any) -> None:
    response = client_for("secretariat").get("/api/v1/funding/coverage?by=colour")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["by"]
    with pytest.raises(ValidationError):
        services.coverage(None, "colour", YEAR)
    assert client_for(None).get("/api/v1/funding/coverage").status_code == 401


# --- 2. USD at the value date --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rate"),
    [(date(2022, 12, 31), EUR_2022), (date(2023, 6, 1), EUR_2023), (date(2031, 1, 1), EUR_2024)],
)
def test_amounts_convert_to_usd_at_the_value_date_and_keep_their_currency(
    ledger: Ledger, client_for: Any, day: date, rate: Decimal
) -> None:
    tx = record(COMMITMENT, "1000", ledger.measure, owner="EU", currency="EUR", day=day)
    tx.refresh_from_db()
    assert (tx.amount, tx.currency) == (Decimal("1000.00"), "EUR")
    assert tx.usd_rate == rate
    assert tx.amount_usd == usd(1000, rate)
    body = client_for("secretariat").get(f"/api/v1/funding/transactions/{tx.pk}").json()
    assert Decimal(str(body["amount"])) == Decimal(1000)
    assert body["currency"] == "EUR"
    assert Decimal(str(body["amount_usd"])) == usd(1000, rate)


def test_an_api_transaction_in_euros_counts_in_usd(
    ledger: Ledger, users: dict[str, User], client_for: Any
) -> None:
    response = client_for("inl_partner").post(
        "/api/v1/funding/transactions",
        {
            "type": COMMITMENT,
            "measure_id": ledger.measure.pk,
            "value_date": "2030-05-01",
            "amount": "924.00",
            "currency": "eur",
            "shares": [{"state": "JAM", "percentage": 100}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["currency"] == "EUR" and Decimal(str(body["amount"])) == Decimal(924)
    assert Decimal(str(body["amount_usd"])) == Decimal("1000.00")  # 924 / 0.924
    row = service_rows(users["secretariat"], "state")["JAM"]
    # US-INL now commits 60 + 1,000; its pledge of 100 is fully covered.
    assert figures(row) == expected(1000.0, 0.0, 1060.0, 20.0)


# --- 3. bad input: a clear error and nothing written -------------------------------------------

#: case -> (changes to a good transaction, the field named, words of the message)
BAD: dict[str, tuple[dict[str, Any], str, str]] = {
    "shares": ({"shares": [("JAM", 60), ("TTO", 30)]}, "shares", "shares sum to 90"),
    "currency": ({"currency": "XYZ"}, "currency", "Unknown currency 'XYZ'"),
    "rate": (
        {"currency": "EUR", "value_date": date(2009, 12, 31)},
        "currency",
        "No exchange rate for EUR on or before 2009-12-31",
    ),
    "date": ({"value_date": None}, "value_date", "value date"),
    "type": ({"type": "99"}, "type", "Unknown transaction type '99'"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_through_the_service_is_refused_and_nothing_is_written(
    ledger: Ledger, users: dict[str, User], case: str
) -> None:
    changes, field, words = dict(BAD[case][0]), BAD[case][1], BAD[case][2]
    fields = {
        "type": COMMITMENT,
        "amount": Decimal(10),
        "currency": "USD",
        "value_date": DAY,
        "measure": ledger.measure,
        "owner": org("US-INL"),
        "provider": org("US-INL"),
        "tlp": "CLEAR",
    }
    shares = changes.pop("shares", [("JAM", 100)])
    fields.update(changes)
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.save_transaction(
            Transaction(**fields), actor=users["inl_partner"], shares=shares_of(shares)
        )
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert counts() == before


def api_payload(measure: Measure, case: str | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": COMMITMENT,
        "measure_id": measure.pk,
        "value_date": DAY.isoformat(),
        "amount": "10.00",
        "currency": "USD",
        "shares": [{"state": "JAM", "percentage": 100}],
    }
    if case is not None:
        changes = dict(BAD[case][0])
        if "shares" in changes:
            payload["shares"] = [{"state": s, "percentage": p} for s, p in changes.pop("shares")]
        for key, value in changes.items():
            if value is None:
                payload.pop(key)
            else:
                payload[key] = value.isoformat() if isinstance(value, date) else value
    return payload


@pytest.mark.parametrize("case", BAD)
def test_bad_input_through_the_api_is_a_400_naming_the_field(
    ledger: Ledger, client_for: Any, case: str
) -> None:
    _changes, field, words = BAD[case]
    before = counts()
    response = client_for("inl_partner").post(
        "/api/v1/funding/transactions",
        api_payload(ledger.measure, case),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors]
    if case != "date":  # a missing field is refused by the schema, in its own words
        assert any(words in e["message"] for e in errors), errors
    assert counts() == before


def form_data(measure: Measure, **changes: Any) -> dict[str, Any]:
    data = {
        "owner": org("US-INL").pk,
        "type": COMMITMENT,
        "measure": measure.pk,
        "value_date": DAY.isoformat(),
        "amount": "10.00",
        "currency": "USD",
        "shares_text": "JAM 100",
        "tlp": "CLEAR",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


FORM_BAD: dict[str, tuple[dict[str, Any], str]] = {
    "shares": ({"shares_text": "JAM 60, TTO 30"}, "The recipient shares sum to 90 %, not 100 %."),
    "currency": ({"currency": "XYZ"}, "Select a valid choice. XYZ is not one of"),
    "rate": (
        {"currency": "EUR", "value_date": "2009-12-31"},
        "No exchange rate for EUR on or before 2009-12-31",
    ),
    "date": ({"value_date": None}, "This field is required."),
    "type": ({"type": "99"}, "Select a valid choice. 99 is not one of"),
}


@pytest.mark.parametrize("case", FORM_BAD)
def test_bad_input_through_the_web_form_is_a_400_and_nothing_is_written(
    ledger: Ledger, client_for: Any, case: str
) -> None:
    changes, words = FORM_BAD[case]
    before = counts()
    response = client_for("inl_partner").post(
        reverse("funding:transaction_add"), form_data(ledger.measure, **changes)
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert counts() == before


def test_the_web_form_records_a_transaction_with_its_shares(
    ledger: Ledger, client_for: Any
) -> None:
    before = counts()
    response = client_for("inl_partner").post(
        reverse("funding:transaction_add"),
        form_data(ledger.measure, shares_text="JAM 60; TTO 40%", currency="EUR"),
    )
    assert response.status_code == 302, response.content[:2000]
    assert counts() == (before[0] + 1, before[1] + 2)
    tx = Transaction.objects.latest("pk")
    assert (tx.owner.code, tx.provider.code, tx.currency) == ("US-INL", "US-INL", "EUR")
    assert tx.amount_usd == usd(10, EUR_2024)
    assert {s.state.iso3: s.percentage for s in tx.shares.all()} == {
        "JAM": Decimal(60),
        "TTO": Decimal(40),
    }
    assert response["Location"] == reverse("funding:transaction_detail", args=[tx.pk])


# --- 4. the permission matrix --------------------------------------------------------------------


def test_a_partner_officer_records_for_their_own_organisation_through_the_api(
    ledger: Ledger, client_for: Any
) -> None:
    response = client_for("inl_partner").post(
        "/api/v1/funding/transactions",
        {**api_payload(ledger.measure), "reference": "INL-2030-1"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    assert body["provider"] == "US-INL" and body["version"] == 1
    tx = Transaction.objects.get(pk=body["id"])
    assert tx.owner.code == "US-INL" and tx.reference == "INL-2030-1"
    assert tx.history.count() == 1


@pytest.fixture
def eu_tx(ledger: Ledger) -> Transaction:
    return record(COMMITMENT, 500, ledger.measure, owner="EU", reference="EU-1")


def test_another_organisations_transaction_is_not_found_for_editing(
    ledger: Ledger, eu_tx: Transaction, client_for: Any
) -> None:
    client = client_for("inl_partner")
    # It is public (TLP:CLEAR): readable, but not for editing.
    assert client.get(reverse("funding:transaction_detail", args=[eu_tx.pk])).status_code == 200
    assert client.get(f"/api/v1/funding/transactions/{eu_tx.pk}").status_code == 200
    assert client.get(reverse("funding:transaction_edit", args=[eu_tx.pk])).status_code == 404
    assert (
        client.post(
            reverse("funding:transaction_edit", args=[eu_tx.pk]),
            form_data(ledger.measure, amount="1.00", form_version=1),
        ).status_code
        == 404
    )
    response = client.patch(
        f"/api/v1/funding/transactions/{eu_tx.pk}",
        {"amount": "1.00", "version": 1},
        content_type="application/json",
        headers={"If-Match": 'W/"1"'},
    )
    assert response.status_code == 404
    eu_tx.refresh_from_db()
    assert (eu_tx.amount, eu_tx.version, eu_tx.owner.code) == (Decimal(500), 1, "EU")


def test_a_partner_officer_edits_their_own_with_the_version(
    ledger: Ledger, client_for: Any
) -> None:
    mine = Transaction.objects.get(measure=ledger.measure, type=COMMITMENT)
    client = client_for("inl_partner")
    url = f"/api/v1/funding/transactions/{mine.pk}"
    got = client.get(url)
    assert got["ETag"] == 'W/"1"'
    # Neither If-Match nor version: 428.
    assert (
        client.patch(url, {"amount": "70.00"}, content_type="application/json").status_code == 428
    )
    ok = client.patch(
        url, {"amount": "70.00"}, content_type="application/json", headers={"If-Match": 'W/"1"'}
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["version"] == 2 and ok["ETag"] == 'W/"2"'
    assert Decimal(str(ok.json()["amount_usd"])) == Decimal(70)
    # A stale If-Match is 412; a stale body version is 409; nothing changes.
    stale = client.patch(
        url, {"amount": "1.00"}, content_type="application/json", headers={"If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412 and stale["ETag"] == 'W/"2"'
    conflict = client.patch(url, {"amount": "1.00", "version": 1}, content_type="application/json")
    assert conflict.status_code == 409
    # Bad shares in a change are refused too.
    bad = client.patch(
        url,
        {"version": 2, "shares": [{"state": "JAM", "percentage": 50}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "shares" in [e["field"] for e in bad.json()["errors"]]
    mine.refresh_from_db()
    assert (mine.amount, mine.version) == (Decimal(70), 2)
    assert [s.percentage for s in mine.shares.all()] == [Decimal(100)]
    # The web form: the edit page opens, a stale version is a conflict, the current one saves.
    edit = reverse("funding:transaction_edit", args=[mine.pk])
    page = client.get(edit)
    assert page.status_code == 200 and "JAM 100" in page.content.decode()
    stale_form = client.post(edit, form_data(ledger.measure, amount="80.00", form_version=1))
    assert stale_form.status_code == 409
    saved = client.post(edit, form_data(ledger.measure, amount="80.00", form_version=2))
    assert saved.status_code == 302
    mine.refresh_from_db()
    assert (mine.amount, mine.version, mine.amount_usd) == (Decimal(80), 3, Decimal(80))


@pytest.mark.parametrize(
    "persona", ["jam_focal", "jam_viewer", "viewer", "twg_member", "secretariat"]
)
def test_only_a_partner_officer_records(ledger: Ledger, client_for: Any, persona: str) -> None:
    client = client_for(persona)
    before = counts()
    response = client.post(
        "/api/v1/funding/transactions",
        api_payload(ledger.measure),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(reverse("funding:transaction_add")).status_code == 403
    assert (
        client.post(reverse("funding:transaction_add"), form_data(ledger.measure)).status_code
        == 403
    )
    mine = Transaction.objects.filter(type=COMMITMENT).first()
    assert mine is not None
    assert client.get(reverse("funding:transaction_edit", args=[mine.pk])).status_code in (
        403,
        404,
    )
    patch = client.patch(
        f"/api/v1/funding/transactions/{mine.pk}",
        {"amount": "1.00", "version": 1},
        content_type="application/json",
    )
    assert patch.status_code in (403, 404)
    assert counts() == before


def test_an_officer_of_two_partners_names_the_provider_in_the_web_form(
    ledger: Ledger, client_for: Any
) -> None:
    Membership.objects.create(
        user=User.objects.get(username="inl_partner"),
        organisation=org("EU"),
        role=Role.PARTNER_OFFICER,
        start=date(2010, 5, 27),
    )
    client = client_for("inl_partner")
    before = counts()
    response = client.post(
        "/api/v1/funding/transactions", api_payload(ledger.measure), content_type="application/json"
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["provider"]
    assert counts() == before
    saved = client.post(
        reverse("funding:transaction_add"), form_data(ledger.measure, owner=org("EU").pk)
    )
    assert saved.status_code == 302
    tx = Transaction.objects.latest("pk")
    assert (tx.owner.code, tx.provider.code) == ("EU", "EU")
    # A provider the officer does not work for is refused.
    other = client.post(
        reverse("funding:transaction_add"), form_data(ledger.measure, owner=org("CA-GAC").pk)
    )
    assert other.status_code == 400
    assert Transaction.objects.filter(owner__code="CA-GAC").count() == 0


def test_anonymous_is_sent_to_sign_in_or_gets_401(ledger: Ledger, client_for: Any) -> None:
    client = client_for(None)
    before = counts()
    for url in (
        reverse("funding:transaction_add"),
        reverse("funding:coverage"),
        reverse("funding:committee"),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/sign-in/" in response["Location"]
    assert client.post(reverse("funding:transaction_add"), form_data(ledger.measure)).status_code
    assert (
        client.post(
            "/api/v1/funding/transactions",
            api_payload(ledger.measure),
            content_type="application/json",
        ).status_code
        == 401
    )
    for url in ("/api/v1/funding/committee", "/api/v1/funding/transactions"):
        assert client.get(url).status_code == 401, url
    assert counts() == before


# --- 5. the Resource Mobilization Committee ------------------------------------------------------


@dataclass
class Committee:
    plan: PlanVersion
    measures: dict[str, Measure]


@pytest.fixture
def committee(users: dict[str, User]) -> Committee:
    """Three measures in plan order C-1, C-2, C-3, each addressing one JAM need (USD 1,000,
    2,000 and 3,000); C-2 is part-funded (500), and a closed measure is never listed."""
    cycle = nh.make_cycle(YEAR)
    plan = make_plan("Committee plan")
    measures = {}
    for n in (1, 2, 3):
        need = nh.make_need(
            cycle, users["jam_focal"], reference=f"C-{n}", amount=1000 * n, currency="USD"
        )
        measures[f"C-{n}"] = make_measure(plan, f"C-{n}", n, [need])
    closed_need = nh.make_need(cycle, users["jam_focal"], reference="C-9", amount=9, currency="USD")
    closed = make_measure(plan, "C-9", 0, [closed_need])
    closed.status = Measure.Status.CLOSED
    closed.save()
    make_measure(plan, "C-0", 0)  # nothing addressed: no requirement, never listed
    record(COMMITMENT, 500, measures["C-2"])
    record(PLEDGE, 800, measures["C-3"], owner="EU")
    return Committee(plan, measures)


def listed(client: Any) -> list[tuple[int, str, float, float, float, float]]:
    response = client.get("/api/v1/funding/committee")
    assert response.status_code == 200, response.content
    return [
        (
            r["rank"],
            r["measure"],
            r["requirement_usd"],
            r["committed_usd"],
            r["pledged_usd"],
            r["gap_usd"],
        )
        for r in response.json()
    ]


def test_the_committee_list_is_in_plan_order_and_reorders_when_a_measure_is_funded(
    committee: Committee, users: dict[str, User], client_for: Any
) -> None:
    rows, run = services.committee_list(users["secretariat"])
    assert run is None
    assert [(r.rank, r.measure.code, r.status) for r in rows] == [
        (1, "C-1", "Unfunded"),
        (2, "C-2", "Under-funded"),
        (3, "C-3", "Unfunded"),
    ]
    assert rows[1].funded_pct == 25.0 and rows[1].gap_usd == Decimal(1500)
    client = client_for("secretariat")
    assert listed(client) == [
        (1, "C-1", 1000.0, 0.0, 0.0, 1000.0),
        (2, "C-2", 2000.0, 500.0, 0.0, 1500.0),
        (3, "C-3", 3000.0, 0.0, 800.0, 3000.0),
    ]
    page = client.get(reverse("funding:committee"))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="committee-row"') == 3
    # A pledge alone does not fund a measure; a commitment of the whole requirement does.
    record(PLEDGE, 5000, committee.measures["C-1"])
    assert [r[1] for r in listed(client)] == ["C-1", "C-2", "C-3"]
    record(COMMITMENT, 1000, committee.measures["C-1"], owner="EU")
    assert listed(client) == [
        (1, "C-2", 2000.0, 500.0, 0.0, 1500.0),
        (2, "C-3", 3000.0, 0.0, 800.0, 3000.0),
    ]
    assert [r.measure.code for r in services.committee_list(users["secretariat"])[0]] == [
        "C-2",
        "C-3",
    ]


def score_and_run(
    cycle: PrioritizationCycle, committee: Committee, actor: User, points: dict[str, int]
) -> Run:
    """Score each measure ``points`` on every criterion (one assessor) and rank by weighted sum."""
    for code, point in points.items():
        assignment = Assignment.objects.filter(
            cycle=cycle, measure=committee.measures[code], assessor=actor
        ).first() or Assignment.objects.create(
            cycle=cycle,
            measure=committee.measures[code],
            assessor=actor,
            owner=org("COMMISSION"),
            tlp="AMBER+STRICT",
        )
        for criterion in Criterion.objects.all():
            save_score(
                assignment,
                actor=actor,
                criterion=criterion,
                low=Decimal(point),
                high=Decimal(point),
            )
    return run_ranking(cycle, actor=actor, method=Run.Method.WSUM)


def test_the_latest_prioritisation_run_orders_the_committee_list(
    committee: Committee, users: dict[str, User], client_for: Any
) -> None:
    secretariat = users["secretariat"]
    cycle = PrioritizationCycle.objects.create(
        year=YEAR, plan=committee.plan, owner=org("COMMISSION"), tlp="GREEN"
    )
    weights = {"a": "0.5", "b": "0.3", "c": "0.2"}
    set_weights(
        cycle,
        actor=secretariat,
        values={code: (Decimal(w), Decimal(0), Decimal(1)) for code, w in weights.items()},
    )
    first = score_and_run(cycle, committee, secretariat, {"C-3": 5, "C-1": 4, "C-2": 2})
    assert [r["code"] for r in first.results["ranking"]] == ["C-3", "C-1", "C-2"]
    rows, used = services.committee_list(secretariat)
    assert used == first
    assert [(r.rank, r.measure.code) for r in rows] == [(1, "C-3"), (2, "C-1"), (3, "C-2")]
    client = client_for("secretariat")
    assert [r[:2] for r in listed(client)] == [(1, "C-3"), (2, "C-1"), (3, "C-2")]
    page = client.get(reverse("funding:committee")).content.decode()
    assert "In the order of the latest prioritisation run" in page
    assert page.index("C-3</a>") < page.index("C-1</a>") < page.index("C-2</a>")
    # Funding the top-ranked measure removes it; the run's order holds for the rest.
    record(COMMITMENT, 3000, committee.measures["C-3"])
    assert [r[:2] for r in listed(client)] == [(2, "C-1"), (3, "C-2")]
    # A later run wins.
    later = score_and_run(cycle, committee, secretariat, {"C-3": 1, "C-1": 3, "C-2": 5})
    assert services.committee_list(secretariat)[1] == later
    assert [r[:2] for r in listed(client)] == [(1, "C-2"), (2, "C-1")]


def test_the_committee_list_exports_to_xlsx_and_csv(committee: Committee, client_for: Any) -> None:
    client = client_for("secretariat")
    response = client.get(reverse("funding:committee") + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == nh.XLSX
    rows = nh.sheet_rows(response.content)
    # The measures are CLEAR but their requirements come from JAM's TLP:AMBER needs: the list is
    # AMBER in its first row, last row and file name (it used to say CLEAR).
    assert "TLP:AMBER" in str(rows[0][0])
    assert rows[-1][0] == "TLP:AMBER"
    assert "tlp-amber" in response["Content-Disposition"]
    assert rows[1][:2] == ["Priority", "Measure"]
    body = [r for r in rows[2:] if r and r[0] not in (None, "") and len(r) > 2]
    assert [(r[0], r[1]) for r in body] == [(1, "C-1"), (2, "C-2"), (3, "C-3")]
    header = list(rows[1])
    gap = header.index("Gap (USD)")
    assert [float(r[gap]) for r in body] == [1000.0, 1500.0, 3000.0]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.worksheets[0].max_row == 6  # banner, header, three measures, marking
    csv_text = client.get(reverse("funding:committee") + "?format=csv").content.decode()
    assert "C-2" in csv_text and "Gap (USD)" in csv_text


# --- 6. the coverage page and its query count ----------------------------------------------------


def test_the_coverage_page_shows_the_states_gap(ledger: Ledger, client_for: Any) -> None:
    response = client_for("secretariat").get(f"{reverse('funding:coverage')}?by=state&cycle={YEAR}")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('data-testid="coverage-JAM"')
    row = html[start : html.index("</tr>", start)]
    assert '<td class="num" data-testid="gap">940</td>' in row
    assert "6%" in row  # one rule for percentages: no ".0", no space in English
    # The partner sees the flows of its own, but the needs only when released to it.
    partner = client_for("inl_partner").get(f"{reverse('funding:coverage')}?by=state&cycle={YEAR}")
    assert partner.status_code == 200
    assert "Record a transaction" in partner.content.decode()


def add_flows(measure: Measure, n: int, start: int = 0) -> None:
    partners = ["US-INL", "EU", "CA-GAC", "GB-FCDO", "IDB"]
    for i in range(start, start + n):
        record(
            [PLEDGE, COMMITMENT, DISBURSEMENT][i % 3],
            10 + i,
            measure,
            owner=partners[i % len(partners)],
            shares=(("JAM", 50), ("TTO", 50)) if i % 2 else (("JAM", 100),),
        )


@pytest.mark.parametrize("by", CUTS)
def test_the_coverage_query_count_does_not_grow_with_the_ledger(
    ledger: Ledger, users: dict[str, User], by: str
) -> None:
    Transaction.objects.all().delete()
    add_flows(ledger.measure, 5)
    user = users["secretariat"]
    services.coverage(user, by, YEAR)  # warm the user's scope
    with CaptureQueriesContext(connection) as five:
        small = services.coverage(user, by, YEAR)
    add_flows(ledger.measure, 45, start=5)
    with CaptureQueriesContext(connection) as fifty:
        large = services.coverage(user, by, YEAR)
    assert Transaction.objects.count() == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)
    assert len(five.captured_queries) <= 10
    assert large.total.committed_usd > small.total.committed_usd


# --- 7. the meeting pack -------------------------------------------------------------------------


def test_the_meeting_pack_has_the_funding_gap_section(
    ledger: Ledger, users: dict[str, User]
) -> None:
    start = meeting_services.local_to_utc(date(YEAR, 9, 15), 10, 0, "America/Port_of_Spain")
    meeting = meeting_services.schedule(
        Meeting(
            body=Body.objects.get(organisation__code="COMMISSION"),
            title="Funding meeting",
            start=start,
            end=start + timedelta(hours=8),
            time_zone="America/Port_of_Spain",
            venue_city="Port of Spain",
            host=party("TTO"),
            tlp="GREEN",
        ),
        actor=users["secretariat"],
    )
    pack = gather(meeting, users["secretariat"], today=date(YEAR, 9, 1))
    sections = {s.key: s for s in pack.sections}
    assert "funding_gap" in sections
    section = sections["funding_gap"]
    assert section.title == f"Funding gap by State ({YEAR})"
    assert section.rows == [["Jamaica", "1,000", "60", "940", "6%"]]
    assert section.numeric == [1, 2, 3, 4]


def test_the_pack_counts_the_funding_up_to_the_meeting_day_in_the_readers_format(
    ledger: Ledger, users: dict[str, User]
) -> None:
    """A commitment with a value date after the meeting is not in its pack; the figures follow
    the language's number format."""
    record(COMMITMENT, 1500, ledger.measure, day=date(YEAR, 9, 16))
    record(COMMITMENT, 40, ledger.measure, day=date(YEAR, 9, 15))
    start = meeting_services.local_to_utc(date(YEAR, 9, 15), 10, 0, "America/Port_of_Spain")
    meeting = meeting_services.schedule(
        Meeting(
            body=Body.objects.get(organisation__code="COMMISSION"),
            title="Funding meeting",
            start=start,
            end=start + timedelta(hours=8),
            time_zone="America/Port_of_Spain",
            venue_city="Port of Spain",
            host=party("TTO"),
            tlp="GREEN",
        ),
        actor=users["secretariat"],
    )
    # Downloaded after the meeting: as of its day, the 16 September commitment is not counted.
    pack = gather(meeting, users["secretariat"], today=date(YEAR, 12, 1))
    assert pack.as_of == f"Figures as of 15 September {YEAR}"
    section = {s.key: s for s in pack.sections}["funding_gap"]
    assert section.rows == [["Jamaica", "1,000", "100", "900", "10%"]]
    # Once it is counted (a meeting after it), Spanish groups thousands its own way.
    later = meeting_services.local_to_utc(date(YEAR, 10, 15), 10, 0, "America/Port_of_Spain")
    meeting.start, meeting.end = later, later + timedelta(hours=8)
    with translation.override("es"):
        pack = gather(meeting, users["secretariat"], today=date(YEAR, 12, 1))
        section = {s.key: s for s in pack.sections}["funding_gap"]
    assert pack.as_of.endswith(f"15 de octubre de {YEAR}")
    assert section.rows[0][1:] == [
        "1\N{NO-BREAK SPACE}000",
        "1\N{NO-BREAK SPACE}600",
        "0",
        "160\N{NO-BREAK SPACE}%",
    ]


# --- 8. recipient shares show the State's name ---------------------------------------------------


def test_shares_show_the_states_name_on_pages_exports_and_the_api(
    ledger: Ledger, client_for: Any
) -> None:
    tx = record(COMMITMENT, 10, ledger.measure, shares=(("JAM", 60), ("TTO", 40)))
    client = client_for("inl_partner")
    detail = client.get(reverse("funding:transaction_detail", args=[tx.pk])).content.decode()
    assert "Jamaica (JAM) 60%" in detail and "Trinidad and Tobago (TTO) 40%" in detail
    listing = client.get(reverse("funding:transaction_list")).content.decode()
    assert "Trinidad and Tobago (TTO) 40%" in listing
    exported = client.get(reverse("funding:transaction_list") + "?export=csv")
    assert "Trinidad and Tobago (TTO) 40%" in exported.content.decode("utf-8-sig")
    body = client.get(f"/api/v1/funding/transactions/{tx.pk}").json()
    assert body["shares"] == [
        {"state": "JAM", "party_name": "Jamaica", "percentage": "60.00"},
        {"state": "TTO", "party_name": "Trinidad and Tobago", "percentage": "40.00"},
    ] or [(s["state"], s["party_name"]) for s in body["shares"]] == [
        ("JAM", "Jamaica"),
        ("TTO", "Trinidad and Tobago"),
    ]
    # In the reader's language.
    with translation.override("en"):  # the API activates the caller's language
        spanish = client.get(f"/api/v1/funding/transactions/{tx.pk}", HTTP_ACCEPT_LANGUAGE="es")
    assert [s["party_name"] for s in spanish.json()["shares"]] == ["Jamaica", "Trinidad y Tobago"]
    # The edit form names the States beside their codes.
    mine = Transaction.objects.get(measure=ledger.measure, type=COMMITMENT, amount=60)
    form = client.get(reverse("funding:transaction_edit", args=[mine.pk])).content.decode()
    assert "Now: Jamaica (JAM) 100%" in form
    assert "TTO Trinidad and Tobago" in form


# --- 9. a partner books only for its own organisation, on its own accounts -----------------------


@pytest.fixture
def eu_account() -> FundingAccount:
    return FundingAccount.objects.create(code="EU-IcSP", name="IcSP", owner=org("EU"), tlp="CLEAR")


#: case -> (what the partner officer tries, the field named); "own" succeeds.
BOOKINGS: dict[str, tuple[dict[str, str], str | None]] = {
    "own": ({}, None),
    "another partner's account": ({"account": "EU-IcSP"}, "account"),
    "another partner as provider": ({"provider": "EU"}, "provider"),
}


@pytest.mark.parametrize("case", BOOKINGS)
@pytest.mark.parametrize("path", ["service", "form", "api"])
def test_a_partner_officer_books_only_for_its_own_organisation_and_accounts(
    ledger: Ledger,
    eu_account: FundingAccount,
    users: dict[str, User],
    client_for: Any,
    path: str,
    case: str,
) -> None:
    attempt, field = BOOKINGS[case]
    account = FundingAccount.objects.get(code=attempt.get("account", "US-INCLE"))
    provider = org(attempt.get("provider", "US-INL"))
    before = counts()
    if path == "service":
        tx = Transaction(
            type=COMMITMENT,
            amount=Decimal(10),
            currency="USD",
            value_date=DAY,
            measure=ledger.measure,
            owner=provider,
            provider=provider,
            account=account,
            tlp="CLEAR",
        )
        if field is None:
            services.save_transaction(tx, actor=users["inl_partner"], shares=shares_of([]))
        else:
            with pytest.raises(ValidationError) as caught:
                services.save_transaction(tx, actor=users["inl_partner"], shares=shares_of([]))
            assert field in caught.value.message_dict
    elif path == "form":
        response = client_for("inl_partner").post(
            reverse("funding:transaction_add"),
            form_data(ledger.measure, owner=provider.pk, account=account.pk),
        )
        assert response.status_code == (302 if field is None else 400)
        if field is not None:
            # The form offers only the officer's organisation and its accounts.
            assert "Select a valid choice" in response.content.decode()
    else:
        response = client_for("inl_partner").post(
            "/api/v1/funding/transactions",
            {**api_payload(ledger.measure), "account": account.code, "provider": provider.code},
            content_type="application/json",
        )
        assert response.status_code == (201 if field is None else 400), response.content
        if field is not None:
            assert [e["field"] for e in response.json()["errors"]] == [field]
    if field is None:
        assert counts()[0] == before[0] + 1
        tx = Transaction.objects.latest("pk")
        assert (tx.owner.code, tx.provider.code, tx.account.code) == ("US-INL",) * 2 + ("US-INCLE",)
    else:
        assert counts() == before


def test_the_form_offers_only_the_officers_organisation_and_its_accounts(
    ledger: Ledger, eu_account: FundingAccount, client_for: Any
) -> None:
    client = client_for("inl_partner")
    for name in ("funding:transaction_add", "funding:budget_add"):
        page = client.get(reverse(name)).content.decode()
        assert "US-INCLE" in page and "EU-IcSP" not in page
        owner = page[
            page.index('name="owner"') : page.index("</select>", page.index('name="owner"'))
        ]
        assert f'value="{org("US-INL").pk}"' in owner
        assert f'value="{org("EU").pk}"' not in owner


def test_the_secretariat_books_on_behalf_of_any_partner_on_that_partners_accounts(
    ledger: Ledger, eu_account: FundingAccount, users: dict[str, User], client_for: Any
) -> None:
    """Decision 0021: through the service (the IATI import, the platform's own commands), the
    secretariat may book for any partner; the record stays the partner's. The web form and the
    API stay the partners' own."""
    secretariat = users["secretariat"]
    tx = record(COMMITMENT, 10, ledger.measure, owner="EU", account=eu_account)
    assert (tx.owner.code, tx.provider.code, tx.history.first().history_user) == (
        "EU",
        "EU",
        secretariat,
    )
    before = counts()
    with pytest.raises(ValidationError) as caught:
        record(COMMITMENT, 10, ledger.measure, owner="EU", account=ledger.account)
    assert "account" in caught.value.message_dict
    assert "US-INCLE is managed by US-INL" in caught.value.message_dict["account"][0]
    assert counts() == before
    assert (
        client_for("secretariat")
        .post(
            "/api/v1/funding/transactions",
            {**api_payload(ledger.measure), "provider": "EU"},
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_a_budget_is_booked_only_for_the_officers_organisation_and_accounts(
    ledger: Ledger, eu_account: FundingAccount, users: dict[str, User], client_for: Any
) -> None:
    def budget(owner: str, account: FundingAccount) -> services.Budget:
        return services.Budget(
            measure=ledger.measure,
            owner=org(owner),
            account=account,
            tlp="CLEAR",
            amount=Decimal(100),
            currency="USD",
            value_date=DAY,
            period_start=DAY,
            period_end=date(YEAR, 12, 31),
        )

    partner = users["inl_partner"]
    for owner, account, field in (("US-INL", eu_account, "account"), ("EU", eu_account, "owner")):
        with pytest.raises(ValidationError) as caught:
            services.save_budget(budget(owner, account), actor=partner)
        assert field in caught.value.message_dict
    assert not services.Budget.objects.exists()
    services.save_budget(budget("US-INL", ledger.account), actor=partner)
    response = client_for("inl_partner").post(
        reverse("funding:budget_add"),
        {
            "owner": org("US-INL").pk,
            "measure": ledger.measure.pk,
            "account": eu_account.pk,
            "type": "1",
            "status": "1",
            "period_start": DAY.isoformat(),
            "period_end": f"{YEAR}-12-31",
            "amount": "100",
            "currency": "USD",
            "value_date": DAY.isoformat(),
            "tlp": "CLEAR",
        },
    )
    assert response.status_code == 400
    assert services.Budget.objects.count() == 1


def test_a_measure_outside_the_readers_scope_is_not_found(ledger: Ledger, client_for: Any) -> None:
    hidden = make_measure(ledger.plan, "M-H", 9)
    hidden.tlp = "AMBER+STRICT"
    hidden.save()
    client = client_for("inl_partner")
    assert client.get(f"/api/v1/funding/measures/{hidden.pk}").status_code == 404
    assert client.get(reverse("funding:measure", args=[hidden.pk])).status_code == 404
    assert client.get(f"/api/v1/funding/measures/{ledger.measure.pk}").status_code == 200
    before = counts()
    response = client.post(
        "/api/v1/funding/transactions",
        {**api_payload(ledger.measure), "measure_id": hidden.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["measure_id"]
    assert counts() == before


# --- 10. dates from 2000 to five years ahead -----------------------------------------------------


def far_date() -> date:
    return services.latest_date() + timedelta(days=1)


@pytest.mark.parametrize("when", ["early", "late"])
def test_an_implausible_date_is_refused_naming_the_field_and_range_on_every_path(
    ledger: Ledger, users: dict[str, User], client_for: Any, when: str
) -> None:
    day = date(1999, 12, 31) if when == "early" else far_date()
    allowed = f"2000-01-01 to {services.latest_date().isoformat()}"
    before = counts()
    with pytest.raises(ValidationError) as caught:
        record(COMMITMENT, 10, ledger.measure, day=day)
    assert allowed in caught.value.message_dict["value_date"][0]
    form = client_for("inl_partner").post(
        reverse("funding:transaction_add"), form_data(ledger.measure, value_date=day.isoformat())
    )
    assert form.status_code == 400
    assert f"The value date {day.isoformat()} is outside the allowed range" in form.content.decode()
    assert allowed in form.content.decode()
    api = client_for("inl_partner").post(
        "/api/v1/funding/transactions",
        {**api_payload(ledger.measure), "value_date": day.isoformat()},
        content_type="application/json",
    )
    assert api.status_code == 400
    errors = api.json()["errors"]
    assert [e["field"] for e in errors] == ["value_date"] and allowed in errors[0]["message"]
    mine = Transaction.objects.get(measure=ledger.measure, type=COMMITMENT)
    patch = client_for("inl_partner").patch(
        f"/api/v1/funding/transactions/{mine.pk}",
        {"value_date": day.isoformat(), "version": 1},
        content_type="application/json",
    )
    assert patch.status_code == 400 and allowed in patch.json()["errors"][0]["message"]
    assert counts() == before
    mine.refresh_from_db()
    assert (mine.value_date, mine.version) == (DAY, 1)


def test_a_budget_period_must_fall_in_the_allowed_range(
    ledger: Ledger, users: dict[str, User]
) -> None:
    for field, changes in (
        ("period_start", {"period_start": date(1999, 1, 1)}),
        ("period_end", {"period_end": far_date()}),
        ("value_date", {"value_date": date(1999, 1, 1)}),
    ):
        fields: dict[str, Any] = {
            "measure": ledger.measure,
            "owner": org("US-INL"),
            "tlp": "CLEAR",
            "amount": Decimal(1),
            "currency": "USD",
            "value_date": DAY,
            "period_start": DAY,
            "period_end": date(YEAR, 12, 31),
            **changes,
        }
        with pytest.raises(ValidationError) as caught:
            services.save_budget(services.Budget(**fields), actor=users["inl_partner"])
        assert list(caught.value.message_dict) == [field]
        assert "2000-01-01 to" in caught.value.message_dict[field][0]
    assert not services.Budget.objects.exists()


def test_the_range_runs_from_2000_to_five_years_after_today() -> None:
    assert services.latest_date(date(2026, 12, 2)) == date(2031, 12, 2)
    assert services.latest_date(date(2028, 2, 29)) == date(2033, 2, 28)
    assert services.date_error(date(2000, 1, 1), "value date", date(2026, 12, 2)) is None
    assert services.date_error(date(2031, 12, 2), "value date", date(2026, 12, 2)) is None
    assert services.date_error(date(2031, 12, 3), "value date", date(2026, 12, 2)) == (
        "The value date 2031-12-03 is outside the allowed range, 2000-01-01 to 2031-12-02."
    )


# --- 11. spending above the commitments is a warning -------------------------------------------


def test_spending_above_the_commitments_is_warned_not_refused(
    ledger: Ledger, users: dict[str, User], client_for: Any
) -> None:
    """US-INL commits 60 and disburses 20 (the ledger); an expenditure of 30 and a disbursement
    of 15 bring the spending to 65: saved, and warned on the measure's page, the API and the
    form."""
    record(EXPENDITURE, 30, ledger.measure)
    assert services.spending_warnings(users["secretariat"], [ledger.measure.pk]) == []
    client = client_for("inl_partner")
    saved = client.post(
        reverse("funding:transaction_add"),
        form_data(ledger.measure, type=DISBURSEMENT, amount="15.00", account=ledger.account.pk),
        follow=True,
    )
    assert saved.status_code == 200
    message = (
        "US-INL has disbursed and spent 65 USD on this measure, more than its commitments of "
        "60 USD."
    )
    assert message in saved.content.decode()
    assert Transaction.objects.filter(type=DISBURSEMENT, amount=15).exists()
    body = client.get(f"/api/v1/funding/measures/{ledger.measure.pk}").json()
    assert body["warnings"] == [
        {
            "measure_id": ledger.measure.pk,
            "provider": "US-INL",
            "currency": "USD",
            "committed": 60.0,
            "spent": 65.0,
            "message": message,
        }
    ]
    assert body["providers"] == [
        {
            "provider": "US-INL",
            "committed_usd": 60.0,
            "disbursed_usd": 35.0,
            "expenditure_usd": 30.0,
            "pledged_usd": 100.0,
        }
    ]
    page = client.get(reverse("funding:measure", args=[ledger.measure.pk])).content.decode()
    assert 'data-testid="spending-warning"' in page and message in page
    # Another commitment brings it back under: no warning anywhere.
    record(COMMITMENT, 10, ledger.measure)
    assert client.get(f"/api/v1/funding/measures/{ledger.measure.pk}").json()["warnings"] == []
    page = client.get(reverse("funding:measure", args=[ledger.measure.pk])).content.decode()
    assert "spending-warning" not in page


def test_spending_is_compared_in_the_one_currency_or_in_usd(
    ledger: Ledger, users: dict[str, User]
) -> None:
    """EU commits 1,000 EUR in 2022 and disburses 1,000 EUR in 2024: the rate moved (USD 1,051.52
    against 1,082.25) but nothing exceeds the commitment. In two currencies, USD decides."""
    record(COMMITMENT, 1000, ledger.measure, owner="EU", currency="EUR", day=date(2022, 12, 31))
    record(DISBURSEMENT, 1000, ledger.measure, owner="EU", currency="EUR", day=date(2024, 6, 1))
    assert services.spending_warnings(users["secretariat"], [ledger.measure.pk]) == []
    record(DISBURSEMENT, 1, ledger.measure, owner="EU", currency="USD", day=date(2024, 6, 1))
    [warning] = services.spending_warnings(users["secretariat"], [ledger.measure.pk])
    assert (warning.provider, warning.currency) == ("EU", "USD")
    assert warning.committed == usd(1000, EUR_2022)
    assert warning.spent == usd(1000, EUR_2024) + 1


@pytest.mark.parametrize(
    ("sums", "found"),
    [
        # a de-commitment of 30 leaves 70 committed: 80 disbursed is above it
        ([("2", "EUR", "100", "108"), ("2", "EUR", "-30", "-32"), ("3", "EUR", "80", "86")], True),
        # a refund of 20 brings 80 disbursed down to 60, within the 70
        (
            [("2", "EUR", "70", "76"), ("3", "EUR", "80", "86"), ("3", "EUR", "-20", "-21")],
            False,
        ),
        # a commitment cancelled whole (net zero) and an expenditure: above it
        ([("2", "USD", "50", "50"), ("2", "USD", "-50", "-50"), ("4", "USD", "1", "1")], True),
        # disbursements without any commitment imply one (decision 0012): no warning
        ([("3", "USD", "500", "500")], False),
        # equal is not above
        ([("2", "USD", "10", "10"), ("3", "USD", "4", "4"), ("4", "USD", "6", "6")], False),
    ],
)
def test_the_warning_arithmetic_takes_signed_amounts(
    sums: list[tuple[str, str, str, str]], found: bool
) -> None:
    rows = [(kind, cur, Decimal(a), Decimal(u)) for kind, cur, a, u in sums]
    assert (services.overspent(rows) is not None) is found


# --- 12. the coverage and the Committee list agree on every figure -------------------------------


@dataclass
class TwoPlans:
    continued: Measure
    ended: Measure
    measures: list[Measure]
    year: int


@pytest.fixture
def two_plans(users: dict[str, User]) -> TwoPlans:
    """Plan 2030 adopted with four measures; plan 2031 continues three of them and ends one;
    needs of JAM and BRB in both cycles (one need shared by two measures); flows from three
    partners in three currencies over both years, including a pledge turned into a commitment,
    disbursements beyond the commitments and a pledge only."""
    from seccoop.plan.services import adopt_plan_version, start_next_version

    actor = users["secretariat"]
    first, second = nh.make_cycle(YEAR), nh.make_cycle(YEAR + 1)
    plan = PlanVersion.objects.create(
        year=YEAR, label="Agreement plan 2030", owner=org("COMMISSION"), tlp="CLEAR"
    )
    codes = ["A-1", "A-2", "A-3", "A-4"]
    measures = [make_measure(plan, code, n) for n, code in enumerate(codes, start=1)]
    for m in measures:
        m.status = Measure.Status.IMPLEMENTATION
        m.save()
    adopt_plan_version(plan, actor=actor, adopted_on=date(YEAR, 1, 15), body=org("DIALOGUE"))
    a1, a2, a3, a4 = measures
    for cycle, scale in ((first, 1), (second, 2)):
        jam = nh.make_need(
            cycle,
            users["jam_focal"],
            reference=f"J-{cycle.year}",
            amount=900 * scale,
            currency="USD",
        )
        shared = nh.make_need(
            cycle,
            users["jam_focal"],
            reference=f"S-{cycle.year}",
            amount=1000 * scale,
            currency="USD",
        )
        brb = nh.make_need(
            cycle,
            users["brb_focal"],
            state="BRB",
            reference=f"B-{cycle.year}",
            amount=700 * scale,
            currency="USD",
        )
        a1.needs.add(jam, shared)
        a2.needs.add(shared)
        a3.needs.add(brb)
        a4.needs.add(jam)
    nxt = start_next_version(plan, actor=actor, year=YEAR + 1, label="Agreement plan 2031")
    nxt.entries.get(measure=a3).delete()
    adopt_plan_version(nxt, actor=actor, adopted_on=date(YEAR + 1, 1, 15), body=org("DIALOGUE"))
    for year in (YEAR, YEAR + 1):
        day = date(year, 3, 1)
        record(PLEDGE, 500, a1, day=day)
        record(COMMITMENT, 300, a1, day=day, shares=(("JAM", 70), ("BRB", 30)))
        record(DISBURSEMENT, 350, a1, day=day)
        record(COMMITMENT, 400, a2, owner="EU", currency="EUR", day=day)
        record(PLEDGE, 250, a2, owner="CA-GAC", currency="CAD", day=day, shares=())
        record(DISBURSEMENT, 120, a3, owner="EU", currency="EUR", day=day)
        record(COMMITMENT, 2000, a4, owner="CA-GAC", currency="CAD", day=day)
    return TwoPlans(a1, a3, [a1, a2, a3, a4], YEAR + 1)


def test_the_coverage_and_the_committee_list_agree_on_every_figure(
    two_plans: TwoPlans, users: dict[str, User]
) -> None:
    for persona in ("secretariat", "jam_focal", "inl_partner"):
        user = users[persona]
        listed_rows, _run = services.committee_list(user)
        cover = services.coverage(user, "measure", None)
        by_measure = cover.by_key
        assert listed_rows, persona
        for item in listed_rows:
            row = by_measure[item.measure.pk]
            assert item.requirement_usd == (row.requirements_usd or 0), item.measure.code
            assert item.committed_usd == row.committed_usd, item.measure.code
            assert item.pledged_usd == row.pledged_usd, item.measure.code
            assert item.gap_usd == row.gap_usd, item.measure.code
            assert item.not_shared == row.not_shared, item.measure.code
            if row.coverage_pct is not None:
                assert item.funded_pct == row.coverage_pct, item.measure.code
        # Every measure of the plan in force the coverage shows a gap for is on the list.
        listed_ids = {item.measure.pk for item in listed_rows}
        in_force = {
            m.pk for m in Measure.objects.filter(versions__plan__label="Agreement plan 2031")
        }
        for pk, row in by_measure.items():
            if pk in in_force and (row.not_shared or (row.gap_usd or 0) > 0):
                assert pk in listed_ids, (persona, row.key)
        # The ended measure is counted in the coverage but never listed.
        assert two_plans.ended.pk not in listed_ids
        assert two_plans.ended.pk not in in_force
    # The continued measure: the needs of both cycles against the money of both years.
    secretariat = users["secretariat"]
    row = services.coverage(secretariat, "measure", None).by_key[two_plans.continued.pk]
    # JAM's needs are shared with A-4, the other JAM needs with A-2.
    assert row.requirements_usd == (Decimal(900) + 1000 + 1800 + 2000) / 2
    assert row.committed_usd == Decimal(700)  # disbursements beyond the commitments count
    [item] = [
        i for i in services.committee_list(secretariat)[0] if i.measure == two_plans.continued
    ]
    assert (item.requirement_usd, item.committed_usd) == (Decimal(2850), Decimal(700))


def test_the_pages_the_api_and_the_exports_agree_on_every_figure(
    two_plans: TwoPlans, client_for: Any
) -> None:
    import csv

    client = client_for("secretariat")
    coverage_api = {
        r["key"]: r for r in client.get("/api/v1/funding/coverage?by=measure").json()["rows"]
    }
    committee_api = client.get("/api/v1/funding/committee").json()
    assert committee_api
    for r in committee_api:
        c = coverage_api[r["measure"]]
        assert (r["requirement_usd"], r["committed_usd"], r["pledged_usd"], r["gap_usd"]) == (
            c["requirements_usd"],
            c["committed_usd"],
            c["pledged_usd"],
            c["gap_usd"],
        ), r["measure"]
    # The pages show the same figures in the same format.
    coverage_page = client.get(f"{reverse('funding:coverage')}?by=measure&cycle=all")
    committee_page = client.get(reverse("funding:committee")).content.decode()
    assert "the figures of the coverage cut by measure for all years" in committee_page
    html = coverage_page.content.decode()
    for r in committee_api:
        start = html.index(f'data-testid="coverage-{r["measure"]}"')
        cov_cells = html[start : html.index("</tr>", start)]
        start = committee_page.index(f">{r['measure']}</a>")
        com_cells = committee_page[start : committee_page.index("</tr>", start)]
        for value in (r["requirement_usd"], r["committed_usd"], r["pledged_usd"], r["gap_usd"]):
            shown = f">{format_usd(value)}<"
            assert shown in cov_cells and shown in com_cells, (r["measure"], shown)
    # The exports too.
    cov_csv = list(
        csv.reader(
            io.StringIO(
                client.get(
                    f"{reverse('funding:coverage')}?by=measure&cycle=all&format=csv"
                ).content.decode("utf-8-sig")
            )
        )
    )
    com_csv = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("funding:committee") + "?format=csv").content.decode("utf-8-sig")
            )
        )
    )
    cov_header = next(r for r in cov_csv if "Gap (USD)" in r)
    com_header = next(r for r in com_csv if "Gap (USD)" in r)
    cov_rows = {r[0].split(" ")[0]: r for r in cov_csv if len(r) == len(cov_header)}
    compared = 0
    for r in (r for r in com_csv if len(r) == len(com_header) and r is not com_header):
        c = cov_rows[r[1]]
        compared += 1
        for cov_name, com_name in (
            ("Requirements (USD)", "Requirement (USD)"),
            ("Committed (USD)", "Committed (USD)"),
            ("Gap (USD)", "Gap (USD)"),
        ):
            assert Decimal(c[cov_header.index(cov_name)].replace(",", "")) == Decimal(
                r[com_header.index(com_name)].replace(",", "")
            ), (r[1], cov_name)
    assert compared == len(committee_api)


def format_usd(value: float) -> str:
    from seccoop.core.templatetags.seccoop import usd as usd_filter

    return usd_filter(Decimal(str(value)))


# --- 10. the ledger's pages and API on the permission matrix -------------------------------------


class TransactionFixtures:
    """A US-INL commitment marked TLP:AMBER and released to Jamaica: its partner officer edits
    it, Jamaica's viewer reads it, Barbados's focal point does not see it."""

    @pytest.fixture(autouse=True)
    def _measure(self, users: dict[str, User]) -> None:
        self.measure = make_measure(make_plan(), "M-1", 1)

    def make(self, **kwargs: Any) -> Transaction:
        tx = record(COMMITMENT, 60, self.measure, tlp="AMBER", reference="INL-M-1", **kwargs)
        tx.releasable_to.set([org("JAM")])
        return tx


class TestTransactionViews(TransactionFixtures, ObjectViewTests):
    list_url = "funding:transaction_list"
    detail_url = "funding:transaction_detail"
    edit_url = "funding:transaction_edit"
    history_url = "funding:transaction_history"
    editor = "inl_partner"

    def urls(self, obj: Any) -> list[str]:
        return [
            reverse(n, args=[obj.pk]) for n in (self.detail_url, self.edit_url, self.history_url)
        ]

    def edit_data(self, obj: Any) -> dict[str, Any]:
        return form_data(
            obj.measure,
            amount="70.00",
            tlp="AMBER",
            reference=obj.reference,
            form_version=obj.version,
            change_reason="re-costed",
        )

    # The ledger has no delete page (a correction is a change or a reversing transaction), and
    # another organisation's transaction is not found for editing, not forbidden (the ledger's
    # contract: test_another_organisations_transaction_is_not_found_for_editing). The three base
    # tests that post a delete or expect 403 on the edit page are restated for that contract.

    def test_outsider_gets_404(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.outsider)
        for url in self.urls(obj):
            assert client.get(url).status_code == 404, url
        edit = client.post(reverse(self.edit_url, args=[obj.pk]), self.edit_data(obj))
        assert edit.status_code == 404
        detail = reverse(self.detail_url, args=[obj.pk])
        listing = client.get(reverse(self.list_url))
        assert listing.status_code == 200
        assert detail not in listing.content.decode()
        exported = client.get(reverse(self.list_url) + "?export=csv").content.decode("utf-8-sig")
        assert "INL-M-1" not in exported
        assert self.editor_sees_it(client_for, obj)
        obj.refresh_from_db()
        assert (obj.version, obj.amount) == (1, Decimal(60))

    def editor_sees_it(self, client_for: Any, obj: Transaction) -> bool:
        listing = client_for(self.editor).get(reverse(self.list_url)).content.decode()
        exported = client_for(self.editor).get(reverse(self.list_url) + "?export=csv")
        return reverse(
            self.detail_url, args=[obj.pk]
        ) in listing and "INL-M-1" in exported.content.decode("utf-8-sig")

    def test_read_only_role_gets_403_on_write(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.read_only)
        assert client.get(reverse(self.detail_url, args=[obj.pk])).status_code == 200
        assert client.get(reverse(self.history_url, args=[obj.pk])).status_code == 200
        assert client.get(reverse(self.edit_url, args=[obj.pk])).status_code == 404
        edit = client.post(reverse(self.edit_url, args=[obj.pk]), self.edit_data(obj))
        assert edit.status_code == 404
        assert client.get(reverse("funding:transaction_add")).status_code == 403
        obj.refresh_from_db()
        assert (obj.version, obj.amount) == (1, Decimal(60))

    def test_editor_deletes_with_history(self, client_for: Any) -> None:
        obj = self.make()
        with pytest.raises(NoReverseMatch):
            reverse("funding:transaction_delete", args=[obj.pk])
        page = client_for(self.editor).get(reverse(self.detail_url, args=[obj.pk]))
        assert page.status_code == 200
        assert reverse(self.edit_url, args=[obj.pk]) in page.content.decode()
        assert reverse(self.history_url, args=[obj.pk]) in page.content.decode()
        assert Transaction.objects.filter(pk=obj.pk).exists()

    def test_history_shows_who_changed_what_and_why(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.editor)
        edit = client.post(reverse(self.edit_url, args=[obj.pk]), self.edit_data(obj))
        assert edit.status_code == 302
        page = client.get(reverse(self.history_url, args=[obj.pk])).content.decode()
        assert "re-costed" in page and "inl_partner" in page


class TestTransactionApi(TransactionFixtures, ApiObjectTests):
    path = "/api/v1/funding/transactions"
    editor = "inl_partner"

    def create_payload(self) -> dict[str, Any]:
        return {**api_payload(self.measure), "reference": "INL-API-1"}

    def patch_payload(self) -> dict[str, Any]:
        return {"amount": "75.00"}

    # The ledger's API has no DELETE (docs/api-guide.md: GET, POST, PATCH), and another
    # organisation's transaction is not found for a change (404), not forbidden. The three base
    # tests that end with a DELETE are restated for that contract.

    def test_outsider_gets_404(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.outsider)
        url = f"{self.path}/{obj.pk}"
        assert client.get(url).status_code == 404
        patch = client.patch(
            url, self.patch_payload(), content_type="application/json", HTTP_IF_MATCH='W/"1"'
        )
        assert patch.status_code == 404
        assert client.delete(url, HTTP_IF_MATCH='W/"1"').status_code == 405
        ids = [row["id"] for row in client.get(self.path + "?limit=100").json()["items"]]
        assert obj.pk not in ids
        editor_ids = client_for(self.editor).get(self.path + "?limit=100").json()["items"]
        assert obj.pk in [row["id"] for row in editor_ids]
        assert Transaction.objects.get(pk=obj.pk).version == 1

    def test_read_only_role_gets_403_on_write(self, client_for: Any) -> None:
        obj = self.make()
        client = client_for(self.read_only)
        url = f"{self.path}/{obj.pk}"
        etag = client.get(url)["ETag"]
        patch = client.patch(
            url, self.patch_payload(), content_type="application/json", HTTP_IF_MATCH=etag
        )
        assert patch.status_code == 404
        created = client.post(self.path, self.create_payload(), content_type="application/json")
        assert created.status_code == 403
        assert client.delete(url, HTTP_IF_MATCH=etag).status_code == 405
        assert Transaction.objects.get(pk=obj.pk).version == 1
        assert not Transaction.objects.filter(reference="INL-API-1").exists()

    def test_editor_creates_and_deletes(self, client_for: Any) -> None:
        client = client_for(self.editor)
        created = client.post(self.path, self.create_payload(), content_type="application/json")
        assert created.status_code == 201, created.content
        tx = Transaction.objects.get(pk=created.json()["id"])
        assert created["ETag"] == 'W/"1"'
        assert tx.history.get().history_user.username == self.editor
        again = client.post(self.path, self.create_payload(), content_type="application/json")
        assert again.status_code == 400  # the same reference on the same measure
        url = f"{self.path}/{tx.pk}"
        assert client.delete(url, HTTP_IF_MATCH=created["ETag"]).status_code == 405
        assert client.get(url).status_code == 200


# --- 11. the API lists take the list pages' filters ------------------------------------------------


@dataclass
class Lists:
    """A second measure with a GREEN expenditure of 2029 from US-INL, and EU's commitment on an EU
    account; a budget of each partner."""

    ledger: Ledger
    other: Measure
    eu_tx: Transaction
    eu_account: FundingAccount


@pytest.fixture
def lists(ledger: Ledger, users: dict[str, User]) -> Lists:
    other = make_measure(ledger.plan, "M-2", 2)
    record(
        EXPENDITURE,
        5,
        other,
        day=date(YEAR - 1, 6, 1),
        tlp="GREEN",
        reference="INL-X",
        account=ledger.account,
    )
    eu_account = FundingAccount.objects.create(
        code="EU-ICSP", name="IcSP", owner=org("EU"), tlp="CLEAR"
    )
    eu_tx = record(
        COMMITMENT, 500, ledger.measure, owner="EU", reference="EU-1", account=eu_account
    )
    for owner, account, measure, start, kind in (
        ("US-INL", ledger.account, ledger.measure, DAY, "1"),
        ("EU", eu_account, other, date(YEAR - 1, 1, 1), "2"),
    ):
        services.save_budget(
            services.Budget(
                measure=measure,
                owner=org(owner),
                account=account,
                tlp="CLEAR",
                type=kind,
                status=kind,
                amount=Decimal(100 * int(kind)),
                currency="USD",
                value_date=start,
                period_start=start,
                period_end=date(start.year, 12, 31),
            ),
            actor=users["secretariat"],
        )
    return Lists(ledger, other, eu_tx, eu_account)


def filter_values(lists: Lists) -> dict[str, dict[str, Any]]:
    """One value for each filter of each funding list, chosen so that it picks out some rows."""
    return {
        "transactions": {
            "q": "EU-1",
            "partner": "eu",
            "partner_id": org("EU").pk,
            "type": COMMITMENT,
            "year": YEAR - 1,
            "measure": lists.other.pk,
            "measure_code": "m-2",
            "account": "eu-icsp",
            "account_id": lists.ledger.account.pk,
            "tlp": "GREEN",
            "ordering": "-amount_usd",
        },
        "budgets": {
            "q": "EU-ICSP",
            "partner": "us-inl",
            "partner_id": org("EU").pk,
            "year": YEAR - 1,
            "measure": lists.other.pk,
            "measure_code": "M-1",
            "account": "US-INCLE",
            "account_id": lists.eu_account.pk,
            "type": "2",
            "status": "1",
            "ordering": "-amount_usd",
        },
        "accounts": {
            "q": "incle",
            "partner": "EU",
            "partner_id": org("US-INL").pk,
            "ordering": "-code",
        },
    }


#: list -> (its FilterSet, the list page, the API endpoint)
FUNDING_LISTS: dict[str, tuple[Any, str, str]] = {
    "transactions": (
        TransactionFilterSet,
        "funding:transaction_list",
        "/api/v1/funding/transactions",
    ),
    "budgets": (BudgetFilterSet, "funding:budget_list", "/api/v1/funding/budgets"),
    "accounts": (AccountFilterSet, "funding:account_list", "/api/v1/funding/accounts"),
}


def expected_ids(filterset_class: Any, params: dict[str, Any], user: User) -> list[int]:
    request = RequestFactory().get("/", params)
    request.user = user
    model = filterset_class._meta.model
    filterset = filterset_class(
        request.GET, queryset=model.objects.restrict(user, "view"), request=request
    )
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs.values_list("pk", flat=True))


@pytest.mark.parametrize("which", FUNDING_LISTS)
def test_each_api_list_takes_every_filter_of_its_list_page(
    lists: Lists, client_for: Any, users: dict[str, User], which: str
) -> None:
    filterset_class, page_name, path = FUNDING_LISTS[which]
    values = filter_values(lists)[which]
    view = resolve(reverse(page_name)).func.view_class
    assert view.filterset_class is filterset_class
    # Every filter the page's FilterSet declares, and no other, is tried (and documented).
    assert set(values) == set(filterset_class.base_filters)
    documented = {
        p["name"]
        for p in api.get_openapi_schema()["paths"][path]["get"]["parameters"]
        if p["in"] == "query"
    }
    assert set(filterset_class.base_filters) <= documented
    client = client_for("inl_partner")
    everything = [r["id"] for r in client.get(path, {"limit": 100}).json()["items"]]
    for name, value in values.items():
        response = client.get(path, {name: value, "limit": 100})
        assert response.status_code == 200, (name, response.content)
        got = [row["id"] for row in response.json()["items"]]
        assert got == expected_ids(filterset_class, {name: value}, users["inl_partner"]), name
        assert got and (got != everything or name == "ordering"), name
        assert client.get(reverse(page_name), {name: value}).status_code == 200, name
    ordered = client.get(path, {"ordering": values["ordering"], "limit": 100}).json()["items"]
    assert sorted(r["id"] for r in ordered) == sorted(everything)
    assert ordered != client.get(path, {"limit": 100}).json()["items"]


def test_the_ledger_page_lists_what_the_api_lists(lists: Lists, client_for: Any) -> None:
    client = client_for("inl_partner")
    for name, value in filter_values(lists)["transactions"].items():
        page = client.get(reverse("funding:transaction_list"), {name: value}).content.decode()
        linked = [int(pk) for pk in re.findall(r'href="/funding/transactions/(\d+)/"', page)]
        items = client.get("/api/v1/funding/transactions", {name: value}).json()["items"]
        assert linked and linked == [row["id"] for row in items], name


def test_the_old_api_parameters_keep_working(lists: Lists, client_for: Any) -> None:
    client = client_for("secretariat")

    def ids(path: str, **params: Any) -> set[int]:
        response = client.get(path, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["items"]}

    ledger = "/api/v1/funding/transactions"
    assert ids(ledger, partner="EU") == {lists.eu_tx.pk}
    assert ids(ledger, partner="US-INL", type=COMMITMENT, year=YEAR) == {
        Transaction.objects.get(owner__code="US-INL", type=COMMITMENT).pk
    }
    assert ids(ledger, measure=lists.other.pk) == set(
        Transaction.objects.filter(measure=lists.other).values_list("pk", flat=True)
    )
    budgets = "/api/v1/funding/budgets"
    assert ids(budgets, partner="EU") == ids(budgets, year=YEAR - 1)
    assert len(ids(budgets, partner="EU")) == 1


#: list -> filter -> a value out of its type or range
BAD_FILTERS: dict[str, dict[str, str]] = {
    "transactions": {
        "q": "x" * 201,
        "partner": "x" * 201,
        "partner_id": "0",
        "type": "99",
        "year": "1800",
        "measure": str(2**63),
        "measure_code": "x" * 201,
        "account": "x" * 201,
        "account_id": "-1",
        "tlp": "PURPLE",
        "ordering": "owner__password",
    },
    "budgets": {
        "q": "x" * 201,
        "partner": "x" * 201,
        "partner_id": str(2**63),
        "year": "2101",
        "measure": "0",
        "measure_code": "x" * 201,
        "account": "x" * 201,
        "account_id": "abc",
        "type": "3",
        "status": "9",
        "ordering": "-secret",
    },
    "accounts": {
        "q": "x" * 201,
        "partner": "x" * 201,
        "partner_id": "1e3",
        "ordering": "owner",
    },
}


@pytest.mark.parametrize("which", FUNDING_LISTS)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(
    lists: Lists, client_for: Any, which: str
) -> None:
    filterset_class, page_name, path = FUNDING_LISTS[which]
    assert set(BAD_FILTERS[which]) == set(filterset_class.base_filters)
    client = client_for("inl_partner")
    for name, value in BAD_FILTERS[which].items():
        response = client.get(path, {name: value})
        assert response.status_code == 400, (name, response.status_code)
        assert [e["field"] for e in response.json()["errors"]] == [name], response.content
        page = client.get(reverse(page_name), {name: value})
        assert page.status_code in (200, 400), (name, page.status_code)
        assert "/funding/transactions/" + str(lists.eu_tx.pk) not in page.content.decode()


@pytest.mark.parametrize("ordering", ["", "-amount_usd", "partner"])
def test_the_ledger_list_query_count_does_not_grow_with_the_ledger(
    ledger: Ledger, client_for: Any, ordering: str
) -> None:
    client = client_for("secretariat")
    path = reverse("funding:transaction_list")
    params = {"ordering": ordering} if ordering else {}
    client.get(path, params)  # warm the session and the user's scope
    with CaptureQueriesContext(connection) as few:
        assert client.get(path, params).status_code == 200
        assert client.get("/api/v1/funding/transactions", params).status_code == 200
    add_flows(ledger.measure, 20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path, params).status_code == 200
        items = client.get("/api/v1/funding/transactions", params).json()["items"]
    assert len(items) == 23
    assert len(many.captured_queries) == len(few.captured_queries)
