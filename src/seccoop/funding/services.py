"""Funding services: the one write path for transactions and budgets, coverage of needs, and the
Resource Mobilization Committee's list.

The counting rule (decision 0012), so that nothing counts twice:

* Flows are counted from the provider's side. Outgoing pledges (12) are *pledged*, outgoing
  commitments (2) *committed*, disbursements (3) *disbursed*. Incoming funds, incoming
  commitments and incoming pledges (1, 11, 13) are the receiving organisation's record of the same
  money, and expenditure (4) is the implementer spending money already disbursed: they stay in the
  ledger but are not counted again.
* For each measure and provider: *committed* is the larger of the commitments and the
  disbursements (a disbursement without a recorded commitment implies one); the *pledge pipeline*
  is what the pledges exceed that, and never below zero. A pledge later turned into a commitment
  therefore counts once, as committed, and only its remainder shows as pledged.
* Each counted amount keeps the attributes of the transactions it comes from: the part of the
  commitments counted is spread over the commitments (and any excess of disbursements over the
  disbursements), the pledge remainder over the pledges, in proportion to their amounts. So every
  cut (state, category, priority, partner, account, year) adds up to the same totals.
* A negative flow (a de-commitment, a reversal) nets against its type; a net that is not above
  zero counts nothing (decision 0020).
* A transaction's recipient shares split it between States; a transaction without shares is
  regional, and so is a share without a State. *Requirements* are the USD costs of a cycle's needs; the *gap* is requirements minus
  committed (never below zero), and *coverage* is committed over requirements.
* The Committee list reads its figures from the coverage cut by measure over all years, so the
  two agree on every figure.

Writing (decision 0021): a partner officer books only for an organisation they work for, on that
organisation's funding accounts and activities; the Commission's secretariat may book on behalf
of any partner (the record stays the partner's). Every date is from 2000-01-01 to five years
after today. Spending (disbursements and expenditure) above the commitments of a measure and
provider is a warning, never a refusal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Sum, Value
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from seccoop.core.formatting import amount_text, percent_text
from seccoop.core.markings import TLP, derived_marking, not_shared_text
from seccoop.core.models import mark_history
from seccoop.core.money import check_currency, usd_at
from seccoop.framework.models import Category, Organisation, Party
from seccoop.needs.models import Need
from seccoop.plan.models import Measure, PlanVersion
from seccoop.plan.services import current_version

from .models import Budget, FundingAccount, RecipientShare, Transaction, TransactionType

EXPENDITURE = TransactionType.EXPENDITURE

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
PLEDGE, COMMITMENT, DISBURSEMENT = (
    TransactionType.OUTGOING_PLEDGE,
    TransactionType.OUTGOING_COMMITMENT,
    TransactionType.DISBURSEMENT,
)
COUNTED = (PLEDGE, COMMITMENT, DISBURSEMENT)
CUTS = ("state", "category", "priority", "partner", "account", "year", "measure")


# --- writing --------------------------------------------------------------------------------


def convert(obj: Any) -> None:
    """Set ``amount_usd`` (and the rate used) from the amount, currency and value date; a clear
    error naming the field when the currency is unknown or no rate is known."""
    if obj.value_date is None:
        raise ValidationError({"value_date": _("Give the value date.")})
    if obj.amount is None:
        raise ValidationError({"amount": _("Give the amount.")})
    if Decimal(obj.amount) < 0 and not isinstance(obj, Transaction):
        # A transaction may be negative (a de-commitment or a reversal, decision 0020); a budget
        # may not.
        raise ValidationError({"amount": _("An amount cannot be negative.")})
    try:
        obj.currency = check_currency(obj.currency)
        obj.usd_rate, obj.amount_usd = usd_at(obj.amount, obj.currency, obj.value_date)
    except ValidationError as exc:  # an unknown currency, or no rate (RateMissing)
        raise ValidationError({"currency": exc.messages}) from None


#: The earliest date a funding record may carry.
EARLIEST = date(2000, 1, 1)
#: How far ahead a funding record's dates may go, in years from today.
YEARS_AHEAD = 5


def latest_date(today: date | None = None) -> date:
    """Five years after ``today`` (28 February when today is 29 February)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date_error(value: date | None, label: str, today: date | None = None) -> str | None:
    """Why ``value`` is not a plausible date for a funding record (named by ``label``), or None.
    The IATI import checks each date of a file with it too."""
    if value is None:
        return None
    last = latest_date(today)
    if EARLIEST <= value <= last:
        return None
    return _("The {field} {value} is outside the allowed range, {first} to {last}.").format(
        field=label, value=value.isoformat(), first=EARLIEST.isoformat(), last=last.isoformat()
    )


