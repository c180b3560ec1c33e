"""/api/v1/funding: accounts, the funding ledger, coverage of needs, the Resource Mobilization
Committee's list, and the IATI 2.03 export."""

# Annotations stay evaluated (no ``from __future__ import annotations``): ninja's ``paginate``
# resolves the bounded parameter types of a paginated endpoint at run time.

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from seccoop.core.api import (
    ErrorOut,
    Pagination,
    filter_queryset,
    get_visible,
    get_with_etag,
    require_if_match,
)
from seccoop.core.audit import record_export
from seccoop.core.concurrency import etag_for
from seccoop.core.markings import TLP, label, not_shared_text
from seccoop.core.policy import get_policy
from seccoop.core.types import BoundedDate, Id, Label, SafeText, Version, Year
from seccoop.framework.models import Organisation, Party
from seccoop.plan.models import Measure

from .filters import AccountFilterSet, BudgetFilterSet, TransactionFilterSet
from .models import Budget, FundingAccount, Transaction
from .services import (
    CENT,
    CUTS,
    committee_list,
    coverage,
    measure_funding,
    save_transaction,
)

router = Router(tags=["funding"])


class AccountOut(Schema):
    id: int
    code: str
    name: str
    partner: str

    @staticmethod
    def resolve_partner(obj: Any) -> str:
        return str(obj.owner.code)


class ShareIO(Schema):
    state: Label = Field(
        ...,
        min_length=3,
        max_length=3,
        description="ISO 3166 alpha-3, or REG for the part not attributable to a State",
    )
    percentage: Decimal = Field(..., gt=0, le=100, max_digits=5, decimal_places=2)


class ShareOut(Schema):
    state: str | None = Field(
        ...,
        description="ISO 3166 alpha-3; null for the part not attributable to a State (a region, "
        "or a country that is not a party, as the partner published it)",
    )
    party_name: str = Field(
        description="the State's name in the caller's language; empty when state is null"
    )
    percentage: Decimal


class TransactionOut(Schema):
    id: int
    version: int
    type: str
    type_name: str
    reference: str
    value_date: date
    amount: Decimal
    currency: str
    amount_usd: Decimal
    measure: str
    measure_id: int
    provider: str
    receiver: str
    account: str | None
    description: str
    shares: list[ShareOut]
    tlp: str

    @staticmethod
    def resolve_type_name(obj: Any) -> str:
        return str(obj.get_type_display())

    @staticmethod
    def resolve_measure(obj: Any) -> str:
        return str(obj.measure.code)

    @staticmethod
    def resolve_provider(obj: Any) -> str:
        return obj.provider.code if obj.provider_id else obj.provider_name

    @staticmethod
    def resolve_receiver(obj: Any) -> str:
        return obj.receiver.code if obj.receiver_id else obj.receiver_name

    @staticmethod
    def resolve_account(obj: Any) -> str | None:
        return obj.account.code if obj.account_id else None

    @staticmethod
    def resolve_shares(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "state": s.state.iso3 if s.state_id else None,
                "party_name": s.party_name,
                "percentage": s.percentage,
            }
            for s in obj.shares.all()
        ]


class TransactionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    type: Label = Field(
        ..., max_length=2, description="IATI transaction type code: 1, 2, 3, 4, 11, 12 or 13"
    )
    measure_id: Id
    value_date: BoundedDate
    amount: Decimal = Field(..., ge=0, max_digits=16, decimal_places=2)
    currency: Label = Field(..., min_length=3, max_length=3)
    reference: Label = Field("", max_length=120)
    account: Label | None = Field(None, max_length=40)
    provider: Label | None = Field(
        None,
        max_length=32,
        description="the code of the organisation providing the money: one you book for "
        "(needed when you book for several)",
    )
    receiver: Label | None = Field(None, max_length=32)
    description: SafeText = Field("", max_length=500)
    shares: list[ShareIO] = Field(default_factory=list)
    tlp: TLP = TLP.CLEAR


class TransactionPatch(Schema):
    model_config = ConfigDict(extra="forbid")

    version: Version | None = None
    type: Label | None = Field(None, max_length=2)
    value_date: BoundedDate | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: Label | None = Field(None, min_length=3, max_length=3)
    reference: Label | None = Field(None, max_length=120)
    description: SafeText | None = Field(None, max_length=500)
    shares: list[ShareIO] | None = None


