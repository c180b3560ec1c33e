"""Monitoring pages: indicators, the entry grid, review, targets, dashboard, public figures, import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from seccoop.core.audit import record_export
from seccoop.core.markings import derived_marking
from seccoop.core.policy import allowed_owner_ids, get_policy
from seccoop.core.views import (
    Column,
    ObjectDetailView,
    ObjectEditView,
    ObjectHistoryView,
    ObjectListView,
    bounded_pk,
    get_restricted_object,
)
from seccoop.core.wizard import ImportWizard
from seccoop.core.workbooks import (
    ImportRejected,
    RowError,
)
from seccoop.framework.models import Party
from seccoop.needs.models import AssessmentCycle

from . import workflow
from .charts import render_trend, trend_spec
from .filters import IndicatorFilterSet, TargetFilterSet, ValueFilterSet
from .forms import BaselineForm, ImportForm, IndicatorForm, RuleForm, TargetForm
from .importer import template_workbook
from .models import Baseline, Indicator, Target, ValidationRule, Value
from .periods import Kind, Period, PeriodError, parse
from .publication import steward_values
from .services import (
    STATUS_LABELS,
    STATUS_MARKS,
    RulesFailed,
    ValuesImporter,
    dashboard,
    progress_rows,
    public_table,
    readable_values,
    transition,
    value_row,
    write_rows,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed_owner_ids(user: Any) -> set[int] | None:
    return allowed_owner_ids(Value, user)


# --- indicators -----------------------------------------------------------------------------


class IndicatorListView(ObjectListView):
    model = Indicator
    login_required = False
    filterset_class = IndicatorFilterSet
    title = gettext_lazy("Indicators")
    add_url_name = "monitoring:indicator_add"
    detail_url_name = "monitoring:indicator_detail"
    select_related = ("category",)
    columns = [
        Column("code", gettext_lazy("Code"), link=True),
        Column("name", gettext_lazy("Name")),
        Column("category__code", gettext_lazy("Category")),
        Column("get_level_display", gettext_lazy("Level")),
        Column("get_period_type_display", gettext_lazy("Period type")),
        Column("unit", gettext_lazy("Unit")),
        Column("get_direction_display", gettext_lazy("Direction")),
        Column("source", gettext_lazy("Source")),
        Column("is_demo", gettext_lazy("Demo data")),
    ]


class IndicatorDetailView(ObjectDetailView):
    model = Indicator
    login_required = False
    template_name = "monitoring/indicator_detail.html"
    edit_url_name = "monitoring:indicator_edit"
    history_url_name = "monitoring:indicator_history"

    def get_base_queryset(self) -> Any:
        return Indicator.objects.restrict(self.request.user, "view").select_related("category")

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        states = list(
            Party.objects.restrict(user, "view")
            .filter(organisation__side="caribbean")
            .order_by("iso3")
        )
        code = self.request.GET.get("state", "").upper()[:3]
        state = next((s for s in states if s.iso3 == code), None)
        values = readable_values(user).filter(indicator=obj)
        if state is None:
            first = values.order_by("state__iso3").values_list("state__iso3", flat=True).first()
            state = next((s for s in states if s.iso3 == first), states[0] if states else None)
        series = (
            list(values.filter(state=state).order_by("period_start", "disaggregation"))
            if state
            else []
        )
        periods = sorted({v.period for v in series}, key=lambda p: obj.parse_period(p).sort_key())
        latest = periods[-1] if periods else None
        return {
            "states": states,
            "state": state,
            "series": series,
            "rules": obj.rules.restrict(user, "view").select_related("other"),
            "targets": obj.targets.restrict(user, "view").filter(state=state) if state else [],
            "baseline": obj.baselines.restrict(user, "view").filter(state=state).first()
            if state
            else None,
            "progress": progress_rows(user, [obj], latest) if latest else [],
            "latest": latest,
            "measures": obj.measures.restrict(user, "view").select_related("plan"),
            "chart_url": reverse("monitoring:chart", args=[obj.pk]) + f"?state={state.iso3}"
            if state
            else None,
            "can_add_target": get_policy().can_add(Target, user),
            "can_add_rule": get_policy().can_add(ValidationRule, user),
        }


class IndicatorEditView(ObjectEditView):
    model = Indicator
    form_class = IndicatorForm
    success_url_name = "monitoring:indicator_detail"


class IndicatorHistoryView(ObjectHistoryView):
    model = Indicator
    detail_url_name = "monitoring:indicator_detail"


def chart(request: HttpRequest, pk: str) -> HttpResponse:
    """The trend chart of one indicator for one state, as SVG (values the caller may see)."""
    indicator = get_restricted_object(request, Indicator, pk)
    state = (
        Party.objects.restrict(request.user, "view")
        .filter(iso3=request.GET.get("state", "").upper()[:3])
        .first()
    )
    if state is None:
        raise Http404
    values = list(
        readable_values(request.user)
        .filter(indicator=indicator, state=state, disaggregation="")
        .exclude(status__in=[Value.Status.DRAFT, Value.Status.RETURNED])
        .order_by("period_start")
    )
    targets = list(
        Target.objects.restrict(request.user, "view")
        .filter(indicator=indicator, state=state)
        .order_by("period_start")
    )
    # The chart is marked from everything it draws: the indicator, its values and targets.
    marking = derived_marking(indicator, values, targets)
    response = HttpResponse(
        render_trend(trend_spec(indicator, state, values, targets, marking), indicator, state),
        content_type="image/svg+xml",
    )
    response["X-TLP"] = f"TLP:{marking}"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


# --- values ---------------------------------------------------------------------------------


class ValueListView(ObjectListView):
    model = Value
    filterset_class = ValueFilterSet
    title = gettext_lazy("Reported values")
    detail_url_name = "monitoring:value_detail"
    select_related = ("indicator", "state")
    columns = [
        Column("indicator__code", gettext_lazy("Indicator"), link=True),
        Column("state__iso3", gettext_lazy("State")),
        Column("period", gettext_lazy("Period")),
        Column("disaggregation", gettext_lazy("Disaggregation")),
        Column("display", gettext_lazy("Value")),
        Column("get_quality_display", gettext_lazy("Quality")),
        Column("get_status_display", gettext_lazy("Status")),
        Column("tlp", gettext_lazy("TLP")),
    ]

    def get_queryset(self) -> Any:
        # Through the publication gate: others' small counts are not listed or exported.
        return readable_values(self.request.user).select_related(*self.select_related)


class ValueDetailView(ObjectDetailView):
    model = Value
    template_name = "monitoring/value_detail.html"
    history_url_name = "monitoring:value_history"

    def get_base_queryset(self) -> Any:
        return readable_values(self.request.user).select_related(
            "indicator", "state", "approved_by"
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        user = self.request.user
        editor = Value.objects.restrict(user, "change").filter(pk=obj.pk).exists()
        reviewer = Value.objects.restrict(user, "review").filter(pk=obj.pk).exists()
        actions = (workflow.allowed(obj.status, workflow.EDITOR) if editor else []) + (
            workflow.allowed(obj.status, workflow.REVIEWER) if reviewer else []
        )
        return {"actions": actions, "can_edit": editor, "edit_url": None}


class ValueHistoryView(ObjectHistoryView):
    """Earlier figures are working data: only the value's stewards read its history."""

    model = Value
    detail_url_name = "monitoring:value_detail"

    def get_base_queryset(self) -> Any:
        return steward_values(self.request.user)


