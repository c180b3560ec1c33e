"""Resource mobilisation: the counting rule in every cut (service and API), USD conversion, bad
input refused with nothing written, the permission matrix, the Resource Mobilization Committee's
list, the coverage page and its query count, and the funding section of the meeting pack."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from seccoop.accounts.models import Membership, Role, User
from seccoop.framework.models import Body, Category, Criterion, Organisation, Party
from seccoop.funding import services
from seccoop.funding.models import FundingAccount, RecipientShare, Transaction
from seccoop.meetings import services as meeting_services
from seccoop.meetings.models import Meeting
from seccoop.meetings.pack import gather
from seccoop.needs.models import AssessmentCycle, Need
from seccoop.plan.models import Measure, PlanVersion
from seccoop.prioritization.models import Assignment, PrioritizationCycle, Run
from seccoop.prioritization.services import run_ranking, save_score, set_weights

from . import needs_helpers as nh

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
