"""Prioritisation services: scoring, weights, runs (the ORM edge of ``methods``) and plan order."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from seccoop.core.audit import record_event
from seccoop.core.models import mark_history
from seccoop.framework.models import Criterion
from seccoop.plan.models import Measure, MeasureVersion
from seccoop.plan.services import change_content

from . import methods
from .models import Assignment, PrioritizationCycle, Run, Score, Weight


def start_cycle(
    plan: Any, *, actor: Any, year: int, aggregation: str, assessors: list[Any]
) -> PrioritizationCycle:
    """Open a year's prioritisation of ``plan``'s measures (the institutional mechanisms are not
    ranked): every assessor is asked to score every measure. The weights are set next."""
    if PrioritizationCycle.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": [_("A prioritisation cycle for {year} already exists.").format(year=year)]}
        )
    if not assessors:
        raise ValidationError({"assessors": [_("Name at least one assessor.")]})
    measures = _cycle_measures(plan)
    if not measures:
        raise ValidationError(
            {"plan": [_("{label} has no measure to prioritise.").format(label=plan.label)]}
        )
    with transaction.atomic():
        cycle = PrioritizationCycle(
            year=year, plan=plan, aggregation=aggregation, owner_id=plan.owner_id, tlp="GREEN"
        )
        mark_history(cycle, reason=_("Started"), user=actor)
        cycle.save()
        for measure in measures:
            for assessor in assessors:
                assignment = Assignment(
                    cycle=cycle,
                    measure_id=measure,
                    assessor=assessor,
                    owner_id=plan.owner_id,
                    tlp="AMBER+STRICT",
                )
                mark_history(assignment, reason=_("Assigned"), user=actor)
                assignment.save()
        record_event(
            "prioritization.cycle_started",
            actor=actor,
            obj=cycle,
            plan=plan.label,
            measures=len(measures),
            assessors=len(assessors),
        )
    return cycle


def _cycle_measures(plan: Any) -> list[int]:
    """The ids of ``plan``'s measures that are ranked (the institutional mechanisms are not)."""
    return list(
        Measure.objects.filter(versions__plan=plan)
        .exclude(kind=Measure.Kind.INSTITUTIONAL)
        .values_list("pk", flat=True)
    )


def assign_assessors(cycle: PrioritizationCycle, *, actor: Any, assessors: list[Any]) -> int:
    """Ask more assessors to score every measure of an open cycle; an assessor already asked
    keeps the assignments and scores they have. Returns how many assignments were added."""
    if not cycle.is_open:
        raise ValidationError(
            _("Prioritisation {year} is closed for scoring.").format(year=cycle.year)
        )
    if not assessors:
        raise ValidationError({"assessors": [_("Name at least one assessor.")]})
    measures = _cycle_measures(cycle.plan)
    added = 0
    with transaction.atomic():
        taken = set(cycle.assignments.values_list("measure_id", "assessor_id"))
        for assessor in assessors:
            for measure in measures:
                if (measure, assessor.pk) in taken:
                    continue
                assignment = Assignment(
                    cycle=cycle,
                    measure_id=measure,
                    assessor=assessor,
                    owner_id=cycle.owner_id,
                    tlp="AMBER+STRICT",
                )
                mark_history(assignment, reason=_("Assigned"), user=actor)
                assignment.save()
                added += 1
        record_event(
            "prioritization.assessors_assigned",
            actor=actor,
            obj=cycle,
            assessors=[a.username for a in assessors],
            assignments=added,
        )
    return added


def unassign_assessor(cycle: PrioritizationCycle, *, actor: Any, assessor: Any) -> int:
    """Withdraw an assessor from an open cycle who has not scored yet (scores once given stay in
    the ranking). Returns how many assignments were removed."""
    if not cycle.is_open:
        raise ValidationError(
            _("Prioritisation {year} is closed for scoring.").format(year=cycle.year)
        )
    with transaction.atomic():
        mine = cycle.assignments.select_for_update().filter(assessor=assessor)
        if Score.objects.filter(assignment__in=mine).exists():
            raise ValidationError(
                _("{user} has already scored measures of this cycle; they stay assigned.").format(
                    user=assessor
                )
            )
        removed = 0
        for assignment in mine:
            mark_history(assignment, reason=_("Unassigned"), user=actor)
            assignment.delete()
            removed += 1
        if not removed:
            raise ValidationError(
                _("{user} is not an assessor of this cycle.").format(user=assessor)
            )
        record_event(
            "prioritization.assessor_unassigned",
            actor=actor,
            obj=cycle,
            assessor=assessor.username,
            assignments=removed,
        )
    return removed