ACTION_LABELS = {
    "submit": gettext_lazy("Submit for approval"),
    "approve": gettext_lazy("Approve"),
    "return": gettext_lazy("Return with a reason"),
    "revise": gettext_lazy("Reopen with a reason"),
}


def _run_transition(request: HttpRequest, values: list[Value], action: str, reason: str) -> bool:
    """Apply one workflow action and say what happened; True when it was done."""
    try:
        warnings = transition(values, action, actor=request.user, reason=reason)
    except workflow.TransitionError:
        messages.error(request, _("This action is not open for a value in its current status."))
        return False
    except RulesFailed as exc:
        for f in exc.findings:
            messages.error(request, f.message)
        messages.error(request, _("Nothing was submitted: fix the values above first."))
        return False
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return False
    for w in warnings:
        messages.warning(request, w.message)
    messages.success(request, _("{count} value(s): done.").format(count=len(values)))
    return True


@login_required
@require_POST
def value_action(request: HttpRequest, pk: str) -> HttpResponse:
    value = get_restricted_object(request, Value, pk)
    action = request.POST.get("action", "")
    if action not in workflow.ACTIONS:
        raise Http404
    _run_transition(request, [value], action, request.POST.get("reason", "")[:250])
    return HttpResponseRedirect(reverse("monitoring:value_detail", args=[value.pk]))


