"""Needs pages: list, detail, edit, the matrix heat map, and the workbook import wizard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from seccoop.core import charts
from seccoop.core.audit import record_export
from seccoop.core.markings import TLP
from seccoop.core.numbers import format_amount, format_rate
from seccoop.core.policy import allowed_owner_ids
from seccoop.core.views import (
    Column,
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    get_restricted_object,
    query_year,
)
from seccoop.core.wizard import ImportWizard

from .filters import NeedFilterSet
from .forms import CycleForm, ImportForm, NeedForm
from .importer import NeedsImporter, template_workbook
from .models import AssessmentCycle, Need
from .services import Matrix, build_matrix, may_review, return_need, save_need, validate_need

NEED_COLUMNS = [
    Column("reference", gettext_lazy("Reference"), link=True),
    Column("cycle", gettext_lazy("Cycle")),
    Column("state__iso3", gettext_lazy("State")),
    Column("category__code", gettext_lazy("Category")),
    Column("description", gettext_lazy("Description")),
    Column("severity", gettext_lazy("Severity")),
    Column("get_gap_type_display", gettext_lazy("Gap type")),
    Column("amount", gettext_lazy("Cost"), kind="amount"),
    Column("currency", gettext_lazy("Currency")),
    Column("amount_usd", gettext_lazy("Cost (USD)"), kind="amount"),
    Column("get_status_display", gettext_lazy("Status")),
    Column("tlp", gettext_lazy("TLP")),
    Column("sub_area", gettext_lazy("Sub-area")),
    Column("priority_rank", gettext_lazy("State's priority rank")),
    Column("evidence", gettext_lazy("Evidence")),
]


class NeedListView(ObjectListView):
    model = Need
    filterset_class = NeedFilterSet
    columns = NEED_COLUMNS
    select_related = ("cycle", "state", "category")
    title = gettext_lazy("Needs")
    add_url_name = "needs:need_add"
    detail_url_name = "needs:need_detail"


class NeedDetailView(ObjectDetailView):
    model = Need
    template_name = "needs/need_detail.html"
    fields = [
        *NEED_COLUMNS,
        Column("releasable_to", gettext_lazy("Released to")),
    ]
    edit_url_name = "needs:need_edit"
    delete_url_name = "needs:need_delete"
    history_url_name = "needs:need_history"

    def get_base_queryset(self) -> Any:
        return (
            Need.objects.restrict(self.request.user, "view")
            .select_related("cycle", "state", "category", "owner")
            .prefetch_related("releasable_to")
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        """The Commission's secretariat sees the review form on a submitted need; everyone sees
        why a returned need was returned (the reason kept in its history)."""
        returned = None
        if obj.status == Need.Status.RETURNED:
            last = obj.history.filter(status=Need.Status.RETURNED).order_by("-history_date").first()
            returned = last.history_change_reason if last is not None else None
        return {
            "can_review": obj.status == Need.Status.SUBMITTED
            and may_review(obj, self.request.user),
            "returned_reason": returned,
        }


class NeedHistoryView(ObjectHistoryView):
    model = Need
    detail_url_name = "needs:need_detail"


class NeedEditView(ObjectEditView):
    """Add or change a need through ``services.save_need``, the path the import and the API take
    too (draft or submitted only; a submitted need is released to the Commission)."""

    model = Need
    form_class = NeedForm
    success_url_name = "needs:need_detail"

    def save_object(self, form: Any, *, version: int | None, reason: str) -> Any:
        need = form.save(commit=False)
        if version is not None:
            need.version = version + 1
        return save_need(
            need,
            actor=self.request.user,
            reason=reason,
            releases=form.cleaned_data.get("releasable_to") or [],
        )


@login_required
@require_POST
def need_review(request: HttpRequest, pk: str) -> HttpResponse:
    """The Commission's secretariat validates a submitted need, or returns it with a reason."""
    need = get_restricted_object(request, Need, pk)
    action = request.POST.get("action", "")
    try:
        if action == "validate":
            validate_need(need, actor=request.user)
            messages.success(request, _("{need} is validated.").format(need=need))
        elif action == "return":
            return_need(need, actor=request.user, reason=request.POST.get("reason", "")[:500])
            messages.success(request, _("{need} is returned to its State.").format(need=need))
        else:
            messages.error(request, _("Choose validate or return."))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return HttpResponseRedirect(reverse("needs:need_detail", args=[need.pk]))


class NeedDeleteView(ObjectDeleteView):
    model = Need
    success_url_name = "needs:need_list"


# --- the matrix ------------------------------------------------------------------------------------


def _short_usd(value: Decimal) -> str:
    """A cell's USD total in a few characters, in the language's separators (1.5M, 3k, 370)."""
    v = Decimal(value)
    if v >= 1_000_000:
        return format_rate(v / 1_000_000, 1) + "M"
    if v >= 1000:
        return format_rate(v / 1000, 0) + "k"
    return format_rate(v, 0)


