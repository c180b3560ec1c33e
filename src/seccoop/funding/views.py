"""Funding pages: the ledger, a partner's transaction form, coverage of needs, and the Resource
Mobilization Committee's list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy

from seccoop.core.exports import export_response
from seccoop.core.markings import derived_marking, not_shared_text
from seccoop.core.policy import get_policy
from seccoop.core.uploads import refused_upload, upload_limit
from seccoop.core.views import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    query_year,
)
from seccoop.needs.models import AssessmentCycle, Need
from seccoop.plan.models import Measure

from .filters import AccountFilterSet, BudgetFilterSet, TransactionFilterSet
from .forms import BudgetForm, TransactionForm
from .models import Budget, FundingAccount, Transaction
from .services import (
    CUTS,
    committee_list,
    coverage,
    measure_funding,
    save_budget,
    save_transaction,
    spending_warnings,
)

CUT_LABELS = {
    "state": gettext_lazy("State"),
    "category": gettext_lazy("Category"),
    "priority": gettext_lazy("Strategic priority"),
    "partner": gettext_lazy("Partner"),
    "account": gettext_lazy("Funding account"),
    "year": gettext_lazy("Year"),
    "measure": gettext_lazy("Measure"),
}


class TransactionListView(ObjectListView):
    model = Transaction
    filterset_class = TransactionFilterSet
    title = gettext_lazy("Funding ledger")
    add_url_name = "funding:transaction_add"
    detail_url_name = "funding:transaction_detail"
    select_related = ("measure", "provider", "account")
    prefetch_related = ("shares__state__organisation",)
    columns = [
        Column("value_date", gettext_lazy("Value date"), link=True),
        Column("get_type_display", gettext_lazy("Type")),
        Column("provider", gettext_lazy("Provider")),
        Column("account", gettext_lazy("Account")),
        Column("measure__code", gettext_lazy("Measure")),
        Column("amount", gettext_lazy("Amount"), kind="amount"),
        Column("currency", gettext_lazy("Currency")),
        Column("amount_usd", gettext_lazy("USD"), kind="amount"),
        Column("shares_text", gettext_lazy("Recipient shares")),
        Column("reference", gettext_lazy("Reference")),
    ]


class TransactionDetailView(ObjectDetailView):
    model = Transaction
    edit_url_name = "funding:transaction_edit"
    history_url_name = "funding:transaction_history"
    fields = [
        Column("get_type_display", gettext_lazy("Type")),
        Column("value_date", gettext_lazy("Value date")),
        Column("amount", gettext_lazy("Amount"), kind="amount"),
        Column("currency", gettext_lazy("Currency")),
        Column("usd_rate", gettext_lazy("Units per USD used"), kind="rate"),
        Column("amount_usd", gettext_lazy("USD"), kind="amount"),
        Column("measure", gettext_lazy("Measure")),
        Column("provider", gettext_lazy("Provider")),
        Column("receiver", gettext_lazy("Receiver")),
        Column("account", gettext_lazy("Account")),
        Column("shares_text", gettext_lazy("Recipient shares")),
        Column("reference", gettext_lazy("Reference")),
        Column("description", gettext_lazy("Description")),
        Column("tlp", gettext_lazy("TLP marking")),
    ]

    def get_base_queryset(self) -> Any:
        return (
            Transaction.objects.restrict(self.request.user, "view")
            .select_related("measure", "provider", "receiver", "account")
            .prefetch_related("shares__state__organisation")
        )


class TransactionHistoryView(ObjectHistoryView):
    model = Transaction
    detail_url_name = "funding:transaction_detail"


class TransactionEditView(ObjectEditView):
    """A partner officer works only on their own organisation's ledger: another organisation's
    transaction is not found (404), not forbidden."""

    model = Transaction
    form_class = TransactionForm
    success_url_name = "funding:transaction_detail"
    hide_unchangeable = True

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        tx = form.save(commit=False)
        tx.provider_id = tx.owner_id  # the form's provider is the organisation it belongs to
        save_transaction(
            tx,
            actor=self.request.user,
            shares=form.cleaned_data.get("shares_text") or [],
            needs=form.cleaned_data.get("needs") or [],
            reason=reason,
            provider_field="owner",
        )
        return tx

    def success_url(self, obj: Any) -> str:
        # Saved: spending above the commitments is a warning, not a refusal.
        for warning in spending_warnings(self.request.user, [obj.measure_id]):
            if warning.provider == (obj.provider.code if obj.provider_id else ""):
                messages.warning(self.request, warning.message)
        return super().success_url(obj)


class BudgetListView(ObjectListView):
    model = Budget
    filterset_class = BudgetFilterSet
    title = gettext_lazy("Budgets")
    add_url_name = "funding:budget_add"
    detail_url_name = "funding:budget_edit"
    select_related = ("measure", "owner", "account")
    columns = [
        Column("measure__code", gettext_lazy("Measure"), link=True),
        Column("owner", gettext_lazy("Partner")),
        Column("account", gettext_lazy("Account")),
        Column("period_start", gettext_lazy("From")),
        Column("period_end", gettext_lazy("To")),
        Column("get_type_display", gettext_lazy("Type")),
        Column("get_status_display", gettext_lazy("Status")),
        Column("amount", gettext_lazy("Amount"), kind="amount"),
        Column("currency", gettext_lazy("Currency")),
        Column("amount_usd", gettext_lazy("USD"), kind="amount"),
    ]


class BudgetEditView(ObjectEditView):
    model = Budget
    form_class = BudgetForm
    success_url_name = "funding:budget_list"
    hide_unchangeable = True

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        return save_budget(form.save(commit=False), actor=self.request.user, reason=reason)

    def success_url(self, obj: Any) -> str:
        return reverse("funding:budget_list")


class AccountListView(ObjectListView):
    model = FundingAccount
    filterset_class = AccountFilterSet
    title = gettext_lazy("Funding accounts")
    select_related = ("owner",)
    columns = [
        Column("code", gettext_lazy("Code")),
        Column("name", gettext_lazy("Name")),
        Column("owner", gettext_lazy("Managed by")),
    ]


def _cycles(user: Any) -> list[int]:
    return list(
        AssessmentCycle.objects.restrict(user, "view")
        .order_by("-year")
        .values_list("year", flat=True)
    )


@login_required
def coverage_view(request: HttpRequest) -> HttpResponse:
    """Coverage of needs, cut by one dimension, for one cycle (or all years)."""
    by = request.GET.get("by", "state")
    if by not in CUTS:
        by = "state"
    cycles = _cycles(request.user)
    if request.GET.get("cycle") == "all":  # the page's own "All years" choice
        cycle = None
    elif "cycle" in request.GET:
        cycle = query_year(request, "cycle")
    else:
        cycle = cycles[0] if cycles else None
    result = coverage(request.user, by, cycle)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        columns = [
            Column("label", CUT_LABELS[by]),
            Column("requirements_usd", gettext_lazy("Requirements (USD)")),
            Column("pledged_usd", gettext_lazy("Pledged (USD)")),
            Column("committed_usd", gettext_lazy("Committed (USD)")),
            Column("disbursed_usd", gettext_lazy("Disbursed (USD)")),
            Column("gap_usd", gettext_lazy("Gap (USD)")),
            Column("coverage_pct", gettext_lazy("Covered (%)")),
            Column("not_shared", gettext_lazy("Needs not shared with you")),
        ]
        return export_response(
            Need,
            columns,
            [*result.rows, result.total],
            fmt,
            title=str(gettext_lazy("Coverage of needs")),
            inputs=result.marking,
            what="funding.coverage",
            stem="coverage",
        )
    return render(
        request,
        "funding/coverage.html",
        {
            "result": result,
            "marking": result.marking,
            "not_shared_total": not_shared_text(result.total.not_shared)
            if result.total.not_shared
            else "",
            "flows_not_shared": not_shared_text(result.flows_not_shared)
            if result.flows_not_shared
            else "",
            "by": by,
            "cycle": cycle,
            "cycles": cycles,
            "cuts": [(c, CUT_LABELS[c]) for c in CUTS],
            "can_record": get_policy().can_add(Transaction, request.user),
        },
    )


@login_required
def measure_funding_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A measure's funding as its IATI activity: each provider's sums, the warnings where
    disbursements and expenditure exceed the commitments, and the transactions."""
    measure = get_object_or_404(Measure.objects.restrict(request.user, "view"), pk=pk)
    funding = measure_funding(request.user, measure)
    ledger = (
        Transaction.objects.restrict(request.user, "view")
        .filter(measure=measure)
        .select_related("provider", "account")
        .prefetch_related("shares__state__organisation")
    )
    return render(
        request,
        "funding/measure.html",
        {
            "measure": measure,
            "funding": funding,
            "ledger": ledger,
            "marking": derived_marking(measure, [t.tlp for t in ledger]),
        },
    )


