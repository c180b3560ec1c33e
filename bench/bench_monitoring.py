"""Monitoring on the large set: the regional progress dashboard and the values API.

Figures: (A) median seconds of ``services.dashboard(secretariat, 2020)``; (B) p95 milliseconds of
``GET /api/v1/monitoring/values`` as the secretariat, filtered (an indicator and a State) and a
page at a random offset of the whole list.
References, in the same run on the same database: (A) one hand-written SQL query computing the
same cells; (B) one raw SQL SELECT of the same page (same rows, order and visibility).
Goals: the dashboard and every values page at most 2 times their reference.

The large set is about 1,000,000 reported values (``--values N`` for another size), built in a
throwaway database:

* 200 annual indicators x the 16 Caribbean States x 14 years (2011-2024) x the disaggregation cells.
  16 x 14 x 200 x 3 cells would be only 134,400 values, so at 1,000,000 each indicator has 22 or
  23 cells (the total, sex, age groups, districts); below 134,400 values each indicator keeps
  3 cells (the total and sex) and there are fewer indicators. The printout gives the shape.
* Half the series TLP:CLEAR, half TLP:AMBER released to the Commission (one through row each);
  most values approved; a 2020 target for 90 % and a baseline for 95 % of indicator x state.
* The values go in with ``executemany`` on Django's cursor, 10,000 rows a transaction, every
  column Django would write for a new ``Value`` (defaults adapted by the fields themselves);
  indicators, targets and baselines with ``bulk_create``; the release rows with one
  INSERT ... SELECT. No history rows, no rules, no audit events (the services write those; this
  is a read benchmark). ``bulk_create`` of ``Value`` instances ran at about 1,900 values/s here
  (nine minutes for a million on its own), which is why the values do not use it.
* After the load the planner statistics are refreshed with ``core.db.refresh_statistics``, as the
  platform's importers do after a bulk write (on PostgreSQL with ``ANALYZE``, which autovacuum
  would do later).

A. ``services.dashboard(secretariat, 2020)``: median seconds over repetitions, and its query
   count. The floor is one hand-written SQL query on the same database computing the same cells
   (approved totals of 2020 LEFT JOINed to their target and baseline per indicator x state, with
   the same TLP visibility for the same user), run through ``connection.cursor()``. The two
   results are checked to be equal.
B. ``GET /api/v1/monitoring/values`` through ``django.test.Client`` as the secretariat: filtered
   (``indicator=<code>&state=JAM``, the default page of 50) and unfiltered
   (``limit=100&offset=<random>``): p50/p95 over up to ``--requests`` requests after a warm-up,
   each series bounded by ``--budget`` seconds (a page deep in the unfiltered list takes seconds
   at a million rows, so that series stops early; the printout gives the number measured). The
   floor fetches the same page (same rows, same order, same visibility; the code and state
   matched exactly where the API matches them case-insensitively) with one raw SQL SELECT.

By default the database is a temporary SQLite file, deleted at the end (``--keep`` keeps it).
With ``DATABASE_URL`` set, that database is used instead: it must be a throwaway database (the
benchmark migrates it, loads the Framework and leaves a million rows in it; drop it afterwards).
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from functools import partial
from typing import Any

from builders import (
    BATCH,
    Inserter,
    load_personas,
    reference_point,
    refresh_planner_statistics,
    refuse_if,
    release_rows,
    value_cells,
)
from common import (
    Goal,
    arguments,
    count_queries,
    latency,
    median_time,
    percentile,
    ratio_goal,
    record_goals,
    say,
    scratch_django,
    timed_series,
)
from floors import fetch_all, table, visible_sql

PERIOD_YEAR = 2020
YEARS = range(2011, 2025)
INDICATORS = 200
CODE_PREFIX = "BENCH-"
AGE_GROUPS = ["0-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]


# --- the large set --------------------------------------------------------------------------


def cells_per_indicator(values: int, states: int) -> list[int]:
    """How many disaggregation cells each indicator has (the total counts as one)."""
    per_cell = states * len(YEARS)
    if values >= INDICATORS * per_cell * 3:
        total = round(values / per_cell)
        base, extra = divmod(total, INDICATORS)
        return [base + 1 if i < extra else base for i in range(INDICATORS)]
    return [3] * max(1, round(values / (per_cell * 3)))


def disaggregations(cells: int) -> dict[str, list[str]]:
    """Dimensions giving ``cells`` keys with the total: sex, then age groups, then districts."""
    dims: dict[str, list[str]] = {"sex": ["female", "male"]}
    rest = cells - 3
    if rest > 0:
        dims["age"] = AGE_GROUPS[: min(rest, len(AGE_GROUPS))]
        rest -= len(dims["age"])
    if rest > 0:
        dims["district"] = [f"D{n:02d}" for n in range(1, rest + 1)]
    return dims


def build(values_wanted: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from seccoop.accounts.models import User
    from seccoop.core.markings import TLP
    from seccoop.framework.models import Category, Organisation, Party
    from seccoop.monitoring.models import Baseline, Indicator, Target, Value
    from seccoop.monitoring.periods import Kind, Period

    refuse_if(Indicator.objects.filter(code__startswith=CODE_PREFIX).exists())
    load_personas()
    secretariat = User.objects.get(username="secretariat")
    commission = Organisation.objects.get(code="COMMISSION")
    states = list(Party.objects.filter(organisation__side="caribbean").order_by("iso3"))
    categories = list(Category.objects.order_by("code"))
    shape = cells_per_indicator(values_wanted, len(states))
    rng = random.Random(2010)
    now = timezone.now()

    started = time.perf_counter()
    indicators = Indicator.objects.bulk_create(
        [
            Indicator(
                owner=commission,
                tlp=TLP.CLEAR,
                code=f"{CODE_PREFIX}{n:03d}",
                name=f"Benchmark indicator {n}",
                definition="Generated for the monitoring benchmark.",
                unit="cases",
                direction="increase" if n % 4 else "decrease",
                period_type=Kind.YEAR.value,
                disaggregations=disaggregations(cells),
                category=categories[n % len(categories)],
                decimals=1,
                is_demo=True,
            )
            for n, cells in enumerate(shape, start=1)
        ]
    )
    counts = {"values": 0, "targets": 0, "baselines": 0}
    # The values are a million rows: every value that repeats is adapted by its field once.
    insert = Inserter(Value)
    when = insert.prep("submitted_at", now)
    stamps = {
        "draft": (None, None, None),
        "submitted": (when, None, None),
        "approved": (when, when, secretariat.pk),
    }
    periods = {}
    for year in YEARS:
        period = Period(Kind.YEAR, year)
        periods[year] = (
            str(period),
            insert.prep("period_start", period.start),
            insert.prep("period_end", period.end),
        )
    targets: list[Target] = []
    baselines: list[Baseline] = []
    for i, indicator in enumerate(indicators):
        keys = indicator.disaggregation_keys()
        increase = indicator.direction == "increase"
        for s, state in enumerate(states):
            tlp = TLP.CLEAR if (i + s) % 2 == 0 else TLP.AMBER
            first = 0.0
            for year, status, key, x, level in value_cells(rng, YEARS, keys, increase=increase):
                if year == YEARS[0]:
                    first = level
                period, start, end = periods[year]
                submitted, approved, approver = stamps[status]
                insert.add_prepared(
                    indicator_id=indicator.pk,
                    state_id=state.pk,
                    owner_id=state.organisation_id,
                    tlp=str(tlp),
                    period=period,
                    period_start=start,
                    period_end=end,
                    disaggregation=key,
                    value=Decimal(f"{x:.1f}"),
                    quality="B",
                    status=status,
                    submitted_at=submitted,
                    approved_at=approved,
                    approved_by_id=approver,
                )
            if rng.random() < 0.95:
                baselines.append(
                    reference_point(
                        Baseline,
                        indicator.pk,
                        state,
                        commission,
                        first,
                        Period(Kind.YEAR, YEARS[0]),
                    )
                )
            if rng.random() < 0.9:
                goal = (
                    first * rng.uniform(1.05, 1.6) if increase else first * rng.uniform(0.5, 0.95)
                )
                targets.append(
                    reference_point(
                        Target,
                        indicator.pk,
                        state,
                        commission,
                        goal,
                        Period(Kind.YEAR, PERIOD_YEAR),
                    )
                )
    counts["values"] = insert.finish()
    counts["released"] = release_rows(
        Value,
        commission.pk,
        f"tlp = %s AND indicator_id IN (SELECT id FROM {table(Indicator)} WHERE code LIKE %s)",  # noqa: S608 - a table name from the model, every value a parameter
        [TLP.AMBER.value, f"{CODE_PREFIX}%"],
    )
    with transaction.atomic():
        counts["baselines"] = len(Baseline.objects.bulk_create(baselines, batch_size=BATCH))
        counts["targets"] = len(Target.objects.bulk_create(targets, batch_size=BATCH))
    refresh_planner_statistics()
    seconds = time.perf_counter() - started
    total = Value.objects.count()
    cells = f"{min(shape)}" if min(shape) == max(shape) else f"{min(shape)}-{max(shape)}"
    say(
        f"large set: {len(indicators)} annual indicators x {len(states)} Caribbean States x "
        f"{len(YEARS)} years ({YEARS[0]}-{YEARS[-1]}) x {cells} disaggregation cells (with the total)"
    )
    say(
        f"  built {counts['values']:,} values ({counts['released']:,} TLP:AMBER released to the "
        f"Commission, the rest TLP:CLEAR), {counts['targets']:,} targets for {PERIOD_YEAR}, "
        f"{counts['baselines']:,} baselines in {seconds:.1f} s ({counts['values'] / seconds:,.0f} "
        f"values/s)"
    )
    say(
        f"  values by executemany, {BATCH:,} rows a transaction; indicators, targets, baselines "
        f"by bulk_create; release rows by one INSERT ... SELECT; no history rows; "
        "then the planner statistics refreshed, as after an import"
    )
    say(f"  monitoring_value holds {total:,} rows (with the reference homicide series)")
    return {"indicators": [i.code for i in indicators], "user": secretariat}


# --- hand-written SQL -----------------------------------------------------------------------


def dashboard_sql(user: Any) -> tuple[str, list[Any]]:
    """Every indicator x Caribbean State with an approved total or a target in the period: the cells."""
    from seccoop.framework.models import Organisation, Party
    from seccoop.monitoring.models import Baseline, Indicator, Target, Value

    vis_i, p_i = visible_sql(Indicator, "i", user)
    vis_v, p_v = visible_sql(Value, "v", user)
    vis_t, p_t = visible_sql(Target, "t", user)
    vis_b, p_b = visible_sql(Baseline, "b", user)
    sql = f"""
        SELECT i.id, p.id, v.value, t.value, b.value
        FROM {table(Indicator)} i
        CROSS JOIN {table(Party)} p
        LEFT JOIN {table(Value)} v
            ON v.indicator_id = i.id AND v.state_id = p.id AND v.period = %s
            AND v.status = 'approved' AND v.disaggregation = '' AND {vis_v}
        LEFT JOIN {table(Target)} t
            ON t.indicator_id = i.id AND t.state_id = p.id AND t.period = %s AND {vis_t}
        LEFT JOIN {table(Baseline)} b
            ON v.id IS NOT NULL AND b.indicator_id = i.id AND b.state_id = p.id AND {vis_b}
        WHERE i.period_type = 'year' AND {vis_i} AND (v.id IS NOT NULL OR t.id IS NOT NULL)
            AND p.organisation_id IN
                (SELECT id FROM {table(Organisation)} WHERE side = 'caribbean')
    """  # noqa: S608 - table names from the models, every value a parameter
    period = str(PERIOD_YEAR)
    return sql, [period, *p_v, period, *p_t, *p_b, *p_i]


def values_page_sql(user: Any, filtered: bool) -> str:
    """The values API's page: the same columns, filter, order, visibility; LIMIT/OFFSET last."""
    from seccoop.framework.models import Party
    from seccoop.monitoring.models import Indicator, Value

    vis_v, _params = visible_sql(Value, "v", user)
    where = "i.code = %s AND p.iso3 = %s AND " if filtered else ""
    return f"""
        SELECT v.id, v.version, i.code, p.iso3, v.period, v.disaggregation, v.value,
               v.text_value, v.low, v.high, v.quality, v.status, v.comment, v.evidence,
               v.return_reason, v.warnings, v.tlp
        FROM {table(Value)} v
        JOIN {table(Indicator)} i ON i.id = v.indicator_id
        JOIN {table(Party)} p ON p.id = v.state_id
        WHERE {where}{vis_v}
        ORDER BY v.indicator_id, v.state_id, v.period, v.disaggregation
        LIMIT %s OFFSET %s
    """  # noqa: S608 - table names from the models, every value a parameter