def matrix_svg(matrix: Matrix, list_url: str, query: dict[str, Any]) -> str:
    """The heat map: one cell per state x category, darker for a larger USD total, each a link to
    the needs list filtered to its state and category (the page's table repeats the figures)."""
    cells = []
    for state in matrix.states:
        for category in matrix.categories:
            cell = matrix.cells.get((state.pk, category.pk))
            if cell is None:
                continue
            cells.append(
                {
                    "x": category.code,
                    "y": state.iso3,
                    "value": float(cell.usd_total),
                    "text": f"{_short_usd(cell.usd_total)}·{cell.count}",
                    "label": _("{state}, {category}: {count} needs, USD {usd}").format(
                        state=state.organisation.name,
                        category=category.name,
                        count=cell.count,
                        usd=format_amount(cell.usd_total),
                    ),
                    "href": list_url
                    + "?"
                    + urlencode({**query, "state": state.iso3, "category": category.code}),
                }
            )
    spec = charts.heatmap(
        cells,
        x_title=_("Category"),
        y_title=_("State"),
        value_title=_("USD total"),
        x_order=[c.code for c in matrix.categories],
        y_order=[s.iso3 for s in matrix.states],
        value_format="~s",
        cell=(64, 28),
    )
    return charts.render_svg(
        spec,
        title=_(
            "Needs Assessment Matrix {year}: USD total and count per state and category"
        ).format(year=matrix.cycle.year),
        description=_(
            "Each cell is a link to the needs of its state and category; darker cells cost more. "
            "The table below gives the same figures."
        ),
        css_class="chart heatmap",
    )


@login_required
def matrix_view(request: HttpRequest) -> HttpResponse:
    cycles = list(AssessmentCycle.objects.restrict(request.user, "view"))
    if not cycles:
        return render(request, "needs/matrix.html", {"cycles": [], "matrix": None})
    year = query_year(request, "cycle") or cycles[0].year
    cycle = next((c for c in cycles if c.year == year), None)
    if cycle is None:
        raise Http404
    status = request.GET.get("status") or None
    gap_type = request.GET.get("gap_type") or None
    if status not in Need.Status.values:
        status = None
    if gap_type not in Need.GapType.values:
        gap_type = None
    matrix = build_matrix(request.user, cycle, status=status, gap_type=gap_type)
    query = {
        k: v for k, v in {"cycle": cycle.year, "status": status, "gap_type": gap_type}.items() if v
    }
    rows = [
        (
            state,
            [matrix.cells.get((state.pk, c.pk)) for c in matrix.categories],
            matrix.row_totals.get(state.pk),
        )
        for state in matrix.states
    ]
    return render(
        request,
        "needs/matrix.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "matrix": matrix,
            "rows": rows,
            "svg": matrix_svg(matrix, reverse("needs:need_list"), query),
            "statuses": Need.Status.choices,
            "gap_types": Need.GapType.choices,
            "status": status or "",
            "gap_type": gap_type or "",
            "column_totals": [matrix.column_totals.get(c.pk) for c in matrix.categories],
            "list_query": urlencode(query),
        },
    )


# --- the workbook --------------------------------------------------------------------------------


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_workbook(request.user),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="needs-template.xlsx"'
    # A blank template with the reference lists (TLP:CLEAR Framework data).
    record_export("needs.template", fmt="xlsx", marking=TLP.CLEAR)
    return response


class NeedsImportWizard(ImportWizard):
    """The needs workbook import (upload, preview, confirm), into one open cycle."""

    key = "needs_import"
    namespace = "needs"
    importer_class = NeedsImporter
    form_class = ImportForm
    title = gettext_lazy("Import needs")
    heading = gettext_lazy("Import needs from a workbook")
    intro = gettext_lazy(
        "Fill the template (one row per need), then upload it. You will see what would change "
        "before anything is written; nothing is written if any row has an error."
    )
    template_url = "template"
    errors_filename = "needs-import-errors.xlsx"

    def importer(self, request: HttpRequest, options: dict[str, Any]) -> NeedsImporter:
        cycle = (
            AssessmentCycle.objects.restrict(request.user, "view")
            .filter(pk=options["cycle"])
            .first()
        )
        if cycle is None:
            raise Http404
        return NeedsImporter(
            request.user, cycle=cycle, allowed_owner_ids=allowed_owner_ids(Need, request.user)
        )

    def done_url(self, options: dict[str, Any]) -> str:
        return reverse("needs:matrix") + f"?cycle={options['year']}"


class CycleListView(ObjectListView):
    model = AssessmentCycle
    title = gettext_lazy("Assessment cycles")
    add_url_name = "needs:cycle_add"
    detail_url_name = "needs:cycle_edit"
    columns = [
        Column("year", gettext_lazy("Year"), link=True),
        Column("get_status_display", gettext_lazy("Status")),
        Column("valuation_date", gettext_lazy("Valuation date")),
    ]


class CycleEditView(ObjectEditView):
    model = AssessmentCycle
    form_class = CycleForm
    success_url_name = "needs:cycle_edit"