@login_required
def committee_view(request: HttpRequest) -> HttpResponse:
    """The Resource Mobilization Committee's list: unfunded and under-funded measures in priority
    order, exportable for partners."""
    rows, run = committee_list(request.user)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        columns = [
            Column("rank", gettext_lazy("Priority")),
            Column("measure__code", gettext_lazy("Measure")),
            Column("measure__title", gettext_lazy("Title")),
            Column("measure__category", gettext_lazy("Category")),
            Column("requirement_usd", gettext_lazy("Requirement (USD)"), kind="amount"),
            Column("committed_usd", gettext_lazy("Committed (USD)"), kind="amount"),
            Column("pledged_usd", gettext_lazy("Pledged, not yet committed (USD)"), kind="amount"),
            Column("gap_usd", gettext_lazy("Gap (USD)"), kind="amount"),
            Column("funded_pct", gettext_lazy("Funded (%)"), kind="percent"),
            Column("status", gettext_lazy("Status")),
            Column("not_shared", gettext_lazy("Needs not shared with you")),
            Column("marking", gettext_lazy("TLP marking")),
        ]
        # Each row is marked from the measure, the needs, the transactions and the run it uses;
        # the file carries the most restrictive of them.
        return export_response(
            Measure,
            columns,
            rows,
            fmt,
            title=str(gettext_lazy("Unfunded and under-funded measures")),
            what="funding.committee",
            stem="committee",
        )
    return render(
        request,
        "funding/committee.html",
        {
            "rows": rows,
            "run": run,
            "marking": derived_marking([r.marking for r in rows]),
        },
    )


