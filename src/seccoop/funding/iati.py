"""IATI 2.03 activity files: the platform's measures out, partners' published activities in.

Export (``export_activities``): each measure becomes an ``iati-activity`` with its participating
organisations, its status and dates, its recipient countries with percentages, its category as a
sector of vocabulary 99 (ours, with a vocabulary URI), its budgets and transactions, and the
results of its linked indicators (approved regional values). Only TLP:CLEAR records are published.
The elements follow the order the 2.03 schema requires; the tests validate the output against it.

Import (``import_activities``): parsed with defusedxml, so a DTD, entity expansion or an external
entity is refused before anything is read. Partners are matched by IATI organisation identifier
(and name, where several organisations share one), measures by ``iati-identifier`` (or created as
proposed measures of the current draft plan), transactions by activity and reference, so a
re-import updates (values, organisations or recipient shares) and adds nothing. As partners publish
them (decision 0020): negative values are accepted; recipient countries and regions together sum
to 100, and what is not a party's share is stored as not attributable to a State; an activity that
names neither a party nor the Caribbean region is skipped; every activity and transaction is filed
under the file's reporting organisation, and an identifier another organisation reported is never
taken over. Each transaction is written through the funding service, whose refusals are named by
activity, transaction and field. The whole file is checked first; any error and nothing is
written. The report (matched, created, updated, skipped, and why) is returned and stored.
"""

from __future__ import annotations

import hashlib
import io
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from seccoop.core.db import refresh_statistics
from seccoop.core.models import mark_history
from seccoop.core.money import RateTable, check_currency
from seccoop.framework.iati_identifiers import check as check_identifier
from seccoop.framework.models import Category, Organisation, Party
from seccoop.framework.services import commission
from seccoop.plan.models import Measure, PlanVersion
from seccoop.plan.services import add_measure, current_version

from .models import Activity, Budget, ImportReport, RecipientShare, Transaction, TransactionType
from .services import CENT, HUNDRED, percentages, save_transaction

VERSIONS = ("2.01", "2.02", "2.03")
STATUS = {
    Measure.Status.PIPELINE: "1",
    Measure.Status.IMPLEMENTATION: "2",
    Measure.Status.FINALISATION: "3",
    Measure.Status.CLOSED: "4",
    Measure.Status.CANCELLED: "5",
    Measure.Status.SUSPENDED: "6",
}
STATUS_BACK = {v: k for k, v in STATUS.items()}
MEASURE_TYPES = {"unit": "1", "percentage": "2", "nominal": "3", "ordinal": "4"}
MAX_BYTES = 50 * 1024 * 1024


def org_ref() -> str:
    return str(getattr(settings, "IATI_ORG_REF", "XI-IATI-SECCOOP"))


def vocabulary_uri() -> str:
    return f"{settings.SITE_URL}/framework/categories/"


# --- export ---------------------------------------------------------------------------------


def _text(parent: Any, tag: str, text: str, **attrs: str) -> Any:
    el = etree.SubElement(parent, tag, **attrs)
    etree.SubElement(el, "narrative").text = text
    return el


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _activities(user: Any, partner: Organisation | None) -> dict[str, list[Measure]]:
    """The measures to publish, grouped by activity identifier: the current plan's TLP:CLEAR
    measures, and any measure a published transaction or budget funds (with ``partner``, only
    those the partner funds). A measure is one activity whatever the plan versions that held it;
    its identifier carries its lineage, which no new version changes."""
    txs = Transaction.objects.restrict(user, "view").filter(tlp="CLEAR")
    budgets = Budget.objects.restrict(user, "view").filter(tlp="CLEAR")
    if partner is not None:
        txs, budgets = txs.filter(owner=partner), budgets.filter(owner=partner)
    funded = set(txs.values_list("measure_id", flat=True)) | set(
        budgets.values_list("measure_id", flat=True)
    )
    measures = Measure.objects.restrict(user, "view").filter(tlp="CLEAR")
    if partner is None:
        plan = current_version(user, adopted_only=True)
        chosen = measures.filter(pk__in=funded) | (
            measures.filter(pk__in=plan.entries.values("measure_id")) if plan else measures.none()
        )
    else:
        chosen = measures.filter(pk__in=funded)
    links = dict(
        Activity.objects.filter(measure__in=chosen).values_list("measure_id", "iati_identifier")
    )
    prefix = (
        partner.iati_identifier if partner is not None and partner.iati_identifier else org_ref()
    )
    grouped: dict[str, list[Measure]] = defaultdict(list)
    for m in (
        chosen.select_related("plan", "category", "lead")
        .prefetch_related("participating_states", "implementing_agencies")
        .order_by("code", "pk")
    ):
        grouped[links.get(m.pk) or activity_identifier(prefix, m)].append(m)
    return grouped


def activity_identifier(prefix: str, measure: Measure) -> str:
    """The identifier of the activity the platform publishes for ``measure``."""
    return f"{prefix}-{measure.lineage}"


@dataclass
class _Flow:
    """A transaction as the export writes it: plain values, its organisations looked up once."""

    pk: int
    type: str
    reference: str
    value_date: date
    amount: Decimal
    currency: str
    amount_usd: Decimal
    description: str
    provider: Organisation | None
    provider_name: str
    receiver: Organisation | None
    receiver_name: str
    #: (ISO alpha-2 code, or None for the part not attributable to a State; percentage)
    shares: list[tuple[str | None, Decimal]] = field(default_factory=list)


