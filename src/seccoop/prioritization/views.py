"""Prioritisation pages: cycles and weights, assessors, my assignments, runs, the ranking and
comparisons.

The lists and history pages are core's generic views; the cycle list adds the form that starts a
cycle, and the pages that fit no generic view (weights, scoring, a run's ranking and charts, the
comparison) are views of their own that read through the same access policy."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from seccoop.core.policy import get_policy
from seccoop.core.views import (
    Column,
    InvalidParameter,
    LoginRequiredIfNeeded,
    ObjectDetailView,
    ObjectHistoryView,
    ObjectListView,
    add_service_errors,
    get_restricted_object,
    query_id,
)

from . import charts, methods
from .filters import CycleFilterSet, RunFilterSet
from .forms import AssessorsForm, RunForm, StartCycleForm, UnassignForm, WeightsForm
from .models import Assignment, PrioritizationCycle, Run, Score, Weight
from .services import (
    apply_to_plan,
    assign_assessors,
    compare_runs,
    criteria,
    run_ranking,
    save_score,
    set_weights,
    start_cycle,
    unassign_assessor,
)


class CycleListView(ObjectListView):
    """The cycles, filtered; the secretariat starts the next one here (a draft's measures, its
    assessors)."""

    model = PrioritizationCycle
    filterset_class = CycleFilterSet
    columns = [
        Column("year", gettext_lazy("Cycle"), link=True),
        Column("plan__label", gettext_lazy("Plan version")),
        Column("get_aggregation_display", gettext_lazy("Aggregation rule")),
        Column("is_open", gettext_lazy("Open for scoring")),
    ]
    select_related = ("plan",)
    template_name = "prioritization/cycle_list.html"
    title = gettext_lazy("Prioritisation")
    detail_url_name = "prioritization:cycle_detail"
    start_form: Any = None

    def extra_context(self) -> dict[str, Any]:
        form = self.start_form
        if form is None and get_policy().can_add(PrioritizationCycle, self.request.user):
            form = StartCycleForm(user=self.request.user)
        return {"start_form": form}

    def post(self, request: HttpRequest) -> HttpResponse:
        if not get_policy().can_add(PrioritizationCycle, request.user):
            raise PermissionDenied
        form = StartCycleForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                cycle = start_cycle(
                    form.cleaned_data["plan"],
                    actor=request.user,
                    year=form.cleaned_data["year"],
                    aggregation=form.cleaned_data["aggregation"],
                    assessors=list(form.cleaned_data["assessors"]),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Prioritisation {year} is started; set its weights.").format(year=cycle.year),
                )
                return HttpResponseRedirect(reverse("prioritization:cycle_detail", args=[cycle.pk]))
        self.start_form = form
        response = self.get(request)
        response.status_code = 400
        return response


class CycleHistoryView(ObjectHistoryView):
    model = PrioritizationCycle
    detail_url_name = "prioritization:cycle_detail"


class CycleAssessorsView(LoginRequiredIfNeeded, View):
    """Who scores a cycle: the secretariat adds assessors to an open cycle, or withdraws one who
    has not scored yet. Others who may see the cycle are refused (403); out of scope is a 404."""

    template_name = "prioritization/cycle_assessors.html"

    def cycle(self, request: HttpRequest, pk: Any) -> PrioritizationCycle:
        cycle: PrioritizationCycle = get_restricted_object(
            request,
            PrioritizationCycle,
            pk,
            "change",
            PrioritizationCycle.objects.restrict(request.user, "view").select_related("plan"),
        )
        return cycle

    def render_page(
        self,
        request: HttpRequest,
        cycle: PrioritizationCycle,
        add_form: AssessorsForm | None = None,
        errors: list[str] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        assignments = cycle.assignments.restrict(request.user, "view")
        counts: dict[int, dict[str, Any]] = {}
        for assignment in assignments.select_related("assessor"):
            entry = counts.setdefault(
                assignment.assessor_id,
                {"assessor": assignment.assessor, "measures": 0, "scored": 0},
            )
            entry["measures"] += 1
        scored = (
            Score.objects.restrict(request.user, "view")
            .filter(assignment__cycle=cycle)
            .values_list("assignment__assessor_id", "assignment_id")
            .distinct()
        )
        for assessor_id, _assignment in scored:
            if assessor_id in counts:
                counts[assessor_id]["scored"] += 1
        rows = sorted(counts.values(), key=lambda e: e["assessor"].username)
        return render(
            request,
            self.template_name,
            {
                "cycle": cycle,
                "rows": rows,
                "add_form": add_form or AssessorsForm(cycle=cycle),
                "errors": errors or [],
            },
            status=status,
        )

    def get(self, request: HttpRequest, pk: Any) -> HttpResponse:
        return self.render_page(request, self.cycle(request, pk))

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        cycle = self.cycle(request, pk)
        if request.POST.get("action") == "remove":
            remove = UnassignForm(request.POST, cycle=cycle)
            if not remove.is_valid():
                errors = [str(e) for errs in remove.errors.values() for e in errs]
                return self.render_page(request, cycle, errors=errors, status=400)
            assessor = remove.cleaned_data["assessor"]
            try:
                unassign_assessor(cycle, actor=request.user, assessor=assessor)
            except ValidationError as exc:
                return self.render_page(request, cycle, errors=exc.messages, status=400)
            messages.success(
                request, _("{user} no longer scores this cycle.").format(user=assessor)
            )
            return HttpResponseRedirect(reverse("prioritization:cycle_assessors", args=[cycle.pk]))
        form = AssessorsForm(request.POST, cycle=cycle)
        if form.is_valid():
            try:
                added = assign_assessors(
                    cycle, actor=request.user, assessors=list(form.cleaned_data["assessors"])
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Assignments added: {count}.").format(count=added),
                )
                return HttpResponseRedirect(
                    reverse("prioritization:cycle_assessors", args=[cycle.pk])
                )
        return self.render_page(request, cycle, add_form=form, status=400)


class RunListView(ObjectListView):
    model = Run
    filterset_class = RunFilterSet
    columns = [
        Column("pk", gettext_lazy("Run"), link=True),
        Column("cycle__year", gettext_lazy("Cycle")),
        Column("get_method_display", gettext_lazy("Method")),
        Column("samples", gettext_lazy("Samples")),
        Column("seed", gettext_lazy("Seed")),
        Column("actor", gettext_lazy("By")),
        Column("created_at", gettext_lazy("When (UTC)")),
    ]
    select_related = ("cycle", "actor")
    title = gettext_lazy("Ranking runs")
    detail_url_name = "prioritization:run_detail"


class RunHistoryView(ObjectHistoryView):
    model = Run
    detail_url_name = "prioritization:run_detail"


class WeightHistoryView(ObjectHistoryView):
    """A criterion's weight and bounds in one cycle, as they changed (linked from the cycle)."""

    model = Weight


