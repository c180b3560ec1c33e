"""Monitoring on the large set: the regional progress dashboard and the values API.

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
  platform's importers do after a bulk write (on PostgreSQL autovacuum does it).

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

import argparse
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

PERIOD_YEAR = 2020
YEARS = range(2011, 2025)
INDICATORS = 200
CODE_PREFIX = "BENCH-"
BATCH = 10_000
AGE_GROUPS = ["0-14", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]


def say(line: str = "") -> None:
    """The benchmark's report goes to standard output."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def setup_django() -> Path:
    """Configure Django on a fresh SQLite file (or ``DATABASE_URL``); return the temp folder."""
    # A folder of our own, even with DATABASE_URL (uploads, static files): never a real one.
    made = Path(tempfile.mkdtemp(prefix="seccoop-bench-monitoring-"))
    os.environ["SECCOOP_DATA_DIR"] = str(made)
    os.environ["SECCOOP_DEBUG"] = "1"
    os.environ.setdefault("SECCOOP_LOG_LEVEL", "ERROR")
    Path(os.environ["SECCOOP_DATA_DIR"], "static").mkdir(parents=True, exist_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "seccoop.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_framework", stdout=io.StringIO())
    return made


def percentile(sorted_values: list[float], q: float) -> float:
    """The nearest-rank percentile (as the other benchmarks take p95)."""
    return sorted_values[max(0, int(len(sorted_values) * q) - 1)]


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