def _flows(
    user: Any, measure_ids: list[int], partner: Organisation | None
) -> dict[int, list[_Flow]]:
    """The published transactions by measure, read as plain rows (three queries whatever their
    number): model instances for a hundred thousand transactions would cost seconds and memory."""
    rows = Transaction.objects.restrict(user, "view").filter(
        tlp="CLEAR", measure_id__in=measure_ids
    )
    if partner is not None:
        rows = rows.filter(owner=partner)
    orgs = Organisation.objects.restrict(user, "view").in_bulk()
    shares: dict[int, list[tuple[str | None, Decimal]]] = defaultdict(list)
    for tx_id, iso2, pct in (
        RecipientShare.objects.filter(transaction__in=rows.values("pk"))
        .order_by("transaction_id", "state__iso2")
        .values_list("transaction_id", "state__iso2", "percentage")
        .iterator(chunk_size=10_000)
    ):
        shares[tx_id].append((iso2, pct))
    out: dict[int, list[_Flow]] = defaultdict(list)
    for (
        pk,
        measure_id,
        kind,
        ref,
        day,
        amount,
        currency,
        usd,
        text,
        prov,
        prov_name,
        recv,
        recv_name,
    ) in (
        rows.order_by("value_date", "pk")
        .values_list(
            "pk",
            "measure_id",
            "type",
            "reference",
            "value_date",
            "amount",
            "currency",
            "amount_usd",
            "description",
            "provider_id",
            "provider_name",
            "receiver_id",
            "receiver_name",
        )
        .iterator(chunk_size=10_000)
    ):
        out[measure_id].append(
            _Flow(
                pk,
                kind,
                ref,
                day,
                amount,
                currency,
                usd,
                text,
                orgs.get(prov) if prov else None,
                prov_name,
                orgs.get(recv) if recv else None,
                recv_name,
                shares.get(pk, []),
            )
        )
    return out


def export_activities(user: Any, partner: Organisation | None = None) -> bytes:
    """The activity file as UTF-8 XML bytes, written one activity at a time."""
    out = io.BytesIO()
    write_activities(out, user, partner)
    return out.getvalue()