class ScoreHistoryView(ObjectHistoryView):
    """One score as the assessor changed it (linked from My assignments; AMBER+STRICT, so the
    Commission and the assessor only)."""

    model = Score


class CycleDetailView(ObjectDetailView):
    """A cycle: its weights (the secretariat sets them here), its runs, the ranking form, and
    links to its assessors and its history."""

    model = PrioritizationCycle
    template_name = "prioritization/cycle_detail.html"
    history_url_name = "prioritization:cycle_history"
    weights_form: Any = None

    def get_base_queryset(self) -> Any:
        return PrioritizationCycle.objects.restrict(self.request.user, "view").select_related(
            "plan"
        )

    def can_manage(self, cycle: PrioritizationCycle) -> bool:
        return bool(
            PrioritizationCycle.objects.restrict(self.request.user, "change")
            .filter(pk=cycle.pk)
            .exists()
        )

    def extra_context(self, obj: Any) -> dict[str, Any]:
        current = {w.criterion.code: w for w in obj.weights.select_related("criterion")}
        weights_form = self.weights_form or WeightsForm(
            criteria=criteria(), initial_weights=current
        )
        assignments = obj.assignments.restrict(self.request.user, "view")
        return {
            "cycle": obj,
            "can_manage": self.can_manage(obj),
            "weights_form": weights_form,
            "run_form": RunForm(initial={"method": "smaa"}),
            "weights": obj.weights.select_related("criterion"),
            "runs": obj.runs.restrict(self.request.user, "view").select_related("actor"),
            "assignment_count": assignments.count(),
            "assessor_count": assignments.values("assessor").distinct().count(),
        }

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        """Save the weights: the secretariat only (others who can see the cycle get 403)."""
        cycle = get_restricted_object(
            request, PrioritizationCycle, pk, "view", self.get_base_queryset()
        )
        if not self.can_manage(cycle):
            raise PermissionDenied
        crits = criteria()
        current = {w.criterion.code: w for w in cycle.weights.select_related("criterion")}
        form = WeightsForm(request.POST, criteria=crits, initial_weights=current)
        if form.is_valid():
            values = {
                c.code: (
                    form.cleaned_data[f"{c.code}_value"],
                    form.cleaned_data[f"{c.code}_lower"],
                    form.cleaned_data[f"{c.code}_upper"],
                )
                for c in crits
            }
            try:
                set_weights(cycle, actor=request.user, values=values)
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Weights saved."))
                return HttpResponseRedirect(reverse("prioritization:cycle_detail", args=[cycle.pk]))
        self.weights_form = form
        response = self.get(request, pk)
        response.status_code = 400
        return response