class CoverageRowOut(Schema):
    key: str
    label: str
    requirements_usd: float | None
    pledged_usd: float
    committed_usd: float
    disbursed_usd: float
    gap_usd: float | None = Field(
        description="null when part of the requirement is not shared with the caller"
    )
    coverage_pct: float | None
    not_shared: int = Field(
        0, description="needs counted in this requirement that the caller may not see"
    )
    not_shared_text: str = Field("", description="'3 records not shared with you', or empty")


class CoverageOut(Schema):
    by: str
    cycle: int | None
    tlp: str = Field(description="the most restrictive marking of the records the figures use")
    flows_not_shared: int = Field(0, description="counted transactions the caller may not see")
    rows: list[CoverageRowOut]
    total: CoverageRowOut


class CommitteeRowOut(Schema):
    rank: int
    measure: str
    measure_id: int
    title: str
    requirement_usd: float
    committed_usd: float
    pledged_usd: float
    gap_usd: float | None = Field(
        description="null when part of the requirement is not shared with the caller"
    )
    funded_pct: float | None
    not_shared: int = Field(0, description="the measure's needs the caller may not see")
    not_shared_text: str = Field("", description="'3 records not shared with you', or empty")
    tlp: str = Field(description="the most restrictive marking of the records the row uses")


def _ledger(request: HttpRequest) -> Any:
    return (
        Transaction.objects.restrict(request.user, "view")
        .select_related("measure", "provider", "receiver", "account")
        .prefetch_related("shares__state__organisation")
    )


def _shares(user: Any, rows: list[ShareIO]) -> list[tuple[Party | None, Decimal]]:
    states = {
        p.iso3: p
        for p in Party.objects.restrict(user, "view").filter(
            iso3__in=[r.state.upper() for r in rows]
        )
    }
    out: list[tuple[Party | None, Decimal]] = []
    for n, row in enumerate(rows):
        if row.state.upper() == "REG":  # the part not attributable to a State
            out.append((None, row.percentage))
            continue
        state = states.get(row.state.upper())
        if state is None:
            raise ValidationError(
                {f"shares[{n}].state": [_("Unknown state '{value}'.").format(value=row.state)]}
            )
        out.append((state, row.percentage))
    return out


@router.get("/accounts", response=list[AccountOut])
@paginate(Pagination)
def list_accounts(
    request: HttpRequest,
    q: str | None = None,
    partner: str | None = None,
    partner_id: Id | None = None,
    ordering: str | None = None,
) -> Any:
    """Funding accounts, by code; the filters of the accounts page (``partner`` is the managing
    partner's code), ``q`` and ``ordering`` (``code`` or ``name``, ``-`` first for descending)."""
    rows = FundingAccount.objects.restrict(request.user, "view").select_related("owner")
    return filter_queryset(request, AccountFilterSet, rows)


class BudgetOut(Schema):
    id: int
    measure: str
    partner: str
    account: str | None
    type: str
    status: str
    period_start: date
    period_end: date
    amount: Decimal
    currency: str
    amount_usd: Decimal
    value_date: date

    @staticmethod
    def resolve_measure(obj: Any) -> str:
        return str(obj.measure.code)

    @staticmethod
    def resolve_partner(obj: Any) -> str:
        return str(obj.owner.code)

    @staticmethod
    def resolve_account(obj: Any) -> str | None:
        return obj.account.code if obj.account_id else None


@router.get("/budgets", response=list[BudgetOut])
@paginate(Pagination)
def list_budgets(
    request: HttpRequest,
    q: str | None = None,
    partner: str | None = None,
    partner_id: Id | None = None,
    year: Year | None = None,
    measure: Id | None = None,
    measure_code: str | None = None,
    account: str | None = None,
    account_id: Id | None = None,
    type: str | None = None,
    status: str | None = None,
    ordering: str | None = None,
) -> Any:
    """Budgets (IATI BudgetType 1 original / 2 revised, BudgetStatus 1 indicative / 2 committed),
    with the filters of the budgets page: partner code, the year the period starts, measure id or
    code, account, type, status, ``q`` and ``ordering``."""
    rows = Budget.objects.restrict(request.user, "view").select_related(
        "measure", "owner", "account"
    )
    return filter_queryset(request, BudgetFilterSet, rows)