def write_activities(stream: Any, user: Any, partner: Organisation | None = None) -> None:
    """Write the activity file to ``stream``: each activity is built, written and let go, so the
    whole document never sits in memory as a tree."""
    now = timezone.now().replace(microsecond=0).isoformat()
    grouped = _activities(user, partner)
    all_ids = [m.pk for ms in grouped.values() for m in ms]
    txs = _flows(user, all_ids, partner)
    budgets: dict[int, list[Budget]] = defaultdict(list)
    budget_rows = Budget.objects.restrict(user, "view").filter(tlp="CLEAR", measure_id__in=all_ids)
    if partner is not None:
        budget_rows = budget_rows.filter(owner=partner)
    for b in budget_rows.order_by("period_start", "pk"):
        budgets[b.measure_id].append(b)
    results = _results(user, all_ids)
    reporter = partner or commission()
    reporter_ref = (partner.iati_identifier if partner else "") or org_ref()
    reporter_type = (partner.iati_type if partner else "") or "40"
    reporter_name = (
        str(reporter) if reporter else "Caribbean-United States Security Cooperation Commission"
    )
    with etree.xmlfile(stream, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", {"version": "2.03", "generated-datetime": now}):
            xf.write("\n")
            for identifier, measures in sorted(grouped.items()):
                act = _activity(
                    identifier,
                    measures,
                    txs,
                    budgets,
                    results,
                    now,
                    (reporter_ref, reporter_type, reporter_name),
                )
                xf.write(act, pretty_print=True)


def _activity(
    identifier: str,
    measures: list[Measure],
    txs: dict[int, list[_Flow]],
    budgets: dict[int, list[Budget]],
    results: dict[int, list[Any]],
    now: str,
    reporter: tuple[str, str, str],
) -> Any:
    reporter_ref, reporter_type, reporter_name = reporter
    main = measures[0]
    mtxs = [t for m in measures for t in txs.get(m.pk, [])]
    mbudgets = [b for m in measures for b in budgets.get(m.pk, [])]
    act = etree.Element("iati-activity", {"default-currency": "USD"})
    act.set("last-updated-datetime", now)
    act.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    etree.SubElement(act, "iati-identifier").text = identifier
    _text(act, "reporting-org", reporter_name, ref=reporter_ref, type=reporter_type)
    _text(act, "title", main.title_en or main.title)
    if main.description:
        _text(act, "description", main.description_en or main.description, type="1")
    _participants(act, main, mtxs, reporter_ref, reporter_name)
    etree.SubElement(act, "activity-status", code=STATUS.get(main.status, "2"))
    start = main.start or date(main.plan.year, 1, 1)
    started = main.status != Measure.Status.PIPELINE and main.start is not None
    etree.SubElement(
        act, "activity-date", {"iso-date": start.isoformat(), "type": "2" if started else "1"}
    )
    if main.end:
        etree.SubElement(act, "activity-date", {"iso-date": main.end.isoformat(), "type": "3"})
    places = _countries(main, mtxs)
    for iso2, pct in places:
        if iso2 is not None:
            etree.SubElement(act, "recipient-country", code=iso2, percentage=f"{pct:.2f}")
    for iso2, pct in places:
        if iso2 is None:  # the part not attributable to a State: the Caribbean, regional
            etree.SubElement(
                act,
                "recipient-region",
                code=EXPORT_REGION,
                vocabulary="1",
                percentage=f"{pct:.2f}",
            )
    if main.category is not None:
        _text(
            act,
            "sector",
            f"{main.category.code} {main.category.name_en or main.category.name}",
            vocabulary="99",
            **{
                "vocabulary-uri": vocabulary_uri(),
                "code": main.category.code,
                "percentage": "100",
            },
        )
    for b in mbudgets:
        el = etree.SubElement(act, "budget", type=b.type, status=b.status)
        etree.SubElement(el, "period-start", {"iso-date": b.period_start.isoformat()})
        etree.SubElement(el, "period-end", {"iso-date": b.period_end.isoformat()})
        v = etree.SubElement(el, "value", currency=b.currency)
        v.set("value-date", b.value_date.isoformat())
        v.text = _money(b.amount)
    for t in mtxs:
        _transaction(act, t)
    for result in results.get(main.pk, []):
        act.append(result)
    return act


def _participants(act: Any, measure: Measure, txs: list[_Flow], ref: str, name: str) -> None:
    _text(act, "participating-org", name, ref=ref, role="2", type="40")
    funders: dict[str, Organisation] = {}
    for t in txs:
        if t.provider is not None:
            funders.setdefault(t.provider.code, t.provider)
    for org in funders.values():
        attrs = {"role": "1"}
        if org.iati_identifier:
            attrs["ref"] = org.iati_identifier
        if org.iati_type:
            attrs["type"] = org.iati_type
        _text(act, "participating-org", org.name_en or org.name, **attrs)
    for org in measure.implementing_agencies.all():
        attrs = {"role": "4"}
        if org.iati_identifier:
            attrs["ref"] = org.iati_identifier
        _text(act, "participating-org", org.name_en or org.name, **attrs)


def _countries(measure: Measure, txs: list[_Flow]) -> list[tuple[str | None, Decimal]]:
    """Recipient countries (and None, the part not attributable to a State, which is written as
    the Caribbean region) with percentages summing to 100: the transactions' shares weighted by
    their USD value (a negative flow weighs nothing), or the participating States in equal
    parts."""
    weights: dict[str | None, Decimal] = defaultdict(Decimal)
    for t in txs:
        for iso2, pct in t.shares:
            weights[iso2] += max(t.amount_usd, Decimal(0)) * pct
    weights = {k: w for k, w in weights.items() if w > 0}
    if not weights:
        weights = {p.iso2: Decimal(1) for p in measure.participating_states.all()}
    return percentages(sorted(weights.items(), key=lambda kv: (kv[0] is None, kv[0] or "")))


def _transaction(act: Any, t: _Flow) -> None:
    el = etree.SubElement(act, "transaction", ref=t.reference or f"{org_ref()}-T{t.pk}")
    etree.SubElement(el, "transaction-type", code=t.type)
    etree.SubElement(el, "transaction-date", {"iso-date": t.value_date.isoformat()})
    v = etree.SubElement(el, "value", currency=t.currency)
    v.set("value-date", t.value_date.isoformat())
    v.text = _money(t.amount)
    if t.description:
        _text(el, "description", t.description)
    for tag, org, name in (
        ("provider-org", t.provider, t.provider_name),
        ("receiver-org", t.receiver, t.receiver_name),
    ):
        if org is None and not name:
            continue
        attrs = {}
        if org is not None and org.iati_identifier:
            attrs["ref"] = org.iati_identifier
        if org is not None and org.iati_type:
            attrs["type"] = org.iati_type
        _text(el, tag, (org.name_en or org.name) if org is not None else name, **attrs)


def _results(user: Any, measure_ids: list[int]) -> dict[int, list[Any]]:
    """Each measure's linked TLP:CLEAR indicators with their last three periods' approved
    regional values (sum or mean by the indicator's aggregation) and targets."""
    from seccoop.monitoring.models import Indicator, Target, Value
    from seccoop.monitoring.publication import is_count, regional_total

    through = Indicator.measures.through
    links = defaultdict(list)
    indicators = {
        i.pk: i
        for i in Indicator.objects.restrict(user, "view").filter(
            tlp="CLEAR", measure_type__in=list(MEASURE_TYPES)
        )
    }
    for measure_id, indicator_id in through.objects.filter(
        measure_id__in=measure_ids, indicator_id__in=list(indicators)
    ).values_list("measure_id", "indicator_id"):
        links[measure_id].append(indicator_id)
    if not links:
        return {}
    wanted = {i for ids in links.values() for i in ids}
    figures: dict[int, dict[tuple[str, date, date], list[Decimal]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for ind, period, start, end, value in (
        Value.objects.restrict(user, "view")
        .filter(indicator_id__in=wanted, status="approved", disaggregation="", tlp="CLEAR")
        .exclude(value=None)
        .values_list("indicator_id", "period", "period_start", "period_end", "value")
    ):
        figures[ind][(period, start, end)].append(value)
    targets: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
    for ind, period, value in (
        Target.objects.restrict(user, "view")
        .filter(indicator_id__in=wanted, tlp="CLEAR")
        .values_list("indicator_id", "period", "value")
    ):
        targets[(ind, period)].append(value)
    out: dict[int, list[Any]] = defaultdict(list)
    for measure_id, ids in links.items():
        for ind_id in sorted(ids):
            ind = indicators[ind_id]
            periods = sorted(figures.get(ind_id, {}).items(), key=lambda kv: kv[0][1])[-3:]
            if not periods:
                continue
            result = etree.Element("result", type="2" if ind.level != "output" else "1")
            _text(result, "title", ind.name_en or ind.name)
            attrs = {"measure": MEASURE_TYPES[ind.measure_type]}
            attrs["ascending"] = "1" if ind.direction == "increase" else "0"
            indicator = etree.SubElement(result, "indicator", **attrs)
            _text(indicator, "title", f"{ind.code} {ind.name_en or ind.name}")
            for (period, start, end), values in periods:
                actual = _agg(ind.aggregation, values)
                if is_count(ind):
                    # A count goes through the publication gate: the regional total as the world
                    # may read it, or nothing when it would reveal a suppressed State's figure.
                    regional = regional_total(ind, period)
                    if regional is None:
                        continue
                    actual = f"{regional.normalize():f}"
                el = etree.SubElement(indicator, "period")
                etree.SubElement(el, "period-start", {"iso-date": start.isoformat()})
                etree.SubElement(el, "period-end", {"iso-date": end.isoformat()})
                goal = targets.get((ind_id, period))
                if goal:
                    etree.SubElement(el, "target", value=_agg(ind.aggregation, goal))
                etree.SubElement(el, "actual", value=actual)
            out[measure_id].append(result)
    return out


def _agg(how: str, values: list[Decimal]) -> str:
    """The regional figure: the sum or the median across States as the indicator says, otherwise
    the mean."""
    if how == "sum":
        value = sum(values, Decimal(0))
    elif how == "median":
        value = Decimal(statistics.median(values))
    else:
        value = sum(values, Decimal(0)) / len(values)
    return f"{value.normalize():f}"


# --- import ---------------------------------------------------------------------------------


class IatiError(ValueError):
    """The file cannot be imported; ``errors`` name where and why. Nothing was written."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]))
        self.errors = errors


@dataclass
class ImportResult:
    summary: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lines: list[str] = field(default_factory=list)
    report_id: int | None = None

    def note(self, key: str, line: str) -> None:
        self.summary[key] += 1
        self.lines.append(line)


#: The DAC regions (Region code list, vocabulary 1) that are the Framework's own region: an
#: activity for one of them concerns the parties even when it names no country. 1031 Caribbean,
#: regional; 389 Caribbean & Central America, regional; 380 West Indies, regional (withdrawn).
CARIBBEAN_REGIONS = frozenset({"1031", "389", "380"})
#: The region the export writes for the part of the flows not attributable to a State.
EXPORT_REGION = "1031"
#: The IATI TransactionType codes; those the ledger does not keep (5-10: interest and loan
#: repayments, reimbursements, equity, credit guarantees) are skipped and reported.
IATI_TYPES = frozenset(str(n) for n in range(1, 14))
#: How far the recipient percentages of an activity may stray from 100 (publishers round).
TOLERANCE = Decimal("0.05")


@dataclass
class _Place:
    """A recipient-country (``kind`` "country", an ISO alpha-2 code) or recipient-region as
    published, with its percentage."""

    kind: str
    code: str
    percentage: Decimal


@dataclass
class _Tx:
    where: str
    ref: str
    type: str
    day: date
    amount: Decimal
    currency: str
    provider_ref: str
    provider_name: str
    receiver_ref: str
    receiver_name: str
    description: str
    #: The transaction's own recipient (IATI allows one per transaction instead of the activity's).
    places: list[_Place] = field(default_factory=list)


@dataclass
class _Activity:
    where: str
    identifier: str
    reporting_ref: str
    reporting_name: str
    reporting_type: str
    title: str
    description: str
    status: str
    category: str
    places: list[_Place]
    transactions: list[_Tx]
    #: Organisation identifiers named as participating, provider or receiver organisations.
    refs: set[str] = field(default_factory=set)
    #: What is wrong with the activity: refused only if the activity is imported (an activity
    #: that is not the Framework's is skipped whatever it holds).
    errors: list[str] = field(default_factory=list)
    #: Report lines (key, line) about parts of the activity that are left out.
    notes: list[tuple[str, str]] = field(default_factory=list)


def parse(data: bytes) -> Any:
    """The root element of an IATI activity file, or IatiError. DTDs and entities are refused."""
    if len(data) > MAX_BYTES:
        raise IatiError([_("The file is larger than {mb} MB.").format(mb=MAX_BYTES // 2**20)])
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise IatiError(
            [_("The file declares a DTD or entities, which are refused for safety.")]
        ) from None
    except SafeET.ParseError as exc:
        raise IatiError(
            [_("The file is not well-formed XML: {error}.").format(error=exc)]
        ) from None
    if root.tag != "iati-activities":
        raise IatiError(
            [_("The root element is <{tag}>, not <iati-activities>.").format(tag=root.tag[:40])]
        )
    version = root.get("version", "")
    if version not in VERSIONS:
        raise IatiError(
            [
                _("IATI version '{version}' is not supported; use {versions}.").format(
                    version=version[:10], versions=", ".join(VERSIONS)
                )
            ]
        )
    return root


def _narrative(el: Any) -> str:
    if el is None:
        return ""
    n = el.find("narrative")
    return ((n.text if n is not None else el.text) or "").strip()


def read_activities(root: Any) -> tuple[list[_Activity], list[str]]:
    activities, errors = [], []
    for n, act in enumerate(root.findall("iati-activity"), start=1):
        ident_el = act.find("iati-identifier")
        identifier = (ident_el.text or "").strip() if ident_el is not None else ""
        where = _("activity {n}").format(n=n) + (f" ({identifier})" if identifier else "")
        if not identifier:
            errors.append(_("{where}: no iati-identifier.").format(where=where))
            continue
        if len(identifier) > 200:
            errors.append(
                _("{where}: the iati-identifier is longer than 200 characters.").format(where=where)
            )
            continue
        act_errors: list[str] = []  # reported only if the activity is imported
        notes: list[tuple[str, str]] = []
        default_currency = act.get("default-currency", "")
        rep = act.find("reporting-org")
        status_el = act.find("activity-status")
        category = ""
        for sector in act.findall("sector"):
            if sector.get("vocabulary") == "99":
                category = sector.get("code", "")
        places = _places(act, where, act_errors)
        refs = {
            (el.get("ref") or "").strip()
            for el in act.findall("participating-org")
            + act.findall("transaction/provider-org")
            + act.findall("transaction/receiver-org")
        } - {""}
        txs = []
        for k, t in enumerate(act.findall("transaction"), start=1):
            tw = _("{where}, transaction {k}").format(where=where, k=k)
            type_el, date_el, value_el = (
                t.find("transaction-type"),
                t.find("transaction-date"),
                t.find("value"),
            )
            code = type_el.get("code", "") if type_el is not None else ""
            if code in IATI_TYPES and code not in TransactionType.values:
                notes.append(
                    (
                        "transactions_skipped",
                        _(
                            "{where}: skipped, transaction type {code} (loan, equity, guarantee "
                            "or reimbursement) is not kept in the funding ledger."
                        ).format(where=tw, code=code),
                    )
                )
                continue
            if code not in TransactionType.values:
                act_errors.append(
                    _("{where}: transaction type '{code}' is not one of {codes}.").format(
                        where=tw, code=code[:8], codes=", ".join(TransactionType.values)
                    )
                )
                continue
            raw_day = date_el.get("iso-date", "") if date_el is not None else ""
            if not raw_day:
                act_errors.append(_("{where}: no transaction-date.").format(where=tw))
                continue
            try:
                day = date.fromisoformat(raw_day[:10])
            except ValueError:
                act_errors.append(
                    _("{where}: transaction-date '{value}' is not a date.").format(
                        where=tw, value=raw_day[:20]
                    )
                )
                continue
            if value_el is None or not (value_el.text or "").strip():
                act_errors.append(_("{where}: no value.").format(where=tw))
                continue
            try:
                amount = Decimal((value_el.text or "").strip())
            except InvalidOperation:
                act_errors.append(
                    _("{where}: value '{value}' is not a number.").format(
                        where=tw, value=(value_el.text or "")[:20]
                    )
                )
                continue
            if not amount.is_finite() or abs(amount) >= Decimal(10) ** 14:
                act_errors.append(
                    _("{where}: value '{value}' is not an amount.").format(
                        where=tw, value=(value_el.text or "").strip()[:20]
                    )
                )
                continue
            amount = amount.quantize(CENT)
            currency = (value_el.get("currency") or default_currency or "").upper()
            try:
                currency = check_currency(currency)
            except ValidationError:
                act_errors.append(
                    _("{where}: unknown currency '{code}'.").format(where=tw, code=currency[:5])
                )
                continue
            prov, recv = t.find("provider-org"), t.find("receiver-org")
            desc = t.find("description")
            ref = (t.get("ref") or "").strip()
            if not ref:
                digest = hashlib.sha256(f"{code}|{day}|{amount}|{currency}".encode()).hexdigest()[
                    :16
                ]
                ref = f"auto-{digest}"
            txs.append(
                _Tx(
                    tw,
                    ref[:120],
                    code,
                    day,
                    amount,
                    currency,
                    (prov.get("ref", "") if prov is not None else "").strip(),
                    _narrative(prov)[:200],
                    (recv.get("ref", "") if recv is not None else "").strip(),
                    _narrative(recv)[:200],
                    _narrative(desc)[:500],
                    _places(t, tw, act_errors),
                )
            )
        activities.append(
            _Activity(
                where,
                identifier,
                (rep.get("ref", "") if rep is not None else "").strip(),
                _narrative(rep)[:200],
                (rep.get("type", "") if rep is not None else "").strip(),
                _narrative(act.find("title"))[:250] or identifier,
                _narrative(act.find("description")),
                status_el.get("code", "") if status_el is not None else "",
                category,
                places,
                txs,
                refs,
                act_errors,
                notes,
            )
        )
    if not activities and not errors:
        errors.append(_("The file has no iati-activity."))
    return activities, errors


def _places(el: Any, where: str, errors: list[str]) -> list[_Place]:
    """The recipient countries and regions of an activity or a transaction. A percentage left out
    is 100 (one recipient)."""
    out = []
    for tag, kind in (("recipient-country", "country"), ("recipient-region", "region")):
        for rc in el.findall(tag):
            code = (rc.get("code") or "").strip().upper()
            if kind == "country" and not (len(code) == 2 and code.isalpha()):
                errors.append(
                    _("{where}: recipient-country '{code}' is not an ISO 3166 code.").format(
                        where=where, code=code[:8]
                    )
                )
                continue
            if kind == "region" and (rc.get("vocabulary") or "1") != "1":
                code = f"{rc.get('vocabulary')}:{code}"  # another vocabulary: never the Caribbean's
            try:
                pct = Decimal(rc.get("percentage") or "100")
            except InvalidOperation:
                errors.append(
                    _("{where}: {tag} {code} has a percentage that is not a number.").format(
                        where=where, tag=tag, code=code[:8]
                    )
                )
                continue
            if not pct.is_finite() or not Decimal(0) <= pct <= 100:
                errors.append(
                    _("{where}: {tag} {code} has a percentage outside 0 to 100.").format(
                        where=where, tag=tag, code=code[:8]
                    )
                )
                continue
            out.append(_Place(kind, code[:12], pct))
    return out


def in_scope(places: list[_Place], parties: dict[str, Party]) -> bool:
    """An activity concerns the Framework when it names one of the parties or the Caribbean
    region, or names no recipient at all."""
    return not places or any(
        (p.kind == "country" and p.code in parties)
        or (p.kind == "region" and p.code in CARIBBEAN_REGIONS)
        for p in places
    )


def shares_of(
    places: list[_Place], parties: dict[str, Party]
) -> tuple[list[tuple[Party | None, Decimal]], Decimal]:
    """The recipient shares to store for ``places`` (which sum to 100 within the tolerance), and
    the percentage not attributable to a State: the regions' and the countries' that are not
    parties. Party shares are kept to the hundredth; the part not attributable (``None``) takes
    the remainder, so the shares sum to exactly 100."""
    if not places:
        return [], Decimal(0)
    weights: dict[str, Decimal] = defaultdict(Decimal)
    for p in places:
        if p.kind == "country" and p.code in parties:
            weights[p.code] += p.percentage
    total = sum((p.percentage for p in places), Decimal(0))
    party_total = sum(weights.values(), Decimal(0))
    if not party_total:
        return [(None, HUNDRED)], HUNDRED
    if total - party_total <= TOLERANCE:
        # Only parties: spread any rounding so the shares sum to exactly 100.
        return [(parties[c], pct) for c, pct in percentages(sorted(weights.items()))], Decimal(0)
    shares: list[tuple[Party | None, Decimal]] = []
    for code, pct in sorted(weights.items()):
        kept = (pct * HUNDRED / total).quantize(CENT)
        if kept > 0:
            shares.append((parties[code], kept))
    rest = HUNDRED - sum((pct for _s, pct in shares), Decimal(0))
    if rest > 0:
        shares.append((None, rest))
    return shares, rest


class _Orgs:
    """Organisations by IATI identifier, matched by name where several share one; unknown
    publishers become partner organisations."""

    def __init__(self, result: ImportResult) -> None:
        self.by_ref: dict[str, list[Organisation]] = defaultdict(list)
        for org in Organisation.objects.exclude(iati_identifier=""):
            self.by_ref[org.iati_identifier].append(org)
        self.commission = commission()
        if self.commission is not None:  # the platform's own files are reported by it
            self.by_ref[org_ref()].append(self.commission)
        self.result = result

    def find(self, ref: str, name: str) -> Organisation | None:
        found = self.by_ref.get(ref, [])
        if len(found) == 1:
            return found[0]
        for org in found:
            if name and name in (org.name, org.name_en, org.short_name):
                return org
        return found[0] if found else None

    def get_or_create(self, ref: str, name: str, org_type: str) -> Organisation | None:
        org = self.find(ref, name)
        if org is not None or not ref:
            return org
        code = ("IATI-" + ref)[:32]
        org, created = Organisation.objects.get_or_create(
            code=code,
            defaults={
                "kind": Organisation.Kind.PARTNER,
                "name": name or ref,
                "side": "international",
                "iati_identifier": ref,
                "iati_type": org_type[:4],
            },
        )
        if created:
            self.result.note(
                "partners_created",
                _("Partner {ref} created ({name}).").format(ref=ref, name=name or ref),
            )
        self.by_ref[ref].append(org)
        return org


def may_import(user: Any) -> bool:
    """An import writes partners, proposed measures and any partner's transactions: the policy's
    ``funding.import_iati`` ability (the Commission's secretariat, or a platform administrator)."""
    from seccoop.core.policy import get_policy

    return get_policy().may(user, "funding.import_iati")


def import_activities(data: bytes, *, actor: Any, source: str = "") -> ImportResult:
    """Import an activity file, all or nothing; raises IatiError listing every problem.

    Each activity is filed under its reporting organisation, whoever imports the file (decision
    0020): its transactions are that organisation's, and an activity identifier another
    organisation has already reported is never taken over. Only the platform's own file (its
    reporting-org is the platform) files each transaction under its provider, as it was exported.
    """
    activities, errors = read_activities(parse(data))
    parties = {p.iso2: p for p in Party.objects.all()}
    result = ImportResult()
    wanted = []
    for a in activities:
        geography = a.places + [p for t in a.transactions for p in t.places]
        if not in_scope(geography, parties):
            result.note(
                "activities_skipped",
                _(
                    "{where}: skipped, it names none of the parties and not the Caribbean region."
                ).format(where=a.where),
            )
            continue
        errors.extend(a.errors)
        total = sum((p.percentage for p in a.places), Decimal(0))
        if a.places and abs(total - 100) > TOLERANCE:
            errors.append(
                _(
                    "{where}: the recipient-country and recipient-region percentages sum to "
                    "{total}, not 100."
                ).format(where=a.where, total=f"{total:g}")
            )
            continue
        for key, line in a.notes:
            result.note(key, line)
        wanted.append(a)
    currencies = {t.currency for a in wanted for t in a.transactions}
    rates = RateTable(currencies)
    for a in wanted:
        for t in a.transactions:
            try:
                rates.rate(t.currency, t.day)
            except ValidationError as exc:  # RateMissing: no rate on or before the date
                errors.append(f"{t.where}: {' '.join(exc.messages)}")
    if errors:
        raise IatiError(errors)
    with db_transaction.atomic():
        orgs = _Orgs(result)
        categories = {c.code: c for c in Category.objects.all()}
        plan = _proposal_plan(actor)
        own_ref = org_ref()
        for a in wanted:
            _note_identifiers(a, result)
            reporter = orgs.get_or_create(a.reporting_ref, a.reporting_name, a.reporting_type)
            link = _match_measure(a, plan, categories, reporter, orgs, actor, result, errors)
            if link is None:
                continue
            shares, rest = shares_of(a.places, parties)
            if rest and a.places:
                result.note(
                    "shares_not_attributable",
                    _(
                        "{where}: {pct} % is for regions or countries that are not parties, "
                        "recorded as not attributable to a State."
                    ).format(where=a.where, pct=f"{rest.normalize():f}"),
                )
            # The measure's transactions already stored, by owner and reference (one query).
            stored = {
                (tx.owner_id, tx.reference or f"{own_ref}-T{tx.pk}"): tx
                for tx in Transaction.objects.filter(measure=link.measure).prefetch_related(
                    "shares"
                )
            }
            by_provider = a.reporting_ref == own_ref
            for t in a.transactions:
                tx_shares = shares_of(t.places, parties)[0] if t.places else shares
                _import_tx(
                    t, link, reporter, by_provider, orgs, tx_shares, stored, actor, result, errors
                )
        if errors:
            raise IatiError(errors)  # rolls the whole import back: nothing is written
        report = ImportReport.objects.create(
            source=source[:250],
            actor=actor if getattr(actor, "pk", None) else None,
            summary=dict(result.summary),
            lines=result.lines[:5000],
        )
        result.report_id = report.pk
    if result.summary.get("transactions_created", 0) >= 1000:
        refresh_statistics(Transaction, RecipientShare)
    return result


def _note_identifiers(a: _Activity, result: ImportResult) -> None:
    """Report each organisation identifier of the activity that the code lists speak against (a
    warning: publishers' files carry such identifiers, and they are kept as published)."""
    for ref in sorted({a.reporting_ref, *a.refs} - {"", org_ref()}):
        verdict = check_identifier(ref)
        if not verdict.ok:
            result.note(
                "identifiers_unverified",
                _("{where}: warning: {message}").format(where=a.where, message=verdict.message),
            )


def _proposal_plan(actor: Any) -> PlanVersion:
    """Where proposed measures go: the latest draft plan version, or a new draft."""
    plan = (
        PlanVersion.objects.filter(status=PlanVersion.Status.DRAFT).order_by("-year", "-pk").first()
    )
    if plan is not None:
        return plan
    year = timezone.localdate().year
    plan = PlanVersion(
        year=year,
        label=_("Proposals from IATI ({year})").format(year=year),
        status=PlanVersion.Status.DRAFT,
        owner=commission(),
        tlp="CLEAR",
        notes=_("Created by an IATI import for activities that matched no measure."),
    )
    mark_history(plan, reason=_("IATI import"), user=actor)
    plan.save()
    return plan


def _match_measure(
    a: _Activity,
    plan: PlanVersion,
    categories: dict[str, Category],
    reporter: Any,
    orgs: _Orgs,
    actor: Any,
    result: ImportResult,
    errors: list[str],
) -> Activity | None:
    """The activity's link to its measure: the one stored by an earlier import, or a new one to
    the measure the platform published it from, or to a new proposed measure. None (with the
    reason in ``errors``) when another organisation reported the identifier."""
    link = (
        Activity.objects.select_related("measure", "reporting_org")
        .filter(iati_identifier=a.identifier)
        .first()
    )
    if (
        link is not None
        and link.reporting_org_id is not None
        and reporter is not None
        and link.reporting_org_id != reporter.pk
        and a.reporting_ref != org_ref()
    ):
        errors.append(
            _(
                "{where}: this activity identifier is reported by {owner}; a file reported by "
                "{reporter} cannot change it."
            ).format(where=a.where, owner=link.reporting_org, reporter=reporter)
        )
        return None
    if link is not None:
        result.note(
            "activities_matched",
            _("{where}: matched measure {code}.").format(where=a.where, code=link.measure.code),
        )
        return link
    prefix = own_prefix(a.identifier, orgs.by_ref)
    if prefix:
        rest = a.identifier[len(prefix) :]
        year, _sep, code = rest.partition("-")
        if _lineage(rest) is not None:
            measure = Measure.objects.filter(lineage=_lineage(rest)).first()
            code = measure.code if measure is not None else rest
        elif year.isdigit() and len(year) == 4:
            # An identifier written before measures kept one identity: plan year and code.
            measure = (
                Measure.objects.filter(versions__plan__year=int(year), versions__code=code)
                .order_by("-pk")
                .first()
            )
        else:
            measure = None
        if measure is not None:
            result.note(
                "activities_matched",
                _("{where}: matched measure {code} by its code.").format(where=a.where, code=code),
            )
            return _link(a, measure, reporter, orgs.commission)
    taken = set(plan.entries.values_list("code", flat=True))
    base = ("P-" + a.identifier.rsplit("-", 1)[-1])[:16] if prefix else "IATI"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"[:20]
    measure = Measure(
        code=code,
        title=a.title,
        description=a.description,
        category=categories.get(a.category),
        status=STATUS_BACK.get(a.status, Measure.Status.PIPELINE),
        owner=orgs.commission,
        tlp="CLEAR",
        order=len(taken) + 1,
    )
    add_measure(
        plan,
        measure,
        actor=actor,
        reason=_("Proposed by IATI import of {id}").format(id=a.identifier[:80]),
    )
    result.note(
        "measures_created",
        _("{where}: no measure matched; proposed measure {code} created in {plan}.").format(
            where=a.where, code=code, plan=plan.label
        ),
    )
    return _link(a, measure, reporter, orgs.commission)


def own_prefix(identifier: str, refs: Any) -> str:
    """The publisher prefix (with its dash) of an identifier the platform wrote: its own
    reporting-org ref, or a partner's ref (one of ``refs``) in a one-partner export, followed by
    a measure's lineage (or, in files written before, a plan year and a code)."""
    for ref in sorted({org_ref(), *refs}, key=len, reverse=True):
        start = ref + "-"
        rest = identifier[len(start) :]
        if not identifier.startswith(start):
            continue
        if _lineage(rest) is not None or (rest[:4].isdigit() and rest[4:5] == "-"):
            return start
    return ""


def _lineage(text: str) -> uuid.UUID | None:
    """``text`` as a measure's lineage, when it is one."""
    if len(text) != 36:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _link(a: _Activity, measure: Measure, reporter: Any, owner: Any) -> Activity:
    return Activity.objects.create(
        iati_identifier=a.identifier,
        measure=measure,
        reporting_org=reporter,
        title=a.title[:500],
        owner=owner,
        tlp="CLEAR",
    )


def _import_tx(
    t: _Tx,
    link: Activity,
    reporter: Any,
    by_provider: bool,
    orgs: _Orgs,
    shares: list[tuple[Party | None, Decimal]],
    stored: dict[tuple[int, str], Transaction],
    actor: Any,
    result: ImportResult,
    errors: list[str],
) -> None:
    """Create or update one transaction through the funding service (its checks apply, and each
    refusal is named by activity, transaction and field); ``stored`` holds the measure's
    transactions by owner and reference (the platform's own export names one without a reference
    ``<ref>-T<number>``). The owner is the reporting organisation; in the platform's own file
    (``by_provider``) it is the partner that provides the money, as it was exported."""
    measure = link.measure
    provider = orgs.find(t.provider_ref, t.provider_name) if t.provider_ref else None
    receiver = orgs.find(t.receiver_ref, t.receiver_name) if t.receiver_ref else None
    owner = reporter
    if by_provider and provider is not None and provider.kind == Organisation.Kind.PARTNER:
        owner = provider
    if owner is None:
        result.note(
            "transactions_skipped",
            _("{where}: skipped, the reporting organisation is not known.").format(where=t.where),
        )
        return
    if provider is None and not t.provider_name:
        provider = owner  # the service's rule: no provider named is the owner's own money
    existing = stored.get((owner.pk, t.ref))
    tx = existing or Transaction(owner=owner, measure=measure, reference=t.ref, tlp="CLEAR")

    def state(row: Transaction) -> tuple[Any, ...]:
        return (
            row.type,
            row.value_date,
            Decimal(row.amount).quantize(CENT),
            row.currency,
            row.provider_id,
            row.receiver_id,
            row.description,
        )

    before = state(existing) if existing is not None else None
    old_shares = (
        sorted((s.state_id or 0, s.percentage) for s in existing.shares.all())
        if existing is not None
        else []
    )
    tx.type, tx.value_date, tx.amount, tx.currency = t.type, t.day, t.amount, t.currency
    tx.provider, tx.provider_name = provider, "" if provider else t.provider_name
    tx.receiver, tx.receiver_name = receiver, "" if receiver else t.receiver_name
    tx.description = t.description
    tx.activity = link
    new_shares = sorted((s.pk if s is not None else 0, pct) for s, pct in shares)
    if existing is not None and before == state(tx) and old_shares == new_shares:
        result.note(
            "transactions_unchanged",
            _("{where}: unchanged ({ref}).").format(where=t.where, ref=t.ref),
        )
        return
    try:
        save_transaction(tx, actor=actor, shares=shares, reason=_("IATI import"))
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            label = _field_label(name)
            for message in messages:
                errors.append(f"{t.where}: {label}: {message}")
        return
    stored[(owner.pk, t.ref)] = tx  # a second line with the same reference updates this one
    result.note(
        "transactions_updated" if existing else "transactions_created",
        _("{where}: {what} ({ref}).").format(
            where=t.where, what=_("updated") if existing else _("created"), ref=t.ref
        ),
    )


def _field_label(name: str) -> str:
    """The name of a transaction field as the report gives it."""
    try:
        return str(Transaction._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - a non-field key such as "shares" or "__all__"
        return {"shares": _("recipient shares"), "__all__": _("transaction")}.get(name, name)