# --- A: the dashboard -----------------------------------------------------------------------


def bench_dashboard(user: Any, reps: int) -> Goal:

    from seccoop.accounts.policy import forget_scope
    from seccoop.monitoring.periods import Kind, Period
    from seccoop.monitoring.services import dashboard

    period = Period(Kind.YEAR, PERIOD_YEAR)

    def fresh() -> None:
        forget_scope(user)  # every request starts without the scope (one query)

    def board_of() -> Any:
        return dashboard(user, period)

    board_of()  # warm-up
    query_count = count_queries(board_of, fresh)
    ours_s, board = median_time(board_of, reps, fresh)

    floor = partial(fetch_all, *dashboard_sql(user))
    floor()  # warm-up
    floor_s, rows = median_time(floor, reps)

    def num(x: Any) -> float | None:
        return None if x is None else round(float(x), 4)

    got = {key: (num(r.actual), num(r.target), num(r.baseline)) for key, r in board.cells.items()}
    want = {(i, s): (num(v), num(t), num(b)) for i, s, v, t, b in rows}
    assert got == want, f"the floor disagrees: {len(got)} cells against {len(want)}"
    counts = ", ".join(f"{k} {v}" for k, v in sorted(board.counts.items()))
    say()
    say(
        f"A. regional progress dashboard, {PERIOD_YEAR}, as secretariat: {len(board.indicators)} "
        f"indicators x {len(board.states)} states, {len(board.cells):,} cells ({counts})"
    )
    say(
        f"  services.dashboard():          median {ours_s:8.3f} s over {reps} runs, "
        f"{query_count} queries"
    )
    say(
        f"  one hand-written SQL (floor):  median {floor_s:8.3f} s over {reps} runs "
        f"({len(rows):,} rows, equal to the dashboard's cells)"
    )
    say(f"  ratio dashboard / floor: {ours_s / floor_s:.1f}")
    return ratio_goal(
        f"dashboard {PERIOD_YEAR} as secretariat, median seconds", ours_s, floor_s, at_most=2
    )