@router.get("/transactions", response=list[TransactionOut])
@paginate(Pagination)
def list_transactions(
    request: HttpRequest,
    q: str | None = None,
    partner: str | None = None,
    partner_id: Id | None = None,
    type: str | None = None,
    year: Year | None = None,
    measure: Id | None = None,
    measure_code: str | None = None,
    account: str | None = None,
    account_id: Id | None = None,
    tlp: str | None = None,
    ordering: str | None = None,
) -> Any:
    """The ledger, newest first, with the filters of the ledger page: provider code, IATI type
    code, value-date year, measure id or code, account, TLP, ``q`` and ``ordering`` (such as
    ``-amount_usd``)."""
    return filter_queryset(request, TransactionFilterSet, _ledger(request))


@router.get("/transactions/{pk}", response={200: TransactionOut, 404: ErrorOut})
def get_transaction(request: HttpRequest, pk: int, response: HttpResponse) -> Any:
    return get_with_etag(request, _ledger(request), pk, response)


@router.post("/transactions", response={201: TransactionOut, 400: ErrorOut, 403: ErrorOut})
def create_transaction(request: HttpRequest, payload: TransactionIn, response: HttpResponse) -> Any:
    """Record a transaction for the caller's organisation (the provider)."""
    user = request.user
    owners = list(get_policy().allowed_owners(Transaction, user).filter(kind="partner")[:2])
    if not owners:
        raise HttpError(403, _("Only a partner officer records transactions."))
    if payload.provider:
        owner = (
            Organisation.objects.restrict(user, "view")
            .filter(code__iexact=payload.provider)
            .first()
        )
        if owner is None:
            raise ValidationError(
                {"provider": [_("Unknown organisation '{code}'.").format(code=payload.provider)]}
            )
    elif len(owners) > 1:
        raise ValidationError(
            {"provider": [_("You work for several partners; name the provider (its code).")]}
        )
    else:
        owner = owners[0]
    measure = Measure.objects.restrict(user, "view").filter(pk=payload.measure_id).first()
    if measure is None:
        raise ValidationError(
            {"measure_id": [_("Unknown measure {id}.").format(id=payload.measure_id)]}
        )
    account = None
    if payload.account:
        account = (
            FundingAccount.objects.restrict(user, "view")
            .filter(code__iexact=payload.account)
            .first()
        )
        if account is None:
            raise ValidationError(
                {"account": [_("Unknown account '{code}'.").format(code=payload.account)]}
            )
    receiver = None
    if payload.receiver:
        receiver = (
            Organisation.objects.restrict(user, "view")
            .filter(code__iexact=payload.receiver)
            .first()
        )
        if receiver is None:
            raise ValidationError(
                {"receiver": [_("Unknown organisation '{code}'.").format(code=payload.receiver)]}
            )
    if payload.tlp == TLP.RED:
        raise ValidationError({"tlp": [_("Funding records cannot be TLP:RED.")]})
    tx = Transaction(
        type=payload.type,
        measure=measure,
        value_date=payload.value_date,
        amount=payload.amount,
        currency=payload.currency,
        reference=payload.reference,
        account=account,
        owner=owner,
        provider=owner,
        receiver=receiver,
        description=payload.description,
        tlp=payload.tlp,
    )
    save_transaction(
        tx,
        actor=user,
        shares=_shares(user, payload.shares),
        reason=_("Recorded through the API"),
    )
    response["ETag"] = etag_for(tx)
    return Status(201, _ledger(request).get(pk=tx.pk))


@router.patch(
    "/transactions/{pk}",
    response={
        200: TransactionOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        412: ErrorOut,
        428: ErrorOut,
    },
)
def update_transaction(
    request: HttpRequest, pk: int, payload: TransactionPatch, response: HttpResponse
) -> Any:
    """Change a transaction of the caller's organisation (send If-Match or ``version``)."""
    # Another organisation's transaction is not found (404) rather than forbidden.
    get_visible(request, _ledger(request).restrict(request.user, "change"), pk)
    changes = payload.model_dump(exclude_unset=True)
    body_version = changes.pop("version", None)
    share_rows = changes.pop("shares", None)
    with transaction.atomic():
        tx = Transaction.objects.restrict(request.user, "change").select_for_update().get(pk=pk)
        require_if_match(request, tx, body_version)
        for key, value in changes.items():
            if value is not None:
                setattr(tx, key, value)
        shares = _shares(request.user, payload.shares or []) if share_rows is not None else None
        save_transaction(tx, actor=request.user, shares=shares, reason=_("Edited through the API"))
    response["ETag"] = etag_for(tx)
    return _ledger(request).get(pk=pk)