@login_required
@require_http_methods(["GET", "POST"])
def value_edit(request: HttpRequest, pk: str) -> HttpResponse:
    """Change one value; an approved value needs a reason and goes back for approval."""
    value = get_restricted_object(request, Value, pk, "change")
    errors: dict[str, Any] = {}
    if request.method == "POST":
        if str(value.version) != request.POST.get("version", ""):
            messages.error(
                request,
                _(
                    "This value changed since you opened it; check the current figure and try again."
                ),
            )
            return HttpResponseRedirect(reverse("monitoring:value_edit", args=[value.pk]))
        raw = {
            f: request.POST.get(f, "").strip()
            for f in ("value", "low", "high", "quality", "comment", "evidence")
        }
        row = value_row(
            indicator=value.indicator.code,
            state=value.state.iso3,
            period=value.period,
            disaggregation=value.disaggregation,
            reason=request.POST.get("reason", ""),
            **raw,
        )
        try:
            write_rows(
                [row],
                actor=request.user,
                allowed_owner_ids=_allowed_owner_ids(request.user),
                source=_("the value form"),
            )
        except ImportRejected as exc:
            errors = {e.field: e.message for e in exc.errors}
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("monitoring:value_detail", args=[value.pk]))
    return render(
        request,
        "monitoring/value_edit.html",
        {
            "object": value,
            "errors": errors,
            "post": request.POST if request.method == "POST" else None,
            "qualities": Value.Quality.choices,
        },
        status=400 if errors else 200,
    )


# --- the entry grid -------------------------------------------------------------------------


def _grid_rows(user: Any, state: Party, period: Period) -> list[dict[str, Any]]:
    indicators = list(
        Indicator.objects.restrict(user, "view")
        .filter(period_type=period.kind)
        .select_related("category")
    )
    existing = {
        (v.indicator_id, v.disaggregation): v
        for v in readable_values(user).filter(
            state=state, period=str(period), indicator__in=indicators
        )
    }
    rows = []
    for ind in indicators:
        for key in ind.disaggregation_keys():
            rows.append(
                {
                    "indicator": ind,
                    "key": key,
                    "value": existing.get((ind.pk, key)),
                    "name": f"{ind.pk}:{key}",
                }
            )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest) -> HttpResponse:
    """The entry grid for one state and one period: every indicator of that period type, one row
    per disaggregation cell. Save writes every changed row (all or nothing); Submit also submits."""
    user = request.user
    states = (
        Party.objects.restrict(user, "view")
        .filter(organisation__side="caribbean")
        .select_related("organisation")
        .order_by("iso3")
    )
    allowed = _allowed_owner_ids(user)
    editable_states = [s for s in states if allowed is None or s.organisation_id in allowed]
    code = (
        request.POST.get("state")
        or request.GET.get("state")
        or (editable_states[0].iso3 if editable_states else "")
    ).upper()[:3]
    state = next((s for s in states if s.iso3 == code), None)
    period_text = request.POST.get("period") or request.GET.get("period") or ""
    period = None
    errors: list[RowError] = []
    if period_text:
        try:
            period = parse(period_text)
        except PeriodError as exc:
            messages.error(request, str(exc))
    context: dict[str, Any] = {
        "states": states,
        "state": state,
        "period_text": period_text,
        "period": period,
    }
    if state is None or period is None:
        return render(
            request,
            "monitoring/entry.html",
            context,
            status=400 if request.method == "POST" else 200,
        )
    can_edit = allowed is None or state.organisation_id in allowed
    rows = _grid_rows(user, state, period)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        sheet: list[list[Any]] = []
        row_of: dict[int, dict[str, Any]] = {}
        for row in rows:
            prefix = row["name"]
            cell = {
                f: request.POST.get(f"{prefix}:{f}", "").strip()
                for f in ("value", "low", "high", "quality", "comment", "reason")
            }
            current = row["value"]
            if current is None and not cell["value"]:
                continue
            if (
                current is not None
                and not cell["value"]
                and current.value is None
                and not current.text_value
            ):
                continue
            sheet.append(
                value_row(
                    indicator=row["indicator"].code,
                    state=state.iso3,
                    period=str(period),
                    disaggregation=row["key"],
                    evidence=current.evidence if current else "",
                    **cell,
                )
            )
            row_of[len(sheet) + 1] = row  # the data row number (row 1 is the header)
            row["posted"] = cell
        summary: dict[str, int] = {}
        try:
            summary = write_rows(
                sheet, actor=user, allowed_owner_ids=allowed, source=_("the entry grid")
            ).summary
        except ImportRejected as exc:
            errors = exc.errors
        if errors:
            for e in errors:
                if e.row in row_of:
                    row_of[e.row].setdefault("errors", []).append(e.message)
            messages.error(
                request,
                _("Nothing was saved: {count} problem(s) are marked below.").format(
                    count=len(errors)
                ),
            )
            context.update(rows=rows, can_edit=can_edit)
            return render(request, "monitoring/entry.html", context, status=400)
        if request.POST.get("do") == "submit":
            pending = list(
                Value.objects.restrict(user, "change")
                .filter(
                    state=state, period=str(period), status__in=[workflow.DRAFT, workflow.RETURNED]
                )
                .select_related("indicator", "state")
            )
            if pending and not _run_transition(request, pending, "submit", ""):
                context.update(rows=_grid_rows(user, state, period), can_edit=can_edit)
                return render(request, "monitoring/entry.html", context, status=400)
        else:
            messages.success(
                request,
                _("Saved as drafts: {created} new, {updated} changed.").format(**summary),
            )
        return HttpResponseRedirect(
            reverse("monitoring:entry")
            + "?"
            + urlencode({"state": state.iso3, "period": str(period)})
        )
    context.update(rows=rows, can_edit=can_edit)
    return render(request, "monitoring/entry.html", context)