class RunCreateView(LoginRequiredIfNeeded, View):
    """Rank a cycle's measures and save the run (the form on the cycle page posts here)."""

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        cycle = get_restricted_object(request, PrioritizationCycle, pk, "change")
        form = RunForm(request.POST)
        back = HttpResponseRedirect(reverse("prioritization:cycle_detail", args=[cycle.pk]))
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
            return back
        try:
            run = run_ranking(
                cycle,
                actor=request.user,
                method=form.cleaned_data["method"],
                samples=form.cleaned_data["samples"],
                seed=form.cleaned_data["seed"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return back
        return HttpResponseRedirect(reverse("prioritization:run_detail", args=[run.pk]))


@login_required
def run_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    run = get_restricted_object(
        request,
        Run,
        pk,
        "view",
        Run.objects.restrict(request.user, "view").select_related("cycle__plan", "actor"),
    )
    results = run.results
    rows = results.get("ranking", [])
    for row in rows:
        if "contributions" in row:
            row["contributions_text"] = charts.contributions_text(row["contributions"])
    contributions = charts.contribution_chart(rows, list(results.get("criteria", [])))
    heatmap = ""
    if run.method == Run.Method.SMAA:
        heatmap = charts.acceptability_heatmap(
            rows,
            _("Rank acceptability: the share of samples in which each measure takes each rank"),
        )
    sensitivity = []
    if rows:
        point = np.array(
            [[(lo + hi) / 2 for lo, hi in zip(r["low"], r["high"], strict=True)] for r in rows]
        )
        top = rows[:10]
        for j, code in enumerate(results.get("criteria", [])):
            sweep = methods.sensitivity(point, np.array(results["weights"]), criterion=j, steps=21)
            sensitivity.append(
                charts.sensitivity_chart(
                    sweep.weights,
                    sweep.ranks[:, : len(top)],
                    [r["code"] for r in top],
                    _(
                        "Rank of the top measures as the weight of criterion {code} goes from 0 to 1"
                    ).format(code=code),
                )
            )
    others = run.cycle.runs.restrict(request.user, "view").exclude(pk=run.pk)
    can_apply = (
        Run.objects.restrict(request.user, "change").filter(pk=run.pk).exists()
        and not run.cycle.plan.is_frozen
    )
    return render(
        request,
        "prioritization/run_detail.html",
        {
            "run": run,
            "rows": rows,
            "contributions": contributions,
            "heatmap": heatmap,
            "sensitivity": sensitivity,
            "others": others,
            "can_apply": can_apply,
        },
    )


class RunApplyView(LoginRequiredIfNeeded, View):
    """Order a draft plan version's measures by a run."""

    def post(self, request: HttpRequest, pk: Any) -> HttpResponse:
        run = get_restricted_object(request, Run, pk, "change")
        try:
            count = apply_to_plan(run, actor=request.user)
            messages.success(
                request,
                _("{count} measures of {label} are now in this ranking's order.").format(
                    count=count, label=run.cycle.plan.label
                ),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return HttpResponseRedirect(reverse("prioritization:run_detail", args=[run.pk]))


class RunCompareView(LoginRequiredIfNeeded, View):
    """Two runs side by side (``?a=`` and ``?b=``): each measure's rank in both, and its move."""

    def get(self, request: HttpRequest) -> HttpResponse:
        runs = Run.objects.restrict(request.user, "view")
        try:
            a = runs.filter(pk=query_id(request, "a")).first()
            b = runs.filter(pk=query_id(request, "b")).first()
        except InvalidParameter:
            raise Http404 from None  # not a run's id: no such run
        if a is None or b is None:
            raise Http404
        return render(
            request, "prioritization/compare.html", {"a": a, "b": b, "rows": compare_runs(a, b)}
        )


class MyAssignmentsView(LoginRequiredIfNeeded, View):
    """The scoring form: every measure assigned to me, three criteria, a point or a range each."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return _my_assignments(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        return _my_assignments(request)


def _my_assignments(request: HttpRequest) -> HttpResponse:
    assignments = list(
        Assignment.objects.restrict(request.user, "view")
        .filter(assessor=request.user, cycle__is_open=True)
        .select_related("measure", "cycle", "measure__category")
    )
    crits = criteria()
    errors: dict[str, str] = {}
    if request.method == "POST":
        _save_scores(request, assignments, crits, errors)
        if not errors:
            messages.success(request, _("Scores saved."))
            return HttpResponseRedirect(reverse("prioritization:my_assignments"))
    # Read the scores after any save, so the form shows what is now kept.
    existing = {
        (s.assignment_id, s.criterion_id): s
        for s in Score.objects.restrict(request.user, "view").filter(assignment__in=assignments)
    }
    rows = []
    for assignment in assignments:
        cells = []
        for c in crits:
            score = existing.get((assignment.pk, c.pk))
            cells.append(
                {
                    "criterion": c,
                    "low": score.low if score else "",
                    "high": score.high if score else "",
                    "name_low": f"s-{assignment.pk}-{c.code}-low",
                    "name_high": f"s-{assignment.pk}-{c.code}-high",
                    "history_url": reverse("prioritization:score_history", args=[score.pk])
                    if score
                    else "",
                }
            )
        rows.append((assignment, cells))
    return render(
        request,
        "prioritization/assignments.html",
        {"rows": rows, "criteria": crits, "errors": errors},
        status=400 if errors else 200,
    )


def _save_scores(
    request: HttpRequest, assignments: list[Assignment], crits: list[Any], errors: dict[str, str]
) -> None:
    """Save every filled cell, all or nothing: one bad cell and none of the form is kept."""
    with transaction.atomic():
        for assignment in assignments:
            for c in crits:
                raw_low = request.POST.get(f"s-{assignment.pk}-{c.code}-low", "").strip()
                raw_high = request.POST.get(f"s-{assignment.pk}-{c.code}-high", "").strip()
                if not raw_low:
                    if raw_high:
                        errors[f"{assignment.measure.code} {c.code}"] = _(
                            "Give the low end of the range too."
                        )
                    continue
                key = f"{assignment.measure.code} {c.code}"
                try:
                    low = Decimal(raw_low)
                    high = Decimal(raw_high) if raw_high else low
                    save_score(assignment, actor=request.user, criterion=c, low=low, high=high)
                except InvalidOperation:
                    errors[key] = _("'{value}' is not a number.").format(value=raw_low)
                except ValidationError as exc:
                    errors[key] = " ".join(exc.messages)
        if errors:
            transaction.set_rollback(True)
