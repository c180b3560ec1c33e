"""Prioritisation on the platform: the CLI, scores and weights, aggregation, runs, pages and API."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from seccoop.accounts.models import User
from seccoop.core.models import AuditEvent
from seccoop.framework.models import Criterion, Organisation
from seccoop.plan.models import Measure, PlanVersion
from seccoop.plan.services import adopt_plan_version, seed_first_version, start_next_version
from seccoop.prioritization.models import Assignment, PrioritizationCycle, Run, Score, Weight
from seccoop.prioritization.services import (
    aggregate,
    apply_to_plan,
    compare_runs,
    compute,
    run_ranking,
    save_score,
    set_weights,
    start_cycle,
)

from .matrix import oracle_can_change, oracle_can_view

pytestmark = pytest.mark.django_db

YEAR = 2031
CODES = ("a", "b", "c")
WEIGHTS = {"a": Decimal("0.5"), "b": Decimal("0.3"), "c": Decimal("0.2")}
BOUNDS = {
    "a": (Decimal("0.5"), Decimal("0.3"), Decimal("0.7")),
    "b": (Decimal("0.3"), Decimal("0.1"), Decimal("0.5")),
    "c": (Decimal("0.2"), Decimal("0.1"), Decimal("0.4")),
}
ASSESSORS = ("twg_member", "jam_focal", "secretariat")
MEASURES = ("M-1", "M-2", "M-3", "M-4", "M-5")
#: measure -> assessor -> one score per criterion: a point, or a (low, high) range
SCORES: dict[str, dict[str, tuple[Any, ...]]] = {
    "M-1": {"twg_member": (5, 4, 3), "jam_focal": (4, 4, 3), "secretariat": (5, 5, 2)},
    "M-2": {"twg_member": (3, 3, 3), "jam_focal": (3, 2, 4), "secretariat": (2, 3, 3)},
    "M-3": {"twg_member": (4, 2, 5), "jam_focal": ((2, 4), 3, 4), "secretariat": (4, 3, 5)},
    "M-4": {"twg_member": (1, 2, 2), "jam_focal": (2, 1, 1), "secretariat": (1, 1, 2)},
    "M-5": {"twg_member": (5, 5, 5), "jam_focal": (4, 3, 4)},  # two assessors only
}
#: the weighted-sum order of SCORES under WEIGHTS (see ``hand_weighted_sum``)
WSUM_ORDER = ["M-5", "M-1", "M-3", "M-2", "M-4"]
HUGE_ID = "9" * 20


# --- fixtures and helpers ------------------------------------------------------------------------


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def crit(code: str) -> Criterion:
    return Criterion.objects.get(code=code)


def as_range(value: Any) -> tuple[Decimal, Decimal]:
    low, high = value if isinstance(value, tuple) else (value, value)
    return Decimal(low), Decimal(high)


@dataclass
class Setup:
    plan: PlanVersion
    cycle: PrioritizationCycle
    measures: dict[str, Measure]
    assignments: dict[tuple[str, str], Assignment]
    users: dict[str, User]


def make_cycle(plan: PlanVersion, year: int, **kwargs: Any) -> PrioritizationCycle:
    return PrioritizationCycle.objects.create(
        year=year, plan=plan, owner=org("COMMISSION"), tlp="GREEN", **kwargs
    )


def assign(cycle: PrioritizationCycle, measure: Measure, assessor: User) -> Assignment:
    return Assignment.objects.create(
        cycle=cycle, measure=measure, assessor=assessor, owner=org("COMMISSION"), tlp="AMBER+STRICT"
    )


def score_all(
    assignment: Assignment, actor: User, values: tuple[Any, ...], codes: tuple[str, ...] = CODES
) -> None:
    for code, value in zip(codes, values, strict=False):
        low, high = as_range(value)
        save_score(assignment, actor=actor, criterion=crit(code), low=low, high=high)


@pytest.fixture
def setup(users: dict[str, User]) -> Setup:
    return make_setup(users)


def make_setup(users: dict[str, User]) -> Setup:
    """A draft plan with five measures, a GREEN cycle with weights, 2-3 assessors per measure."""
    secretariat = users["secretariat"]
    plan = start_next_version(
        seed_first_version(), actor=secretariat, year=YEAR, label="Plan of Action 2031"
    )
    measures = {}
    for position, code in enumerate(MEASURES, start=11):
        measures[code] = Measure.objects.create(
            plan=plan,
            code=code,
            title=f"Measure {code}",
            kind=Measure.Kind.PROGRAMME,
            status=Measure.Status.IMPLEMENTATION,
            lead=org("IMPACS"),
            owner=org("COMMISSION"),
            tlp="CLEAR",
            order=position,
        )
    cycle = make_cycle(plan, YEAR)
    set_weights(cycle, actor=secretariat, values=BOUNDS)
    assignments = {}
    for code, by_assessor in SCORES.items():
        for username in by_assessor:
            assignments[code, username] = assign(cycle, measures[code], users[username])
    return Setup(plan, cycle, measures, assignments, users)


@pytest.fixture
def scored(setup: Setup) -> Setup:
    return score_setup(setup)


def score_setup(setup: Setup) -> Setup:
    for (code, username), assignment in setup.assignments.items():
        score_all(assignment, setup.users[username], SCORES[code][username])
    return setup


def hand_weighted_sum(code: str) -> float:
    """Mean over the assessors of each criterion's midpoint, then the weighted sum."""
    total = 0.0
    for j, criterion in enumerate(CODES):
        mids = [sum(map(float, as_range(v[j]))) / 2 for v in SCORES[code].values()]
        total += float(WEIGHTS[criterion]) * sum(mids) / len(mids)
    return total


def prioritize(*args: Any) -> tuple[str, dict[str, Any]]:
    out, err = StringIO(), StringIO()
    call_command("prioritize", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), json.loads(out.getvalue())


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


# --- (1) the command line ------------------------------------------------------------------------


def test_cli_weighted_sum_equals_a_hand_computation(scored: Setup) -> None:
    _text, result = prioritize("--cycle", YEAR, "--method", "wsum", "--json")
    assert result["method"] == "wsum"
    assert result["criteria"] == list(CODES)
    assert result["weights"] == [0.5, 0.3, 0.2]
    assert result["left_out"] == []
    ranking = result["ranking"]
    assert [row["code"] for row in ranking] == WSUM_ORDER
    assert [row["rank"] for row in ranking] == [1, 2, 3, 4, 5]
    for row in ranking:
        assert {"code", "rank", "score"} <= row.keys()
        assert row["score"] == pytest.approx(hand_weighted_sum(row["code"]), abs=1e-5)
        assert sum(row["contributions"].values()) == pytest.approx(row["score"], abs=1e-5)
    # literally: M-5 has a = (5 + 4) / 2, b = (5 + 3) / 2, c = (5 + 4) / 2
    assert ranking[0]["score"] == pytest.approx(0.5 * 4.5 + 0.3 * 4 + 0.2 * 4.5)
    assert ranking[0]["assessors"] == 2 and ranking[1]["assessors"] == 3
    # the range 2-4 of M-3's criterion a is kept as a range in the aggregate
    m3 = next(row for row in ranking if row["code"] == "M-3")
    assert m3["low"][0] == pytest.approx((4 + 2 + 4) / 3, abs=1e-3)
    assert m3["high"][0] == pytest.approx(4.0)
    run = Run.objects.get()
    assert run.method == "wsum" and run.results == result


