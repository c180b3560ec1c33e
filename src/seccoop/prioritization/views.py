"""Prioritisation pages: cycles and weights, my assignments, runs, the ranking and comparisons."""

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
from django.views.decorators.http import require_http_methods, require_POST

from seccoop.core.policy import get_policy
from seccoop.core.views import (
    InvalidParameter,
    add_service_errors,
    get_restricted_object,
    query_id,
)

from . import charts, methods
from .forms import RunForm, StartCycleForm, WeightsForm
from .models import Assignment, PrioritizationCycle, Run, Score
from .services import (
    apply_to_plan,
    compare_runs,
    criteria,
    run_ranking,
    save_score,
    set_weights,
    start_cycle,
)


@login_required
@require_http_methods(["GET", "POST"])
def cycle_list(request: HttpRequest) -> HttpResponse:
    """The cycles; the secretariat starts the next one here (a draft's measures, its assessors)."""
    cycles = PrioritizationCycle.objects.restrict(request.user, "view").select_related("plan")
    can_start = get_policy().can_add(PrioritizationCycle, request.user)
    form = StartCycleForm(request.POST or None, user=request.user) if can_start else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
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
        status = 400
    return render(
        request,
        "prioritization/cycle_list.html",
        {"cycles": cycles, "start_form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    cycle = get_restricted_object(request, PrioritizationCycle, pk, "view")
    can_manage = (
        PrioritizationCycle.objects.restrict(request.user, "change").filter(pk=cycle.pk).exists()
    )
    crits = criteria()
    current = {w.criterion.code: w for w in cycle.weights.select_related("criterion")}
    weights_form = WeightsForm(request.POST or None, criteria=crits, initial_weights=current)
    run_form = RunForm(initial={"method": "smaa"})
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if weights_form.is_valid():
            values = {
                c.code: (
                    weights_form.cleaned_data[f"{c.code}_value"],
                    weights_form.cleaned_data[f"{c.code}_lower"],
                    weights_form.cleaned_data[f"{c.code}_upper"],
                )
                for c in crits
            }
            try:
                set_weights(cycle, actor=request.user, values=values)
                messages.success(request, _("Weights saved."))
                return HttpResponseRedirect(reverse("prioritization:cycle_detail", args=[cycle.pk]))
            except ValidationError as exc:
                weights_form.add_error(None, " ".join(exc.messages))
        status = 400
    runs = cycle.runs.restrict(request.user, "view").select_related("actor")
    assignments = cycle.assignments.restrict(request.user, "view")
    return render(
        request,
        "prioritization/cycle_detail.html",
        {
            "cycle": cycle,
            "can_manage": can_manage,
            "weights_form": weights_form,
            "run_form": run_form,
            "runs": runs,
            "assignment_count": assignments.count(),
            "assessor_count": assignments.values("assessor").distinct().count(),
        },
        status=status,
    )


@login_required
@require_POST
def run_create(request: HttpRequest, pk: Any) -> HttpResponse:
    cycle = get_restricted_object(request, PrioritizationCycle, pk, "change")
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(reverse("prioritization:cycle_detail", args=[cycle.pk]))
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
        return HttpResponseRedirect(reverse("prioritization:cycle_detail", args=[cycle.pk]))
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


@login_required
@require_POST
def run_apply(request: HttpRequest, pk: Any) -> HttpResponse:
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


@login_required
def run_compare(request: HttpRequest) -> HttpResponse:
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


@login_required
@require_http_methods(["GET", "POST"])
def my_assignments(request: HttpRequest) -> HttpResponse:
    """The scoring form: every measure assigned to me, three criteria, a point or a range each."""
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