def check_dates(obj: Any) -> None:
    """Every date of a transaction or budget within the allowed range, each error on its field."""
    labels = {
        "value_date": _("value date"),
        "period_start": _("period start"),
        "period_end": _("period end"),
    }
    errors: dict[str, list[str]] = {}
    for name, label in labels.items():
        message = date_error(getattr(obj, name, None), label)
        if message:
            errors[name] = [message]
    if errors:
        raise ValidationError(errors)


def books_for_anyone(actor: Any) -> bool:
    """The Commission's secretariat (and platform administrators) may book on behalf of any
    partner (decision 0021); the record stays the partner's."""
    from seccoop.core.policy import get_policy

    if actor is None:  # the platform's own commands
        return True
    return get_policy().may(actor, "funding.book_for_any_partner")


def check_booking(obj: Any, actor: Any, field: str) -> None:
    """A partner officer books only for an organisation they work for (``field`` names the form or
    API field holding it), on that organisation's funding accounts and activities; an account is
    always the booking organisation's own."""
    from seccoop.core.policy import get_policy

    owner_id = obj.owner_id
    if owner_id is None:
        raise ValidationError({field: _("Name the organisation this record belongs to.")})
    provider_id = getattr(obj, "provider_id", None)
    if not books_for_anyone(actor):
        mine = set(get_policy().allowed_owners(type(obj), actor).values_list("pk", flat=True))
        for org_id in {owner_id, provider_id} - {None}:
            if org_id not in mine:
                name = Organisation.objects.filter(pk=org_id).values_list("code", flat=True)
                raise ValidationError(
                    {
                        field: _(
                            "You book only for your own organisation; {code} is not one of yours."
                        ).format(code=name.first() or org_id)
                    }
                )
        if provider_id is not None and provider_id != owner_id:
            raise ValidationError(
                {field: _("The provider must be the organisation the record belongs to.")}
            )
        activity = getattr(obj, "activity", None)
        if activity is not None and activity.reporting_org_id not in (None, owner_id):
            raise ValidationError(
                {
                    "activity": _(
                        "The IATI activity {id} is reported by another organisation."
                    ).format(id=activity.iati_identifier[:80])
                }
            )
    books_for = provider_id or owner_id
    account = obj.account if obj.account_id else None
    if account is not None and account.owner_id != books_for:
        raise ValidationError(
            {
                "account": _(
                    "The funding account {code} is managed by {manager}: book only on the "
                    "accounts of the organisation that provides the money."
                ).format(code=account.code, manager=account.owner.code)
            }
        )


def percentages(weights: Iterable[tuple[Any, Decimal]]) -> list[tuple[Any, Decimal]]:
    """Weights as percentages to the hundredth that sum to exactly 100 (the rounding remainder goes
    to the last); zero weights are left out."""
    rows = [(k, Decimal(w)) for k, w in weights if w]
    total = sum((w for _k, w in rows), Decimal(0))
    if not total:
        return []
    out = [(k, (w / total * HUNDRED).quantize(CENT)) for k, w in rows]
    key, last = out[-1]
    out[-1] = (key, last + HUNDRED - sum(p for _k, p in out))
    return out


def check_shares(
    shares: Iterable[tuple[Party | None, Decimal]],
) -> list[tuple[Party | None, Decimal]]:
    """Recipient shares must name each State once and sum to 100 %."""
    shares = [(state, Decimal(pct)) for state, pct in shares]
    if not shares:
        return []
    seen: set[int | None] = set()
    for state, pct in shares:
        # ``None`` is the part not attributable to a State (regional, decision 0020).
        label = state.iso3 if state is not None else _("regional")
        key = state.pk if state is not None else None
        if key in seen:
            raise ValidationError({"shares": _("{state} is named twice.").format(state=label)})
        seen.add(key)
        if not Decimal(0) < pct <= HUNDRED:
            raise ValidationError(
                {
                    "shares": _("The share of {state} must be above 0 and at most 100.").format(
                        state=label
                    )
                }
            )
    total = sum((pct for _s, pct in shares), Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            {
                "shares": _("The recipient shares sum to {total} %, not 100 %.").format(
                    total=f"{total:g}"
                )
            }
        )
    return shares