def test_cli_smaa_is_reproducible_with_a_seed(scored: Setup) -> None:
    args = ("--cycle", YEAR, "--method", "smaa", "--samples", 300, "--seed", 5, "--json")
    first_text, result = prioritize(*args)
    second_text, _again = prioritize(*args)
    assert first_text == second_text
    assert result["method"] == "smaa" and result["samples"] == 300 and result["seed"] == 5
    assert Run.objects.filter(method="smaa", seed=5, samples=300).count() == 2
    assert sorted(row["rank"] for row in result["ranking"]) == [1, 2, 3, 4, 5]
    for row in result["ranking"]:
        assert {"code", "rank", "score", "rank_acceptability"} <= row.keys()
        assert len(row["rank_acceptability"]) == len(MEASURES)
        assert all(0 <= p <= 1 for p in row["rank_acceptability"])
        assert sum(row["rank_acceptability"]) == pytest.approx(1, abs=1e-4)
    # every rank is taken by exactly one measure in every sample
    for r in range(len(MEASURES)):
        column = sum(row["rank_acceptability"][r] for row in result["ranking"])
        assert column == pytest.approx(1, abs=1e-4)
    # another seed is another Monte Carlo draw
    other_text, _other = prioritize(
        "--cycle", YEAR, "--method", "smaa", "--samples", 300, "--seed", 6, "--json"
    )
    assert other_text != first_text