class RowInserter:
    """Values straight into their table with ``executemany``, ``BATCH`` rows a transaction.

    Every column the caller does not set takes the value Django would write for a new ``Value``
    (defaults and ``auto_now`` included), adapted once by the field itself; what varies (keys,
    marking, period, figure, status) is set per row. No history rows, no signals.
    """

    def __init__(self, model: Any, approver: Any, now: Any) -> None:
        from django.db import connection

        from seccoop.monitoring.periods import Kind, Period

        self.connection = connection
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        proto = model()
        self.template = [
            f.get_db_prep_save(f.pre_save(proto, add=True), connection) for f in fields
        ]
        self.at = {f.attname: n for n, f in enumerate(fields)}
        when = model._meta.get_field("submitted_at").get_db_prep_save(now, connection)
        self.when = {"draft": (None, None, None), "submitted": (when, None, None)}
        self.when["approved"] = (when, when, approver.pk)
        self.periods = {}
        for year in YEARS:
            period = Period(Kind.YEAR, year)
            start = model._meta.get_field("period_start")
            self.periods[year] = (
                str(period),
                start.get_db_prep_save(period.start, connection),
                start.get_db_prep_save(period.end, connection),
            )
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.sql = (
            f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608 - names from the model
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        self.rows: list[list[Any]] = []
        self.count = 0

    def add(
        self, indicator_id: int, state: Any, tlp: str, year: int, key: str, value: Any, status: str
    ) -> None:
        row = self.template.copy()
        at = self.at
        row[at["indicator_id"]] = indicator_id
        row[at["state_id"]] = state.pk
        row[at["owner_id"]] = state.organisation_id
        row[at["tlp"]] = str(tlp)
        row[at["period"]], row[at["period_start"]], row[at["period_end"]] = self.periods[year]
        row[at["disaggregation"]] = key
        row[at["value"]] = value
        row[at["quality"]] = "B"
        row[at["status"]] = status
        submitted, approved, approver = self.when[status]
        row[at["submitted_at"]], row[at["approved_at"]] = submitted, approved
        row[at["approved_by_id"]] = approver
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        from django.db import transaction

        with transaction.atomic(), self.connection.cursor() as cursor:
            cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []

    def finish(self) -> int:
        if self.rows:
            self.flush()
        return self.count


def build(values_wanted: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.utils import timezone

    from seccoop.accounts.demo import load_personas
    from seccoop.accounts.models import User
    from seccoop.core.db import refresh_statistics
    from seccoop.core.demo import DemoContext
    from seccoop.core.markings import TLP
    from seccoop.framework.models import Category, Organisation, Party
    from seccoop.monitoring.models import Baseline, Indicator, Target, Value
    from seccoop.monitoring.periods import Kind, Period

    if Indicator.objects.filter(code__startswith=CODE_PREFIX).exists():
        raise SystemExit(
            "This database already holds a benchmark set: point DATABASE_URL at an empty database."
        )
    load_personas(
        DemoContext(size="small", seed=2010, password="bench-password-2010-x", log=lambda m: None)
    )
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
    insert = RowInserter(Value, secretariat, now)
    targets: list[Target] = []
    baselines: list[Baseline] = []
    for i, indicator in enumerate(indicators):
        keys = indicator.disaggregation_keys()
        increase = indicator.direction == "increase"
        for s, state in enumerate(states):
            tlp = TLP.CLEAR if (i + s) % 2 == 0 else TLP.AMBER
            level = rng.uniform(20, 2000)
            trend = rng.uniform(-0.02, 0.06) * (1 if increase else -1)
            first = level
            for year in YEARS:
                level *= 1 + trend + rng.uniform(-0.05, 0.05)
                if year == YEARS[0]:
                    first = level
                draw = rng.random()
                if year == YEARS[-1]:
                    status = "approved" if draw < 0.4 else "submitted" if draw < 0.8 else "draft"
                else:
                    status = "approved" if draw < 0.92 else "submitted" if draw < 0.97 else "draft"
                for key in keys:
                    x = level if not key else level * rng.uniform(0.05, 0.6)
                    insert.add(indicator.pk, state, tlp, year, key, Decimal(f"{x:.1f}"), status)
            if rng.random() < 0.95:
                b = Baseline(
                    indicator_id=indicator.pk,
                    state_id=state.pk,
                    owner_id=state.organisation_id,
                    steward=commission,
                    value=Decimal(f"{first:.1f}"),
                )
                b.set_period(Period(Kind.YEAR, YEARS[0]))
                baselines.append(b)
            if rng.random() < 0.9:
                goal = (
                    first * rng.uniform(1.05, 1.6) if increase else first * rng.uniform(0.5, 0.95)
                )
                t = Target(
                    indicator_id=indicator.pk,
                    state_id=state.pk,
                    owner_id=state.organisation_id,
                    steward=commission,
                    value=Decimal(f"{goal:.1f}"),
                )
                t.set_period(Period(Kind.YEAR, PERIOD_YEAR))
                targets.append(t)
    counts["values"] = insert.finish()
    through = Value.releasable_to.through
    value_column = through._meta.get_field("value").column
    org_column = through._meta.get_field("organisation").column
    with transaction.atomic(), connection.cursor() as cursor:
        release = f"""
            INSERT INTO {through._meta.db_table} ({value_column}, {org_column})
            SELECT id, %s FROM {Value._meta.db_table} WHERE tlp = %s AND indicator_id IN
                (SELECT id FROM {Indicator._meta.db_table} WHERE code LIKE %s)
        """  # noqa: S608 - table names from the models, every value a parameter
        cursor.execute(release, [commission.pk, TLP.AMBER.value, f"{CODE_PREFIX}%"])
        counts["released"] = cursor.rowcount
        counts["baselines"] = len(Baseline.objects.bulk_create(baselines, batch_size=BATCH))
        counts["targets"] = len(Target.objects.bulk_create(targets, batch_size=BATCH))
    # What the platform's importers do after a bulk write (PostgreSQL: autovacuum does it).
    refresh_statistics()
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


def visible_sql(model: Any, alias: str, user: Any) -> tuple[str, list[Any]]:
    """The TLP read rule of ``seccoop.accounts.policy`` for one signed-in member, as SQL."""
    from seccoop.accounts.policy import user_scope

    scope = user_scope(user)
    assert scope.member and not user.is_superuser, "the SQL below is the rule for a member"
    released = model._meta.get_field("releasable_to").remote_field.through._meta.db_table
    recipients = model._meta.get_field("recipients").remote_field.through._meta.db_table
    own = f"{model._meta.model_name}_id"
    release = sorted(scope.release_orgs) or [0]
    orgs = sorted(scope.orgs) or [0]

    def marks(ids: list[int]) -> str:
        return ", ".join(["%s"] * len(ids))

    sql = f"""({alias}.tlp IN ('CLEAR', 'GREEN')
        OR ({alias}.tlp = 'AMBER' AND ({alias}.owner_id IN ({marks(release)})
            OR EXISTS (SELECT 1 FROM {released} r WHERE r.{own} = {alias}.id
                AND r.organisation_id IN ({marks(release)}))))
        OR ({alias}.tlp = 'AMBER+STRICT' AND {alias}.owner_id IN ({marks(orgs)}))
        OR ({alias}.tlp = 'RED' AND EXISTS (SELECT 1 FROM {recipients} u
            WHERE u.{own} = {alias}.id AND u.user_id = %s)))"""  # noqa: S608 - names from the model
    return sql, [*release, *release, *orgs, user.pk]


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
        FROM {Indicator._meta.db_table} i
        CROSS JOIN {Party._meta.db_table} p
        LEFT JOIN {Value._meta.db_table} v
            ON v.indicator_id = i.id AND v.state_id = p.id AND v.period = %s
            AND v.status = 'approved' AND v.disaggregation = '' AND {vis_v}
        LEFT JOIN {Target._meta.db_table} t
            ON t.indicator_id = i.id AND t.state_id = p.id AND t.period = %s AND {vis_t}
        LEFT JOIN {Baseline._meta.db_table} b
            ON v.id IS NOT NULL AND b.indicator_id = i.id AND b.state_id = p.id AND {vis_b}
        WHERE i.period_type = 'year' AND {vis_i} AND (v.id IS NOT NULL OR t.id IS NOT NULL)
            AND p.organisation_id IN
                (SELECT id FROM {Organisation._meta.db_table} WHERE side = 'caribbean')
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
        FROM {Value._meta.db_table} v
        JOIN {Indicator._meta.db_table} i ON i.id = v.indicator_id
        JOIN {Party._meta.db_table} p ON p.id = v.state_id
        WHERE {where}{vis_v}
        ORDER BY v.indicator_id, v.state_id, v.period, v.disaggregation
        LIMIT %s OFFSET %s
    """  # noqa: S608 - table names from the models, every value a parameter


# --- A: the dashboard -----------------------------------------------------------------------


def bench_dashboard(user: Any, reps: int) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from seccoop.accounts.policy import forget_scope
    from seccoop.monitoring.periods import Kind, Period
    from seccoop.monitoring.services import dashboard

    period = Period(Kind.YEAR, PERIOD_YEAR)
    board = dashboard(user, period)  # warm-up
    forget_scope(user)  # every request starts without the scope (one query)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        board = dashboard(user, period)
    query_count = len(queries)
    ours = []
    for _ in range(reps):
        forget_scope(user)
        t = time.perf_counter()
        board = dashboard(user, period)
        ours.append(time.perf_counter() - t)

    sql, params = dashboard_sql(user)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()  # warm-up
        floor = []
        for _ in range(reps):
            t = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            floor.append(time.perf_counter() - t)

    def num(x: Any) -> float | None:
        return None if x is None else round(float(x), 4)

    got = {key: (num(r.actual), num(r.target), num(r.baseline)) for key, r in board.cells.items()}
    want = {(i, s): (num(v), num(t), num(b)) for i, s, v, t, b in rows}
    assert got == want, f"the floor disagrees: {len(got)} cells against {len(want)}"
    ours_s, floor_s = statistics.median(ours), statistics.median(floor)
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


# --- B: the values API ----------------------------------------------------------------------


WARMUP = 3


def timed_series(call: Any, args: list[Any], budget: float) -> list[float]:
    """Milliseconds per call, in order of ``args``; stops early once ``budget`` s are spent."""
    times: list[float] = []
    deadline = time.perf_counter() + budget
    for a in args:
        t = time.perf_counter()
        call(a)
        times.append((time.perf_counter() - t) * 1000)
        if time.perf_counter() > deadline:
            break
    return sorted(times)


def bench_api(user: Any, codes: list[str], requests: int, budget: float) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

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
    for label, call, args, sql, params in series:
        for a in args[: WARMUP - 1]:
            call(a)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            body = call(args[WARMUP - 1])
        query_count = len(queries)  # now: the next request empties Django's query log
        ours = timed_series(call, args[WARMUP:], budget)

        def fetch(a: Any, sql: str = sql, params: Any = params) -> list[Any]:
            with connection.cursor() as cursor:
                cursor.execute(sql, params(a))
                return cursor.fetchall()

        # The floor returns the same rows as the API page, in the same order.
        for a in args[: WARMUP - 1]:
            fetch(a)
        page = fetch(args[WARMUP - 1])
        assert [r[0] for r in page] == [item["id"] for item in body["items"]], label
        floor = timed_series(fetch, args[WARMUP:], budget)
        p95, floor_p95 = percentile(ours, 0.95), percentile(floor, 0.95)
        say(f"  ?{label}: {len(body['items'])} items of {body['count']:,}")
        say(
            f"    API:              p50 {statistics.median(ours):8.1f} ms, p95 {p95:8.1f} ms "
            f"({len(ours)} requests, {query_count} queries each)"
        )
        say(
            f"    raw SELECT floor: p50 {statistics.median(floor):8.1f} ms, p95 "
            f"{floor_p95:8.1f} ms ({len(floor)} queries)"
        )
        say(f"    ratio p95 API / floor: {p95 / floor_p95:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=1_000_000, help="size of the large set")
    parser.add_argument("--quick", action="store_true", help="50,000 values, fewer repetitions")
    parser.add_argument("--reps", type=int, default=7, help="dashboard repetitions")
    parser.add_argument("--requests", type=int, default=200, help="API requests per series")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per request series")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database")
    args = parser.parse_args()
    if args.quick:
        args.values, args.reps, args.requests = 50_000, 3, 40
    began = time.perf_counter()
    folder = setup_django()
    from django.db import connection

    say(f"bench_monitoring ({connection.vendor}, {os.cpu_count()} cores)")
    try:
        built = build(args.values)
        bench_dashboard(built["user"], args.reps)
        bench_api(built["user"], built["indicators"], args.requests, args.budget)
    finally:
        connection.close()
        if args.keep and not os.environ.get("DATABASE_URL"):
            say(f"database kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    say(f"\ntotal run time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