def save_transaction(
    tx: Transaction,
    *,
    actor: Any,
    shares: Iterable[tuple[Party | None, Decimal]] | None = None,
    needs: Iterable[Need] | None = None,
    reason: str = "",
    provider_field: str = "provider",
) -> Transaction:
    """Create or change a transaction with its recipient shares, all or nothing; refused (a
    ValidationError naming the field) for a date out of range or a booking the actor may not make
    (``provider_field`` names the field the caller takes the provider from)."""
    if tx.type not in TransactionType.values:
        raise ValidationError(
            {
                "type": _("Unknown transaction type '{code}'. Use one of {codes}.").format(
                    code=str(tx.type)[:8], codes=", ".join(TransactionType.values)
                )
            }
        )
    if tx.measure_id is None:
        raise ValidationError({"measure": _("Name the measure this transaction funds.")})
    check_dates(tx)
    convert(tx)
    checked = check_shares(shares) if shares is not None else None
    if tx.owner_id is None:
        tx.owner_id = tx.provider_id
    if tx.provider_id is None and not tx.provider_name:
        tx.provider_id = tx.owner_id
    check_booking(tx, actor, provider_field)
    creating = tx.pk is None
    if tx.reference and (
        Transaction.objects.filter(
            owner_id=tx.owner_id, measure_id=tx.measure_id, reference=tx.reference
        )
        .exclude(pk=tx.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "reference": _(
                    "This organisation already has a transaction with reference {ref} on this "
                    "measure."
                ).format(ref=tx.reference[:40])
            }
        )
    with db_transaction.atomic():
        if not creating:
            tx.version += 1
        mark_history(tx, reason=reason or (_("Recorded") if creating else _("Edited")), user=actor)
        tx.save()
        if checked is not None:
            RecipientShare.objects.filter(transaction=tx).delete()
            RecipientShare.objects.bulk_create(
                [RecipientShare(transaction=tx, state=s, percentage=p) for s, p in checked]
            )
        if needs is not None:
            tx.needs.set(list(needs))
    return tx


def save_budget(budget: Budget, *, actor: Any, reason: str = "") -> Budget:
    """Create or change a budget; refused like a transaction (dates, booking)."""
    check_dates(budget)
    convert(budget)
    if budget.period_start and budget.period_end and budget.period_end < budget.period_start:
        raise ValidationError({"period_end": _("A budget period cannot end before it starts.")})
    check_booking(budget, actor, "owner")
    creating = budget.pk is None
    if not creating:
        budget.version += 1
    mark_history(budget, reason=reason or (_("Recorded") if creating else _("Edited")), user=actor)
    budget.save()
    return budget


# --- spending above the commitments -----------------------------------------------------------

#: The types that draw on a commitment (IATI): money disbursed to another organisation, and money
#: the provider spends itself.
SPENDING = (DISBURSEMENT, EXPENDITURE)


@dataclass
class SpendingWarning:
    """A measure's provider has disbursed and spent more than it has committed: shown, not
    refused (the commitment may not be recorded yet, or may be recorded late)."""

    measure_id: int
    provider: str
    currency: str
    committed: Decimal
    spent: Decimal

    @property
    def message(self) -> str:
        return _(
            "{provider} has disbursed and spent {spent} {currency} on this measure, more than "
            "its commitments of {committed} {currency}."
        ).format(
            provider=self.provider,
            spent=amount_text(self.spent),
            committed=amount_text(self.committed),
            currency=self.currency,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure_id": self.measure_id,
            "provider": self.provider,
            "currency": self.currency,
            "committed": float(self.committed.quantize(CENT)),
            "spent": float(self.spent.quantize(CENT)),
            "message": self.message,
        }


def overspent(
    sums: Iterable[tuple[str, str, Decimal, Decimal]],
) -> tuple[str, Decimal, Decimal] | None:
    """For one measure and provider, the sums ``(type, currency, amount, amount_usd)`` of its
    transactions: ``(currency, committed, spent)`` when disbursements and expenditure exceed the
    commitments, otherwise None. In the one currency all of them share (so a rate moving between
    the commitment and the disbursement warns of nothing), or in USD at each value date, as the
    counting rule counts. Amounts are signed: a negative commitment (a de-commitment) lowers what
    is committed, a negative disbursement (a refund) lowers what is spent. Without any commitment
    nothing is exceeded (a disbursement then implies its commitment, decision 0012)."""
    rows = list(sums)
    if not any(kind == COMMITMENT for kind, *_rest in rows):
        return None
    currencies = {currency for _kind, currency, _a, _u in rows}
    one = len(currencies) == 1
    currency = currencies.pop() if one else "USD"

    def total(kinds: Iterable[str]) -> Decimal:
        wanted = set(kinds)
        return sum(
            (Decimal(a if one else u) for kind, _c, a, u in rows if kind in wanted), Decimal(0)
        )

    committed, spent = total([COMMITMENT]), total(SPENDING)
    return (currency, committed, spent) if spent > committed else None