# --- B: the values API ----------------------------------------------------------------------


WARMUP = 3


def bench_api(user: Any, codes: list[str], requests: int, budget: float) -> list[Goal]:
    from django.test import Client

    from seccoop.monitoring.models import Value

    client = Client()
    client.force_login(user)
    rng = random.Random(404)
    visible = Value.objects.restrict(user, "view").count()
    # The warm-up requests come first and are not measured.
    picks = [rng.choice(codes) for _ in range(WARMUP + requests)]
    offsets = [rng.randrange(0, max(1, visible - 100)) for _ in range(WARMUP + requests)]
    _vis, vis_params = visible_sql(Value, "v", user)

    def get(url: str) -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    series = [
        (
            "indicator=<code>&state=JAM (default page of 50)",
            lambda code: get(f"/api/v1/monitoring/values?indicator={code}&state=JAM"),
            picks,
            values_page_sql(user, filtered=True),
            lambda code: [code, "JAM", *vis_params, 50, 0],
        ),
        (
            "limit=100&offset=<random>",
            lambda offset: get(f"/api/v1/monitoring/values?limit=100&offset={offset}"),
            offsets,
            values_page_sql(user, filtered=False),
            lambda offset: [*vis_params, 100, offset],
        ),
    ]
    say()
    say(
        f"B. GET /api/v1/monitoring/values as secretariat ({visible:,} values visible) through "
        f"django.test.Client: up to {requests} requests per series after {WARMUP} warm-up, each "
        f"series stopped after {budget:.0f} s"
    )
    goals = []
    for label, call, args, sql, params in series:
        for a in args[: WARMUP - 1]:
            call(a)
        answers: list[Any] = []
        query_count = count_queries(
            lambda c=call, a=args[WARMUP - 1], out=answers: out.append(c(a))
        )
        body = answers[0]
        ours = timed_series(call, args[WARMUP:], budget)

        def fetch(a: Any, sql: str = sql, params: Any = params) -> list[Any]:
            return fetch_all(sql, params(a))

        # The floor returns the same rows as the API page, in the same order.
        for a in args[: WARMUP - 1]:
            fetch(a)
        page = fetch(args[WARMUP - 1])
        assert [r[0] for r in page] == [item["id"] for item in body["items"]], label
        floor = timed_series(fetch, args[WARMUP:], budget)
        p95, floor_p95 = percentile(ours, 95), percentile(floor, 95)
        say(f"  ?{label}: {len(body['items'])} items of {body['count']:,}")
        say(
            f"    API:              {latency(ours)} ({len(ours)} requests, {query_count} queries each)"
        )
        say(f"    raw SELECT floor: {latency(floor)} ({len(floor)} queries)")
        say(f"    ratio p95 API / floor: {p95 / floor_p95:.1f}")
        goals.append(ratio_goal(f"values API ?{label}, p95 ms", p95, floor_p95, at_most=2))
    return goals


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--values", type=int, default=1_000_000, help="size of the large set")
    parser.add_argument("--quick", action="store_true", help="50,000 values, fewer repetitions")
    parser.add_argument("--reps", type=int, default=7, help="dashboard repetitions")
    parser.add_argument("--requests", type=int, default=200, help="API requests per series")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per request series")
    args = parser.parse_args()
    if args.quick:
        args.values, args.reps, args.requests = 50_000, 3, 40
    with scratch_django("bench_monitoring", keep=args.keep):
        built = build(args.values)
        goals = [bench_dashboard(built["user"], args.reps)]
        goals += bench_api(built["user"], built["indicators"], args.requests, args.budget)
        record_goals("bench_monitoring", goals)


if __name__ == "__main__":
    main()