#: The largest activity file the web import takes (larger files go through ``seccoop iati
#: import``).
WEB_IATI_BYTES = 20 * 1024 * 1024


@upload_limit(WEB_IATI_BYTES)
@login_required
def iati_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a partner's IATI activity file: all or nothing, with the report shown (and stored)
    or every problem named."""
    from django.core.exceptions import PermissionDenied

    from .iati import IatiError, import_activities, may_import

    if not may_import(request.user):
        raise PermissionDenied
    context: dict[str, Any] = {"max_mb": WEB_IATI_BYTES // 2**20}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if refused_upload(request) is not None or (
            upload is not None and upload.size > WEB_IATI_BYTES
        ):
            context["errors"] = [
                gettext_lazy(
                    "The file is larger than {mb} MB; import it with seccoop iati import."
                ).format(mb=WEB_IATI_BYTES // 2**20)
            ]
            status = 400
        elif upload is None:
            context["errors"] = [gettext_lazy("Choose an IATI activity file (XML).")]
            status = 400
        else:
            try:
                result = import_activities(
                    upload.read(), actor=request.user, source=upload.name[:200]
                )
                context["result"] = result
                context["summary"] = sorted(dict(result.summary).items())
            except IatiError as exc:
                context["errors"] = exc.errors[:200]
                context["more"] = max(0, len(exc.errors) - 200)
                status = 400
    return render(request, "funding/iati_import.html", context, status=status)