def spending_warnings(user: Any, measure_ids: Iterable[int] | None = None) -> list[SpendingWarning]:
    """Each measure and provider whose disbursements and expenditure exceed its commitments,
    among the transactions ``user`` may see (one query)."""
    flows = Transaction.objects.restrict(user, "view").filter(type__in=(COMMITMENT, *SPENDING))
    if measure_ids is not None:
        flows = flows.filter(measure_id__in=list(measure_ids))
    groups: dict[tuple[int, Any], list[tuple[str, str, Decimal, Decimal]]] = defaultdict(list)
    names: dict[tuple[int, Any], str] = {}
    for measure, provider, code, name, kind, currency, amount, usd in (
        flows.order_by()
        .values_list(
            "measure_id", "provider_id", "provider__code", "provider_name", "type", "currency"
        )
        .annotate(amount=Sum("amount"), usd=Sum("amount_usd"))
    ):
        key = (measure, provider if provider is not None else name)
        groups[key].append((kind, currency, Decimal(amount or 0), Decimal(usd or 0)))
        names[key] = code or name or _("Not named")
    out = []
    for key in sorted(groups, key=lambda k: (k[0], names[k])):
        found = overspent(groups[key])
        if found is not None:
            out.append(SpendingWarning(key[0], names[key], *found))
    return out