def criteria() -> list[Criterion]:
    return list(Criterion.objects.order_by("code"))


def save_score(
    assignment: Assignment,
    *,
    actor: Any,
    criterion: Criterion,
    low: Decimal,
    high: Decimal | None = None,
) -> Score:
    """Record an assessor's score (a point, or a range from ``low`` to ``high``) on one criterion."""
    high = low if high is None else high
    errors: dict[str, list[str]] = {}
    for field, value in (("low", low), ("high", high)):
        if not Decimal(1) <= Decimal(value) <= Decimal(5):
            errors[field] = [_("A score runs from 1 to 5 (got {value}).").format(value=value)]
    if not errors and Decimal(low) > Decimal(high):
        errors["high"] = [
            _("The range's low end ({low}) is above its high end ({high}).").format(
                low=low, high=high
            )
        ]
    if not assignment.cycle.is_open:
        errors["cycle"] = [
            _("The {year} prioritisation is closed for scoring.").format(year=assignment.cycle.year)
        ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        score = Score.objects.filter(assignment=assignment, criterion=criterion).first()
        if score is None:
            score = Score(
                assignment=assignment,
                criterion=criterion,
                owner_id=assignment.owner_id,
                tlp=assignment.tlp,
                low=low,
                high=high,
            )
        else:
            score.low, score.high, score.version = low, high, score.version + 1
        mark_history(score, reason=_("Scored"), user=actor)
        score.save()
    return score


def set_weights(
    cycle: PrioritizationCycle, *, actor: Any, values: dict[str, tuple[Decimal, Decimal, Decimal]]
) -> list[Weight]:
    """Set each criterion's weight and bounds; weights sum to 1 and the bounds must admit them."""
    codes = [c.code for c in criteria()]
    if sorted(values) != sorted(codes):
        raise ValidationError(
            {
                "weights": [
                    _("Give a weight for each criterion: {codes}.").format(codes=", ".join(codes))
                ]
            }
        )
    w = np.array([float(values[c][0]) for c in codes])
    lo = np.array([float(values[c][1]) for c in codes])
    hi = np.array([float(values[c][2]) for c in codes])
    if abs(w.sum() - 1) > 0.001:
        raise ValidationError(
            {
                "weights": [
                    _("The weights must sum to 1 (they sum to {total}).").format(
                        total=round(w.sum(), 4)
                    )
                ]
            }
        )
    try:
        methods.check_bounds(lo, hi, len(codes))
    except methods.MethodError as exc:
        raise ValidationError({"bounds": [str(exc)]}) from None
    if np.any(w < lo - 1e-9) or np.any(w > hi + 1e-9):
        raise ValidationError({"bounds": [_("Each weight must lie within its own bounds.")]})
    saved = []
    with transaction.atomic():
        for criterion in criteria():
            value, lower, upper = values[criterion.code]
            weight = Weight.objects.filter(cycle=cycle, criterion=criterion).first() or Weight(
                cycle=cycle, criterion=criterion, owner_id=cycle.owner_id, tlp=cycle.tlp
            )
            weight.value, weight.lower, weight.upper = value, lower, upper
            if weight.pk:
                weight.version += 1
            mark_history(weight, reason=_("Weights set"), user=actor)
            weight.save()
            saved.append(weight)
    return saved


def aggregate(
    cycle: PrioritizationCycle,
) -> tuple[list[Measure], np.ndarray, np.ndarray, list[int], list[str]]:
    """Every fully scored measure's (low, high) per criterion, combined across assessors by the
    cycle's rule; also the number of assessors per measure and the measures left out."""
    codes = [c.code for c in criteria()]
    rows = Score.objects.filter(assignment__cycle=cycle).values_list(
        "assignment__measure_id", "assignment__assessor_id", "criterion__code", "low", "high"
    )
    by_measure: dict[int, dict[int, dict[str, tuple[float, float]]]] = {}
    for measure_id, assessor_id, code, low, high in rows:
        by_measure.setdefault(measure_id, {}).setdefault(assessor_id, {})[code] = (
            float(low),
            float(high),
        )
    assigned = set(Assignment.objects.filter(cycle=cycle).values_list("measure_id", flat=True))
    measures = {
        m.pk: m
        for m in Measure.objects.filter(pk__in=assigned | set(by_measure)).select_related(
            "category"
        )
    }
    combine = {
        "mean": np.mean,
        "median": np.median,
        "geometric": lambda a, axis: np.exp(np.mean(np.log(a), axis=axis)),
    }[cycle.aggregation]
    kept, lows, highs, counts, left_out = [], [], [], [], []
    for measure in sorted(measures.values(), key=lambda m: (m.order, m.code)):
        complete = [
            a for a in by_measure.get(measure.pk, {}).values() if all(c in a for c in codes)
        ]
        if not complete:
            left_out.append(measure.code)
            continue
        lo = np.array([[a[c][0] for c in codes] for a in complete])
        hi = np.array([[a[c][1] for c in codes] for a in complete])
        kept.append(measure)
        lows.append(combine(lo, axis=0))
        highs.append(combine(hi, axis=0))
        counts.append(len(complete))
    return (
        kept,
        np.array(lows).reshape(-1, len(codes)),
        np.array(highs).reshape(-1, len(codes)),
        counts,
        left_out,
    )


def cycle_weights(cycle: PrioritizationCycle) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights = {w.criterion.code: w for w in cycle.weights.select_related("criterion")}
    codes = [c.code for c in criteria()]
    if sorted(weights) != sorted(codes):
        raise ValidationError(
            {"weights": [_("The Commission has not set the weights of this cycle yet.")]}
        )
    return (
        np.array([float(weights[c].value) for c in codes]),
        np.array([float(weights[c].lower) for c in codes]),
        np.array([float(weights[c].upper) for c in codes]),
    )


def compute(
    cycle: PrioritizationCycle, *, method: str, samples: int | None = None, seed: int = 0
) -> dict[str, Any]:
    """Rank the cycle's measures; returns a JSON-ready result (no database writes)."""
    if not 0 <= seed <= 2**32 - 1:
        raise ValidationError(
            {"seed": [_("The seed must be a whole number from 0 to {max}.").format(max=2**32 - 1)]}
        )
    if method not in Run.Method.values:
        raise ValidationError(
            {
                "method": [
                    _("Unknown method '{method}': use wsum, topsis or smaa.").format(method=method)
                ]
            }
        )
    measures, low, high, counts, left_out = aggregate(cycle)
    if not measures:
        raise ValidationError(
            {"cycle": [_("The {year} cycle has no scores yet.").format(year=cycle.year)]}
        )
    w, lo, hi = cycle_weights(cycle)
    codes = [c.code for c in criteria()]
    point = (low + high) / 2
    rows: list[dict[str, Any]] = []
    if method == Run.Method.WSUM:
        ws = methods.weighted_sum(point, w)
        for i, _m in enumerate(measures):
            rows.append(
                {
                    "rank": int(ws.ranks[i]),
                    "score": round(float(ws.scores[i]), 6),
                    "contributions": {
                        c: round(float(ws.contributions[i, j]), 6) for j, c in enumerate(codes)
                    },
                }
            )
    elif method == Run.Method.TOPSIS:
        t = methods.topsis(point, w)
        for i, _m in enumerate(measures):
            rows.append({"rank": int(t.ranks[i]), "score": round(float(t.closeness[i]), 6)})
    else:
        if samples is None:
            samples = 10_000
        if not 1 <= samples <= methods.MAX_SAMPLES:
            raise ValidationError(
                {
                    "samples": [
                        _("Samples must be from 1 to {max}.").format(max=f"{methods.MAX_SAMPLES:,}")
                    ]
                }
            )
        try:
            s = methods.smaa2(low, high, samples=samples, seed=seed, lower=lo, upper=hi)
        except methods.MethodError as exc:
            raise ValidationError({"parameters": [str(exc)]}) from None
        expected = s.expected_rank
        ranks = methods.ranks_from_scores(-expected)
        n = len(measures)
        for i, _m in enumerate(measures):
            central = s.central_weights[i]
            rows.append(
                {
                    "rank": int(ranks[i]),
                    "score": round(float(1 - (expected[i] - 1) / max(n - 1, 1)), 6),
                    "expected_rank": round(float(expected[i]), 4),
                    "rank_acceptability": [round(float(p), 5) for p in s.rank_acceptability[i]],
                    "top3": round(float(s.top_k(3)[i]), 5),
                    "central_weights": None
                    if np.isnan(central).any()
                    else {c: round(float(central[j]), 4) for j, c in enumerate(codes)},
                    "confidence": round(float(s.confidence[i]), 4),
                }
            )
    for i, m in enumerate(measures):
        rows[i].update(
            {
                "code": m.code,
                "title": m.title,
                "measure_id": m.pk,
                "assessors": counts[i],
                "low": [round(float(v), 3) for v in low[i]],
                "high": [round(float(v), 3) for v in high[i]],
            }
        )
    rows.sort(key=lambda r: (r["rank"], r["code"]))
    return {
        "method": method,
        "criteria": codes,
        "weights": [round(float(v), 4) for v in w],
        "bounds": [[round(float(a), 4), round(float(b), 4)] for a, b in zip(lo, hi, strict=True)],
        "aggregation": cycle.aggregation,
        "samples": samples if method == Run.Method.SMAA else None,
        "seed": seed,
        "ranking": rows,
        "left_out": left_out,
    }


def run_ranking(
    cycle: PrioritizationCycle,
    *,
    actor: Any,
    method: str,
    samples: int | None = None,
    seed: int = 0,
) -> Run:
    """Compute and save a run, so the ranking is reproducible and can be cited."""
    started = time.perf_counter()
    results = compute(cycle, method=method, samples=samples, seed=seed)
    with transaction.atomic():
        run = Run(
            cycle=cycle,
            method=method,
            samples=results["samples"],
            seed=seed,
            actor=actor,
            owner_id=cycle.owner_id,
            tlp=cycle.tlp,
            results=results,
            parameters={
                "weights": results["weights"],
                "bounds": results["bounds"],
                "aggregation": results["aggregation"],
            },
            seconds=round(time.perf_counter() - started, 3),
        )
        mark_history(run, reason=_("Ranked"), user=actor)
        run.save()
        record_event(
            "prioritization.run",
            actor=actor,
            obj=run,
            method=method,
            measures=len(results["ranking"]),
        )
    return run


def apply_to_plan(run: Run, *, actor: Any) -> int:
    """Order the plan version's measures by this run's ranking (draft versions only); measures the
    run did not rank follow. Returns the number of ranked measures."""
    plan = run.cycle.plan
    if plan.is_frozen:
        raise ValidationError(
            _("{label} is frozen; the ranking can only order a draft version.").format(
                label=plan.label
            )
        )
    ranked = [row["measure_id"] for row in run.results.get("ranking", [])]
    with transaction.atomic():
        # The order is what the draft says about each measure: its entry in that version.
        entries = {
            e.measure_id: e
            for e in MeasureVersion.objects.select_for_update().filter(
                plan=plan, measure_id__in=ranked
            )
        }
        # Unranked measures of the draft follow the ranked ones, in their present order.
        rest = list(
            MeasureVersion.objects.select_for_update()
            .filter(plan=plan)
            .exclude(measure_id__in=ranked)
            .order_by("order", "code")
        )
        entries.update({e.measure_id: e for e in rest})
        ranked_count = len(ranked)
        ranked = ranked + [e.measure_id for e in rest]
        for position, pk in enumerate(ranked, start=1):
            entry = entries.get(pk)
            if entry is None or entry.order == position:
                continue
            change_content(
                entry,
                actor=actor,
                reason=_("Ordered by ranking run {id}").format(id=run.pk),
                order=position,
            )
        record_event("prioritization.applied", actor=actor, obj=run, plan=plan.label)
    return ranked_count


def compare_runs(a: Run, b: Run) -> list[dict[str, Any]]:
    """Each measure's rank in two runs, and how far it moved."""
    rank_a = {r["code"]: r for r in a.results.get("ranking", [])}
    rank_b = {r["code"]: r for r in b.results.get("ranking", [])}
    rows = []
    for code in sorted(
        rank_a.keys() | rank_b.keys(), key=lambda c: (rank_b.get(c, {}).get("rank", 10**9), c)
    ):
        ra, rb = rank_a.get(code, {}).get("rank"), rank_b.get(code, {}).get("rank")
        rows.append(
            {
                "code": code,
                "title": (rank_b.get(code) or rank_a.get(code) or {}).get("title", ""),
                "rank_a": ra,
                "rank_b": rb,
                "moved": (ra - rb) if ra and rb else None,
            }
        )
    return rows