@router.get("/coverage", response={200: CoverageOut, 400: ErrorOut})
def get_coverage(request: HttpRequest, cycle: Year | None = None, by: str = "state") -> Any:
    """Requirements (the costed needs of the cycle) against pledged, committed and disbursed,
    with the gap and % covered, cut ``by`` state, category, priority, partner, account, year or
    measure. See the counting rule in the API guide: nothing counts twice."""
    if by not in CUTS:
        raise ValidationError({"by": [_("Cut by one of {cuts}.").format(cuts=", ".join(CUTS))]})
    if cycle is not None and not 2000 <= cycle <= 2100:
        raise ValidationError({"cycle": [_("A cycle is a year such as 2026.")]})
    result = coverage(request.user, by, cycle)

    def row(r: Any) -> dict[str, Any]:
        return {
            **r.as_dict(),
            "not_shared_text": not_shared_text(r.not_shared) if r.not_shared else "",
        }

    return {
        "by": result.by,
        "cycle": result.cycle,
        "tlp": label(result.marking),
        "flows_not_shared": result.flows_not_shared,
        "rows": [row(r) for r in result.rows],
        "total": row(result.total),
    }


def cents(value: Decimal) -> float:
    """Money to the cent, as the coverage gives it."""
    return float(value.quantize(CENT))


@router.get("/committee", response=list[CommitteeRowOut])
def get_committee(request: HttpRequest) -> Any:
    """Unfunded and under-funded measures of the current plan, in priority order: the figures of
    the coverage cut by measure over all years (``/coverage?by=measure`` without a cycle gives
    the same)."""
    rows, _run = committee_list(request.user)
    return [
        {
            "rank": r.rank,
            "measure": r.measure.code,
            "measure_id": r.measure.pk,
            "title": r.measure.title,
            "requirement_usd": cents(r.requirement_usd),
            "committed_usd": cents(r.committed_usd),
            "pledged_usd": cents(r.pledged_usd),
            "gap_usd": cents(r.gap_usd) if r.gap_usd is not None else None,
            "funded_pct": r.funded_pct,
            "not_shared": r.not_shared,
            "not_shared_text": not_shared_text(r.not_shared) if r.not_shared else "",
            "tlp": label(r.marking),
        }
        for r in rows
    ]


class WarningOut(Schema):
    measure_id: int
    provider: str
    currency: str = Field(description="the one currency of the amounts compared, else USD")
    committed: float = Field(description="the sum of the outgoing commitments (2)")
    spent: float = Field(description="the sum of the disbursements (3) and expenditure (4)")
    message: str


class ProviderFundingOut(Schema):
    provider: str
    committed_usd: float
    disbursed_usd: float
    expenditure_usd: float
    pledged_usd: float


class MeasureFundingOut(Schema):
    measure: str
    measure_id: int
    title: str
    providers: list[ProviderFundingOut] = Field(
        description="the USD sums of each provider's transactions as recorded (not counted)"
    )
    warnings: list[WarningOut] = Field(
        description="providers whose disbursements and expenditure exceed their commitments"
    )


@router.get("/measures/{pk}", response={200: MeasureFundingOut, 404: ErrorOut})
def get_measure_funding(request: HttpRequest, pk: Id) -> Any:
    """A measure's funding as an IATI activity: each provider's sums and the warnings where
    disbursements and expenditure exceed the commitments (shown, not refused)."""
    measure = get_visible(request, Measure.objects.restrict(request.user, "view"), pk)
    return measure_funding(request.user, measure)


@router.get("/iati.xml", response={200: None, 400: ErrorOut})
def get_iati(request: HttpRequest, partner: str | None = None) -> HttpResponse:
    """The platform's activities as an IATI 2.03 activity file (TLP:CLEAR records only);
    ``partner`` limits it to one partner's transactions and budgets."""
    from .iati import export_activities

    org = None
    if partner:
        org = (
            Organisation.objects.restrict(request.user, "view")
            .filter(code__iexact=partner[:32], kind="partner")
            .first()
        )
        if org is None:
            raise ValidationError(
                {"partner": [_("Unknown partner '{code}'.").format(code=partner[:32])]}
            )
    body = export_activities(request.user, partner=org)
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="seccoop-iati-activities.xml"'
    response["X-TLP"] = label(TLP.CLEAR)  # only TLP:CLEAR records, and figures from them
    record_export("iati.activities", fmt="xml", marking=TLP.CLEAR, request=request)
    return response