def measure_funding(user: Any, measure: Measure) -> dict[str, Any]:
    """A measure's funding as its IATI activity: each provider's USD sums of the transactions
    ``user`` may see, as recorded (the counting rule is the coverage's), and the warnings."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for code, name, kind, usd in (
        Transaction.objects.restrict(user, "view")
        .filter(measure=measure)
        .order_by()
        .values_list("provider__code", "provider_name", "type")
        .annotate(usd=Sum("amount_usd"))
    ):
        sums[code or name or _("Not named")][kind] += Decimal(usd or 0)
    return {
        "measure": measure.code,
        "measure_id": measure.pk,
        "title": measure.title,
        "providers": [
            {
                "provider": provider,
                "committed_usd": float(t[COMMITMENT].quantize(CENT)),
                "disbursed_usd": float(t[DISBURSEMENT].quantize(CENT)),
                "expenditure_usd": float(t[EXPENDITURE].quantize(CENT)),
                "pledged_usd": float(t[PLEDGE].quantize(CENT)),
            }
            for provider, t in sorted(sums.items())
        ],
        "warnings": [w.as_dict() for w in spending_warnings(user, [measure.pk])],
    }


# --- coverage -------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    key: str
    label: str
    requirements_usd: Decimal | None = None
    pledged_usd: Decimal = Decimal(0)
    committed_usd: Decimal = Decimal(0)
    disbursed_usd: Decimal = Decimal(0)
    #: Needs counted in this row's requirements that the reader may not see: the requirement
    #: shown is only part of it, and no gap or coverage is given.
    not_shared: int = 0

    @property
    def gap_usd(self) -> Decimal | None:
        if self.requirements_usd is None or self.not_shared:
            return None
        return max(Decimal(0), self.requirements_usd - self.committed_usd)

    @property
    def coverage_pct(self) -> float | None:
        if not self.requirements_usd or self.not_shared:
            return None
        return round(float(self.committed_usd / self.requirements_usd * HUNDRED), 1)

    def as_dict(self) -> dict[str, Any]:
        def money(v: Decimal | None) -> float | None:
            return None if v is None else float(v.quantize(CENT))

        return {
            "key": self.key,
            "label": self.label,
            "requirements_usd": money(self.requirements_usd),
            "pledged_usd": money(self.pledged_usd),
            "committed_usd": money(self.committed_usd),
            "disbursed_usd": money(self.disbursed_usd),
            "gap_usd": money(self.gap_usd),
            "coverage_pct": self.coverage_pct,
            "not_shared": self.not_shared,
        }


@dataclass
class Coverage:
    by: str
    cycle: int | None
    rows: list[CoverageRow] = field(default_factory=list)
    total: CoverageRow = field(default_factory=lambda: CoverageRow("total", ""))
    #: The most restrictive marking of the needs and transactions the figures come from.
    marking: str = TLP.CLEAR
    #: Counted transactions the reader may not see (their amounts are not in any row).
    flows_not_shared: int = 0
    #: The rows by their grouping key (a State's, account's or measure's id, a code or a year).
    by_key: dict[Any, CoverageRow] = field(default_factory=dict)


def counted_flows(
    user: Any,
    measure_ids: Iterable[int] | None = None,
    year: int | None = None,
    as_of: date | None = None,
) -> list[tuple[Any, ...]]:
    """The counted amounts under the counting rule, one tuple per group of transactions that share
    every attribute a cut can use: ``(kind, usd, measure_id, provider_id, account_id, year,
    state_id, category_id)`` where kind is ``committed``, ``pledged`` or ``disbursed_only``.

    Two grouped queries whatever the size of the ledger: the totals per measure, provider and
    type (each transaction once), then the amounts split by recipient share and grouped (only
    those of ``year`` when given: the rule nets every year, the split is wanted for one). With
    ``as_of``, only the transactions with a value date up to that day count."""
    flows = Transaction.objects.restrict(user, "view").filter(type__in=COUNTED)
    if as_of is not None:
        flows = flows.filter(value_date__lte=as_of)
    if measure_ids is not None:
        flows = flows.filter(measure_id__in=list(measure_ids))
    totals: dict[tuple[int, Any], dict[str, Decimal]] = defaultdict(
        lambda: {PLEDGE: Decimal(0), COMMITMENT: Decimal(0), DISBURSEMENT: Decimal(0)}
    )
    for measure, provider, kind, usd in (
        flows.order_by()
        .values_list("measure_id", "provider_id", "type")
        .annotate(usd=Sum("amount_usd"))
    ):
        totals[(measure, provider)][kind] += Decimal(usd or 0)
    # The factor of each transaction type counted, per measure and provider.
    factors: dict[tuple[int, Any], dict[str, tuple[str, Decimal]]] = {}
    for key, t in totals.items():
        c, d, p = t[COMMITMENT], t[DISBURSEMENT], t[PLEDGE]
        # Negative flows (de-commitments, reversals) net against their type; a net that is not
        # above zero counts nothing (decision 0020).
        committed = max(c, d, Decimal(0))
        excess = committed - max(c, Decimal(0))  # disbursements beyond the commitments count
        remainder = max(Decimal(0), p - committed)
        factors[key] = {
            COMMITMENT: ("committed", Decimal(1) if c > 0 else Decimal(0)),
            DISBURSEMENT: ("committed", excess / d if d > 0 else Decimal(0)),
            PLEDGE: ("pledged", remainder / p if p > 0 else Decimal(0)),
        }
    # Grouped by share percentage too, so the split is exact decimal arithmetic here (SQLite would
    # divide integers as integers).
    split = flows if year is None else flows.filter(value_date__year=year)
    # For one year the year is a constant (SQLite would otherwise extract it row by row).
    year_of = ExtractYear("value_date") if year is None else Value(year, IntegerField())
    grouped = (
        split.order_by()
        .annotate(year=year_of)
        .values_list(
            "type",
            "measure_id",
            "provider_id",
            "account_id",
            "year",
            "shares__state_id",
            "measure__category_id",
            "shares__percentage",
        )
        .annotate(usd=Sum("amount_usd"))
    )
    out: list[tuple[Any, ...]] = []
    for kind, measure, provider, account, year, state, category, pct, usd in grouped:
        amount = Decimal(usd or 0) * (Decimal(pct) / HUNDRED if pct is not None else 1)
        label, factor = factors[(measure, provider)][kind]
        if factor:
            out.append((label, amount * factor, measure, provider, account, year, state, category))
        if kind == DISBURSEMENT:
            out.append(
                ("disbursed_only", amount, measure, provider, account, year, state, category)
            )
    return out


def coverage(
    user: Any,
    by: str = "state",
    cycle: int | None = None,
    as_of: date | None = None,
    plan: PlanVersion | None = None,
) -> Coverage:
    """Requirements against pledged, committed and disbursed, cut ``by`` one of
    state, category, priority, partner, account, year or measure; ``cycle`` limits the needs to
    that cycle's and the flows to that year's value dates; ``as_of`` counts only the flows with a
    value date up to that day. By measure, the requirements are those of ``plan``'s measures
    (the current plan by default)."""
    if by not in CUTS:
        raise ValidationError({"by": _("Cut by one of {cuts}.").format(cuts=", ".join(CUTS))})
    result = Coverage(by, cycle)
    categories = {
        c.pk: c for c in Category.objects.restrict(user, "view").select_related("priority")
    }
    rows: dict[Any, CoverageRow] = {}
    labels = _labels(user, by, categories)

    def row(key: Any) -> CoverageRow:
        if key not in rows:
            code, label = labels(key)
            rows[key] = CoverageRow(code, label)
        return rows[key]

    for kind, usd, measure, provider, account, year, state, category_id in counted_flows(
        user, year=cycle, as_of=as_of
    ):
        if cycle is not None and year != cycle:
            continue
        category = categories.get(category_id) if category_id else None
        key = {
            "state": state,
            "category": category.code if category else None,
            "priority": category.priority.code if category else None,
            "partner": provider,
            "account": account,
            "year": year,
            "measure": measure,
        }[by]
        target = row(key)
        if kind == "committed":
            target.committed_usd += usd
        elif kind == "pledged":
            target.pledged_usd += usd
        elif kind == "disbursed_only":
            target.disbursed_usd += usd
    needs = requirement_needs(user)
    if cycle is not None:
        needs = needs.filter(cycle__year=cycle)
    markings: list[str] = []
    if by in ("state", "category", "priority", "year", "measure"):
        plan = (plan or current_version(user)) if by == "measure" else None
        for key, usd in _requirements(user, by, cycle, categories, plan):
            target = row(key)
            target.requirements_usd = (target.requirements_usd or Decimal(0)) + usd
        for key, tlp, visible, count in _requirement_inputs(user, by, cycle, needs, plan):
            if visible:
                markings.append(tlp)
            else:
                row(key).not_shared += count
        for r in rows.values():
            if r.requirements_usd is None:
                r.requirements_usd = Decimal(0)
    result.by_key = rows
    result.rows = sorted(rows.values(), key=lambda r: (r.key == "", r.label))
    total = CoverageRow("total", _("Total"))
    for r in result.rows:
        total.pledged_usd += r.pledged_usd
        total.committed_usd += r.committed_usd
        total.disbursed_usd += r.disbursed_usd
        total.not_shared += r.not_shared
        if r.requirements_usd is not None:
            total.requirements_usd = (total.requirements_usd or Decimal(0)) + r.requirements_usd
    result.total = total
    # The counted transactions' markings, and how many the reader may not see: one query.
    flows = Transaction.objects.filter(type__in=COUNTED)
    if cycle is not None:
        flows = flows.filter(value_date__year=cycle)
    visible = Transaction.objects.restrict(user, "view").filter(pk=OuterRef("pk"))
    for tlp, seen, count in (
        flows.order_by()
        .annotate(seen=Exists(visible))
        .values_list("tlp", "seen")
        .annotate(n=Count("pk"))
    ):
        if seen:
            markings.append(tlp)
        else:
            result.flows_not_shared += count
    result.marking = derived_marking(markings)
    return result


def _requirement_inputs(
    user: Any, by: str, cycle: int | None, visible: Any, plan: Any
) -> list[tuple[Any, str, bool, int]]:
    """The requirement needs by row key, marking and whether the reader may see them, with
    their number: the markings of what the reader sees, and how many they do not (one query)."""
    every = Need.objects.filter(status__in=REQUIREMENT_STATUSES)
    if cycle is not None:
        every = every.filter(cycle__year=cycle)
    seen = Exists(visible.filter(pk=OuterRef("pk")))
    if by == "measure":
        through = Measure.needs.through
        return list(
            through.objects.filter(
                need__in=every.values("pk"),
                measure__in=Measure.objects.restrict(user, "view")
                .filter(versions__plan=plan)
                .values("pk"),
            )
            .order_by()
            .annotate(seen=Exists(visible.filter(pk=OuterRef("need_id"))))
            .values_list("measure_id", "need__tlp", "seen")
            .annotate(n=Count("need_id", distinct=True))
        )
    column = {
        "state": "state_id",
        "category": "category__code",
        "priority": "category__priority__code",
        "year": "cycle__year",
    }[by]
    return list(
        every.order_by()
        .annotate(seen=seen)
        .values_list(column, "tlp", "seen")
        .annotate(n=Count("pk"))
    )


#: The needs that count as requirements: submitted to or validated by the Commission (drafts
#: are still being written; returned needs are being corrected).
REQUIREMENT_STATUSES = ("submitted", "validated")


def requirement_needs(user: Any) -> Any:
    return Need.objects.restrict(user, "view").filter(status__in=REQUIREMENT_STATUSES)


def _requirements(
    user: Any, by: str, cycle: int | None, categories: dict[int, Category], plan: Any = None
) -> list[tuple[Any, Decimal]]:
    needs = requirement_needs(user)
    if cycle is not None:
        needs = needs.filter(cycle__year=cycle)
    if by == "measure":
        return _measure_requirements(user, needs, plan or current_version(user))
    column = {
        "state": "state_id",
        "category": "category_id",
        "priority": "category_id",
        "year": "cycle__year",
    }[by]
    out: list[tuple[Any, Decimal]] = []
    for key, usd in needs.order_by().values_list(column).annotate(s=Sum("amount_usd")):
        if by == "category":
            key = categories[key].code
        elif by == "priority":
            key = categories[key].priority.code
        out.append((key, usd or Decimal(0)))
    return out


def _measure_requirements(user: Any, needs: Any, plan: Any) -> list[tuple[Any, Decimal]]:
    """A measure's requirement: the cost of the needs it addresses, each need's cost shared
    equally between the measures of the plan version that address it."""
    if plan is None:
        return []
    through = Measure.needs.through
    links = list(
        through.objects.filter(
            need__in=needs.values("pk"),
            measure__in=Measure.objects.restrict(user, "view")
            .filter(versions__plan=plan)
            .values("pk"),
        ).values_list("measure_id", "need_id", "need__amount_usd")
    )
    sharing: dict[int, int] = defaultdict(int)
    for _m, need, _usd in links:
        sharing[need] += 1
    out: dict[int, Decimal] = defaultdict(Decimal)
    for measure, need, usd in links:
        out[measure] += (usd or Decimal(0)) / sharing[need]
    return list(out.items())


def _labels(user: Any, by: str, categories: dict[int, Category]) -> Any:
    """For a cut, a function from the grouping key to (stable code, label); the code of the rows
    that belong to nothing (regional flows, measures without a category) is empty."""
    names: dict[Any, tuple[str, str]] = {}
    if by == "state":
        names = {
            pk: (iso3, name)
            for pk, iso3, name in Party.objects.restrict(user, "view").values_list(
                "pk", "iso3", "organisation__name"
            )
        }
        none = _("Regional (no State)")
    elif by in ("category", "priority"):
        for c in categories.values():
            names[c.code] = (c.code, f"{c.code} {c.name}")
            names[c.priority.code] = (c.priority.code, str(c.priority))
        none = _("No category")
    elif by == "partner":
        names = {
            o.pk: (o.code, str(o))
            for o in Organisation.objects.restrict(user, "view").filter(
                kind__in=["partner", "party", "ngo"]
            )
        }
        none = _("Not named")
    elif by == "account":
        names = {
            pk: (code, name)
            for pk, code, name in FundingAccount.objects.restrict(user, "view").values_list(
                "pk", "code", "name"
            )
        }
        none = _("No account")
    elif by == "measure":
        names = {
            pk: (code, f"{code} {title}")
            for pk, code, title in Measure.objects.restrict(user, "view").values_list(
                "pk", "code", "title"
            )
        }
        none = ""
    else:
        none = ""
    return lambda k: ("", none) if k is None else names.get(k, (str(k), str(k)))


# --- the Resource Mobilization Committee ----------------------------------------------------


@dataclass
class FundingNeed:
    measure: Measure
    rank: int
    requirement_usd: Decimal
    committed_usd: Decimal
    pledged_usd: Decimal

    @property
    def gap_usd(self) -> Decimal | None:
        """None when part of the requirement is not shared with the reader (it would be wrong)."""
        if self.not_shared:
            return None
        return max(Decimal(0), self.requirement_usd - self.committed_usd)

    @property
    def funded_pct(self) -> float | None:
        if self.not_shared:
            return None
        if not self.requirement_usd:
            return 100.0
        return round(float(self.committed_usd / self.requirement_usd * HUNDRED), 1)

    @property
    def status(self) -> str:
        if self.not_shared:
            return not_shared_text(self.not_shared)
        return _("Unfunded") if not self.committed_usd else _("Under-funded")

    #: The most restrictive marking of the measure, the needs its requirement comes from, the
    #: transactions counted and the prioritisation run that ranks it.
    marking: str = TLP.CLEAR
    #: The measure's needs in the cycle that the reader may not see.
    not_shared: int = 0

    @property
    def tlp(self) -> str:
        return self.marking


def ranking_of(plan: PlanVersion, user: Any) -> tuple[dict[int, int], Any]:
    """The latest prioritisation run's ranks for the plan's measures, when one exists."""
    from seccoop.prioritization.models import Run

    run = (
        Run.objects.restrict(user, "view")
        .filter(cycle__plan=plan)
        .order_by("-created_at", "-pk")
        .first()
    )
    if run is None:
        return {}, None
    ranks = {
        int(r["measure_id"]): int(r.get("rank") or n)
        for n, r in enumerate(run.results.get("ranking", []), start=1)
        if "measure_id" in r
    }
    return ranks, run


def committee_list(user: Any, plan: PlanVersion | None = None) -> tuple[list[FundingNeed], Any]:
    """Unfunded and under-funded measures of the plan in priority order: the latest
    prioritisation run's rank when one exists, otherwise the plan's own order. The figures are
    the coverage's cut by measure over all years: the cost of every need a measure addresses
    against all the money counted for it, whichever plan version it was recorded under (a
    measure keeps its identity across versions, decision 0015). The list and the coverage
    therefore agree on every figure."""
    plan = plan or current_version(user)
    if plan is None:
        return [], None
    measures = list(
        Measure.objects.restrict(user, "view")
        .filter(versions__plan=plan)
        .exclude(status__in=[Measure.Status.CLOSED, Measure.Status.CANCELLED])
        .select_related("category")
    )
    ids = [m.pk for m in measures]
    figures = coverage(user, "measure", None, plan=plan).by_key
    ranks, run = ranking_of(plan, user)
    through = Measure.needs.through
    inputs: dict[int, set[str]] = defaultdict(set)
    for measure_id, tlp in (
        through.objects.filter(measure_id__in=ids, need__in=requirement_needs(user))
        .order_by()
        .values_list("measure_id", "need__tlp")
        .distinct()
    ):
        inputs[measure_id].add(tlp)
    for measure_id, tlp in (
        Transaction.objects.restrict(user, "view")
        .filter(type__in=COUNTED, measure_id__in=ids)
        .order_by()
        .values_list("measure_id", "tlp")
        .distinct()
    ):
        inputs[measure_id].add(tlp)
    out = []
    for m in measures:
        row = figures.get(m.pk) or CoverageRow(m.code, "")
        need = row.requirements_usd or Decimal(0)
        if not row.not_shared and (need <= 0 or row.committed_usd >= need):
            continue
        out.append(
            FundingNeed(
                m,
                ranks.get(m.pk, 0),
                need,
                row.committed_usd,
                row.pledged_usd,
                marking=derived_marking(m, inputs[m.pk], run if m.pk in ranks else None),
                not_shared=row.not_shared,
            )
        )
    if ranks:
        out.sort(key=lambda f: (f.rank == 0, f.rank, f.measure.order, f.measure.code))
    else:
        out.sort(key=lambda f: (f.measure.order, f.measure.code))
    if not ranks:
        for position, item in enumerate(out, start=1):
            item.rank = position  # the plan's order
    return out, run


def pack_section(user: Any, as_of: date | None = None) -> dict[str, Any]:
    """The meeting pack's funding section: the gap by State for the latest cycle up to ``as_of``'s
    year, counting the transactions with a value date up to ``as_of``. Numbers are formatted in
    the active language."""
    from seccoop.needs.models import AssessmentCycle

    cycles = AssessmentCycle.objects.restrict(user, "view")
    if as_of is not None:
        cycles = cycles.filter(year__lte=as_of.year)
    cycle = cycles.order_by("-year").values_list("year", flat=True).first()
    result = coverage(user, "state", cycle, as_of=as_of)
    return {
        "key": "funding_gap",
        "title": _("Funding gap by State ({cycle})").format(cycle=cycle or _("all years")),
        "columns": [
            _("State"),
            _("Requirements (USD)"),
            _("Committed (USD)"),
            _("Gap (USD)"),
            _("Coverage"),
        ],
        "rows": [
            [
                r.label,
                amount_text(r.requirements_usd or 0),
                amount_text(r.committed_usd),
                amount_text(r.gap_usd) if r.gap_usd is not None else not_shared_text(r.not_shared),
                percent_text(r.coverage_pct)
                if r.coverage_pct is not None
                else (not_shared_text(r.not_shared) if r.not_shared else "—"),
            ]
            for r in result.rows
            if r.requirements_usd or r.not_shared
        ],
        "empty": _("No costed need in this cycle."),
        "note": "",
        "numeric": [1, 2, 3, 4],
        "widths": [4, 3, 3, 3, 2],
    }