# --- review ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """Submitted values the caller may approve or return, with bulk approval. The queue filters
    by state, indicator and period; nothing is ticked until the reviewer ticks it."""
    user = request.user
    reviewable = Value.objects.restrict(user, "review").filter(status=Value.Status.SUBMITTED)
    source = request.POST if request.method == "POST" else request.GET
    chosen_filters = {
        "state": source.get("state", "").upper()[:3],
        "indicator": source.get("indicator", "")[:30],
        "period": source.get("period", "").strip()[:12],
    }
    queue = reviewable.select_related("indicator", "state").order_by(
        "state__iso3", "indicator__code", "period_start"
    )
    if chosen_filters["state"]:
        queue = queue.filter(state__iso3=chosen_filters["state"])
    if chosen_filters["indicator"]:
        queue = queue.filter(indicator__code__iexact=chosen_filters["indicator"])
    if chosen_filters["period"]:
        queue = queue.filter(period__iexact=chosen_filters["period"])
    query = urlencode({k: v for k, v in chosen_filters.items() if v})
    back = reverse("monitoring:review") + (f"?{query}" if query else "")
    if request.method == "POST":
        ids = []
        for raw in request.POST.getlist("ids")[:5000]:
            try:
                ids.append(bounded_pk(raw))
            except Http404:
                continue
        chosen = list(queue.filter(pk__in=ids))
        action = request.POST.get("action", "")
        if not chosen:
            messages.error(request, _("Tick at least one value."))
        elif action in ("approve", "return"):
            _run_transition(request, chosen, action, request.POST.get("reason", "")[:250])
        return HttpResponseRedirect(back)
    items = list(queue[:500])
    facets = reviewable.order_by()
    return render(
        request,
        "monitoring/review.html",
        {
            "items": items,
            "total": queue.count(),
            "waiting": reviewable.count(),
            "filters": chosen_filters,
            "states": sorted(set(facets.values_list("state__iso3", flat=True))),
            "indicators": sorted(set(facets.values_list("indicator__code", flat=True))),
            "periods": sorted(set(facets.values_list("period", flat=True)), reverse=True),
        },
    )


# --- targets and rules ----------------------------------------------------------------------


class TargetListView(ObjectListView):
    model = Target
    filterset_class = TargetFilterSet
    title = gettext_lazy("Targets")
    add_url_name = "monitoring:target_add"
    detail_url_name = "monitoring:target_edit"
    select_related = ("indicator", "state")
    columns = [
        Column("indicator__code", gettext_lazy("Indicator"), link=True),
        Column("state__iso3", gettext_lazy("State")),
        Column("period", gettext_lazy("Period")),
        Column("value", gettext_lazy("Target"), kind="rate"),
        Column("note", gettext_lazy("Note")),
    ]


class TargetEditView(ObjectEditView):
    model = Target
    form_class = TargetForm
    reason_required = True
    success_url_name = "monitoring:target_history"


class TargetHistoryView(ObjectHistoryView):
    model = Target
    detail_url_name = "monitoring:target_edit"


class BaselineEditView(ObjectEditView):
    model = Baseline
    form_class = BaselineForm
    reason_required = True
    success_url_name = "monitoring:baseline_history"


class BaselineHistoryView(ObjectHistoryView):
    model = Baseline
    detail_url_name = "monitoring:baseline_edit"


class RuleEditView(ObjectEditView):
    model = ValidationRule
    form_class = RuleForm
    success_url_name = "monitoring:rule_edit"

    def success_url(self, obj: Any) -> str:
        return reverse("monitoring:indicator_detail", args=[obj.indicator_id])


# --- the dashboard and public figures -------------------------------------------------------


def _period_param(request: HttpRequest, default: str) -> tuple[Period | None, str]:
    text = request.GET.get("period", default)[:12]
    try:
        return parse(text), text
    except PeriodError as exc:
        messages.error(request, str(exc))
        return None, text


def default_dashboard_year(user: Any) -> int:
    """The year the dashboard opens on: the current cycle's year (the latest open needs
    assessment cycle, else this year), or the latest year before it with approved annual values,
    so the board opens on figures rather than on an empty year."""
    cycle = (
        AssessmentCycle.objects.restrict(user, "view")
        .filter(status=AssessmentCycle.Status.OPEN)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    current = cycle or timezone.localdate().year
    with_data = (
        readable_values(user)
        .filter(
            status=Value.Status.APPROVED,
            indicator__period_type=Kind.YEAR,
            period_start__year__lte=current,
        )
        .order_by("-period_start")
        .values_list("period_start__year", flat=True)
        .first()
    )
    return with_data or current


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    default = "" if request.GET.get("period") else str(default_dashboard_year(request.user))
    period, text = _period_param(request, default)
    board = dashboard(request.user, period) if period else None
    rows = []
    if board:
        for ind in board.indicators:
            rows.append((ind, [board.cells.get((ind.pk, s.pk)) for s in board.states]))
    return render(
        request,
        "monitoring/dashboard.html",
        {
            "board": board,
            "rows": rows,
            "period_text": text,
            "summary": [(label, board.counts.get(key, 0)) for key, label in STATUS_LABELS.items()]
            if board
            else [],
            "marks": [(mark, STATUS_LABELS[key]) for key, mark in STATUS_MARKS.items()],
        },
        status=200 if period else 400,
    )


def public_view(request: HttpRequest) -> HttpResponse:
    """Public figures: approved values the caller may see, with small-cell suppression."""
    indicators = Indicator.objects.restrict(request.user, "view").order_by("code")
    code = request.GET.get("indicator", "")[:30]
    indicator = indicators.filter(code__iexact=code).first() if code else None
    table = None
    text = request.GET.get("period", "")[:12]
    if indicator is not None and text:
        try:
            table = public_table(request.user, indicator, str(indicator.parse_period(text)))
        except PeriodError as exc:
            messages.error(request, str(exc))
    rows = []
    if table:
        for s in table.rows:
            rows.append(
                (
                    s,
                    [
                        (k, table.cells.get((s.pk, k)), (s.pk, k) in table.hidden)
                        for k in table.columns
                    ],
                    table.row_totals.get(s.pk),
                )
            )
    return render(
        request,
        "monitoring/public.html",
        {
            "indicators": indicators,
            "indicator": indicator,
            "period_text": text,
            "table": table,
            "rows": rows,
        },
    )


# --- the workbook ---------------------------------------------------------------------------


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_workbook(request.user), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="values-template.xlsx"'
    # A blank template with the indicator codes and States the reader may see.
    record_export(
        "monitoring.template",
        fmt="xlsx",
        marking=derived_marking(Indicator.objects.restrict(request.user, "view")),
    )
    return response


class ValuesImportWizard(ImportWizard):
    """The values workbook import (upload, preview, confirm)."""

    key = "values_import"
    namespace = "monitoring"
    importer_class = ValuesImporter
    form_class = ImportForm
    title = gettext_lazy("Import values")
    heading = gettext_lazy("Import indicator values from a workbook")
    intro = gettext_lazy(
        "Fill the template (one row per value), then upload it. You will see what would change "
        "before anything is written; nothing is written if any row has an error. Imported values "
        "are drafts until submitted."
    )
    template_url = "template"
    errors_filename = "values-import-errors.xlsx"

    def importer(self, request: HttpRequest, options: dict[str, Any]) -> ValuesImporter:
        return ValuesImporter(request.user, allowed_owner_ids=_allowed_owner_ids(request.user))

    def done_url(self, options: dict[str, Any]) -> str:
        return reverse("monitoring:value_list")