@pytest.mark.parametrize("samples", [0, 999_999_999, -1])
def test_cli_refuses_samples_out_of_range(scored: Setup, samples: int) -> None:
    with pytest.raises(CommandError) as exc:
        call_command(
            "prioritize",
            "--cycle",
            str(YEAR),
            "--method",
            "smaa",
            "--samples",
            str(samples),
            "--json",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    message = str(exc.value)
    assert "--samples must be from 1 to 200,000" in message
    assert f"got {samples}" in message
    assert not Run.objects.exists()


@pytest.mark.parametrize("seed", [-1, 2**64])
def test_cli_refuses_a_seed_out_of_range_with_a_clear_message(scored: Setup, seed: int) -> None:
    """The page and the API take seeds from 0 to 2**32 - 1; the command must refuse the others
    with a CommandError, not a traceback (numpy refuses negative seeds, the database overflows)."""
    with pytest.raises(CommandError, match="seed"):
        call_command(
            "prioritize",
            "--cycle",
            str(YEAR),
            "--method",
            "smaa",
            "--samples",
            "50",
            "--seed",
            str(seed),
            "--json",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert not Run.objects.exists()


def test_cli_unknown_cycle_and_unranked_cycle(scored: Setup) -> None:
    with pytest.raises(CommandError, match="There is no 1999 prioritisation cycle"):
        call_command("prioritize", "--cycle", "1999", "--json", stdout=StringIO())
    make_cycle(scored.plan, 2040)
    with pytest.raises(CommandError, match="no scores"):
        call_command("prioritize", "--cycle", "2040", "--json", stdout=StringIO())
    assert not Run.objects.exists()


def test_cli_text_output_lists_the_ranking(scored: Setup) -> None:
    out = StringIO()
    call_command("prioritize", "--cycle", str(YEAR), "--method", "topsis", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"run {Run.objects.get().pk}: TOPSIS, 5 measures")
    assert len(lines) == 1 + len(MEASURES)
    assert lines[1].split()[0] == "1"


# --- (2) bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [6, 0, Decimal("5.01"), Decimal("0.99")])
def test_a_score_outside_1_to_5_is_refused_naming_the_field(setup: Setup, value: Any) -> None:
    assignment = setup.assignments["M-1", "twg_member"]
    with pytest.raises(ValidationError) as exc:
        save_score(assignment, actor=setup.users["twg_member"], criterion=crit("a"), low=value)
    assert set(exc.value.message_dict) == {"low", "high"}  # a point is low = high
    assert "from 1 to 5" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        save_score(
            assignment, actor=setup.users["twg_member"], criterion=crit("a"), low=3, high=value
        )
    assert "high" in exc.value.message_dict and "low" not in exc.value.message_dict
    assert not Score.objects.exists()


def test_a_range_with_low_above_high_is_refused(setup: Setup) -> None:
    assignment = setup.assignments["M-1", "twg_member"]
    with pytest.raises(ValidationError) as exc:
        save_score(
            assignment,
            actor=setup.users["twg_member"],
            criterion=crit("b"),
            low=Decimal(4),
            high=Decimal(2),
        )
    assert "high" in exc.value.message_dict
    assert "above its high end" in messages_of(exc)
    assert not Score.objects.exists()


def test_a_score_is_updated_not_duplicated(setup: Setup) -> None:
    assignment = setup.assignments["M-1", "twg_member"]
    actor = setup.users["twg_member"]
    save_score(assignment, actor=actor, criterion=crit("a"), low=Decimal(2))
    score = save_score(
        assignment, actor=actor, criterion=crit("a"), low=Decimal(3), high=Decimal(5)
    )
    assert Score.objects.count() == 1
    score.refresh_from_db()
    assert (score.low, score.high, score.version) == (Decimal(3), Decimal(5), 2)
    assert score.owner_id == assignment.owner_id and score.tlp == "AMBER+STRICT"


def test_a_closed_cycle_refuses_scores(setup: Setup) -> None:
    setup.cycle.is_open = False
    setup.cycle.save()
    assignment = Assignment.objects.get(pk=setup.assignments["M-1", "twg_member"].pk)
    with pytest.raises(ValidationError) as exc:
        save_score(assignment, actor=setup.users["twg_member"], criterion=crit("a"), low=3)
    assert "cycle" in exc.value.message_dict
    assert "closed" in messages_of(exc)
    assert not Score.objects.exists()


def test_weights_whose_bounds_cannot_sum_to_1_are_refused(setup: Setup) -> None:
    tight = {
        c: (w, Decimal(0), Decimal("0.3"))
        for c, w in (("a", Decimal("0.3")), ("b", Decimal("0.3")), ("c", Decimal("0.4")))
    }
    with pytest.raises(ValidationError) as exc:
        set_weights(setup.cycle, actor=setup.users["secretariat"], values=tight)
    assert "cannot sum to 1" in messages_of(exc)
    loose = {c: (w, Decimal("0.4"), Decimal(1)) for c, w in WEIGHTS.items()}  # lower sums 1.2
    with pytest.raises(ValidationError) as exc:
        set_weights(setup.cycle, actor=setup.users["secretariat"], values=loose)
    assert "cannot sum to 1" in messages_of(exc)
    assert [float(w.value) for w in Weight.objects.filter(cycle=setup.cycle)] == [0.5, 0.3, 0.2]


def test_weights_must_sum_to_1_lie_in_their_bounds_and_cover_each_criterion(setup: Setup) -> None:
    actor = setup.users["secretariat"]
    heavy = {**BOUNDS, "c": (Decimal("0.3"), Decimal("0.1"), Decimal("0.4"))}
    with pytest.raises(ValidationError) as exc:
        set_weights(setup.cycle, actor=actor, values=heavy)
    assert "weights" in exc.value.message_dict
    assert "must sum to 1" in messages_of(exc)
    outside = {
        **BOUNDS,
        "a": (Decimal("0.5"), Decimal("0.1"), Decimal("0.4")),
        "b": (Decimal("0.3"), Decimal("0.1"), Decimal("0.9")),
    }
    with pytest.raises(ValidationError) as exc:
        set_weights(setup.cycle, actor=actor, values=outside)
    assert "within its own bounds" in messages_of(exc)
    with pytest.raises(ValidationError) as exc:
        set_weights(setup.cycle, actor=actor, values={"a": BOUNDS["a"], "b": BOUNDS["b"]})
    assert "each criterion" in messages_of(exc)
    assert Weight.objects.filter(cycle=setup.cycle, version=1).count() == 3


def test_a_cycle_without_scores_cannot_be_ranked(setup: Setup) -> None:
    for method in ("wsum", "topsis", "smaa"):
        with pytest.raises(ValidationError) as exc:
            compute(setup.cycle, method=method, samples=100)
        assert "no scores" in messages_of(exc)
    empty = make_cycle(setup.plan, 2041)
    with pytest.raises(ValidationError, match="no scores"):
        run_ranking(empty, actor=setup.users["secretariat"], method="wsum")
    assert not Run.objects.exists()


def test_compute_refuses_unknown_method_missing_weights_and_bad_samples(scored: Setup) -> None:
    with pytest.raises(ValidationError) as exc:
        compute(scored.cycle, method="ahp")
    assert "method" in exc.value.message_dict
    for samples in (0, 200_001):
        with pytest.raises(ValidationError) as exc:
            compute(scored.cycle, method="smaa", samples=samples)
        assert "samples" in exc.value.message_dict
    Weight.objects.filter(cycle=scored.cycle).delete()
    with pytest.raises(ValidationError, match="not set the weights"):
        compute(scored.cycle, method="wsum")


# --- (3) aggregation rules -----------------------------------------------------------------------


def test_mean_median_and_geometric_aggregation_on_a_hand_case(setup: Setup) -> None:
    users = setup.users
    cycle = make_cycle(setup.plan, 2032)
    measure, partial, unscored = (setup.measures[c] for c in ("M-1", "M-2", "M-3"))
    # three assessors of one measure: a = 1, 3, 5; b = 2, 2, 4; c = 1-3, 4, 4 (one range)
    hand = {"twg_member": (1, 2, (1, 3)), "jam_focal": (3, 2, 4), "secretariat": (5, 4, 4)}
    for username, values in hand.items():
        score_all(assign(cycle, measure, users[username]), users[username], values)
    # an incomplete assessor (criterion c missing) does not count; an unscored measure is left out
    score_all(assign(cycle, partial, users["twg_member"]), users["twg_member"], (5, 5))
    assign(cycle, unscored, users["jam_focal"])

    expected = {
        "mean": ([3, 8 / 3, 3], [3, 8 / 3, 11 / 3]),
        "median": ([3, 2, 4], [3, 2, 4]),
        "geometric": (
            [15 ** (1 / 3), 16 ** (1 / 3), 16 ** (1 / 3)],
            [15 ** (1 / 3), 16 ** (1 / 3), 48 ** (1 / 3)],
        ),
    }
    for rule, (low, high) in expected.items():
        cycle.aggregation = rule
        cycle.save()
        kept, lows, highs, counts, left_out = aggregate(cycle)
        assert [m.code for m in kept] == ["M-1"], rule
        assert counts == [3]
        assert sorted(left_out) == ["M-2", "M-3"]
        assert lows.shape == (1, 3) and highs.shape == (1, 3)
        assert lows[0].tolist() == pytest.approx(low), rule
        assert highs[0].tolist() == pytest.approx(high), rule
    assert math.isclose(expected["geometric"][0][0], 2.466212, rel_tol=1e-6)


def test_median_of_two_assessors_is_their_mean_and_the_rule_reaches_the_ranking(
    scored: Setup,
) -> None:
    scored.cycle.aggregation = PrioritizationCycle.Aggregation.MEDIAN
    scored.cycle.save()
    kept, lows, highs, counts, _left = aggregate(scored.cycle)
    by_code = {m.code: i for i, m in enumerate(kept)}
    assert lows[by_code["M-5"]].tolist() == pytest.approx([4.5, 4, 4.5])
    assert lows[by_code["M-1"]].tolist() == pytest.approx([5, 4, 3])
    assert lows[by_code["M-3"]].tolist() == pytest.approx([4, 3, 5])  # a: 4, 2, 4
    assert highs[by_code["M-3"]].tolist() == pytest.approx([4, 3, 5])  # a: 4, 4, 4
    result = compute(scored.cycle, method="wsum")
    assert result["aggregation"] == "median"
    m1 = next(r for r in result["ranking"] if r["code"] == "M-1")
    assert m1["score"] == pytest.approx(0.5 * 5 + 0.3 * 4 + 0.2 * 3)


# --- (4) runs, the plan order and comparisons ----------------------------------------------------


def test_run_ranking_saves_the_run_and_an_audit_event(scored: Setup) -> None:
    secretariat = scored.users["secretariat"]
    run = run_ranking(scored.cycle, actor=secretariat, method="smaa", samples=200, seed=42)
    run.refresh_from_db()
    assert run.actor == secretariat
    assert (run.method, run.seed, run.samples) == ("smaa", 42, 200)
    assert run.parameters == {
        "weights": [0.5, 0.3, 0.2],
        "bounds": [[0.3, 0.7], [0.1, 0.5], [0.1, 0.4]],
        "aggregation": "mean",
    }
    assert run.owner_id == scored.cycle.owner_id and run.tlp == "GREEN"
    assert [r["code"] for r in run.results["ranking"]] and run.results["seed"] == 42
    assert run.seconds >= 0
    event = AuditEvent.objects.get(action="prioritization.run")
    assert event.actor == secretariat
    assert event.object_id == str(run.pk)
    assert event.detail.get("method") == "smaa" and event.detail.get("measures") == 5
    wsum = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    assert wsum.samples is None and wsum.seed == 0
    assert AuditEvent.objects.filter(action="prioritization.run").count() == 2


def test_apply_to_plan_orders_the_draft_by_rank(scored: Setup) -> None:
    secretariat = scored.users["secretariat"]
    run = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    assert apply_to_plan(run, actor=secretariat) == 5
    ordered = Measure.objects.filter(plan=scored.plan, code__in=MEASURES).order_by("order")
    assert [m.code for m in ordered] == WSUM_ORDER
    assert [m.order for m in ordered] == [1, 2, 3, 4, 5]
    assert all(m.version == 2 for m in ordered)
    assert AuditEvent.objects.filter(action="prioritization.applied").count() == 1
    # applying again changes nothing that is already in place
    apply_to_plan(run, actor=secretariat)
    assert {m.version for m in Measure.objects.filter(plan=scored.plan, code__in=MEASURES)} == {2}


def test_apply_to_plan_refuses_a_frozen_plan(scored: Setup, client_for: Any) -> None:
    secretariat = scored.users["secretariat"]
    run = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    adopt_plan_version(
        scored.plan, actor=secretariat, adopted_on=date(2031, 6, 1), body=org("DIALOGUE")
    )
    run = Run.objects.select_related("cycle__plan").get(pk=run.pk)
    with pytest.raises(ValidationError, match="frozen"):
        apply_to_plan(run, actor=secretariat)
    orders = dict(
        Measure.objects.filter(plan=scored.plan, code__in=MEASURES).values_list("code", "order")
    )
    assert orders == {code: i for i, code in enumerate(MEASURES, start=11)}
    # the page refuses it too, with a message, and no longer offers the button
    client = client_for("secretariat")
    apply_url = reverse("prioritization:run_apply", args=[run.pk])
    refused = client.post(apply_url, follow=True)
    assert refused.status_code == 200
    assert any("frozen" in str(m) for m in refused.context["messages"])
    page = client.get(reverse("prioritization:run_detail", args=[run.pk])).content.decode()
    assert apply_url not in page
    assert not AuditEvent.objects.filter(action="prioritization.applied").exists()


def test_compare_runs_reports_rank_moves(scored: Setup, client_for: Any) -> None:
    secretariat = scored.users["secretariat"]
    a = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    # weigh criterion c heavily: M-5 4.45, M-3 4.37, M-2 3.2, M-1 3.03, M-4 1.6
    set_weights(
        scored.cycle,
        actor=secretariat,
        values={
            "a": (Decimal("0.1"), Decimal(0), Decimal(1)),
            "b": (Decimal("0.1"), Decimal(0), Decimal(1)),
            "c": (Decimal("0.8"), Decimal(0), Decimal(1)),
        },
    )
    b = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    rows = compare_runs(a, b)
    assert [r["code"] for r in rows] == ["M-5", "M-3", "M-2", "M-1", "M-4"]
    moves = {r["code"]: (r["rank_a"], r["rank_b"], r["moved"]) for r in rows}
    assert moves == {
        "M-5": (1, 1, 0),
        "M-1": (2, 4, -2),
        "M-3": (3, 2, 1),
        "M-2": (4, 3, 1),
        "M-4": (5, 5, 0),
    }
    assert rows[0]["title"] == "Measure M-5"
    page = client_for("brb_focal").get(
        reverse("prioritization:run_compare") + f"?a={a.pk}&b={b.pk}"
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "▲1" in html and "▼2" in html
    missing = client_for("brb_focal").get(reverse("prioritization:run_compare") + f"?a={a.pk}&b=x")
    assert missing.status_code == 404


def test_compare_runs_with_a_measure_missing_from_one_run(scored: Setup) -> None:
    secretariat = scored.users["secretariat"]
    a = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    Score.objects.filter(assignment__measure__code="M-4").delete()
    b = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    assert b.results["left_out"] == ["M-4"]
    rows = {r["code"]: r for r in compare_runs(a, b)}
    assert rows["M-4"]["rank_a"] == 5 and rows["M-4"]["rank_b"] is None
    assert rows["M-4"]["moved"] is None
    assert list(rows)[-1] == "M-4"


# --- (5) the scoring form ------------------------------------------------------------------------


def cell(assignment: Assignment, code: str, end: str = "low") -> str:
    return f"s-{assignment.pk}-{code}-{end}"


def test_an_assessor_scores_through_the_form(setup: Setup, client_for: Any) -> None:
    url = reverse("prioritization:my_assignments")
    client = client_for("twg_member")
    m1 = setup.assignments["M-1", "twg_member"]
    m2 = setup.assignments["M-2", "twg_member"]
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for code in CODES:
        assert f'name="{cell(m1, code)}"' in html and f'name="{cell(m1, code, "high")}"' in html
    response = client.post(
        url,
        {
            cell(m1, "a"): "4",
            cell(m1, "b"): "2",
            cell(m1, "b", "high"): "4",
            cell(m1, "c"): "3.5",
            cell(m2, "a"): " 1 ",
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    saved = {
        (s.assignment_id, s.criterion.code): (s.low, s.high)
        for s in Score.objects.select_related("criterion")
    }
    assert saved == {
        (m1.pk, "a"): (Decimal(4), Decimal(4)),
        (m1.pk, "b"): (Decimal(2), Decimal(4)),
        (m1.pk, "c"): (Decimal("3.5"), Decimal("3.5")),
        (m2.pk, "a"): (Decimal(1), Decimal(1)),
    }
    # the form shows the saved range again
    html = client.get(url).content.decode()
    assert f'name="{cell(m1, "b")}" value="2.00"' in html
    assert f'name="{cell(m1, "b", "high")}" value="4.00"' in html


def test_an_invalid_score_is_a_400_and_stores_nothing_for_that_cell(
    setup: Setup, client_for: Any
) -> None:
    url = reverse("prioritization:my_assignments")
    client = client_for("twg_member")
    m1 = setup.assignments["M-1", "twg_member"]
    response = client.post(
        url,
        {cell(m1, "a"): "7", cell(m1, "b"): "abc", cell(m1, "c"): "4", cell(m1, "c", "high"): "2"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "M-1 a:" in html and "A score runs from 1 to 5 (got 7)" in html
    assert "M-1 b:" in html and "is not a number" in html
    assert "M-1 c:" in html and "above its high end" in html
    assert not Score.objects.filter(assignment=m1).exists()


def test_an_assessor_sees_and_scores_only_their_own_assignments(
    setup: Setup, client_for: Any
) -> None:
    url = reverse("prioritization:my_assignments")
    twg_m1 = setup.assignments["M-1", "twg_member"]
    jam_m1 = setup.assignments["M-1", "jam_focal"]
    html = client_for("jam_focal").get(url).content.decode()
    own = [a for (_code, user), a in setup.assignments.items() if user == "jam_focal"]
    others = [a for (_code, user), a in setup.assignments.items() if user != "jam_focal"]
    assert all(f'name="{cell(a, "a")}"' in html for a in own)
    assert not any(f'name="{cell(a, "a")}"' in html for a in others)
    # posting into someone else's cells changes nothing
    response = client_for("jam_focal").post(url, {cell(twg_m1, "a"): "5", cell(jam_m1, "a"): "2"})
    assert response.status_code == 302
    assert list(Score.objects.values_list("assignment_id", flat=True)) == [jam_m1.pk]
    # a closed cycle disappears from the form
    setup.cycle.is_open = False
    setup.cycle.save()
    closed = client_for("jam_focal").get(url).content.decode()
    assert f'name="{cell(jam_m1, "a")}"' not in closed


# --- (6) permissions -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(
    scored: Setup, client_for: Any
) -> None:
    run = run_ranking(scored.cycle, actor=scored.users["secretariat"], method="wsum")
    anonymous = client_for(None)
    login = reverse("accounts:login")
    pages = [
        reverse("prioritization:cycle_list"),
        reverse("prioritization:cycle_detail", args=[scored.cycle.pk]),
        reverse("prioritization:run_detail", args=[run.pk]),
        reverse("prioritization:run_compare") + f"?a={run.pk}&b={run.pk}",
        reverse("prioritization:my_assignments"),
    ]
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(login), url
    for url in (
        reverse("prioritization:run_create", args=[scored.cycle.pk]),
        reverse("prioritization:run_apply", args=[run.pk]),
        reverse("prioritization:cycle_detail", args=[scored.cycle.pk]),
        reverse("prioritization:my_assignments"),
    ):
        response = anonymous.post(url, {"method": "wsum", "seed": 1})
        assert response.status_code == 302 and response["Location"].startswith(login), url
    for url in (
        "/api/v1/prioritization/cycles",
        "/api/v1/prioritization/runs",
        f"/api/v1/prioritization/runs/{run.pk}",
    ):
        assert anonymous.get(url).status_code == 401, url
    post = anonymous.post(
        f"/api/v1/prioritization/cycles/{scored.cycle.pk}/runs",
        {"method": "wsum"},
        content_type="application/json",
    )
    assert post.status_code == 401
    assert Run.objects.count() == 1


def weights_form(values: dict[str, tuple[Decimal, Decimal, Decimal]]) -> dict[str, str]:
    data = {}
    for code, (value, lower, upper) in values.items():
        data |= {
            f"{code}_value": str(value),
            f"{code}_lower": str(lower),
            f"{code}_upper": str(upper),
        }
    return data


NEW_WEIGHTS = {
    "a": (Decimal("0.4"), Decimal("0.2"), Decimal("0.6")),
    "b": (Decimal("0.4"), Decimal("0.2"), Decimal("0.6")),
    "c": (Decimal("0.2"), Decimal("0.1"), Decimal("0.4")),
}


@pytest.mark.parametrize("persona", ["jam_focal", "twg_member", "viewer", "brb_focal"])
def test_only_the_secretariat_runs_rankings_and_sets_weights(
    scored: Setup, client_for: Any, persona: str
) -> None:
    cycle = scored.cycle
    client = client_for(persona)
    page = client.get(reverse("prioritization:cycle_detail", args=[cycle.pk]))
    assert page.status_code == 200
    assert reverse("prioritization:run_create", args=[cycle.pk]) not in page.content.decode()
    run_url = reverse("prioritization:run_create", args=[cycle.pk])
    assert client.post(run_url, {"method": "wsum", "seed": 1}).status_code == 403
    weights_url = reverse("prioritization:cycle_detail", args=[cycle.pk])
    assert client.post(weights_url, weights_form(NEW_WEIGHTS)).status_code == 403
    api = client.post(
        f"/api/v1/prioritization/cycles/{cycle.pk}/runs",
        {"method": "wsum", "seed": 1},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert "detail" in api.json()
    assert not Run.objects.exists()
    assert [float(w.value) for w in Weight.objects.filter(cycle=cycle)] == [0.5, 0.3, 0.2]
    # nor apply a run made by the secretariat
    run = run_ranking(cycle, actor=scored.users["secretariat"], method="wsum")
    apply = client.post(reverse("prioritization:run_apply", args=[run.pk]))
    assert apply.status_code == 403
    assert (
        "/apply/"
        not in client.get(reverse("prioritization:run_detail", args=[run.pk])).content.decode()
    )
    assert Measure.objects.get(plan=scored.plan, code="M-1").order == 11


def test_the_secretariat_runs_rankings_and_sets_weights(scored: Setup, client_for: Any) -> None:
    cycle = scored.cycle
    client = client_for("secretariat")
    response = client.post(
        reverse("prioritization:run_create", args=[cycle.pk]),
        {"method": "smaa", "samples": 250, "seed": 9},
    )
    run = Run.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("prioritization:run_detail", args=[run.pk])
    assert (run.method, run.samples, run.seed, run.actor) == (
        "smaa",
        250,
        9,
        scored.users["secretariat"],
    )
    # an invalid run form goes back to the cycle with a message, saving nothing
    bad = client.post(
        reverse("prioritization:run_create", args=[cycle.pk]),
        {"method": "smaa", "samples": 0, "seed": 9},
        follow=True,
    )
    assert bad.status_code == 200 and Run.objects.count() == 1
    assert [str(m) for m in bad.context["messages"]]
    weights_url = reverse("prioritization:cycle_detail", args=[cycle.pk])
    saved = client.post(weights_url, weights_form(NEW_WEIGHTS))
    assert saved.status_code == 302 and saved["Location"] == weights_url
    assert {w.criterion.code: w.value for w in Weight.objects.filter(cycle=cycle)} == {
        c: v[0] for c, v in NEW_WEIGHTS.items()
    }
    # bounds that cannot sum to 1 are a 400 with the reason on the page
    tight = {c: (v[0], Decimal(0), Decimal("0.3")) for c, v in NEW_WEIGHTS.items()}
    refused = client.post(weights_url, weights_form(tight))
    assert refused.status_code == 400
    assert "cannot sum to 1" in refused.content.decode()
    assert Weight.objects.get(cycle=cycle, criterion__code="a").upper == Decimal("0.6")
    # the API runs a ranking too
    api = client.post(
        f"/api/v1/prioritization/cycles/{cycle.pk}/runs",
        {"method": "topsis", "seed": 3},
        content_type="application/json",
    )
    assert api.status_code == 201
    assert api.json()["method"] == "topsis" and api.json()["seed"] == 3
    assert Run.objects.get(pk=api.json()["id"]).actor == scored.users["secretariat"]
    # the page applies a run to the draft
    applied = client.post(reverse("prioritization:run_apply", args=[run.pk]))
    assert applied.status_code == 302
    assert Measure.objects.filter(plan=scored.plan, code__in=MEASURES, order__lte=5).count() == 5


def test_the_api_validates_a_run_request(scored: Setup, client_for: Any) -> None:
    client = client_for("secretariat")
    url = f"/api/v1/prioritization/cycles/{scored.cycle.pk}/runs"
    for payload in (
        {"method": "ahp"},
        {"method": "smaa", "samples": 0},
        {"method": "smaa", "samples": 999_999_999},
        {"method": "wsum", "seed": -1},
        {"method": "wsum", "extra": 1},
    ):
        response = client.post(url, payload, content_type="application/json")
        assert response.status_code == 400, payload
        assert response.json()["errors"], payload
    empty = make_cycle(scored.plan, 2042)
    response = client.post(
        f"/api/v1/prioritization/cycles/{empty.pk}/runs",
        {"method": "wsum"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "no scores" in response.json()["errors"][0]["message"]
    assert (
        client.post(
            f"/api/v1/prioritization/cycles/{HUGE_ID}/runs",
            {"method": "wsum"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert not Run.objects.exists()


def test_an_outsider_gets_404_for_green_cycles_and_runs(scored: Setup, client_for: Any) -> None:
    run = run_ranking(scored.cycle, actor=scored.users["secretariat"], method="wsum")
    outsider = client_for("outsider")
    assert (
        outsider.get(reverse("prioritization:cycle_detail", args=[scored.cycle.pk])).status_code
        == 404
    )
    assert outsider.get(reverse("prioritization:run_detail", args=[run.pk])).status_code == 404
    compare = reverse("prioritization:run_compare") + f"?a={run.pk}&b={run.pk}"
    assert outsider.get(compare).status_code == 404
    assert outsider.post(reverse("prioritization:run_apply", args=[run.pk])).status_code == 404
    listing = outsider.get(reverse("prioritization:cycle_list"))
    assert listing.status_code == 200 and str(YEAR) not in listing.content.decode()
    assert outsider.get(f"/api/v1/prioritization/runs/{run.pk}").status_code == 404
    assert outsider.get("/api/v1/prioritization/runs").json()["count"] == 0
    assert outsider.get("/api/v1/prioritization/cycles").json()["count"] == 0
    assert (
        "Nothing is assigned"
        in outsider.get(reverse("prioritization:my_assignments")).content.decode()
    )
    for bad in (HUGE_ID, "0", "abc"):
        assert client_for("secretariat").get(f"/prioritization/runs/{bad}/").status_code == 404
        assert client_for("secretariat").get(f"/prioritization/{bad}/").status_code == 404


def test_a_member_sees_runs_but_not_other_peoples_assignments_or_scores(
    scored: Setup, client_for: Any, users: dict[str, User]
) -> None:
    run = run_ranking(scored.cycle, actor=users["secretariat"], method="wsum")
    brb = client_for("brb_focal")
    assert brb.get(reverse("prioritization:run_detail", args=[run.pk])).status_code == 200
    cycle_page = brb.get(reverse("prioritization:cycle_detail", args=[scored.cycle.pk]))
    assert cycle_page.status_code == 200
    assert cycle_page.context["assignment_count"] == 0 and cycle_page.context["assessor_count"] == 0
    assert brb.get("/api/v1/prioritization/runs").json()["count"] == 1
    assert brb.get(f"/api/v1/prioritization/runs/{run.pk}").status_code == 200
    assert not Assignment.objects.restrict(users["brb_focal"], "view").exists()
    assert not Score.objects.restrict(users["brb_focal"], "view").exists()
    assert (
        "Nothing is assigned" in brb.get(reverse("prioritization:my_assignments")).content.decode()
    )
    # each assessor sees their own assignments and scores; the secretariat (COMMISSION) sees all
    for username in ("twg_member", "jam_focal"):
        mine = {a.pk for (_c, u), a in scored.assignments.items() if u == username}
        visible = set(
            Assignment.objects.restrict(users[username], "view").values_list("pk", flat=True)
        )
        assert visible == mine
        scores = Score.objects.restrict(users[username], "view")
        assert set(scores.values_list("assignment_id", flat=True)) == mine
        assert (
            not Score.objects.restrict(users[username], "change")
            .exclude(assignment_id__in=mine)
            .exists()
        )
    twg_page = client_for("twg_member").get(
        reverse("prioritization:cycle_detail", args=[scored.cycle.pk])
    )
    assert twg_page.context["assignment_count"] == len(MEASURES)
    assert twg_page.context["assessor_count"] == 1
    assert Assignment.objects.restrict(users["secretariat"], "view").count() == len(
        scored.assignments
    )
    assert Score.objects.restrict(users["secretariat"], "view").count() == 3 * len(
        scored.assignments
    )


# --- (7) the ranking page and the API ------------------------------------------------------------


def test_the_wsum_ranking_page_shows_contribution_bars(scored: Setup, client_for: Any) -> None:
    run = run_ranking(scored.cycle, actor=scored.users["secretariat"], method="wsum")
    response = client_for("viewer").get(reverse("prioritization:run_detail", args=[run.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # One chart for the whole ranking: a bar per measure, split by criterion, with a legend.
    assert html.count('class="chart contributions"') == 1
    chart = html[html.index('class="chart contributions"') :]
    chart = chart[: chart.index("</svg>")]
    assert "<title " in chart and "<desc " in chart and "role-legend" in chart
    for code in MEASURES:
        assert f'aria-label="{code}, criterion a: ' in chart
    assert 'aria-label="M-5, criterion a: 2.250"' in chart  # 0.5 x 4.5
    assert 'class="chart heatmap"' not in html
    assert html.count('class="chart sensitivity"') == 3
    positions = [html.index(f">{code}</a>") for code in WSUM_ORDER]
    assert positions == sorted(positions)
    # The table gives every measure's contributions as text.
    table = html[html.index('data-testid="ranking"') : html.index("</table>")]
    assert "a: 2.250" in table  # M-5's contribution of criterion a: 0.5 x 4.5


def test_the_smaa_ranking_page_shows_the_heat_map_and_sensitivity(
    scored: Setup, client_for: Any
) -> None:
    run = run_ranking(
        scored.cycle, actor=scored.users["secretariat"], method="smaa", samples=300, seed=5
    )
    response = client_for("brb_focal").get(reverse("prioritization:run_detail", args=[run.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="chart heatmap"') == 1
    heatmap = html[html.index('class="chart heatmap"') :]
    heatmap = heatmap[: heatmap.index("</svg>")]
    assert 'role="img"' in heatmap and "<title " in heatmap and "role-legend" in heatmap
    assert html.count('class="chart sensitivity"') == 3
    assert 'class="chart contributions"' not in html
    for code in CODES:
        assert f"weight of criterion {code} goes from 0 to 1" in html
    assert "rank 1," in html


def test_the_api_returns_runs_with_their_results(scored: Setup, client_for: Any) -> None:
    secretariat = scored.users["secretariat"]
    wsum = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    smaa = run_ranking(scored.cycle, actor=secretariat, method="smaa", samples=100, seed=1)
    client = client_for("jam_viewer")
    body = client.get(f"/api/v1/prioritization/runs/{smaa.pk}").json()
    # the same seed through the API gives the same ranking as the service
    again = client_for("secretariat").post(
        f"/api/v1/prioritization/cycles/{scored.cycle.pk}/runs",
        {"method": "smaa", "samples": 100, "seed": 1},
        content_type="application/json",
    )
    assert again.status_code == 201 and again.json()["results"] == smaa.results
    Run.objects.filter(pk=again.json()["id"]).delete()
    assert body["id"] == smaa.pk and body["method"] == "smaa"
    assert body["samples"] == 100 and body["seed"] == 1
    assert body["results"] == smaa.results
    assert all("rank_acceptability" in row for row in body["results"]["ranking"])
    listing = client.get(f"/api/v1/prioritization/runs?cycle={YEAR}").json()
    assert listing["count"] == 2
    assert {item["id"] for item in listing["items"]} == {wsum.pk, smaa.pk}
    assert client.get("/api/v1/prioritization/runs?cycle=1999").json()["count"] == 0
    cycles = client.get("/api/v1/prioritization/cycles").json()
    assert cycles["items"] == [
        {
            "id": scored.cycle.pk,
            "year": YEAR,
            "plan": scored.plan.pk,
            "aggregation": "mean",
            "is_open": True,
        }
    ]
    assert client.get(f"/api/v1/prioritization/runs/{HUGE_ID}").status_code == 404


# --- (8) query counts ----------------------------------------------------------------------------


def add_runs(setup: Setup, template: Run, count: int) -> None:
    for i in range(count):
        Run.objects.create(
            cycle=setup.cycle,
            method=template.method,
            seed=i,
            parameters=template.parameters,
            results=template.results,
            actor=setup.users["secretariat"],
            owner=org("COMMISSION"),
            tlp="GREEN",
        )


@pytest.mark.parametrize("persona", ["secretariat", "brb_focal"])
def test_the_run_list_query_count_does_not_grow_with_runs(
    scored: Setup, client_for: Any, persona: str, django_assert_max_num_queries: Any
) -> None:
    template = run_ranking(scored.cycle, actor=scored.users["secretariat"], method="wsum")
    add_runs(scored, template, 2)
    client = client_for(persona)
    url = "/api/v1/prioritization/runs?limit=100"
    client.get(url)  # warm the session
    with django_assert_max_num_queries(15) as few:
        assert client.get(url).json()["count"] == 3
    add_runs(scored, template, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.json()["count"] == 43 and len(response.json()["items"]) == 43


def test_the_secretariat_starts_a_cycle_on_the_page(setup: Setup, client_for: Any) -> None:
    """The cycle list starts a year's cycle on a draft's measures (not its institutional
    mechanisms), every assessor assigned to every measure; a second cycle for the year is refused
    naming the year, and a focal point is neither offered the form nor allowed to post it."""
    secretariat = setup.users["secretariat"]
    plan = start_next_version(setup.plan, actor=secretariat, year=2032, label="Plan 2032")
    client = client_for("secretariat")
    url = reverse("prioritization:cycle_list")
    page = client.get(url).content.decode()
    assert 'data-testid="start-cycle"' in page
    assessors = [setup.users["secretariat"].pk, setup.users["twg_member"].pk]
    form = {"plan": plan.pk, "year": 2032, "aggregation": "median", "assessors": assessors}
    response = client.post(url, form)
    assert response.status_code == 302
    cycle = PrioritizationCycle.objects.get(year=2032)
    assert response["Location"] == reverse("prioritization:cycle_detail", args=[cycle.pk])
    assert (cycle.plan, cycle.aggregation, cycle.owner.code) == (plan, "median", "COMMISSION")
    assigned = set(cycle.assignments.values_list("measure__code", "assessor__username"))
    assert assigned == {(code, who) for code in MEASURES for who in ("secretariat", "twg_member")}
    assert AuditEvent.objects.filter(
        action="prioritization.cycle_started", object_id=str(cycle.pk)
    ).exists()
    again = client.post(url, form)
    assert again.status_code == 400
    assert "A prioritisation cycle for 2032 already exists." in again.content.decode()
    assert PrioritizationCycle.objects.filter(year=2032).count() == 1
    focal = client_for("jam_focal")
    assert 'data-testid="start-cycle"' not in focal.get(url).content.decode()
    assert focal.post(url, {**form, "year": 2033}).status_code == 403
    assert not PrioritizationCycle.objects.filter(year=2033).exists()


# --- (7) filters, history and assessors pages ----------------------------------------------------


def test_cycle_and_run_lists_filter_alike_on_the_page_and_in_the_api(
    scored: Setup, client_for: Any
) -> None:
    """One FilterSet per list: the page and the API answer the same rows for the same query,
    ``ordering`` sorts, and a value out of bounds is a 400 naming the parameter."""
    secretariat = scored.users["secretariat"]
    wsum = run_ranking(scored.cycle, actor=secretariat, method="wsum")
    topsis = run_ranking(scored.cycle, actor=secretariat, method="topsis")
    later = start_next_version(scored.plan, actor=secretariat, year=2032, label="Plan 2032")
    make_cycle(later, 2032, aggregation="median", is_open=False)
    client = client_for("secretariat")

    def api(path: str) -> list[Any]:
        response = client.get(f"/api/v1/prioritization/{path}")
        assert response.status_code == 200, response.content
        return [row["year"] if "year" in row else row["id"] for row in response.json()["items"]]

    def page(name: str, query: str) -> str:
        response = client.get(reverse(f"prioritization:{name}") + "?" + query)
        assert response.status_code == 200
        return response.content.decode()

    assert api("cycles?is_open=false") == [2032]
    assert api("cycles?aggregation=mean") == [YEAR]
    assert api("cycles?q=plan+2032") == [2032]
    assert api("cycles?ordering=year") == [YEAR, 2032]
    assert api("cycles?ordering=-year") == [2032, YEAR]
    cycles_page = page("cycle_list", "is_open=false")
    assert reverse("prioritization:cycle_detail", args=[scored.cycle.pk]) not in cycles_page
    assert ">2032</a>" in cycles_page
    assert api("runs?method=topsis") == [topsis.pk]
    assert api(f"runs?cycle={YEAR}&ordering=created") == [wsum.pk, topsis.pk]
    assert api(f"runs?cycle_id={scored.cycle.pk}&ordering=-created") == [topsis.pk, wsum.pk]
    runs_page = page("run_list", "method=topsis")
    assert reverse("prioritization:run_detail", args=[topsis.pk]) in runs_page
    assert reverse("prioritization:run_detail", args=[wsum.pk]) not in runs_page
    exported = client.get(reverse("prioritization:run_list") + "?method=wsum&export=csv")
    assert exported.status_code == 200
    for bad in ("cycles?year=1800", "runs?cycle_id=0", "runs?method=guess", "runs?ordering=x"):
        response = client.get(f"/api/v1/prioritization/{bad}")
        assert response.status_code == 400, bad
        field = bad.split("?")[1].split("=")[0]
        assert field in response.content.decode(), bad


def test_cycle_and_run_history_pages_follow_the_policy(setup: Setup, client_for: Any) -> None:
    """The detail pages link to the history pages; each row says who changed what and why; the
    policy decides who may read them (GREEN: every member; an outsider gets 404)."""
    secretariat = setup.users["secretariat"]
    plan = start_next_version(setup.plan, actor=secretariat, year=2032, label="Plan 2032")
    cycle = start_cycle(
        plan, actor=secretariat, year=2032, aggregation="mean", assessors=[secretariat]
    )
    score_setup(setup)
    run = run_ranking(setup.cycle, actor=secretariat, method="wsum")
    pages = {
        reverse("prioritization:cycle_history", args=[cycle.pk]): "Started",
        reverse("prioritization:run_history", args=[run.pk]): "Ranked",
    }
    client = client_for("secretariat")
    detail = client.get(reverse("prioritization:cycle_detail", args=[cycle.pk])).content.decode()
    assert reverse("prioritization:cycle_history", args=[cycle.pk]) in detail
    ranking = client.get(reverse("prioritization:run_detail", args=[run.pk])).content.decode()
    assert reverse("prioritization:run_history", args=[run.pk]) in ranking
    for persona in ("secretariat", "viewer", "brb_focal", "outsider", None):
        other = client_for(persona)
        for url, reason in pages.items():
            response = other.get(url)
            if persona is None:
                assert response.status_code == 302, url
                assert reverse("accounts:login") in response["Location"]
            elif oracle_can_view(persona, "COMMISSION", "GREEN"):
                assert response.status_code == 200, (persona, url)
                text = response.content.decode()
                assert reason in text and "secretariat" in text, (persona, url)
            else:
                assert response.status_code == 404, (persona, url)
    for bad in (HUGE_ID, "0"):
        assert client.get(f"/prioritization/{bad}/history/").status_code == 404


def test_the_assessors_page_follows_the_policy(setup: Setup, client_for: Any) -> None:
    """Only who may change the cycle opens its assessors page; a member who may only read it
    gets 403 and an outsider 404, on reading and on posting, and nothing is written."""
    url = reverse("prioritization:cycle_assessors", args=[setup.cycle.pk])
    newcomer = setup.users["brb_focal"]
    before = Assignment.objects.count()
    for persona in ("secretariat", "viewer", "jam_focal", "twg_member", "outsider"):
        client = client_for(persona)
        if oracle_can_change(persona, "COMMISSION", "GREEN"):
            expected = 200
        elif oracle_can_view(persona, "COMMISSION", "GREEN"):
            expected = 403
        else:
            expected = 404
        assert client.get(url).status_code == expected, persona
        if expected != 200:
            post = client.post(url, {"action": "add", "assessors": [newcomer.pk]})
            assert post.status_code == expected, persona
            remove = client.post(
                url, {"action": "remove", "assessor": setup.users["twg_member"].pk}
            )
            assert remove.status_code == expected, persona
    assert Assignment.objects.count() == before
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    assert client_for("secretariat").get(f"/prioritization/{HUGE_ID}/assessors/").status_code == (
        404
    )


def test_the_secretariat_adds_and_withdraws_assessors(setup: Setup, client_for: Any) -> None:
    """Adding an assessor assigns them every measure (with history and an audit event); an
    assessor who has scored stays; one who has not is withdrawn; a closed cycle is refused."""
    cycle = setup.cycle
    url = reverse("prioritization:cycle_assessors", args=[cycle.pk])
    client = client_for("secretariat")
    detail = client.get(reverse("prioritization:cycle_detail", args=[cycle.pk])).content.decode()
    assert url in detail
    assert url not in (
        client_for("viewer")
        .get(reverse("prioritization:cycle_detail", args=[cycle.pk]))
        .content.decode()
    )
    newcomer = setup.users["brb_focal"]
    page = client.get(url).content.decode()
    assert 'data-testid="add-assessors"' in page
    response = client.post(url, {"action": "add", "assessors": [newcomer.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    theirs = Assignment.objects.filter(cycle=cycle, assessor=newcomer)
    assert sorted(theirs.values_list("measure__code", flat=True)) == sorted(MEASURES)
    first = theirs.first()
    assert first is not None
    record = first.history.first()
    assert record.history_change_reason == "Assigned"
    assert record.history_user.username == "secretariat"
    assert AuditEvent.objects.filter(
        action="prioritization.assessors_assigned", object_id=str(cycle.pk)
    ).exists()
    # an assessor already asked is not offered again; posting them anyway is a 400
    again = client.post(url, {"action": "add", "assessors": [newcomer.pk]})
    assert again.status_code == 400
    assert theirs.count() == len(MEASURES)
    # twg_member has scored: they stay
    score_all(setup.assignments["M-1", "twg_member"], setup.users["twg_member"], (4, 4, 4))
    kept = client.post(url, {"action": "remove", "assessor": setup.users["twg_member"].pk})
    assert kept.status_code == 400
    assert "has already scored" in kept.content.decode()
    assert Assignment.objects.filter(cycle=cycle, assessor__username="twg_member").exists()
    # the newcomer has not scored: withdrawn, with a history row for each assignment
    ids = list(theirs.values_list("pk", flat=True))
    gone = client.post(url, {"action": "remove", "assessor": newcomer.pk})
    assert gone.status_code == 302
    assert not theirs.exists()
    deleted = Assignment.history.filter(id__in=ids, history_type="-")
    assert deleted.count() == len(ids)
    assert {r.history_change_reason for r in deleted} == {"Unassigned"}
    # someone who is not an assessor of the cycle is named as a bad choice
    stranger = client.post(url, {"action": "remove", "assessor": newcomer.pk})
    assert stranger.status_code == 400
    bad = client.post(url, {"action": "add", "assessors": [HUGE_ID]})
    assert bad.status_code == 400
    # a closed cycle keeps its assessors
    PrioritizationCycle.objects.filter(pk=cycle.pk).update(is_open=False)
    closed = client.post(url, {"action": "add", "assessors": [newcomer.pk]})
    assert closed.status_code == 400
    assert "closed for scoring" in closed.content.decode()
    assert not Assignment.objects.filter(cycle=cycle, assessor=newcomer).exists()


def test_weight_and_score_history_pages(scored: Setup, client_for: Any) -> None:
    """The cycle page links each weight's history and My assignments each saved score's; a score
    is read by the Commission and its assessor only, a weight by every member."""
    weight = scored.cycle.weights.get(criterion__code="a")
    score = Score.objects.get(
        assignment=scored.assignments["M-1", "twg_member"], criterion__code="a"
    )
    weight_url = reverse("prioritization:weight_history", args=[weight.pk])
    score_url = reverse("prioritization:score_history", args=[score.pk])
    cycle_page = client_for("viewer").get(
        reverse("prioritization:cycle_detail", args=[scored.cycle.pk])
    )
    assert weight_url in cycle_page.content.decode()
    mine = client_for("twg_member").get(reverse("prioritization:my_assignments"))
    assert score_url in mine.content.decode()
    assert score_url not in (
        client_for("jam_focal").get(reverse("prioritization:my_assignments")).content.decode()
    )
    for persona, weight_status, score_status in (
        ("secretariat", 200, 200),
        ("viewer", 200, 200),
        ("twg_member", 200, 200),
        ("jam_focal", 200, 404),
        ("outsider", 404, 404),
    ):
        client = client_for(persona)
        got = client.get(weight_url)
        assert got.status_code == weight_status, persona
        if weight_status == 200:
            assert "Weights set" in got.content.decode()
        got = client.get(score_url)
        assert got.status_code == score_status, persona
        if score_status == 200:
            assert "Scored" in got.content.decode()
    assert client_for(None).get(score_url).status_code == 302


def test_the_prioritisation_page_has_no_two_fields_with_one_id(client_for: Any) -> None:
    """The filter form and the start form both ask for a year; each label names its own field."""
    import re

    page = client_for("secretariat").get("/prioritization/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert 'for="start_year"' in page and 'id="start_year"' in page
